"""Complex scenes (the paper's 30k): a street like the real ones, seen from a car's camera.

The street runs along +X and is sampled for right-hand traffic: lanes at y < 0 drive towards +X, and the
camera rides in the inner one of them on a rig from ``styles.CAMERA_RIGS``. Left-hand traffic is the same
street mirrored in the XZ plane (positions y -> -y, yaws -> -yaw). ``StreetStyle`` picks wide or narrow
streets, summer or leafless trees and the street furniture. The layout is drawn in ``street_layout``, then
the elements in the order of ``street_elements.STEPS``, then the camera and the light.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from veis_gen.scene.common import camera_looking, sample_lighting
from veis_gen.scene.library import Library
from veis_gen.scene.street_elements import STEPS
from veis_gen.scene.street_layout import Street
from veis_gen.scene.styles import CAMERA_RIGS, CHANCES, StreetStyle
from veis_gen.scene.types import Placement, Scene


def mirrored(placement: Placement) -> Placement:
    """The placement seen in a mirror along the street (y -> -y): right-hand traffic becomes left-hand."""
    x, y, z = placement.position
    return dataclasses.replace(placement, position=(x, -y, z), yaw=-placement.yaw)


def sample_street(rng: np.random.Generator, library: Library, width: int, height: int, *, seed: int,
                  weights: dict[str, float], style: StreetStyle = StreetStyle()) -> Scene:
    street = Street(rng, library, weights, style)
    for step in STEPS:
        step.place(street)
    rig = CAMERA_RIGS[style.camera]
    eye = (0.0, -street.half + (street.camera_lane + 0.5) * street.lane_width, float(rng.uniform(*rig.height)))
    yaw, pitch = np.radians(rng.normal(0, rig.yaw_sd)), np.radians(rng.normal(*rig.pitch))
    target = (eye[0] + 50 * np.cos(yaw), eye[1] + 50 * np.sin(yaw), eye[2] + 50 * np.tan(pitch))
    lights, sky, ambient = sample_lighting(rng)
    hfov = float(rng.uniform(*rig.hfov))
    roll = float(rng.normal(0, rig.roll_sd)) if rig.roll_sd > 0 else 0.0
    placements = street.placements
    if style.traffic == "left":
        placements = [mirrored(p) for p in placements]
        eye, target = (eye[0], -eye[1], eye[2]), (target[0], -target[1], target[2])
    camera = camera_looking(width, height, eye, target, hfov, roll=roll)
    notes = {"lanes": street.lanes, "lane_width": round(street.lane_width, 3), "sidewalk": round(street.sidewalk, 3),
             "parking": street.parking,
             "crossing": street.crossing is not None, "density": round(street.density, 3)}
    if style != StreetStyle():
        notes.update(traffic=style.traffic, streets="narrow" if street.narrow else "wide",
                     season="winter" if street.winter else "summer", camera=style.camera, furniture=style.furniture)
        for name in CHANCES:
            if getattr(style, name):
                notes[name] = getattr(style, name)
    notes.update(street.notes)
    return Scene(seed=seed, kind="complex", camera=camera, lights=lights, placements=tuple(placements), sky=sky,
                 ambient=ambient, notes=notes)
