"""The background kit: road segments with lane markings, sidewalks with kerbs, buildings with facades and
windows, walls, fences, trees, hedges and terrain. Lengths run along X, centred on the origin."""
from __future__ import annotations

import numpy as np
import trimesh

from veis_gen.assets.mesh import AssetMesh, Part, box, cylinder, extrude_profile, segment



def ground(params: dict, pose: str) -> AssetMesh:
    """A flat slab, 5 cm thick, to stand things on: asphalt, concrete or grass by ``kind``."""
    length, width = float(params.get("length", 100.0)), float(params.get("width", 100.0))
    return AssetMesh([box("ground", (length, width, 0.05), (0, 0, -0.025), kind=params.get("kind", "concrete"))])


def road(params: dict, pose: str) -> AssetMesh:
    length, lanes = float(params.get("length", 20.0)), int(params.get("lanes", 2))
    lane_width = float(params.get("lane_width", 3.3))
    width = lanes * lane_width
    parts = [box("asphalt", (length, width, 0.05), (0, 0, -0.025), kind="asphalt")]
    dash, gap = 3.0, 6.0
    for lane in range(1, lanes):
        y = -width / 2 + lane * lane_width
        solid = lanes % 2 == 0 and lane == lanes // 2
        starts = [-length / 2] if solid else np.arange(-length / 2, length / 2 - dash, dash + gap)
        for k, x0 in enumerate(starts):
            run = length if solid else dash
            parts.append(box(f"marking_{lane}_{k}", (run, 0.15, 0.006), (x0 + run / 2, y, 0.003), kind="marking"))
    for side in (-1, 1):
        if params.get("kerb_lines", False):  # British double yellow lines: no waiting at any time
            for k, inset in enumerate((0.15, 0.35)):
                parts.append(box(f"kerb_line_{side}_{k}", (length, 0.1, 0.006), (0, side * (width / 2 - inset), 0.003),
                                 kind="marking_yellow"))
            continue
        parts.append(box(f"edge_{side}", (length, 0.12, 0.006), (0, side * (width / 2 - 0.25), 0.003), kind="marking"))
    if params.get("crossing", False):
        for k in range(int(width / 1.0)):
            parts.append(box(f"zebra_{k}", (3.0, 0.5, 0.007), (0, -width / 2 + 0.5 + k * 1.0, 0.0035), kind="marking"))
    return AssetMesh(parts)


def sidewalk(params: dict, pose: str) -> AssetMesh:
    length, width = float(params.get("length", 20.0)), float(params.get("width", 3.0))
    kerb = float(params.get("kerb_height", 0.15))
    parts = [box("pavement", (length, width - 0.2, kerb), (0, 0.1, kerb / 2), kind="paving"),
             box("kerb", (length, 0.2, kerb + 0.01), (0, -width / 2 + 0.1, (kerb + 0.01) / 2), kind="concrete")]
    return AssetMesh(parts)


BUILDING_STYLES = ("block", "townhouse", "office", "shop")


