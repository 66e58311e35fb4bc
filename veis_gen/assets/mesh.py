"""Asset meshes as plain arrays, and the primitives the procedural recipes build them from.

Canonical frame of every asset mesh: metres, +Z up, +X forward (a vehicle's length runs along X, a person
faces +X), origin at the centre of the bounding box's footprint on the ground (min z = 0).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh


@dataclass
class Part:
    """One material slot of a mesh.

    ``kind`` names the palette its colours come from (``paint``, ``glass``, ``skin``, ...); ``class_name``
    overrides the asset's class for these pixels (the pole under a traffic light is a pole).
    ``uv``/``texture``/``color`` hold the mesh file's own appearance, if any. A part that is not ``drawn`` is
    in the labels and depth but not in the colour image: the outline an annotator draws around a leafless crown.
    """

    name: str
    vertices: np.ndarray  # (N, 3) float32
    faces: np.ndarray  # (M, 3) int32
    kind: str = "body"
    class_name: str | None = None
    uv: np.ndarray | None = None  # (N, 2) float32
    texture: np.ndarray | None = None  # (H, W, 3|4) uint8
    color: tuple[int, int, int] | None = None
    smooth: bool = False  # shade with vertex normals (bodies) rather than face normals (boxes)
    drawn: bool = True


@dataclass
class AssetMesh:
    parts: list[Part]
    anchors: dict[str, np.ndarray] = field(default_factory=dict)  # named points, e.g. a saddle

    @property
    def bounds(self) -> np.ndarray:
        stacked = np.concatenate([p.vertices for p in self.parts])
        return np.stack([stacked.min(0), stacked.max(0)])

    @property
    def extents(self) -> np.ndarray:
        low, high = self.bounds
        return high - low

    @property
    def triangle_count(self) -> int:
        return int(sum(len(p.faces) for p in self.parts))

    def transformed(self, matrix: np.ndarray) -> "AssetMesh":
        """Apply a 4x4 affine transform to vertices and anchors."""
        def apply(points):
            return (points @ matrix[:3, :3].T + matrix[:3, 3]).astype(np.float32)

        if len(self.parts) > 1 and (matrix[:3, :3] == np.eye(3)).all():
            # A translation (grounding): one operation for all parts, as buildings have thousands; x @ I is x.
            stacked = np.concatenate([p.vertices for p in self.parts]).astype(np.float64) + matrix[:3, 3]
            ends = np.cumsum([len(p.vertices) for p in self.parts])[:-1]
            moved = np.split(stacked.astype(np.float32), ends)
            parts = [_replaced(p, vertices=v) for p, v in zip(self.parts, moved)]
        else:
            parts = [_replaced(p, vertices=apply(p.vertices)) for p in self.parts]
        flip = np.linalg.det(matrix[:3, :3]) < 0
        if flip:  # a mirror turns faces inside out
            parts = [_replaced(p, faces=p.faces[:, ::-1].copy()) for p in parts]
        return AssetMesh(parts, {k: apply(v[None])[0] for k, v in self.anchors.items()})

    def grounded(self) -> "AssetMesh":
        """Translate so the footprint is centred on the origin and the lowest point is at z = 0."""
        low, high = self.bounds
        matrix = np.eye(4)
        matrix[:3, 3] = [-(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, -low[2]]
        return self.transformed(matrix)



def _replaced(part: Part, **changes) -> Part:
    """dataclasses.replace for a Part, ten times cheaper (Part has no __post_init__ to run)."""
    new = object.__new__(Part)
    new.__dict__.update(part.__dict__, **changes)
    return new


def translation(x: float = 0.0, y: float = 0.0, z: float = 0.0) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, 3] = (x, y, z)
    return matrix


def rotation(axis: str, degrees: float) -> np.ndarray:
    vector = {"x": (1, 0, 0), "y": (0, 1, 0), "z": (0, 0, 1)}[axis]
    return trimesh.transformations.rotation_matrix(np.radians(degrees), vector)


def _part(name: str, mesh: trimesh.Trimesh, kind: str, class_name: str | None, matrix=None) -> Part:
    if matrix is not None:
        mesh = mesh.copy()
        mesh.apply_transform(matrix)
    return Part(name, np.asarray(mesh.vertices, dtype=np.float32), np.asarray(mesh.faces, dtype=np.int32),
                kind=kind, class_name=class_name)


_BOX_CORNERS = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
_BOX_FACES = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                       [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]], dtype=np.int32)


def box(name: str, size, center=(0, 0, 0), *, kind: str = "body", class_name: str | None = None, matrix=None) -> Part:
    """An axis-aligned box (in numpy: scenes build thousands of them, windows mostly)."""
    vertices = _BOX_CORNERS * np.asarray(size, dtype=float) + np.asarray(center, dtype=float)
    if matrix is not None:
        vertices = vertices @ np.asarray(matrix)[:3, :3].T + np.asarray(matrix)[:3, 3]
    return Part(name, vertices.astype(np.float32), _BOX_FACES.copy(), kind=kind, class_name=class_name)


def cylinder(name: str, radius: float, length: float, center=(0, 0, 0), axis: str = "z", *, sections: int = 16,
             kind: str = "body", class_name: str | None = None) -> Part:
    mesh = trimesh.creation.cylinder(radius=radius, height=length, sections=sections)
    align = {"z": np.eye(4), "x": rotation("y", 90), "y": rotation("x", 90)}[axis]
    return _part(name, mesh, kind, class_name, translation(*center) @ align)


def segment(name: str, start, end, radius: float, *, sections: int = 8, kind: str = "body",
            class_name: str | None = None) -> Part:
    """A cylinder between two points: tubes of bicycle frames, poles, rails."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    mesh = trimesh.creation.cylinder(radius=radius, segment=np.stack([start, end]), sections=sections)
    return _part(name, mesh, kind, class_name)


