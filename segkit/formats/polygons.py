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
    areas, vertices, starts = _rings(mask)
    return [(float(area), vertices[a:b]) for area, a, b in zip(areas, starts[:-1], starts[1:])]


def _rings(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every outer ring of the mask at once, as ring areas, all rings' vertices end to end, and where each
    ring starts (one more entry, the end): a segment has tens of rings, and numpy calls per ring dominated."""
    padded = np.pad(mask, 1).astype(np.float64)
    # What contour_generator(z=padded, corner_mask=False) makes, without its checks for masked and
    # non-finite values, which cost more than the contouring here.
    x, y = np.meshgrid(np.arange(padded.shape[1], dtype=np.float64), np.arange(padded.shape[0], dtype=np.float64))
    generator = contourpy.SerialContourGenerator(
        x, y, padded, None, corner_mask=False, line_type=contourpy.LineType.ChunkCombinedOffset,
        fill_type=contourpy.FillType.OuterOffset, quad_as_tri=False, z_interp=contourpy.ZInterp.Linear,
        x_chunk_size=0, y_chunk_size=0)
    (line,), (offsets,) = generator.lines(0.5)
    if line is None:
        return np.zeros(0), np.zeros((0, 2), np.int64), np.zeros(1, np.int64)
    offsets = offsets.astype(np.int64)
    terms = np.zeros(len(line))
    terms[:-1] = line[:-1, 0] * line[1:, 1] - line[1:, 0] * line[:-1, 1]
    terms[offsets[1:] - 1] = 0.0  # no term joins a ring to the next (multiples of 1/4: sums are exact)
    areas = 0.5 * np.add.reduceat(terms, offsets[:-1])
    ring = np.repeat(np.arange(len(areas)), np.diff(offsets))
    low = np.floor(line).astype(np.int64)
    high = np.ceil(line).astype(np.int64)
    inside_low = padded[low[:, 1], low[:, 0]] > 0.5
    vertices = np.where(inside_low[:, None], low, high) - 1
    keep = np.r_[True, np.any(vertices[1:] != vertices[:-1], axis=1)]
    keep[offsets[:-1]] = True
    keep &= areas[ring] > 0  # holes run the other way round; whatever fills them is drawn later
    outer = areas > 0
    vertices, ring = vertices[keep], ring[keep]
    return areas[outer], *_drop_collinear(vertices, np.searchsorted(ring, np.flatnonzero(outer), side="left"),
                                          np.searchsorted(ring, np.flatnonzero(outer), side="right"))


def _drop_collinear(vertices: np.ndarray, first: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ring i is vertices[first[i]:end[i]]. Each ring without a closing repeat of its first vertex, nor vertices
    that lie on the line through their neighbours (the same polygon, drawn the same, in far fewer points:
    pixel staircases are mostly straight runs). A ring of one or two vertices repeats its last to make four
    (PIL draws a lone pixel or a one-pixel-wide sliver from them, but shapely, and so detectron2's Cityscapes
    loader, needs three). Returns the vertices end to end and the starts of the rings, then the end."""
    closed = (end - first > 1) & np.all(vertices[first] == vertices[np.maximum(end - 1, 0)], axis=1)
    end = end - closed
    length = end - first
    index = np.arange(len(vertices))
    ring = np.repeat(np.arange(len(first)), np.diff(np.r_[first, len(vertices)]))
    keep = index < end[ring]
    before = np.where(index == first[ring], end[ring] - 1, index - 1)
    after = np.where(index == end[ring] - 1, first[ring], index + 1).clip(max=len(vertices) - 1)
    a, b, c = vertices[before], vertices, vertices[after]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - b[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - b[:, 0])
    forward = ((b - a) * (c - b)).sum(axis=1) > 0  # a straight run, not a turn back
    straight = (cross == 0) & forward & (length[ring] >= 3)
    kept = keep & ~straight
    lonely = np.bincount(ring[kept], minlength=len(first)) == 0  # all straight: keep the first alone
    kept[first[lonely & (length > 0)]] = True
    count = np.bincount(ring[kept], minlength=len(first))
    short = count < 3
    repeat = np.ones(len(vertices), dtype=np.int64)
    last = np.flatnonzero(kept)[np.cumsum(count) - 1][short]
    repeat[last] = 4 - count[short] + 1
    repeat[~kept] = 0
    out = np.repeat(vertices, repeat, axis=0)
    sizes = np.where(short, 4, count)
    return out, np.r_[0, np.cumsum(sizes)]


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
        areas, vertices, starts = _rings(mask)
        points = (vertices + (box[1].start, box[0].start)).tolist()
        objects += [(float(area), name, points[a:b]) for area, a, b in zip(areas, starts[:-1], starts[1:])]
    objects.sort(key=lambda item: -item[0])
    return {
        "imgHeight": int(height),
        "imgWidth": int(width),
        "objects": [{"label": name, "polygon": polygon} for _, name, polygon in objects],
    }
