"""Asset packs: a folder with ``pack.toml`` (or ``pack.json``) listing assets, paths relative to the pack.

Each asset is a mesh file (anything trimesh loads) or a procedural recipe, with its class, real-world size,
units and axes, material slots, named poses, anchors, licence and source. See the README for an example.
"""
from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from segkit import labels
from segkit.errors import UserError

MANIFEST_NAMES = ("pack.toml", "pack.json")
UNITS = {"meters": 1.0, "metres": 1.0, "m": 1.0, "centimeters": 0.01, "centimetres": 0.01, "cm": 0.01,
         "millimeters": 0.001, "millimetres": 0.001, "mm": 0.001, "inches": 0.0254, "in": 0.0254,
         "feet": 0.3048, "ft": 0.3048}
AXES = ("+x", "-x", "+y", "-y", "+z", "-z")
SIZE_DIMENSIONS = ("height", "length", "width")
MATERIAL_MODES = ("palette", "original")
# Classes an asset may have: the 19 evaluated ones (a mesh may also be a plain pole, wall, ...).
ASSET_CLASSES = labels.TRAIN_CLASSES
ASSET_KEYS = {"id", "class", "mesh", "recipe", "params", "size", "units", "up", "forward", "parts", "materials",
              "poses", "anchors", "license", "licence", "source", "tags"}


@dataclass(frozen=True)
class PartRule:
    """Parts whose name matches ``pattern`` get this palette ``kind`` and, optionally, another class."""

    pattern: str
    kind: str
    class_name: str | None = None


@dataclass(frozen=True)
class AssetRecord:
    pack: str
    id: str
    class_name: str
    manifest: Path
    mesh: Path | None = None
    recipe: str | None = None
    params: dict = field(default_factory=dict)
    size_dimension: str | None = None  # which extent ``size`` fixes
    size_range: tuple[float, float] | None = None  # metres; the mesh is loaded at the midpoint
    units: float = 1.0  # metres per mesh unit
    up: str = "+z"
    forward: str = "+x"
    parts: tuple[PartRule, ...] = ()
    materials: str = "palette"
    poses: tuple[str, ...] = ("default",)
    pose_meshes: dict[str, Path] = field(default_factory=dict)
    anchors: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    license: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.pack}/{self.id}"

    def part_rule(self, part_name: str) -> PartRule | None:
        for rule in self.parts:
            if fnmatch.fnmatchcase(part_name, rule.pattern):
                return rule
        return None


@dataclass(frozen=True)
class Pack:
    name: str
    root: Path
    manifest: Path
    assets: tuple[AssetRecord, ...]
    license: str = ""
    source: str = ""

    def by_class(self) -> dict[str, list[AssetRecord]]:
        grouped: dict[str, list[AssetRecord]] = {}
        for asset in self.assets:
            grouped.setdefault(asset.class_name, []).append(asset)
        return grouped


PACKAGED = Path(__file__).resolve().parents[1] / "packs"  # the built-in pack ships inside the package


def pack_dirs() -> list[Path]:
    """Where a pack given by name is looked for: $VEIS_ASSETS (your packs) first, then the packaged ones."""
    return ([Path(os.environ["VEIS_ASSETS"])] if os.environ.get("VEIS_ASSETS") else []) + [PACKAGED]


def find_manifest(path_or_name: str | os.PathLike) -> Path:
    """A pack by folder, manifest file, or name of a folder under one of ``pack_dirs()``."""
    candidate = Path(path_or_name)
    if candidate.is_file():
        return candidate
    folders = [candidate] if candidate.is_dir() else []
    if not candidate.is_absolute() and len(candidate.parts) == 1:
        folders += [folder / candidate for folder in pack_dirs() if (folder / candidate).is_dir()][:1]
    for folder in folders:
        for name in MANIFEST_NAMES:
            if (folder / name).is_file():
                return folder / name
    if folders:
        raise UserError(f"{folders[0]}: no pack.toml or pack.json in this folder")
    raise UserError(f"{path_or_name}: no such asset pack (a folder with pack.toml, or a pack name under "
                    f"{' or '.join(str(folder) for folder in pack_dirs())})")


