"""The ``segkit`` command. Subcommands import their modules lazily: those without a model never import torch."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from segkit.errors import run_command


def _check_dataset(args) -> int:
    from segkit.formats.validate import check_tree, format_summary

    summary = check_tree(args.dir, splits=args.split, workers=args.workers)
    for problem in summary["problems"]:
        print(problem, file=sys.stderr)
    print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
    return 1 if summary["problems"] else 0


def _export_coco(args) -> int:
    from segkit.formats.export import export_cityscapes_to_coco

    count = export_cityscapes_to_coco(args.dir, args.out, split=args.split, classes=args.classes)
    print(f"wrote {args.out}: {count['images']} images, {count['annotations']} instances")
    return 0


def _ground_truth(args):
    """Records from a dataset name (cityscapes:val, veis:DIR, ...) or a Cityscapes-layout folder."""
    from pathlib import Path

    from segkit.data import catalog

    source = args.gt
    if Path(source).is_dir():
        return catalog.cityscapes_layout(Path(source), args.split, "gt", instances_kind="instanceIds")
    return catalog.get(source, roots={name: getattr(args, name) for name in catalog.ROOTED})


def _evaluate(args) -> int:
    from segkit.evaluation import strict_json
    from segkit.evaluation.files import evaluate_predictions, format_metrics
    from segkit.formats.atomic import check_output_file, write_json

    if args.json:
        check_output_file(args.json, "--json")
    metrics = evaluate_predictions(_ground_truth(args), Path(args.pred), pred_ids=args.pred_ids, workers=args.workers)
    print(format_metrics(metrics))
    if args.json:
        write_json(args.json, strict_json(metrics), indent=2)
    return 0



def _evaluate_instances(args) -> int:
    from segkit.evaluation import strict_json
    from segkit.evaluation.instances import align_results, coco_mask_ap, ground_truth_from_records, load_predictions
    from segkit.formats.atomic import check_output_file, write_json
    from segkit.formats.coco import load_coco

    if args.json:
        check_output_file(args.json, "--json")
    if Path(args.gt).is_file():
        gt = load_coco(args.gt)
    else:
        gt = ground_truth_from_records([r for r in _ground_truth(args) if r.instances is not None])
    predictions = load_predictions(args.pred, gt_coco=args.gt_coco or (args.gt if Path(args.gt).is_file() else None))
    metrics = coco_mask_ap(gt, align_results(gt, predictions, args.pred))
    values = metrics["segm"]
    print(f"mask AP {100 * values['AP']:.2f}  AP50 {100 * values['AP50']:.2f}  AP75 {100 * values['AP75']:.2f} "
          f"({values['images']} images, {values['detections']} detections)")
    for key, value in values.items():
        if key.startswith("AP-"):
            print(f"  {key[3:]:<15}{'  n/a' if value != value else f'{100 * value:6.2f}'}")
    if args.json:
        write_json(args.json, strict_json(metrics), indent=2)
    if args.export_cityscapes:
        from segkit.evaluation.instances import export_cityscapes_instances

        count = export_cityscapes_instances(predictions, Path(args.export_cityscapes))
        print(f"wrote {count} masks in the official instance format to {args.export_cityscapes}")
    return 0


def _train(args) -> int:
    from segkit.config import resolve
    from segkit.train import train
    from segkit.train_config import TrainConfig

    config = resolve(TrainConfig, args)
    result = train(config)
    if result["rank"] != 0:  # under torchrun every process returns here; one report is enough
        return 0
    last = result["history"][-1] if result["history"] else {}
    loss = f", last loss {last['loss']:.4f}" if "loss" in last else " (finished before: nothing to train)"
    print(f"{config.out}: {result['steps']} steps on {result['device']}{loss}"
          + (f", best validation {100 * result['best']:.2f}" if result["best"] > float("-inf") else ""))
    return 0


def _predict(args) -> int:
    from segkit.config import resolve
    from segkit.predict import PredictConfig, predict

    result = predict(resolve(PredictConfig, args))
    print(f"{result['out']}: predicted {result['images']} images on {result['device']}")
    return 0


def _fuse(args) -> int:
    from segkit.fuse import CLASS_SETS, FusionRules, fuse_folder

    rules = FusionRules(CLASS_SETS[args.classes], args.score_threshold, args.min_area, args.min_visible)
    result = fuse_folder(Path(args.semantic), Path(args.instances), Path(args.out), rules, gt_coco=args.gt_coco)
    print(f"{args.out}: fused {result['images']} images, {result['pasted']} instances pasted")
    return 0


def _pseudo_label(args) -> int:
    from segkit.config import resolve
    from segkit.pseudo_label import PseudoLabelConfig, run

    result = run(resolve(PseudoLabelConfig, args))
    print(f"{result['out']}: pseudo-labels for {result['images']} images, {100 * result['ignored']:.1f}% of pixels ignored")
    return 0


def _table2(args) -> int:
    from segkit.bench.table2 import Table2Config, run_table2
    from segkit.config import resolve

    config = resolve(Table2Config, args)
    report = run_table2(config)
    for name, row in report["rows"].items():
        ours = "n/a" if row["mIoU"] is None else f"{row['mIoU']:.1f}"
        print(f"{name:<16} mIoU {ours:>5}   paper {row['paper_mIoU']:.1f}   ({row['paper_row']})")
    print(f"report: {config.out / 'table2.md'}")
    return 0


def _sim2real(args) -> int:
    from segkit.bench.sim2real import Sim2RealConfig, run_sim2real
    from segkit.config import resolve

    config = resolve(Sim2RealConfig, args)
    report = run_sim2real(config)
    print(f"synthetic-only training, real {config.target}: mIoU, things, stuff (paper's CamVid mIoU)")
    for row in report["rows"].values():
        paper = "" if row["paper_mIoU"] is None else f"  ({row['paper_mIoU']})"
        print(f"  {row['row']:<46} {row['mIoU']:>6} {row['mIoU_things']:>6} {row['mIoU_stuff']:>6}{paper}")
    print(f"report: {config.out / 'sim2real.md'}")
    return 0


def _study(args) -> int:
    from segkit.config import resolve
    from segkit.studies.shape_texture import format_report, run_study

    from segkit.studies.shape_texture import StudyConfig

    config = resolve(StudyConfig, args)
    print(format_report(run_study(config), config))
    return 0


def _fuse_command(commands) -> None:
    from segkit.fuse import CLASS_SETS, FusionRules  # torch-free

    rules = FusionRules()  # the paper's rules: the flags' defaults
    fuse = commands.add_parser("fuse", help="paste instance masks over semantic predictions (the paper's fusion)")
    fuse.add_argument("--semantic", required=True, help="folder of <name>_pred.png train-id maps")
    fuse.add_argument("--instances", required=True, help="the COCO instances.json of segkit predict det")
    fuse.add_argument("--out", required=True)
    fuse.add_argument("--classes", choices=tuple(CLASS_SETS),
                      default=next(name for name, classes in CLASS_SETS.items() if classes == rules.classes),
                      help="the paper's 10 classes, or Cityscapes' 8 instance classes")
    fuse.add_argument("--score-threshold", type=float, default=rules.score_threshold)
    fuse.add_argument("--min-area", type=int, default=rules.min_area)
    fuse.add_argument("--min-visible", type=float, default=rules.min_visible,
                      help="drop a detection less visible than this fraction")
    fuse.add_argument("--gt-coco", help="with detectron2's coco_instances_results.json: the COCO file its image_ids refer to")
    fuse.set_defaults(handler=_fuse)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segkit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check-dataset", help="validate a Cityscapes-layout tree and summarise it")
    check.add_argument("dir", help="dataset root holding leftImg8bit/ and gtFine/")
    check.add_argument("--split", action="append", help="only this split (repeatable); default: all")
    check.add_argument("--json", action="store_true", help="print the summary as JSON")
    check.add_argument("--workers", type=int, default=None, help="processes (default: CPU count, at most 8)")
    check.set_defaults(handler=_check_dataset)

    export = commands.add_parser("export-coco", help="write a split's instanceIds as a COCO instances JSON")
    export.add_argument("dir", help="dataset root holding leftImg8bit/ and gtFine/")
    export.add_argument("--split", required=True)
    export.add_argument("--out", required=True, help="the JSON file to write")
    export.add_argument("--classes", choices=("foreground", "instance"), default="foreground",
                        help="the paper's 10 foreground classes, or Cityscapes' 8 instance classes")
    export.set_defaults(handler=_export_coco)

    evaluate = commands.add_parser("evaluate", help="per-class IoU and means of predictions, as the official script")
    evaluate.add_argument("--gt", required=True, help="a Cityscapes-layout folder or a dataset name (cityscapes:val)")
    evaluate.add_argument("--pred", required=True, help="folder of prediction PNGs named <city>_<seq>_<frame>*.png")
    evaluate.add_argument("--pred-ids", choices=("train", "label"), default="train", help="what the PNGs hold")
    evaluate.add_argument("--split", help="with a folder --gt: only this split (default: all)")
    evaluate.add_argument("--json", help="also write the metrics here")
    evaluate.add_argument("--workers", type=int, default=None)
    _dataset_roots(evaluate)
    evaluate.set_defaults(handler=_evaluate)

    instances = commands.add_parser("evaluate-instances", help="COCO mask AP of instance predictions")
    instances.add_argument("--gt", required=True, help="a COCO instances file, a Cityscapes-layout folder or a dataset name")
    instances.add_argument("--pred", required=True, help="a COCO instances file whose annotations have scores")
    instances.add_argument("--split", help="with a folder --gt: only this split")
    instances.add_argument("--json", help="also write the metrics here")
    instances.add_argument("--export-cityscapes", help="also write the predictions in the official instance format here")
    instances.add_argument("--gt-coco", help="with detectron2's coco_instances_results.json: the COCO file its image_ids "
                                             "refer to (default: --gt when it is a COCO file)")
    _dataset_roots(instances)
    instances.set_defaults(handler=_evaluate_instances)

    _fuse_command(commands)
    bench = commands.add_parser("bench", help="benchmark suites")
    suites = bench.add_subparsers(dest="suite", required=True, metavar="SUITE")
    study = commands.add_parser("study", help="the shape-versus-texture studies")
    studies = study.add_subparsers(dest="study", required=True, metavar="STUDY")
    _config_commands(commands, suites, studies)
    return parser


def _config_commands(commands, suites, studies) -> None:
    """Commands driven by one typed config each: flags and --config from the dataclass."""
    from segkit.bench.sim2real import Sim2RealConfig
    from segkit.bench.table2 import Table2Config
    from segkit.config import add_arguments
    from segkit.predict import PredictConfig
    from segkit.pseudo_label import PseudoLabelConfig
    from segkit.studies.shape_texture import StudyConfig
    from segkit.train_config import TrainConfig

    for parent, name, text, config, handler, positional in (
            (commands, "train", "train DeepLab (seg) or Mask R-CNN (det)", TrainConfig, _train, ("task",)),
            (commands, "predict", "predict with a checkpoint", PredictConfig, _predict, ("task",)),
            (commands, "pseudo-label", "pseudo ground truth for unlabeled images from trained models", PseudoLabelConfig,
             _pseudo_label, ()),
            (suites, "table2", "the paper's Table 2, re-run (GPU box)", Table2Config, _table2, ()),
            (suites, "sim2real", "synthetic training, real target (CamVid): DeepLab, fusion, pseudo-GT, oracle",
             Sim2RealConfig, _sim2real, ()),
            (studies, "shape-texture", "domain and object classifiers on silhouettes and textures", StudyConfig, _study, ())):
        sub = parent.add_parser(name, help=text)
        add_arguments(sub, config, positional=positional)
        sub.set_defaults(handler=handler)


def _dataset_roots(parser) -> None:
    from segkit.data.catalog import DATASETS, ROOTED

    for name in ROOTED:
        parser.add_argument(f"--{name}", metavar="DIR", help=f"the {name} folder (default: ${DATASETS[name].variable})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_command("segkit", lambda: args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
