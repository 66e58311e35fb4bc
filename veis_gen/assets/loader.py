"""Asset records -> meshes in the canonical frame (metres, +Z up, +X forward, on the ground), at nominal size.

Mesh files go through trimesh (OBJ+MTL, glTF/GLB, PLY, STL, multi-part scenes: one part per geometry).
Recipe meshes are cached on disk, keyed by recipe, parameters, pose and recipe version. Recipes marked
``isolated`` (people: torch and warp) are built in a spawned process: warp's LLVM and Mesa's llvmpipe
crash when both live in one process, and render workers then never import torch.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import trimesh

from segkit.errors import UserError
from segkit.formats.atomic import write_bytes
from veis_gen.assets.memo import Memo
from veis_gen.assets.mesh import AssetMesh, Part
from veis_gen.assets.pack import AssetRecord

DEFAULT_KIND = {
    "car": "paint", "truck": "fleet_paint", "bus": "fleet_paint", "train": "fleet_paint", "motorcycle": "frame",
    "bicycle": "frame", "person": "upper_garment", "rider": "upper_garment", "traffic light": "housing",
    "traffic sign": "sign_white", "building": "facade", "wall": "wall", "fence": "fence", "pole": "pole",
    "vegetation": "foliage", "terrain": "grass", "road": "asphalt", "sidewalk": "concrete", "sky": "body",
}
_AXIS_VECTORS = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}
_DIMENSION_AXIS = {"length": 0, "width": 1, "height": 2}


def cache_dir() -> Path:
    return Path(os.environ.get("VEIS_CACHE", Path.home() / ".cache" / "veis"))


def axes_matrix(up: str, forward: str) -> np.ndarray:
    """Rotation taking the mesh's up to +Z and its forward to +X."""
    up_v, forward_v = np.array(_AXIS_VECTORS[up], float), np.array(_AXIS_VECTORS[forward], float)
    matrix = np.eye(4)
    matrix[:3, :3] = np.stack([forward_v, np.cross(up_v, forward_v), up_v])
    return matrix


# ---- mesh files -------------------------------------------------------------------------------------------

def _appearance(geometry: trimesh.Trimesh):
    visual = geometry.visual
    uv = texture = color = None
    if isinstance(visual, trimesh.visual.TextureVisuals):
        material = visual.material
        image = getattr(material, "baseColorTexture", None) or getattr(material, "image", None)
        if image is not None and visual.uv is not None and len(visual.uv) == len(geometry.vertices):
            uv = np.asarray(visual.uv, dtype=np.float32)
            texture = np.asarray(image.convert("RGB"))
        factor = getattr(material, "baseColorFactor", None)
        if factor is None and hasattr(material, "main_color"):
            factor = material.main_color
        if factor is not None:
            color = tuple(int(v) for v in np.asarray(factor)[:3])
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.defined:
        colors = visual.vertex_colors if visual.kind == "vertex" else visual.face_colors
        color = tuple(int(v) for v in np.asarray(colors)[:, :3].mean(0))
    return uv, texture, color


def load_mesh_file(path: Path) -> AssetMesh:
    try:
        scene = trimesh.load(path, force="scene", process=False)
    except Exception as exc:  # trimesh raises many kinds for a bad file
        raise UserError(f"{path}: cannot load mesh ({type(exc).__name__}: {exc})") from None
    parts = []
    for node in scene.graph.nodes_geometry:
        transform, geometry_name = scene.graph[node]
        geometry = scene.geometry[geometry_name]
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            continue
        uv, texture, color = _appearance(geometry)
        vertices = trimesh.transform_points(np.asarray(geometry.vertices, dtype=float), transform)
        bad = int((~np.isfinite(vertices)).any(axis=1).sum())
        if bad:  # found now, not by the placement hours into a run
            raise UserError(f"{path}: part '{node}' has {bad} vertices that are not finite numbers (NaN or inf)")
        parts.append(Part(str(node), vertices.astype(np.float32), np.asarray(geometry.faces, dtype=np.int32),
                          uv=uv, texture=texture, color=color))
    if not parts:
        raise UserError(f"{path}: the mesh has no triangles")
    return AssetMesh(parts)


# ---- recipes and their cache -------------------------------------------------------------------------------

def _recipe_key(recipe: str, params: dict, pose: str) -> str:
    from veis_gen.assets.recipes import RECIPE_VERSIONS

    blob = json.dumps({"recipe": recipe, "params": params, "pose": pose, "version": RECIPE_VERSIONS[recipe]},
                      sort_keys=True)
    return f"{recipe}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def _cache_path(recipe: str, params: dict, pose: str) -> Path:
    return cache_dir() / "meshes" / f"{_recipe_key(recipe, params, pose)}.npz"


def save_mesh(path: Path, mesh: AssetMesh) -> None:
    arrays = {}
    meta = {"parts": [], "anchors": {k: [float(x) for x in v] for k, v in mesh.anchors.items()}}
    for i, part in enumerate(mesh.parts):
        arrays[f"v{i}"], arrays[f"f{i}"] = part.vertices, part.faces
        meta["parts"].append({"name": part.name, "kind": part.kind, "class": part.class_name, "smooth": part.smooth,
                              "color": part.color, "drawn": part.drawn})
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    write_bytes(path, buffer.getvalue())