def _read_manifest(manifest: Path) -> dict:
    try:
        text = manifest.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{manifest}: cannot read ({exc.strerror})") from None
    try:
        data = tomllib.loads(text) if manifest.suffix == ".toml" else json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{manifest}: not valid TOML ({exc})") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{manifest}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise UserError(f"{manifest}: expected a table with [pack] and [[assets]]")
    return data


class _AssetParser:
    """Turns one manifest entry into an AssetRecord; every problem is one line naming the asset and field."""

    def __init__(self, manifest: Path, pack: str, index: int, entry: dict):
        self.manifest, self.pack, self.entry = manifest, pack, entry
        self.label = f"asset {index + 1}" + (f" ('{entry['id']}')" if isinstance(entry.get("id"), str) else "")

    def fail(self, key: str, message: str):
        raise UserError(f"{self.manifest}: {self.label}: field '{key}': {message}")

    def path(self, key: str, value) -> Path:
        if not isinstance(value, str) or not value:
            self.fail(key, "expected a path relative to the pack")
        if Path(value).is_absolute():
            self.fail(key, f"'{value}' must be relative to the pack folder")
        path = (self.manifest.parent / value).resolve()
        if not path.is_file():
            self.fail(key, f"file not found: {path}")
        return path

    def parse(self) -> AssetRecord:
        entry = self.entry
        unknown = sorted(set(entry) - ASSET_KEYS)
        if unknown:
            self.fail(unknown[0], f"unknown field (known: {', '.join(sorted(ASSET_KEYS))})")
        asset_id = entry.get("id")
        if not isinstance(asset_id, str) or not asset_id or "/" in asset_id:
            self.fail("id", "expected a non-empty name without '/'")
        class_name = entry.get("class")
        if class_name not in ASSET_CLASSES:
            self.fail("class", f"unknown class {class_name!r} (one of: {', '.join(ASSET_CLASSES)})")
        has_mesh, has_recipe = "mesh" in entry, "recipe" in entry
        if has_mesh == has_recipe:
            self.fail("mesh", "give exactly one of 'mesh' (a file) or 'recipe' (a procedural recipe)")
        mesh = self.path("mesh", entry["mesh"]) if has_mesh else None
        recipe = entry.get("recipe")
        if has_recipe:
            from veis_gen.assets.recipes import RECIPES

            if recipe not in RECIPES:
                self.fail("recipe", f"unknown recipe {recipe!r} (one of: {', '.join(sorted(RECIPES))})")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            self.fail("params", "expected a table")
        if has_recipe:
            from veis_gen.assets.recipes.params import params_problem

            if problem := params_problem(recipe, params):
                self.fail("params", problem)
        elif params:
            self.fail("params", "only a recipe takes params (this asset is a mesh file)")

        size_dimension, size_range = self.size()
        units = entry.get("units", "meters")
        if isinstance(units, str):
            if units not in UNITS:
                self.fail("units", f"unknown unit {units!r} (one of: {', '.join(UNITS)}, or metres per unit as a number)")
            units = UNITS[units]
        elif not isinstance(units, (int, float)) or isinstance(units, bool) or units <= 0:
            self.fail("units", "expected a unit name or a positive number of metres per unit")
        up, forward = entry.get("up", "+z"), entry.get("forward", "+x")
        for key, axis in (("up", up), ("forward", forward)):
            if axis not in AXES:
                self.fail(key, f"expected one of {', '.join(AXES)}, got {axis!r}")
        if up[1] == forward[1]:
            self.fail("forward", f"must be another axis than up ({up})")

        return AssetRecord(
            pack=self.pack, id=asset_id, class_name=class_name, manifest=self.manifest, mesh=mesh, recipe=recipe,
            params=params, size_dimension=size_dimension, size_range=size_range, units=float(units), up=up,
            forward=forward, parts=self.parts(), materials=self.materials(), **self.poses(),
            anchors=self.anchors(), license=str(entry.get("license", entry.get("licence", ""))),
            source=str(entry.get("source", "")), tags=tuple(entry.get("tags", ())),
        )

    def size(self):
        size = self.entry.get("size")
        if size is None:  # the mesh keeps its own size, in its declared units
            return None, None
        if not isinstance(size, dict) or len(size) != 1 or next(iter(size)) not in SIZE_DIMENSIONS:
            self.fail("size", "expected one of { height = ... }, { length = ... }, { width = ... } in metres")
        dimension, value = next(iter(size.items()))
        values = value if isinstance(value, list) else [value, value]
        if (len(values) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
                or not 0 < values[0] <= values[1]):
            self.fail("size", f"{dimension} must be a positive number or [min, max] in metres")
        return dimension, (float(values[0]), float(values[1]))

    def parts(self) -> tuple[PartRule, ...]:
        parts = self.entry.get("parts", {})
        if not isinstance(parts, dict):
            self.fail("parts", "expected a table of part-name pattern = kind, or = { kind = ..., class = ... }")
        rules = []
        for pattern, spec in parts.items():
            spec = {"kind": spec} if isinstance(spec, str) else spec
            if not isinstance(spec, dict) or not isinstance(spec.get("kind"), str):
                self.fail("parts", f"part {pattern!r}: expected a palette kind name")
            class_name = spec.get("class")
            if class_name is not None and class_name not in ASSET_CLASSES:
                self.fail("parts", f"part {pattern!r}: unknown class {class_name!r}")
            rules.append(PartRule(pattern, spec["kind"], class_name))
        return tuple(rules)

    def materials(self) -> str:
        mode = self.entry.get("materials", "palette")
        if mode not in MATERIAL_MODES:
            self.fail("materials", f"expected one of {', '.join(MATERIAL_MODES)}, got {mode!r}")
        return mode

    def poses(self) -> dict:
        poses = self.entry.get("poses")
        if poses is None:
            return {}
        if isinstance(poses, list) and poses and all(isinstance(p, str) for p in poses):
            if "mesh" in self.entry:
                self.fail("poses", "a mesh asset names its poses with their files: { name = 'file.obj' }")
            return {"poses": tuple(poses)}
        if isinstance(poses, dict) and poses and "mesh" in self.entry:
            return {"poses": ("default", *poses), "pose_meshes": {n: self.path("poses", p) for n, p in poses.items()}}
        self.fail("poses", "expected a list of pose names (recipes) or a table name = mesh file")

    def anchors(self) -> dict:
        anchors = self.entry.get("anchors", {})
        if not isinstance(anchors, dict):
            self.fail("anchors", "expected a table of name = [x, y, z]")
        for name, point in anchors.items():
            if not (isinstance(point, list) and len(point) == 3 and all(isinstance(v, (int, float)) for v in point)):
                self.fail("anchors", f"anchor {name!r}: expected [x, y, z] in metres")
        return {name: tuple(float(v) for v in point) for name, point in anchors.items()}


