"""The names the render settings take. Light to import: a run's settings are checked before any renderer exists."""
from __future__ import annotations

from typing import Literal, get_args

Backend = Literal["osmesa", "egl"]
Shading = Literal["fast", "pbr"]  # fast: Lambert on the CPU and pyrender's flat shader; pbr: pyrender's own shader
Appearance = Literal["default", "shifted"]
Effects = Literal["none", "camera", "metered"]  # metered: camera, exposed for the scene's brightness
Sky = Literal["flat", "graded"]

BACKENDS: tuple[str, ...] = get_args(Backend)
SHADINGS: tuple[str, ...] = get_args(Shading)
APPEARANCES: tuple[str, ...] = get_args(Appearance)
EFFECTS: tuple[str, ...] = get_args(Effects)
SKIES: tuple[str, ...] = get_args(Sky)
