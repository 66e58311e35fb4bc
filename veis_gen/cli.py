"""The ``veis-gen`` command. Subcommands import what they need when they run."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from segkit.errors import UserError, run_command
from veis_gen import __version__
from veis_gen.render.choices import BACKENDS
from veis_gen.scene.types import SCENE_KINDS


def _records(args):
    from veis_gen.assets.pack import load_packs

    records = load_packs(args.pack or ["builtin"])
    if getattr(args, "cls", None):
        records = [r for r in records if r.class_name in args.cls]
        if not records:
            raise UserError(f"no assets of class {', '.join(args.cls)} in the packs given")
    return records


def _assets_list(args) -> int:
    grouped: dict[str, list] = {}
    for record in _records(args):
        grouped.setdefault(record.class_name, []).append(record)
    if args.json:
        print(json.dumps({cls: [{"id": r.id, "pack": r.pack, "recipe": r.recipe, "mesh": str(r.mesh) if r.mesh else None,
                                 "poses": list(r.poses)} for r in records] for cls, records in grouped.items()}, indent=2))
        return 0
    print(f"{'class':<15}{'assets':>7}{'poses':>7}  ids")
    for cls, records in grouped.items():
        ids = ", ".join(r.id for r in records)
        print(f"{cls:<15}{len(records):>7}{sum(len(r.poses) for r in records):>7}  {ids}")
    total = sum(len(v) for v in grouped.values())
    print(f"{total} assets, {sum(len(r.poses) for v in grouped.values() for r in v)} asset/pose combinations")
    return 0


def _assets_validate(args) -> int:
    from veis_gen.assets.pack import load_pack
    from veis_gen.assets.validate import validate_pack

    pack = load_pack(args.pack_path)
    problems = validate_pack(pack)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{pack.manifest}: {len(pack.assets)} assets, "
          f"{len(problems)} problem{'s' if len(problems) != 1 else ''}" if problems else f"{pack.manifest}: {len(pack.assets)} assets, all valid")
    return 1 if problems else 0


def _assets_preview(args) -> int:
    from segkit.formats.png import write_png
    from veis_gen.asset_preview import contact_sheet

    sheet = contact_sheet(_records(args), tile=args.tile, views=args.views, all_poses=args.all_poses, flat=args.flat,
                          columns=args.columns, seed=args.seed, backend=args.backend)
    write_png(args.out, sheet)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


def _generate(args) -> int:
    from segkit.config import resolve
    from veis_gen.generate import STAGES, GenerateConfig, generate

    config = resolve(GenerateConfig, args)
    if config.slurm is not None:
        return _generate_array(config)
    result = generate(config)
    made = result["made"]
    rate = made / result["seconds"] if result["seconds"] > 0 else 0.0
    print(f"{config.out}: made {made} images ({result['skipped']} already there) in {result['seconds']:.1f} s, "
          f"{rate:.2f} images/s with {config.workers} worker(s); COCO: {result['coco']}")
    if made:
        busy = sum(result["stages"].values()) or 1.0
        split = ", ".join(f"{stage} {1000 * result['stages'][stage] / made:.0f} ms ({100 * result['stages'][stage] / busy:.0f}%)"
                          for stage in STAGES)
        print(f"per image, summed over workers: {split}")
    return 0


def _generate_array(config) -> int:
    from veis_gen.shards import SHARDS, generate_array

    result = generate_array(config)
    jobs = ", ".join(result["submitted"])
    if result["merged"] is None:
        print(f"{config.out}: submitted {len(result['submitted'])} shard job(s) ({jobs}); when they are done, rerun this "
              f"command (or: veis-gen merge {config.out / SHARDS}/* --out {config.out})")
        return 0
    merged = result["merged"]
    print(f"{config.out}: {merged['images']} {merged['split']} images from {config.slurm} shards"
          + (f" (jobs {jobs})" if jobs else " (all made before)") + f"; COCO: {merged['coco']}")
    if merged["missing"]:
        print(f"missing {len(merged['missing'])} image(s): rerun the same command", file=sys.stderr)
        return 1
    return 0


def _stats(args) -> int:
    from veis_gen.stats import dataset_stats, format_stats

    stats = dataset_stats(Path(args.dir))
    print(json.dumps(stats, indent=2) if args.json else format_stats(stats))
    return 0


def _preview(args) -> int:
    from segkit.formats.png import write_png
    from veis_gen.dataset_preview import dataset_sheet

    sheet = dataset_sheet(Path(args.dir), count=args.count, columns=args.columns, width=args.width, kind=args.scenes,
                          beside=Path(args.beside) if args.beside else None)
    write_png(args.out, sheet)
    print(f"wrote {args.out} ({sheet.shape[1]}x{sheet.shape[0]})")
    return 0


def _merge(args) -> int:
    from veis_gen.shards import merge

    result = merge([Path(p) for p in args.shards], Path(args.out), args.split)
    print(f"{args.out}: {result['images']} {result['split']} images ({result['copied']} files copied); COCO: {result['coco']}")
    if result["missing"]:
        shown = ", ".join(str(i) for i in result["missing"][:20]) + (", ..." if len(result["missing"]) > 20 else "")
        print(f"missing {len(result['missing'])} image(s) of the run, indices {shown}: merge their shards too",
              file=sys.stderr)
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veis-gen", description="VEIS-style synthetic urban scenes with exact labels")
    parser.add_argument("--version", action="version", version=f"veis-gen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    assets = commands.add_parser("assets", help="list, validate and preview asset packs")
    asset_commands = assets.add_subparsers(dest="assets_command", metavar="ACTION", required=True)
    listing = asset_commands.add_parser("list", help="assets per class, with counts")
    listing.add_argument("--pack", action="append", help="pack folder or name (repeatable; default: builtin)")
    listing.add_argument("--class", dest="cls", action="append", help="only this class (repeatable)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_assets_list)
    validate = asset_commands.add_parser("validate", help="load every mesh and check it")
    validate.add_argument("pack_path", metavar="PACK", help="pack folder, manifest or name")
    validate.set_defaults(handler=_assets_validate)
    preview = asset_commands.add_parser("preview", help="a contact sheet of the assets")
    preview.add_argument("pack_path", metavar="PACK", nargs="?", help="pack folder, manifest or name (default: builtin)")
    preview.add_argument("--pack", action="append", help=argparse.SUPPRESS)
    preview.add_argument("--out", required=True, help="the PNG to write")
    preview.add_argument("--class", dest="cls", action="append", help="only this class (repeatable)")
    preview.add_argument("--all-poses", action="store_true", help="a cell per pose, not only the first")
    preview.add_argument("--flat", action="store_true", help="flat colours, no textures")
    preview.add_argument("--views", type=int, default=3, choices=range(1, 5))
    preview.add_argument("--tile", type=int, default=160)
    preview.add_argument("--columns", type=int, default=4)
    preview.add_argument("--seed", type=int, default=0)
    preview.add_argument("--backend", choices=BACKENDS)
    preview.set_defaults(handler=_assets_preview)

    from segkit.config import add_arguments
    from veis_gen.generate import GenerateConfig

    generate = commands.add_parser("generate", help="make a dataset of simple and/or complex scenes")
    add_arguments(generate, GenerateConfig)
    generate.set_defaults(handler=_generate)

    stats = commands.add_parser("stats", help="Table-1-style counts of a generated dataset")
    stats.add_argument("dir")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)

    sheet = commands.add_parser("preview", help="a contact sheet of generated images and their labels")
    sheet.add_argument("dir")
    sheet.add_argument("--out", required=True)
    sheet.add_argument("--count", type=_positive, default=12)
    sheet.add_argument("--columns", type=_positive, default=2)
    sheet.add_argument("--width", type=_positive, default=512, help="width of each image in the sheet")
    sheet.add_argument("--scenes", choices=SCENE_KINDS, help="only this kind of scene")
    sheet.add_argument("--beside", help="a folder of real frames (PNG or JPEG): one beside each generated image")
    sheet.set_defaults(handler=_preview)

    merge = commands.add_parser("merge", help="join the folders of --shard runs into one dataset")
    merge.add_argument("shards", nargs="+")
    merge.add_argument("--out", required=True)
    merge.add_argument("--split", default=None, help="check that the shards hold this split (default: theirs)")
    merge.set_defaults(handler=_merge)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if getattr(args, "pack_path", None) and hasattr(args, "pack") and args.handler is _assets_preview:
        args.pack = [args.pack_path]
    return run_command("veis-gen", lambda: args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