def load_pack(path_or_name: str | os.PathLike) -> Pack:
    manifest = find_manifest(path_or_name)
    data = _read_manifest(manifest)
    header = data.get("pack", {})
    if not isinstance(header, dict):
        raise UserError(f"{manifest}: [pack] must be a table")
    name = header.get("name", manifest.parent.name)
    if not isinstance(name, str) or not name:
        raise UserError(f"{manifest}: field 'pack.name': expected a non-empty name")
    entries = data.get("assets")
    if not isinstance(entries, list) or not entries:
        raise UserError(f"{manifest}: no [[assets]] entries")
    assets, seen = [], set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise UserError(f"{manifest}: asset {index + 1}: expected a table")
        record = _AssetParser(manifest, name, index, entry).parse()
        if record.id in seen:
            raise UserError(f"{manifest}: asset {index + 1} ('{record.id}'): field 'id': duplicate id")
        seen.add(record.id)
        assets.append(record)
    return Pack(name=name, root=manifest.parent, manifest=manifest, assets=tuple(assets),
                license=str(header.get("license", "")), source=str(header.get("source", "")))


def load_packs(paths_or_names) -> list[AssetRecord]:
    """The assets of several packs together; two packs of the same name are an error."""
    records, names = [], {}
    for item in paths_or_names:
        pack = load_pack(item)
        if pack.name in names:
            raise UserError(f"{pack.manifest}: pack name '{pack.name}' is also used by {names[pack.name]}")
        names[pack.name] = pack.manifest
        records.extend(pack.assets)
    return records


def with_recipe_params(records: list[AssetRecord], recipe: str, **params) -> list[AssetRecord]:
    """``records`` with ``params`` added to those built by ``recipe`` (a run's setting: veis-gen --car-detail);
    assets from mesh files and other recipes are left as they are."""
    return [replace(r, params={**r.params, **params}) if r.recipe == recipe else r for r in records]
