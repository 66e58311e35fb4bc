"""How complex scenes look beyond their random draws: traffic side, street widths, season, the camera rig.

A ``StreetStyle`` is plain data chosen by the run's settings (``veis-gen generate --traffic left --streets narrow
--season winter --camera camvid``); the street sampler reads it. The defaults draw the scenes veis-gen drew
before these settings existed, image for image.

Camera rigs (heights in metres, angles in degrees; pitch < 0 looks down), each sampled around its values:
    default     1.2-1.5 m, horizontal field of view 46-54, pitch N(-1.5, 1.5): the first generator's rig.
    cityscapes  Cityscapes' calibration files: the camera 1.22 m above the road, fx 2262 px at 2048 px wide
                (48.7 degrees), pitched about 2 degrees down.
    camvid      CamVid's dashboard camcorder: a lower, wider view, about 1.25 m and 56 degrees, pitched
                about 2.5 degrees down. Estimated from the vanishing points and road edges of CamVid frames
                (the dataset publishes no calibration), not measured on the car.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

Traffic = Literal["right", "left"]
Streets = Literal["wide", "narrow", "mixed"]
Season = Literal["summer", "winter", "mixed"]
TRAFFIC: tuple[str, ...] = get_args(Traffic)
STREETS: tuple[str, ...] = get_args(Streets)
SEASONS: tuple[str, ...] = get_args(Season)


@dataclass(frozen=True)
class CameraRig:
    height: tuple[float, float]  # uniform, metres
    hfov: tuple[float, float]  # uniform, degrees
    pitch: tuple[float, float]  # normal (mean, sd), degrees
    yaw_sd: float = 3.0  # degrees off the street's direction
    roll_sd: float = 0.0  # degrees


CAMERA_RIGS = {
    "default": CameraRig(height=(1.2, 1.5), hfov=(46.0, 54.0), pitch=(-1.5, 1.5)),
    "cityscapes": CameraRig(height=(1.17, 1.27), hfov=(47.0, 50.5), pitch=(-2.0, 0.8), yaw_sd=2.0, roll_sd=0.5),
    "camvid": CameraRig(height=(1.1, 1.4), hfov=(52.0, 60.0), pitch=(-2.5, 1.2), yaw_sd=2.5, roll_sd=1.0),
}


CHANCES = ("cyclists_ahead", "walking_groups", "shop_fronts", "kerb_lines")  # StreetStyle's chances, 0 = off


@dataclass(frozen=True)
class StreetStyle:
    traffic: Traffic = "right"  # the side vehicles keep to; the camera drives in that side's inner lane
    streets: Streets = "wide"  # wide: 2-6 lanes and parking; narrow: two lanes, close buildings; mixed: half each
    season: Season = "summer"  # winter: leafless trees; mixed: half the scenes each
    camera: str = "default"  # a CAMERA_RIGS name
    furniture: bool = False  # railings, bollards and front-garden fences along the sidewalks
    cyclists_ahead: float = 0.0  # the chance a street has cyclists riding just ahead of the camera, seen from behind
    walking_groups: float = 0.0  # the share of sidewalk people walking in groups of two to four
    shop_fronts: float = 0.0  # the chance a facade's ground floor is shops: fascias, display windows, doors
    kerb_lines: float = 0.0  # the chance a street without parking has double yellow lines along its kerbs

    def __post_init__(self):
        for name, value, allowed in (("traffic", self.traffic, TRAFFIC), ("streets", self.streets, STREETS),
                                     ("season", self.season, SEASONS), ("camera", self.camera, tuple(CAMERA_RIGS))):
            if value not in allowed:
                raise ValueError(f"{name}: expected one of {', '.join(allowed)}, got {value!r}")
        for name in CHANCES:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name.replace('_', '-')}: expected a chance in 0..1, got {getattr(self, name)}")


def pick(value: str, rng: np.random.Generator, options: tuple[str, str]) -> str:
    """A "mixed" setting draws one of its two options per scene; the others are what they say."""
    return options[int(rng.integers(2))] if value == "mixed" else value
