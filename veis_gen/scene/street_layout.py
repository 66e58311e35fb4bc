"""A street being sampled: its layout (lanes, parking, sidewalks, a crossing), the placements its elements have
added, and the helpers they draw with. Positions are for right-hand traffic: x along the street, y < 0 the
camera's side, z up; the kerb is at y = +-``Street.edge``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veis_gen.scene.common import mount_rider
from veis_gen.scene.library import Library, inline
from veis_gen.scene.styles import StreetStyle, pick
from veis_gen.scene.types import Placement

KERB = 0.15  # metres: the sidewalks' height above the road
STREET_END = 160.0  # metres along the street: the last facade starts before it
SIDES = (-1, 1)  # the camera's side first
BOUNDARY_CLASSES = {"wall": "wall", "fence": "fence", "hedge": "vegetation"}
Range = tuple[float, float]  # the bounds of a uniform draw


@dataclass(frozen=True)
class Layout:
    """A kind of street: its lanes, sidewalks and parking, and how far the facades stand back."""

    lanes: tuple[int, ...]  # drawn from (a single value is not drawn)
    lane_width: Range
    parking: float  # the chance of parking strips outside the driving lanes
    sidewalk: Range
    setback_chance: float  # per side: the facades stand back ``setback`` from the sidewalk (1: no draw)
    setback: Range = (0.0, 3.0)


LAYOUTS = {
    "wide": Layout(lanes=(2, 2, 3, 4, 4, 6), lane_width=(3.0, 3.6), parking=0.8, sidewalk=(2.5, 5.5),
                   setback_chance=1.0),
    # Old town streets: two lanes, parking on some, buildings at the back of the sidewalk.
    "narrow": Layout(lanes=(2,), lane_width=(2.8, 3.4), parking=0.4, sidewalk=(1.8, 3.6), setback_chance=0.4),
}
PARKING_WIDTH = 2.3
CROSSING_CHANCE, CROSSING_X = 0.55, (18.0, 45.0)  # a zebra crossing, this far along the street
DENSITY = (0.4, 1.6)  # scales the numbers of vehicles, cyclists, pedestrians and signs


class Street:
    """The layout is drawn here, in this order; the elements then draw from the same generator."""

    def __init__(self, rng: np.random.Generator, library: Library, weights: dict[str, float], style: StreetStyle):
        self.rng, self.library, self.weights, self.style = rng, library, weights, style
        self.narrow = pick(style.streets, rng, ("wide", "narrow")) == "narrow"
        self.winter = pick(style.season, rng, ("summer", "winter")) == "winter"
        self.layout = layout = LAYOUTS["narrow" if self.narrow else "wide"]
        self.lanes = int(rng.choice(layout.lanes)) if len(layout.lanes) > 1 else layout.lanes[0]
        self.lane_width = float(rng.uniform(*layout.lane_width))
        self.half = self.lanes * self.lane_width / 2  # the driving lanes
        self.camera_lane = self.lanes // 2 - 1  # the right-hand lane next to the centre line (0: the kerb's)
        # Parking strips outside the driving lanes: parked cars never stand in a lane the camera drives in.
        self.parking = PARKING_WIDTH if rng.random() < layout.parking else 0.0
        self.edge = self.half + self.parking  # the kerb
        self.sidewalk = float(rng.uniform(*layout.sidewalk))
        self.crossing = float(rng.uniform(*CROSSING_X)) if rng.random() < CROSSING_CHANCE else None
        self.density = float(rng.uniform(*DENSITY))
        self._setbacks: dict[int, float] = {}
        self.placements: list[Placement] = []
        self.group = 0
        self.notes: dict[str, int] = {}  # what elements drew, for the scene's record (left out while empty)

    def weight(self, cls: str) -> float:
        return self.weights.get(cls, 0.0) if self.library.has(cls) else 0.0

    def seed(self) -> int:
        return int(self.rng.integers(2**31))

    def happens(self, chance: float) -> bool:
        """True on ``chance`` of draws. A chance of 0 draws nothing: a style setting left off changes no street."""
        return chance > 0 and self.rng.random() < chance

    def poisson(self, mean: float) -> int:
        return int(self.rng.poisson(max(mean, 0.0)))

    def row(self, first: Range, spacing: Range) -> np.ndarray:
        """Places along the street up to its end: the first and the spacing drawn once."""
        return np.arange(float(self.rng.uniform(*first)), STREET_END, float(self.rng.uniform(*spacing)))

    def add(self, cls: str, x: float, y: float, z: float, yaw: float, **kwargs) -> Placement:
        """An asset of class ``cls`` from the packs, placed."""
        record = self.library.choose(cls, self.rng)
        placement = self.library.placement(record, self.rng, (x, y, z), yaw, **kwargs)
        self.placements.append(placement)
        return placement

    def ride(self, vehicle: Placement) -> None:
        """``vehicle`` (not added) and a rider on it, as one group."""
        self.placements += mount_rider(self.library, self.rng, vehicle, self.group)
        self.group += 1

    def setback(self, side: int) -> float:
        """Metres between the sidewalk and the facades on one side (drawn once per side, then kept)."""
        if side not in self._setbacks:
            rng, layout = self.rng, self.layout
            stands_back = layout.setback_chance >= 1 or rng.random() < layout.setback_chance
            self._setbacks[side] = float(rng.uniform(*layout.setback)) if stands_back else 0.0
        return self._setbacks[side]

    def boundary(self, kind: str, x: float, y: float, length: float, *, fence_styles: tuple[str, ...], **extra):
        """A wall, a fence of one of ``fence_styles`` or a hedge, ``length`` long along the street, centred at (x, y)."""
        params = {}
        if kind == "fence":
            params["style"] = str(self.rng.choice(fence_styles))
        if kind == "hedge":
            params["seed"] = int(self.rng.integers(1000))
        self.placements.append(inline(kind, BOUNDARY_CLASSES[kind], (x, y, KERB), length=length,
                                      material_seed=self.seed(), **params, **extra))