def building(params: dict, pose: str) -> AssetMesh:
    """A facade facing +X, with windows in a grid per floor, a door or shop front, and a roof; ``shop_front`` (a
    seed) gives any style a ground floor of shops with fascias, display windows and doors instead."""
    style = params.get("style", "block")
    if style not in BUILDING_STYLES:
        raise ValueError(f"unknown building style {style!r} (one of: {', '.join(BUILDING_STYLES)})")
    floors = int(params.get("floors", 5))
    floor_height = float(params.get("floor_height", 3.2 if style != "office" else 3.8))
    width, depth = float(params.get("width", 14.0)), float(params.get("depth", 10.0))
    height = floors * floor_height
    parts = [box("walls", (depth, width, height), (-depth / 2, 0, height / 2), kind="facade")]
    columns = max(1, int(width / (2.6 if style != "office" else 1.8)))
    window_w = (width / columns) * (0.5 if style != "office" else 0.8)
    window_h = floor_height * (0.5 if style != "office" else 0.7)
    shops = "shop_front" in params and width >= SHOP_WIDTH
    first_floor = 1 if style == "shop" or shops else 0
    if shops:
        parts += _shop_front(width, floor_height, np.random.default_rng(int(params["shop_front"])))
    elif style == "shop":
        parts.append(box("shop_front", (0.08, width * 0.8, floor_height * 0.7), (0.04, 0, floor_height * 0.4), kind="window"))
        parts.append(box("awning", (1.2, width * 0.8, 0.1), (0.6, 0, floor_height * 0.85), kind="fleet_paint"))
    else:
        parts.append(box("door", (0.1, 1.3, 2.3), (0.05, 0, 1.15), kind="window"))
    for floor in range(first_floor, floors):
        z = floor * floor_height + floor_height * 0.55
        for column in range(columns):
            y = -width / 2 + (column + 0.5) * width / columns
            if floor == 0 and abs(y) < 1.0:
                continue
            parts.append(box(f"window_{floor}_{column}", (0.06, window_w, window_h), (0.03, y, z), kind="window"))
            if style in ("block", "townhouse"):
                parts.append(box(f"sill_{floor}_{column}", (0.15, window_w + 0.1, 0.06), (0.07, y, z - window_h / 2 - 0.03), kind="concrete"))
    if style == "townhouse":
        roof = [(-depth - 0.3, height), (0.3, height), (-depth / 2, height + depth * 0.45)]
        parts.append(extrude_profile("roof", roof, width + 0.2, kind="roof"))
    else:
        parts.append(box("parapet", (depth, width, 0.6), (-depth / 2, 0, height + 0.3), kind="concrete"))
    return AssetMesh(parts)


SHOP_WIDTH = 2.6  # metres: a narrower facade keeps its own door


