"""Checks an asset pack: every mesh loads, is non-empty and finite, of sane size, upright, with known kinds."""
from __future__ import annotations

import numpy as np

from segkit.errors import UserError
from veis_gen.assets.loader import asset_mesh, prepare
from veis_gen.assets.materials import PALETTES
from veis_gen.assets.pack import ASSET_CLASSES, AssetRecord, Pack

MAX_TRIANGLES = 500_000
# Extents (metres) a real object of the class can have in its first pose: length (x), width (y), height (z).
PLAUSIBLE: dict[str, dict[str, tuple[float, float]]] = {
    "person": {"height": (0.8, 2.3), "length": (0.1, 1.6)},
    "rider": {"height": (0.8, 2.3)},
    "car": {"length": (2.4, 6.5), "height": (1.0, 2.6)},
    "truck": {"length": (4.0, 20.0), "height": (1.8, 4.6)},
    "bus": {"length": (5.5, 25.0), "height": (2.3, 4.8)},
    "train": {"length": (8.0, 120.0), "height": (2.5, 5.5)},
    "motorcycle": {"length": (1.2, 2.8), "height": (0.6, 1.7)},
    "bicycle": {"length": (1.0, 2.3), "height": (0.5, 1.5)},
    "traffic light": {"height": (0.3, 9.0)},
    "traffic sign": {"height": (0.2, 6.0)},
}
# Vehicles are longer than tall; people (standing) are taller than long: a wrong up axis breaks this.
LONGER_THAN_TALL = {"car", "truck", "bus", "train", "motorcycle", "bicycle"}
TALLER_THAN_LONG = {"person"}
_AXIS = {"length": 0, "width": 1, "height": 2}


def check_record(record: AssetRecord) -> list[str]:
    where = f"{record.manifest}: asset '{record.id}'"
    problems = []
    for index, pose in enumerate(record.poses):
        try:
            mesh = asset_mesh(record, pose)
        except UserError as exc:
            return [str(exc)]
        except Exception as exc:  # a recipe or file that fails in an unexpected way is still one line
            return [f"{where}: field '{'recipe' if record.recipe else 'mesh'}': cannot build pose {pose!r} ({type(exc).__name__}: {exc})"]
        if mesh.triangle_count == 0:
            return [f"{where}: field 'mesh': pose {pose!r} has no triangles"]
        if mesh.triangle_count > MAX_TRIANGLES:
            problems.append(f"{where}: field 'mesh': {mesh.triangle_count:,} triangles, more than {MAX_TRIANGLES:,}")
        if not all(np.isfinite(p.vertices).all() for p in mesh.parts):
            return [f"{where}: field 'mesh': pose {pose!r} has non-finite vertices"]
        for part in mesh.parts:
            if part.kind not in PALETTES:
                problems.append(f"{where}: field 'parts': part '{part.name}' has unknown material kind '{part.kind}'")
            if part.class_name is not None and part.class_name not in ASSET_CLASSES:
                problems.append(f"{where}: field 'parts': part '{part.name}' has unknown class '{part.class_name}'")
        if index == 0:
            problems += _check_size(record, mesh.extents, where)
    return problems


def _check_size(record: AssetRecord, extents: np.ndarray, where: str) -> list[str]:
    length, width, height = (float(v) for v in extents)
    described = f"{length:.2f} m long, {width:.2f} m wide, {height:.2f} m tall"
    if record.class_name in LONGER_THAN_TALL and height > length:
        return [f"{where}: field 'up': the {record.class_name} comes out {described}: is its up axis ({record.up}) right?"]
    if record.class_name in TALLER_THAN_LONG and length > height:
        return [f"{where}: field 'up': the {record.class_name} comes out {described}: is its up axis ({record.up}) right?"]
    for dimension, (low, high) in PLAUSIBLE.get(record.class_name, {}).items():
        value = float(extents[_AXIS[dimension]])
        if not low <= value <= high:
            field = "size" if record.size_range is not None else "units"
            return [f"{where}: field '{field}': {dimension} {value:.2f} m is outside {low}-{high} m for a {record.class_name} ({described})"]
    if max(length, width, height) > 500:
        return [f"{where}: field 'units': {described} is larger than any street object"]
    return []


def validate_pack(pack: Pack) -> list[str]:
    prepare(pack.assets)
    return [problem for record in pack.assets for problem in check_record(record)]
