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
from veis_gen.render.appearance import shift_image, shift_material
from veis_gen.render.choices import Appearance, Shading
from veis_gen.render.compose import DrawGroup, merge, mesh_groups
from veis_gen.render.renderer import Renderer
from veis_gen.render.shadows import cast_shadows
from veis_gen.scene.camera import Camera, project
from veis_gen.scene.library import Library
from veis_gen.scene.types import Scene

SKY = labels.BY_NAME["sky"].id


def scene_groups(scene: Scene, library: Library, *, textured: bool = True, appearance: Appearance = "default"):
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
        if appearance == "shifted":
            materials = [shift_material(m) for m in materials]
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


def render_amodal(renderer: Renderer, scene: Scene, groups: list[DrawGroup], table: np.ndarray, count: int,
                  segment: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """(count, H, W) masks, each instance's silhouette as if drawn alone.

    An instance needs no drawing of its own when nothing in its pixel box is nearer than its farthest vertex:
    then nothing covers any of its pixels and its amodal mask is its visible mask. The others are drawn
    together, one bit each (``Renderer.silhouettes``)."""
    camera = scene.camera
    masks = np.zeros((count, camera.width, camera.height), dtype=bool).transpose(0, 2, 1)  # column-major, for RLE
    objects = table[segment, 1]
    by_object: dict[int, list[DrawGroup]] = {}
    for group in groups:
        index = int(table[group.segment, 1])
        if index >= 0 and len(group.faces):
            by_object.setdefault(index, []).append(group)
    covered, shapes, covered_boxes = [], [], []
    for index in sorted(by_object):
        vertices = np.concatenate([g.vertices for g in by_object[index]])
        x0, y0, x1, y1 = box = _pixel_box(camera, vertices)
        if x1 <= x0 or y1 <= y0:
            continue  # wholly outside the image
        window_objects = objects[y0:y1, x0:x1]
        window_depth = depth[y0:y1, x0:x1]
        farthest = float(project(camera, vertices)[1].max())
        nearer = (window_objects != index) & (window_depth > 0) & (window_depth < farthest)
        if not nearer.any():
            masks[index, y0:y1, x0:x1] = window_objects == index  # its visible pixels all lie in its box
            continue
        merged = merge(by_object[index], by="segment")[0]
        covered.append(index)
        shapes.append((merged.vertices, merged.faces))
        covered_boxes.append(box)
    for index, (x0, y0, x1, y1), mask in zip(covered, covered_boxes,
                                              renderer.silhouettes(camera, shapes, covered_boxes)):
        masks[index, y0:y1, x0:x1] = mask
    return masks


def render_scene(renderer: Renderer, scene: Scene, library: Library, *, amodal: bool = True, shading: Shading = "fast",
                 shadows: bool = False, textured: bool = True, appearance: Appearance = "default",
                 appearance_rng: np.random.Generator | None = None) -> dict:
    """The frame of ``scene`` (see `Renderer.render`) with label ids, instances, objects and amodal masks;
    ``appearance`` "shifted" recolours the materials and then the image, its noise drawn from ``appearance_rng``."""
    groups, table, objects = scene_groups(scene, library, textured=textured, appearance=appearance)
    frame = renderer.render(groups, scene.camera, list(scene.lights), background=scene.sky, ambient=scene.ambient,
                            shading=shading, shadows=shadows)
    if shadows and shading == "fast" and scene.lights:  # the first light is the sun
        frame["rgb"] = cast_shadows(renderer, groups, scene.camera, scene.lights[0], scene.ambient, frame,
                                    others=scene.lights[1:])
    if appearance == "shifted":
        if appearance_rng is None:
            raise ValueError("the shifted appearance needs appearance_rng")
        frame["rgb"] = shift_image(frame["rgb"], appearance_rng)
    segment = frame.pop("segment")
    frame["label_ids"] = table[segment, 0].astype(np.uint8)
    frame["instances"] = (table[segment, 1] + 1).astype(np.uint16)
    frame["objects"] = objects
    if amodal:
        frame["amodal"] = render_amodal(renderer, scene, groups, table, len(objects), segment, frame["depth"])
    return frame