def sphere(name: str, radius: float, center=(0, 0, 0), *, subdivisions: int = 2, scale=(1, 1, 1),
           kind: str = "body", class_name: str | None = None) -> Part:
    mesh = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    mesh.vertices *= np.asarray(scale, float)
    return _part(name, mesh, kind, class_name, translation(*center))


def torus(name: str, major: float, minor: float, center=(0, 0, 0), axis: str = "y", *, kind: str = "body",
          class_name: str | None = None, sections: int = 24) -> Part:
    mesh = trimesh.creation.torus(major_radius=major, minor_radius=minor, major_sections=sections, minor_sections=8)
    align = {"z": np.eye(4), "x": rotation("y", 90), "y": rotation("x", 90)}[axis]
    return _part(name, mesh, kind, class_name, translation(*center) @ align)


def triangulate(polygon: np.ndarray) -> np.ndarray:
    """Ear-clipping triangulation of a simple 2D polygon (any orientation); returns (K, 3) indices."""
    points = np.asarray(polygon, dtype=float)
    signed = 0.5 * np.sum(points[:, 0] * np.roll(points[:, 1], -1) - np.roll(points[:, 0], -1) * points[:, 1])
    order = list(range(len(points))) if signed > 0 else list(range(len(points)))[::-1]
    triangles = []

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    guard = 0
    while len(order) > 3 and guard < 10000:
        guard += 1
        for i in range(len(order)):
            a, b, c = order[i - 1], order[i], order[(i + 1) % len(order)]
            if cross(points[a], points[b], points[c]) <= 1e-12:
                continue
            inside = any(
                cross(points[a], points[b], points[p]) >= 0 and cross(points[b], points[c], points[p]) >= 0
                and cross(points[c], points[a], points[p]) >= 0
                for p in order if p not in (a, b, c)
            )
            if not inside:
                triangles.append((a, b, c))
                order.pop(i)
                break
        else:
            break
    if len(order) == 3:
        triangles.append(tuple(order))
    return np.array(triangles, dtype=np.int64)


def extrude_profile(name: str, profile, width: float, *, center_y: float = 0.0, kind: str = "body",
                    class_name: str | None = None) -> Part:
    """Extrude an (x, z) side profile symmetrically along Y: car bodies, bus shells, sign plates."""
    profile = np.asarray(profile, dtype=float)
    mesh = trimesh.creation.extrude_triangulation(profile, triangulate(profile), height=width)
    # extrude_triangulation builds along +Z from the XY plane; turn (x, y, z) into (x, z - w/2, y).
    matrix = np.array([[1, 0, 0, 0], [0, 0, -1, center_y + width / 2], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)
    return _part(name, mesh, kind, class_name, matrix)


def flat_shape(name: str, outline, thickness: float, *, kind: str = "body", class_name: str | None = None,
               matrix=None) -> Part:
    """A plate whose (y, z) outline faces +X, centred on x = 0: sign faces."""
    outline = np.asarray(outline, dtype=float)
    mesh = trimesh.creation.extrude_triangulation(outline, triangulate(outline), height=thickness)
    base = np.array([[0, 0, 1, -thickness / 2], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)
    return _part(name, mesh, kind, class_name, base if matrix is None else matrix @ base)


def regular_polygon(sides: int, radius: float, *, rotation_deg: float = 0.0) -> np.ndarray:
    angles = np.radians(rotation_deg) + np.arange(sides) * 2 * np.pi / sides
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
