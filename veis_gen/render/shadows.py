"""Cast sun shadows for the fast (CPU Lambert) shading, from a shadow map.

The fast shading lights each vertex as albedo * (ambient + intensity / pi * cos) and draws nothing in
shadow. Here the scene is drawn once more, depth only, by a camera standing far up the sun's direction
(``sun_camera``); a pixel of the frame lies in shadow when, seen from the sun, something stands in front
of it. A shadowed pixel loses its direct sun term: its linear colour is scaled by
ambient / (ambient + intensity / pi * cos), with ``cos`` from the surface normal that the frame's depth
gives. Only the colour image changes; labels, instances and depth stay the renderer's exact ones.
"""
from __future__ import annotations

import numpy as np

from veis_gen.render.renderer import lambert_direct
from veis_gen.scene.camera import Camera, Light, look_at, pixel_rays, project

SUN_DISTANCE = 1000.0  # metres up the sun's direction: its rays are nearly parallel over the map
MAP_SIZE = 1024  # pixels a side of the shadow map
REACH = 60.0  # metres: the map covers this radius around a point ``AHEAD`` metres in front of the camera
AHEAD = 30.0
NORMAL_OFFSET = 0.12  # metres each point moves along its normal before the test: no self-shadowing
BIAS = 0.05  # metres of depth allowed for the map's own quantisation


def world_points(camera: Camera, depth: np.ndarray) -> np.ndarray:
    """(H, W, 3) world positions of the pixels' centres at their depth (metres along the view axis)."""
    return (pixel_rays(camera) * depth[..., None]) @ camera.matrix[:3, :3].T + camera.matrix[:3, 3]


def normals_from_points(points: np.ndarray, eye: np.ndarray) -> np.ndarray:
    """(H, W, 3) unit normals facing the camera at ``eye``, from the positions' differences along rows and
    columns (the smaller difference each way, so an edge does not bend the surfaces either side of it)."""
    def steps(axis):
        forward = np.diff(points, axis=axis, append=np.take(points, [-1], axis=axis))
        backward = np.diff(points, axis=axis, prepend=np.take(points, [0], axis=axis))
        use_forward = np.linalg.norm(forward, axis=-1, keepdims=True) <= np.linalg.norm(backward, axis=-1, keepdims=True)
        return np.where(use_forward, forward, backward)

    normals = np.cross(steps(1), steps(0))
    normals *= np.where(((eye - points) * normals).sum(axis=-1, keepdims=True) < 0, -1.0, 1.0)
    length = np.linalg.norm(normals, axis=-1, keepdims=True)
    return np.where(length > 0, normals / np.where(length > 0, length, 1.0), 0.0)


def sun_camera(camera: Camera, light: Light, size: int = MAP_SIZE) -> Camera:
    """A square camera of ``size`` pixels far up the sun's direction, looking at the ground ahead of ``camera``."""
    eye, forward = camera.matrix[:3, 3], -camera.matrix[:3, 2]
    heading = np.array([forward[0], forward[1], 0.0])
    heading /= max(np.linalg.norm(heading), 1e-9)
    target = np.array([eye[0], eye[1], 0.0]) + AHEAD * heading
    towards_sun = -np.asarray(light.direction, dtype=float) / np.linalg.norm(light.direction)
    up = (0.0, 0.0, 1.0) if abs(towards_sun[2]) < 0.99 else (1.0, 0.0, 0.0)
    pose = look_at(target + SUN_DISTANCE * towards_sun, target, up=up)
    focal = size / 2 * SUN_DISTANCE / REACH
    return Camera(size, size, focal, focal, size / 2, size / 2, tuple(tuple(float(x) for x in row) for row in pose),
                  znear=SUN_DISTANCE - 400.0, zfar=SUN_DISTANCE + 400.0)


def in_shadow(points: np.ndarray, normals: np.ndarray, sun: Camera, sun_depth: np.ndarray) -> np.ndarray:
    """(H, W) in 0..1: how far each point, seen from ``sun``, lies behind what its depth map holds. The four
    map texels around the point are tested and their answers blended bilinearly (percentage-closer
    filtering), so shadow edges are not the map's staircase."""
    shape = points.shape[:2]
    uv, depth = project(sun, (points + NORMAL_OFFSET * normals).reshape(-1, 3))
    corner = uv - 0.5  # texel centres sit at k + 0.5
    first = np.floor(corner).astype(np.int64)
    fraction = corner - first
    amount = np.zeros(len(depth))
    for dy in (0, 1):
        for dx in (0, 1):
            column, row = first[:, 0] + dx, first[:, 1] + dy
            inside = (column >= 0) & (column < sun.width) & (row >= 0) & (row < sun.height)
            blocker = np.zeros(len(depth))
            blocker[inside] = sun_depth[row[inside], column[inside]]
            weight = (fraction[:, 0] if dx else 1 - fraction[:, 0]) * (fraction[:, 1] if dy else 1 - fraction[:, 1])
            amount += weight * ((blocker > 0) & (blocker < depth - BIAS))
    return amount.reshape(shape)


def darken(rgb: np.ndarray, shadow: np.ndarray, normals: np.ndarray, light: Light, ambient: float,
           others: tuple[Light, ...] = ()) -> np.ndarray:
    """``rgb`` with the share ``shadow`` (0..1) of ``light``'s direct term taken out (in linear light); the
    ``others`` still light it. Pixels with no shadow as they were."""
    where = shadow > 0
    direct = lambert_direct(normals[where], light)
    rest = ambient + sum((lambert_direct(normals[where], other) for other in others), np.zeros_like(direct))
    kept = (rest + (1 - shadow[where][:, None]) * direct) / (rest + direct)
    linear = (rgb[where].astype(np.float64) / 255.0) ** 2.2 * kept
    out = rgb.copy()
    out[where] = np.clip(np.round(linear ** (1 / 2.2) * 255.0), 0, 255).astype(np.uint8)
    return out


def cast_shadows(renderer, groups: list, camera: Camera, light: Light, ambient: float, frame: dict,
                 others: tuple[Light, ...] = ()) -> np.ndarray:
    """The frame's ``rgb`` with ``light``'s (the sun's) shadows cast by ``groups`` (the drawn ones) on everything
    seen; ``others``, the scene's other lights, are not shadowed."""
    seen = frame["depth"] > 0
    if not seen.any():
        return frame["rgb"]
    sun = sun_camera(camera, light)
    sun_depth = renderer.depth_map([g for g in groups if g.drawn], sun)
    points = world_points(camera, frame["depth"])
    normals = normals_from_points(points, camera.matrix[:3, 3])
    return darken(frame["rgb"], in_shadow(points, normals, sun, sun_depth) * seen, normals, light, ambient, others)
