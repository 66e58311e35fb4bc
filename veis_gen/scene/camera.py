"""Cameras and lights as plain data (no renderer import)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """A pinhole camera. ``pose`` is world-from-camera (4x4) with OpenGL axes: the camera looks down -Z, +Y up."""

    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    pose: tuple  # 4x4 nested tuples, so the dataclass stays hashable and serialisable
    znear: float = 0.1
    zfar: float = 400.0

    @property
    def matrix(self) -> np.ndarray:
        return np.asarray(self.pose, dtype=float)

    @staticmethod
    def from_fov(width: int, height: int, hfov_deg: float, pose: np.ndarray, **kwargs) -> "Camera":
        fx = width / (2 * np.tan(np.radians(hfov_deg) / 2))
        return Camera(width, height, fx, fx, width / 2, height / 2, _as_tuple(pose), **kwargs)


@dataclass(frozen=True)
class Light:
    """A directional light (the sun): ``direction`` points from the light into the scene."""

    direction: tuple[float, float, float]
    intensity: float = 3.0
    color: tuple[float, float, float] = (1.0, 1.0, 1.0)


def _as_tuple(matrix: np.ndarray) -> tuple:
    return tuple(tuple(float(v) for v in row) for row in np.asarray(matrix))


def look_at(eye, target, up=(0.0, 0.0, 1.0)) -> np.ndarray:
    """World-from-camera pose (OpenGL axes) of a camera at ``eye`` looking at ``target``."""
    eye, target, up = (np.asarray(v, dtype=float) for v in (eye, target, up))
    back = eye - target
    back /= np.linalg.norm(back)
    right = np.cross(up, back)
    if np.linalg.norm(right) < 1e-9:  # looking straight along up
        right = np.cross((0.0, 1.0, 0.0), back)
    right /= np.linalg.norm(right)
    true_up = np.cross(back, right)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, true_up, back, eye
    return pose


def pixel_rays(camera: Camera) -> np.ndarray:
    """(H, W, 3) the ray through each pixel's centre in camera axes (OpenGL: -Z forward), scaled to z = -1, so a
    point at depth d (metres along the view axis) is ``d * ray``."""
    v, u = np.mgrid[0:camera.height, 0:camera.width].astype(np.float64) + 0.5
    return np.stack([(u - camera.cx) / camera.fx, -(v - camera.cy) / camera.fy, -np.ones_like(u)], axis=-1)


def project(camera: Camera, points: np.ndarray) -> np.ndarray:
    """Pixel coordinates (N, 2) and depth (N,) of world points; depth <= 0 is behind the camera."""
    world_from_camera = camera.matrix
    camera_from_world = np.linalg.inv(world_from_camera)
    local = points @ camera_from_world[:3, :3].T + camera_from_world[:3, 3]
    depth = -local[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        u = camera.cx + camera.fx * local[:, 0] / depth
        v = camera.cy - camera.fy * local[:, 1] / depth
    return np.stack([u, v], axis=1), depth
