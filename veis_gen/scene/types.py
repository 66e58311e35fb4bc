"""Scenes as plain data: placed assets, a camera, lights and a sky. No pybullet or pyrender here.

Physics takes a Scene and returns a new Scene; rendering takes a Scene and returns a frame.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

from veis_gen.scene.camera import Camera, Light

SceneKind = Literal["simple", "complex"]
SCENE_KINDS: tuple[str, ...] = get_args(SceneKind)


@dataclass(frozen=True)
class Placement:
    """One asset in the world. Its mesh (canonical frame: +X forward, on the ground) is scaled, turned by
    ``yaw`` degrees about +Z and moved to ``position``."""

    asset: str  # "pack/id" of a pack asset; empty for an inline recipe
    class_name: str
    position: tuple[float, float, float]
    yaw: float = 0.0
    scale: float = 1.0
    pose: str = "default"
    material_seed: int = 0
    instance: bool = False  # a foreground instance with its own id in the labels
    recipe: str = ""  # an inline recipe (ground, roads) built from ``params``
    params: tuple = ()  # sorted (key, value) pairs
    group: int = -1  # placements of one group (a rider and its vehicle) are kept or dropped together
    collides: bool = True  # ground does not take part in collision checks

    @property
    def matrix(self) -> np.ndarray:
        angle = np.radians(self.yaw)
        c, s = np.cos(angle), np.sin(angle)
        matrix = np.eye(4)
        matrix[:3, :3] = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]]) * self.scale
        matrix[:3, 3] = self.position
        return matrix

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["params"] = dict(self.params)
        return data


@dataclass(frozen=True)
class Scene:
    seed: int
    kind: SceneKind
    camera: Camera
    lights: tuple[Light, ...]
    placements: tuple[Placement, ...]
    sky: tuple[int, int, int] = (135, 170, 210)
    ambient: float = 0.45
    focus_class: str | None = None  # simple scenes: their one foreground class
    notes: dict = field(default_factory=dict)  # what the sampler chose (lanes, densities), for the record

    def with_placements(self, placements) -> "Scene":
        return dataclasses.replace(self, placements=tuple(placements))

    def to_dict(self) -> dict:
        return {
            "seed": self.seed, "kind": self.kind, "focus_class": self.focus_class, "sky": list(self.sky),
            "ambient": self.ambient, "notes": self.notes,
            "camera": {**dataclasses.asdict(self.camera), "pose": [list(row) for row in self.camera.pose]},
            "lights": [dataclasses.asdict(light) for light in self.lights],
            "placements": [p.to_dict() for p in self.placements],
        }