def _shop_front(width: float, floor_height: float, rng: np.random.Generator) -> list[Part]:
    """A ground floor of one to three shops between pilasters, each a painted fascia board with lettering over
    display windows divided by mullions, on a stall riser, and a glazed door at one end. Nothing stands more than
    0.25 m proud of the wall: the building's footprint, and so its place in the street, stays the facade's."""
    shops = max(1, min(int(rng.integers(1, 4 if width > 12 else 3)), int(width // 3)))
    pilasters = np.clip(np.linspace(-width / 2, width / 2, shops + 1), -width / 2 + 0.2, width / 2 - 0.2)
    fascia_z, glass_bottom, glass_top, door_w = floor_height * 0.84, 0.45, floor_height * 0.74, 1.0
    middle, tall = (glass_bottom + glass_top) / 2, glass_top - glass_bottom
    parts = [box(f"pilaster_{k}", (0.25, 0.4, floor_height), (0.125, y, floor_height / 2), kind="concrete")
             for k, y in enumerate(pilasters)]
    for k, (left, right) in enumerate(zip(pilasters[:-1] + 0.2, pilasters[1:] - 0.2)):
        name, centre, inner = f"shop_{k}", (left + right) / 2, right - left
        parts.append(box(f"{name}_fascia", (0.2, inner, 0.6), (0.1, centre, fascia_z), kind="fleet_paint"))
        letters = min(int(rng.integers(4, 10)), int((inner * 0.8 - 0.3) / 0.42) + 1)  # 0.3 m letters, 0.12 m apart
        run = (letters - 1) * 0.42
        for j, y in enumerate(np.linspace(centre - run / 2, centre + run / 2, letters)):
            parts.append(box(f"{name}_letter_{j}", (0.03, 0.3, 0.34), (0.215, y, fascia_z), kind="sign_white"))
        door = left + 0.1 + door_w / 2 if rng.random() < 0.5 else right - 0.1 - door_w / 2
        parts.append(box(f"{name}_door", (0.06, door_w, 2.2), (0.03, door, 1.1), kind="window"))
        for side, (a, b) in enumerate(((left, door - door_w / 2 - 0.1), (door + door_w / 2 + 0.1, right))):
            if b - a < 0.5:
                continue
            parts.append(box(f"{name}_riser_{side}", (0.12, b - a, glass_bottom), (0.06, (a + b) / 2, glass_bottom / 2),
                             kind="paint"))
            parts.append(box(f"{name}_glass_{side}", (0.04, b - a, tall), (0.02, (a + b) / 2, middle), kind="glass"))
            for j, y in enumerate(np.linspace(a + 0.035, b - 0.035, max(2, int((b - a) / 1.6) + 1))):
                parts.append(box(f"{name}_mullion_{side}_{j}", (0.09, 0.07, tall), (0.06, y, middle), kind="frame"))
    return parts


def wall(params: dict, pose: str) -> AssetMesh:
    length, height = float(params.get("length", 8.0)), float(params.get("height", 1.8))
    thickness = float(params.get("thickness", 0.25))
    return AssetMesh([box("wall", (length, thickness, height), (0, 0, height / 2), kind="wall"),
                      box("coping", (length + 0.05, thickness + 0.08, 0.08), (0, 0, height + 0.04), kind="concrete")])


FENCE_STYLES = ("picket", "rails", "bars", "mesh")


def fence(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "rails")
    if style not in FENCE_STYLES:
        raise ValueError(f"unknown fence style {style!r} (one of: {', '.join(FENCE_STYLES)})")
    length, height = float(params.get("length", 8.0)), float(params.get("height", 1.3))
    posts = np.linspace(-length / 2, length / 2, max(2, int(length / 2.0) + 1))
    parts = [box(f"post_{k}", (0.08, 0.08, height), (x, 0, height / 2), kind="fence") for k, x in enumerate(posts)]
    if style == "rails":
        parts += [box(f"rail_{k}", (length, 0.04, 0.1), (0, 0, z), kind="fence") for k, z in enumerate((height * 0.35, height * 0.85))]
    elif style in ("picket", "bars"):
        spacing = 0.14 if style == "picket" else 0.12
        parts += [box(f"rail_{k}", (length, 0.03, 0.06), (0, 0, z), kind="fence") for k, z in enumerate((0.2, height - 0.1))]
        for k, x in enumerate(np.arange(-length / 2 + 0.1, length / 2, spacing)):
            if style == "picket":
                parts.append(box(f"picket_{k}", (0.08, 0.02, height - 0.1), (x, 0.03, (height - 0.1) / 2), kind="fence"))
            else:
                parts.append(segment(f"bar_{k}", (x, 0, 0.05), (x, 0, height), 0.012, sections=6, kind="fence"))
    else:  # mesh
        parts.append(box("panel", (length, 0.01, height - 0.1), (0, 0, height / 2), kind="fence"))
    return AssetMesh(parts)


def _blob(name: str, radius: float, center, rng: np.random.Generator, *, kind: str = "foliage",
          squash=(1.0, 1.0, 1.0), roughness: float = 0.25) -> Part:
    mesh = trimesh.creation.icosphere(subdivisions=2, radius=radius)
    directions = mesh.vertices / np.linalg.norm(mesh.vertices, axis=1, keepdims=True)
    bumps = sum(np.sin(directions @ rng.normal(size=3) * rng.uniform(2, 5) + rng.uniform(0, 6)) for _ in range(4))
    mesh.vertices = directions * radius * (1 + roughness * bumps[:, None] / 4) * np.asarray(squash) + center
    return Part(name, mesh.vertices.astype(np.float32), mesh.faces.astype(np.int32), kind=kind, smooth=True)


def tree(params: dict, pose: str) -> AssetMesh:
    """Trunk and crown are both vegetation, as in Cityscapes."""
    rng = np.random.default_rng(int(params.get("seed", 0)))
    height = float(params.get("height", 8.0))
    kind = params.get("style", "broadleaf")
    trunk_height = height * (0.4 if kind == "broadleaf" else 0.2)
    parts = [cylinder("trunk", height * 0.025, trunk_height + 0.5, (0, 0, (trunk_height + 0.5) / 2), kind="bark", sections=10)]
    if kind == "bare":
        branches, trunk = _bare_crown(rng, height)
        return AssetMesh([branches] + ([_crown_outline(branches, trunk)] if params.get("outline", True) else []))
    if kind == "conifer":
        for k, z in enumerate(np.linspace(trunk_height, height * 0.85, 4)):
            radius = height * 0.22 * (1 - k / 4.5)
            cone = trimesh.creation.cone(radius=radius, height=height * 0.35, sections=14)
            parts.append(Part(f"tier_{k}", (cone.vertices + [0, 0, z]).astype(np.float32), cone.faces.astype(np.int32), kind="foliage"))
    else:
        crown = height - trunk_height
        for k in range(int(params.get("lobes", 5))):
            offset = rng.normal(0, crown * 0.15, 3) * [1, 1, 0.6]
            radius = crown * rng.uniform(0.3, 0.42)
            parts.append(_blob(f"crown_{k}", radius, [offset[0], offset[1], trunk_height + crown * 0.5 + offset[2]], rng))
    return AssetMesh(parts)


def _bare_crown(rng: np.random.Generator, height: float) -> Part:
    """A leafless tree as one part: a trunk that forks into branches four times, thinning and turning upwards."""
    pieces = []

    def grow(start, direction, length, radius, depth):
        end = start + direction * length
        tube = trimesh.creation.cylinder(radius=radius, segment=np.stack([start, end]), sections=6 if depth > 2 else 4)
        pieces.append(tube)
        if depth == 0:
            return
        for _ in range(int(rng.integers(2, 4))):
            turn = rng.normal(0, 1, 3)
            turn -= turn.dot(direction) * direction
            child = direction + turn / max(np.linalg.norm(turn), 1e-9) * rng.uniform(0.5, 1.0) + [0, 0, 0.35]
            child /= np.linalg.norm(child)
            fork = start + direction * length * rng.uniform(0.6, 1.0)
            grow(fork, child, length * rng.uniform(0.6, 0.78), max(radius * 0.6, 0.015), depth - 1)

    trunk = height * rng.uniform(0.3, 0.45)
    grow(np.zeros(3), np.array([0.0, 0.0, 1.0]), trunk, height * 0.03, 4)
    mesh = trimesh.util.concatenate(pieces)
    return Part("branches", mesh.vertices.astype(np.float32), mesh.faces.astype(np.int32), kind="bark"), trunk


def _crown_outline(branches: Part, trunk: float) -> Part:
    """The crown as annotators outline it (CamVid and Cityscapes label a leafless crown vegetation, sky
    between its twigs included): the hull of the branches above the trunk, 15% inside their tips."""
    points = branches.vertices[branches.vertices[:, 2] > trunk * 1.05].astype(np.float64)
    hull = trimesh.convex.convex_hull(points)
    centre = points.mean(axis=0)
    vertices = centre + (hull.vertices - centre) * 0.85
    return Part("crown_outline", vertices.astype(np.float32), np.asarray(hull.faces, np.int32), kind="bark", drawn=False)


def hedge(params: dict, pose: str) -> AssetMesh:
    rng = np.random.default_rng(int(params.get("seed", 0)))
    length, height = float(params.get("length", 6.0)), float(params.get("height", 1.2))
    count = max(2, int(length / (height * 0.8)))
    parts = [_blob(f"bush_{k}", height * 0.6, (x, 0, height * 0.5), rng, squash=(1.0, 0.7, 0.9), roughness=0.15)
             for k, x in enumerate(np.linspace(-length / 2 + height * 0.4, length / 2 - height * 0.4, count))]
    return AssetMesh(parts)


def terrain(params: dict, pose: str) -> AssetMesh:
    """A grass patch: a gently uneven slab."""
    rng = np.random.default_rng(int(params.get("seed", 0)))
    length, width = float(params.get("length", 10.0)), float(params.get("width", 4.0))
    grid = trimesh.creation.box(extents=(length, width, 0.1))
    mesh = grid.subdivide().subdivide()
    top = mesh.vertices[:, 2] > 0
    mesh.vertices[top, 2] += rng.uniform(0.0, 0.06, top.sum())
    mesh.vertices[:, 2] += 0.05
    return AssetMesh([Part("grass", mesh.vertices.astype(np.float32), mesh.faces.astype(np.int32), kind="grass")])
