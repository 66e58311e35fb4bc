"""A Scene -> a labelled frame. The frame is a dict of arrays and lists:

    rgb        (H, W, 3) uint8    shaded image
    depth      (H, W)    float32  metres along the view axis, 0 for sky
    label_ids  (H, W)    uint8    Cityscapes label id of every pixel (sky where nothing was drawn)
    instances  (H, W)    uint16   0, or 1 + the index in ``objects`` of the foreground instance seen
    amodal     (N, H, W) bool     each instance's whole silhouette, as if nothing stood in front of it
    objects    list of N dicts    {"placement": index in scene.placements, "class": name, "asset": key}

Foreground instances are the placements marked ``instance`` whose parts carry their own class (the pole
under a traffic light is background pole). Every pixel belongs to exactly one instance or background class.
"""
from __future__ import annotations

import numpy as np

from segkit import labels
from veis_gen.assets.materials import assign_materials
from veis_gen.render.compose import merge, mesh_groups
from veis_gen.render.renderer import DrawGroup, Renderer
from veis_gen.scene.camera import Camera, project
from veis_gen.scene.library import Library
from veis_gen.scene.types import Scene

SKY = labels.BY_NAME["sky"].id


def scene_groups(scene: Scene, library: Library, *, textured: bool = True):
    """Draw groups of the scene, and for each segment id its (label id, object index or -1)."""
    segments: dict[tuple, int] = {}
    table: list[tuple[int, int]] = [(SKY, -1)]
    objects: list[dict] = []
    groups: list[DrawGroup] = []
    for index, placement in enumerate(scene.placements):
        mesh = library.mesh(placement)
        record = library.records.get(placement.asset)
        keep_original = record is not None and record.materials == "original"
        materials = assign_materials(mesh.parts, np.random.default_rng(placement.material_seed), textured=textured,
                                     keep_original=keep_original)
        part_segments = []
        for part in mesh.parts:
            cls = part.class_name or placement.class_name
            is_instance = placement.instance and cls == placement.class_name and cls in labels.FOREGROUND_CLASSES
            key = (index, cls) if is_instance else ("background", cls)
            if key not in segments:
                object_index = -1
                if is_instance:
                    object_index = len(objects)
                    objects.append({"placement": index, "class": cls, "asset": placement.asset})
                segments[key] = len(table)
                table.append((labels.BY_NAME[cls].id, object_index))
            part_segments.append(segments[key])
        groups += mesh_groups(mesh, placement.matrix, materials, part_segments)
    return merge(groups), np.array(table, dtype=np.int64), objects


def _pixel_box(camera: Camera, vertices: np.ndarray):
    uv, depth = project(camera, vertices)
    if (depth <= camera.znear).any():
        return 0, 0, camera.width, camera.height
    low, high = np.floor(uv.min(0)).astype(int), np.ceil(uv.max(0)).astype(int)
    return (max(low[0], 0), max(low[1], 0), min(high[0] + 1, camera.width), min(high[1] + 1, camera.height))


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def render_amodal(renderer: Renderer, scene: Scene, groups: list[DrawGroup], table: np.ndarray, count: int) -> np.ndarray:
    """(count, H, W) masks, each instance drawn alone. Instances whose pixel boxes do not overlap share a pass."""
    camera = scene.camera
    masks = np.zeros((count, camera.height, camera.width), dtype=bool)
    by_object: dict[int, list[DrawGroup]] = {}
    for group in groups:
        index = int(table[group.segment, 1])
        if index >= 0:
            by_object.setdefault(index, []).append(group)
    boxes = {i: _pixel_box(camera, np.concatenate([g.vertices for g in gs])) for i, gs in by_object.items()}
    passes: list[list[int]] = []
    for index in sorted(by_object):
        if boxes[index][2] <= boxes[index][0] or boxes[index][3] <= boxes[index][1]:
            continue  # wholly outside the image
        for batch in passes:
            if not any(_overlap(boxes[index], boxes[other]) for other in batch):
                batch.append(index)
                break
        else:
            passes.append([index])
    for batch in passes:
        frame = renderer.render([g for i in batch for g in by_object[i]], camera, [], rgb=False)
        objects_seen = table[frame["segment"], 1]
        for index in batch:
            masks[index] = objects_seen == index
    return masks


def render_scene(renderer: Renderer, scene: Scene, library: Library, *, amodal: bool = True, shading: str = "fast",
                 shadows: bool = False, textured: bool = True) -> dict:
    groups, table, objects = scene_groups(scene, library, textured=textured)
    frame = renderer.render(groups, scene.camera, list(scene.lights), background=scene.sky, ambient=scene.ambient,
                            shading=shading, shadows=shadows)
    segment = frame.pop("segment")
    frame["label_ids"] = table[segment, 0].astype(np.uint8)
    frame["instances"] = (table[segment, 1] + 1).astype(np.uint16)
    frame["objects"] = objects
    if amodal:
        frame["amodal"] = render_amodal(renderer, scene, groups, table, len(objects))
    return frame
