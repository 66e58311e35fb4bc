"""Cityscapes ``_gtFine_polygons.json`` from label maps, exact under the official ``json2labelImg``.

Each segment (one instance, or one class's pixels) gives one object per outer ring. Ring vertices are
snapped to the centres of the segment's own boundary pixels, because PIL fills a polygon including its
outline; objects are listed largest first, so anything lying in a segment's hole is drawn after it.
Every polygon has at least three points (four for slivers and lone pixels, the last repeated), so that
shapely, and detectron2's ``load_cityscapes_instances(from_json=True)``, accept each of them.
"""
from __future__ import annotations

import contourpy
import numpy as np
from scipy import ndimage

from segkit import labels
from segkit.labels import INSTANCE_ID_OFFSET


def outer_rings(mask: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """(area, (N, 2) int xy vertices) for each outer boundary of a boolean mask."""
    padded = np.pad(mask.astype(np.float32), 1)
    generator = contourpy.contour_generator(z=padded, line_type=contourpy.LineType.Separate, corner_mask=False)
    rings = []
    for line in generator.lines(0.5):
        area = 0.5 * float(np.sum(line[:-1, 0] * line[1:, 1] - line[1:, 0] * line[:-1, 1]))
        if area <= 0:  # holes run the other way round; whatever fills them is drawn later
            continue
        low = np.floor(line).astype(np.int64)
        high = np.ceil(line).astype(np.int64)
        inside_low = padded[low[:, 1], low[:, 0]] > 0.5
        vertices = np.where(inside_low[:, None], low, high) - 1
        changed = np.r_[True, np.any(vertices[1:] != vertices[:-1], axis=1)]
        vertices = _drop_collinear(vertices[changed])
        if len(vertices) < 3:
            # A lone pixel or a one-pixel-wide sliver: PIL draws it from one or two points, but shapely (and so
            # detectron2's Cityscapes loader) needs a ring of three: the last point repeated draws the same pixels.
            vertices = np.concatenate([vertices, np.repeat(vertices[-1:], 4 - len(vertices), axis=0)])
        rings.append((area, vertices))
    return rings


def _drop_collinear(ring: np.ndarray) -> np.ndarray:
    """The ring without vertices that lie on the line through their neighbours (the same polygon, drawn
    the same, in far fewer points: pixel staircases are mostly straight runs)."""
    if len(ring) > 1 and (ring[0] == ring[-1]).all():
        ring = ring[:-1]
    if len(ring) < 3:
        return ring
    before, after = np.roll(ring, 1, axis=0), np.roll(ring, -1, axis=0)
    cross = (ring[:, 0] - before[:, 0]) * (after[:, 1] - ring[:, 1]) - (ring[:, 1] - before[:, 1]) * (after[:, 0] - ring[:, 0])
    forward = ((ring - before) * (after - ring)).sum(axis=1) > 0  # a straight run, not a turn back
    keep = ~((cross == 0) & forward)
    return ring[keep] if keep.any() else ring[:1]


def polygons_from_maps(label_ids: np.ndarray, instance_ids: np.ndarray) -> dict:
    """The polygons JSON document for one image (unlabeled pixels get no object)."""
    height, width = label_ids.shape
    segment_map = np.where(instance_ids >= INSTANCE_ID_OFFSET, instance_ids, label_ids).astype(np.int32)
    unlabeled = labels.BY_NAME["unlabeled"].id
    objects: list[tuple[float, str, list]] = []
    for index, box in enumerate(ndimage.find_objects(segment_map), start=1):
        if box is None or index == unlabeled:
            continue
        mask = segment_map[box] == index
        label_id = index // INSTANCE_ID_OFFSET if index >= INSTANCE_ID_OFFSET else index
        name = labels.BY_ID[label_id].name
        if index < INSTANCE_ID_OFFSET and labels.HAS_INSTANCES_ID[label_id]:
            name += "group"  # Cityscapes' name for instance-class pixels not split into instances
        offset = np.array([box[1].start, box[0].start])
        for area, ring in outer_rings(mask):
            objects.append((area, name, (ring + offset).tolist()))
    objects.sort(key=lambda item: -item[0])
    return {
        "imgHeight": int(height),
        "imgWidth": int(width),
        "objects": [{"label": name, "polygon": polygon} for _, name, polygon in objects],
    }
