"""Posed asset meshes -> world-space draw groups, merged by (segment, material, shading)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veis_gen.assets.materials import Material
from veis_gen.assets.memo import IdentityMemo
from veis_gen.assets.mesh import AssetMesh, Part


@dataclass
class DrawGroup:
    """World-space geometry of one material that writes one segment id (1..renderer.MAX_SEGMENT)."""

    segment: int
    material: Material
    vertices: np.ndarray  # (N, 3) float32, world
    faces: np.ndarray  # (M, 3) int32
    normals: np.ndarray | None = None  # (N, 3) per-vertex normals for smooth shading; None: flat
    uv: np.ndarray | None = None  # (N, 2) the mesh file's own texture coordinates
    texture: np.ndarray | None = None  # (H, W, 3) uint8 the mesh file's own texture
    drawn: bool = True  # False: in the seg pass (labels, depth) only, not in the colour pass


def face_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    triangles = vertices[faces]
    normals = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.where(length > 0, length, 1.0)).astype(np.float32)


_NORMALS = IdentityMemo(4096)  # keyed by a part's vertex array


def vertex_normals(part: Part) -> np.ndarray:
    """Area-weighted vertex normals of a part, memoised (parts come from the loader's shared meshes)."""
    return _NORMALS.get(part.vertices, lambda: _vertex_normals(part))


def _vertex_normals(part: Part) -> np.ndarray:
    triangles = part.vertices[part.faces]
    weighted = np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])
    # np.add.at over corners 0, 1, 2 in turn, as bincounts: the same additions in the same order, far faster.
    corners = part.faces.T.ravel()
    weighted = np.tile(weighted.astype(np.float64), (3, 1))
    normals = np.stack([np.bincount(corners, weights=weighted[:, k], minlength=len(part.vertices))
                        for k in range(3)], axis=1)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.where(length > 0, length, 1.0)).astype(np.float32)


def mesh_groups(mesh: AssetMesh, matrix: np.ndarray, materials: list[Material], segments: list[int]) -> list[DrawGroup]:
    """One group per part, in world coordinates; ``segments[i]`` is part i's segment id."""
    rotation, translation = matrix[:3, :3], matrix[:3, 3]
    groups = []
    for part, material, segment in zip(mesh.parts, materials, segments, strict=True):
        vertices = (part.vertices @ rotation.T + translation).astype(np.float32)
        normals = None
        if part.smooth:
            normals = vertex_normals(part) @ rotation.T
            normals /= np.linalg.norm(normals, axis=1, keepdims=True).clip(1e-12)
            normals = normals.astype(np.float32)
        groups.append(DrawGroup(segment, material, vertices, part.faces, normals,
                                part.uv if material.original else None, part.texture if material.original else None,
                                part.drawn))
    return groups


def merge(groups: list[DrawGroup], by: str = "segment+material") -> list[DrawGroup]:
    """Concatenate groups that share a key: ``segment+material`` (and shading), ``material`` (for colour
    passes, segments mixed) or ``segment`` (for the seg pass, materials ignored). Groups with a texture of
    their own are never merged with another."""
    buckets: dict[tuple, list[DrawGroup]] = {}
    for group in groups:
        own = id(group.texture) if group.texture is not None else None
        if by == "segment":
            key = (group.segment,)
        elif by == "material":
            key = (group.material, group.normals is not None, own, group.drawn)
        else:
            key = (group.segment, group.material, group.normals is not None, own, group.drawn)
        buckets.setdefault(key, []).append(group)
    merged = []
    for items in buckets.values():
        if len(items) == 1:
            merged.append(items[0])
            continue
        offsets = np.cumsum([0] + [len(g.vertices) for g in items[:-1]])
        first = items[0]
        keep_shading = by != "segment"
        merged.append(DrawGroup(
            first.segment, first.material,
            np.concatenate([g.vertices for g in items]),
            np.concatenate([g.faces + offset for g, offset in zip(items, offsets)]).astype(np.int32),
            np.concatenate([g.normals for g in items]) if keep_shading and first.normals is not None else None,
            np.concatenate([g.uv for g in items]) if keep_shading and first.uv is not None else None,
            first.texture if keep_shading else None,
            first.drawn or not keep_shading,
        ))
    return merged