def read_mesh(path: Path) -> AssetMesh:
    with np.load(path) as data:
        meta = json.loads(str(data["meta"]))
        parts = [Part(p["name"], data[f"v{i}"], data[f"f{i}"], kind=p["kind"], class_name=p["class"],
                      smooth=p["smooth"], color=tuple(p["color"]) if p["color"] else None,
                      drawn=p.get("drawn", True))
                 for i, p in enumerate(meta["parts"])]
    return AssetMesh(parts, {k: np.asarray(v, dtype=np.float32) for k, v in meta["anchors"].items()})


def _build_into_cache(jobs: list[tuple[str, dict, str, str]]) -> None:
    """Build (recipe, params, pose, where) jobs; a recipe refusing its parameters is a one-line error at ``where``."""
    from veis_gen.assets.recipes import RECIPES

    for recipe, params, pose, where in jobs:
        try:
            mesh = RECIPES[recipe](params, pose)
        except (ValueError, KeyError, TypeError) as exc:
            raise UserError(f"{where}: recipe '{recipe}' cannot be built with params {params} ({exc})") from None
        save_mesh(_cache_path(recipe, params, pose), mesh)


def check_mesh_files(records) -> None:
    """Load every mesh file of ``records`` (users' packs), so a broken one fails before a run starts."""
    for record in records:
        for path in {record.mesh, *record.pose_meshes.values()} - {None}:
            load_mesh_file(path)


def prepare(records, poses: str = "all") -> int:
    """Build every missing recipe mesh of ``records`` (isolated recipes in one spawned process); returns how many."""
    from veis_gen.assets.recipes import ISOLATED

    missing = []
    for record in records:
        if record.recipe is None:
            continue
        for pose in (record.poses if poses == "all" else record.poses[:1]):
            if not _cache_path(record.recipe, record.params, pose).is_file():
                missing.append((record.recipe, record.params, pose, f"{record.manifest}: asset '{record.id}'"))
    missing = list({json.dumps(job[:3], sort_keys=True): job for job in missing}.values())
    isolated = [job for job in missing if job[0] in ISOLATED]
    _build_into_cache([job for job in missing if job[0] not in ISOLATED])
    if isolated:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            pool.apply(_build_into_cache, (isolated,))
    return len(missing)


def _recipe_mesh(record: AssetRecord, pose: str) -> AssetMesh:
    path = _cache_path(record.recipe, record.params, pose)
    if not path.is_file():
        prepare([dataclasses.replace(record, poses=(pose,))])
    return read_mesh(path)


# ---- records -> canonical meshes ----------------------------------------------------------------------------

def _raw_mesh(record: AssetRecord, pose: str) -> AssetMesh:
    if pose not in record.poses:
        raise UserError(f"{record.manifest}: asset '{record.id}' has no pose {pose!r} (poses: {', '.join(record.poses)})")
    if record.recipe is not None:
        return _recipe_mesh(record, pose)
    mesh = load_mesh_file(record.pose_meshes.get(pose, record.mesh))
    matrix = axes_matrix(record.up, record.forward)
    matrix[:3, :3] *= record.units
    return mesh.transformed(matrix)


# Records hold dicts, so they are not hashable: memoise on where they were declared and the recipe parameters
# (a run may add some: veis-gen --car-detail).
_SCALES: dict[tuple, float] = {}
_MESHES = Memo(512)


def _declared(record: AssetRecord) -> tuple:
    return record.manifest, record.id, json.dumps(record.params, sort_keys=True)


def _scale(record: AssetRecord) -> float:
    key = _declared(record)
    if key not in _SCALES:
        _SCALES[key] = _compute_scale(record)
    return _SCALES[key]


def _compute_scale(record: AssetRecord) -> float:
    if record.size_range is None:
        return 1.0
    extent = _raw_mesh(record, record.poses[0]).extents[_DIMENSION_AXIS[record.size_dimension]]
    if extent <= 0:
        raise UserError(f"{record.manifest}: asset '{record.id}': field 'size': the mesh has zero {record.size_dimension}")
    return float(np.mean(record.size_range) / extent)


def asset_mesh(record: AssetRecord, pose: str | None = None) -> AssetMesh:
    """The asset at its nominal size (the middle of its size range), parts labelled with kinds and classes.

    The result is shared between callers: treat it as read-only.
    """
    pose = pose or record.poses[0]
    return _MESHES.get((*_declared(record), pose), lambda: _load_asset_mesh(record, pose))


def _load_asset_mesh(record: AssetRecord, pose: str) -> AssetMesh:
    mesh = _raw_mesh(record, pose)
    matrix = np.eye(4)
    matrix[:3, :3] *= _scale(record)
    mesh = mesh.transformed(matrix).grounded()
    for part in mesh.parts:
        rule = record.part_rule(part.name)
        if rule is not None:
            part.kind, part.class_name = rule.kind, rule.class_name or part.class_name
        elif record.recipe is None:
            part.kind = DEFAULT_KIND.get(record.class_name, "body")
    return mesh


def scale_range(record: AssetRecord) -> tuple[float, float]:
    """Multipliers of the nominal size that the declared size range allows."""
    if record.size_range is None:
        return 1.0, 1.0
    middle = float(np.mean(record.size_range))
    return record.size_range[0] / middle, record.size_range[1] / middle
