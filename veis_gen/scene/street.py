"""Complex scenes (the paper's 30k): a street like the real ones, seen from a car's camera.

The street runs along +X and is sampled for right-hand traffic: lanes at y < 0 drive towards +X, and the
camera rides in the inner one of them on a rig from ``styles.CAMERA_RIGS``. Left-hand traffic is the same
street mirrored in the XZ plane (positions y -> -y, yaws -> -yaw). ``StreetStyle`` picks wide or narrow
streets, summer or leafless trees and the street furniture.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from veis_gen.scene.common import camera_looking, mount_rider, sample_lighting
from veis_gen.scene.library import Library, inline
from veis_gen.scene.styles import CAMERA_RIGS, StreetStyle, pick
from veis_gen.scene.types import Placement, Scene

KERB = 0.15
BARE_TREES = 10
BOUNDARY_CLASSES = {"wall": "wall", "fence": "fence", "hedge": "vegetation"}
STREET_END = 160.0


def _poisson(rng, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


class _Street:
    def __init__(self, rng: np.random.Generator, library: Library, weights: dict[str, float], style: StreetStyle):
        self.rng, self.library, self.weights, self.style = rng, library, weights, style
        self.narrow = pick(style.streets, rng, ("wide", "narrow")) == "narrow"
        self.winter = pick(style.season, rng, ("summer", "winter")) == "winter"
        if self.narrow:  # old town streets: two lanes, parking on some, buildings at the back of the sidewalk
            self.lanes = 2
            self.lane_width = float(rng.uniform(2.8, 3.4))
        else:
            self.lanes = int(rng.choice([2, 2, 3, 4, 4, 6]))
            self.lane_width = float(rng.uniform(3.0, 3.6))
        self.half = self.lanes * self.lane_width / 2  # the driving lanes
        # Parking strips outside the driving lanes: parked cars never stand in a lane the camera drives in.
        self.parking = 2.3 if rng.random() < (0.4 if self.narrow else 0.8) else 0.0
        self.edge = self.half + self.parking  # the kerb
        self.sidewalk = float(rng.uniform(1.8, 3.6) if self.narrow else rng.uniform(2.5, 5.5))
        self.crossing = float(rng.uniform(18, 45)) if rng.random() < 0.55 else None
        self.density = float(rng.uniform(0.4, 1.6))
        self._setbacks: dict[int, float] = {}
        self.placements: list = []
        self.group = 0

    def weight(self, cls: str) -> float:
        return self.weights.get(cls, 0.0) if self.library.has(cls) else 0.0

    def seed(self) -> int:
        return int(self.rng.integers(2**31))

    def add(self, cls: str, x: float, y: float, z: float, yaw: float, **kwargs):
        record = self.library.choose(cls, self.rng)
        placement = self.library.placement(record, self.rng, (x, y, z), yaw, **kwargs)
        self.placements.append(placement)
        return placement

    def ground(self):
        road_length = STREET_END + 40
        self.placements.append(inline("ground", "terrain", (60.0, 0.0, -0.06), length=500.0, width=500.0, kind="grass",
                                      material_seed=self.seed()))
        self.placements.append(inline("road", "road", (road_length / 2 - 30, 0.0, -0.05), length=road_length, lanes=self.lanes,
                                      lane_width=self.lane_width, material_seed=self.seed()))
        if self.crossing is not None:
            # 1 cm above the road it covers: 1 mm ties in depth a few tens of metres away.
            self.placements.append(inline("road", "road", (self.crossing, 0.0, -0.04), length=4.0, lanes=self.lanes,
                                          lane_width=self.lane_width, crossing=True, material_seed=self.seed()))
        for side in (-1, 1):
            if self.parking:
                self.placements.append(inline("ground", "road", (road_length / 2 - 30, side * (self.half + self.parking / 2), -0.05),
                                              length=road_length, width=self.parking, kind="asphalt", material_seed=self.seed()))
            y = side * (self.edge + self.sidewalk / 2)
            self.placements.append(inline("sidewalk", "sidewalk", (road_length / 2 - 30, y, 0.0), yaw=0.0 if side > 0 else 180.0,
                                          length=road_length, width=self.sidewalk, kerb_height=KERB, material_seed=self.seed()))

    def buildings(self):
        rng = self.rng
        for side in (-1, 1):
            x = -25.0
            setback = self.setback(side)
            while x < STREET_END:
                width = float(rng.uniform(8, 22))
                gap = float(rng.choice([0.0, 0.0, 0.0, rng.uniform(3, 12)]))
                if self.narrow and rng.random() < 0.7:
                    gap = 0.0
                depth = float(rng.uniform(10, 16))
                y = side * (self.edge + self.sidewalk + setback + depth / 2)
                style = str(rng.choice(["block", "townhouse", "office", "shop"]))
                floors = int(rng.integers(2, 4)) if style == "townhouse" else int(rng.integers(3, 10))
                if self.narrow:
                    floors = min(floors, 6)
                self.placements.append(inline("building", "building", (x + width / 2, y, 0.0), yaw=-90.0 * side,
                                              style=style, floors=floors, width=width, depth=depth, collides=True,
                                              material_seed=self.seed()))
                x += width
                if gap > 0:
                    self.gap_filler(x, gap, side, setback)
                    x += gap

    def setback(self, side: int) -> float:
        """Metres between the sidewalk and the facades on one side (drawn once per side, then kept)."""
        if side not in self._setbacks:
            rng = self.rng
            self._setbacks[side] = float(rng.uniform(0, 3)) if not self.narrow or rng.random() < 0.4 else 0.0
        return self._setbacks[side]

    def gap_filler(self, x: float, gap: float, side: int, setback: float):
        rng = self.rng
        y = side * (self.edge + self.sidewalk + setback + 0.3)
        kind = rng.choice(["wall", "fence", "hedge", "terrain"])
        if kind == "terrain":
            self.placements.append(inline("ground", "terrain", (x + gap / 2, side * (self.edge + self.sidewalk + 6), 0.0),
                                          length=gap, width=12.0, kind="grass", material_seed=self.seed()))
            return
        self.boundary(str(kind), x + gap / 2, y, gap, fence_styles=("rails", "picket", "bars", "mesh"), collides=True)

    def boundary(self, kind: str, x: float, y: float, length: float, *, fence_styles: tuple[str, ...], **extra):
        """A wall, a fence of one of ``fence_styles`` or a hedge, ``length`` long along the street, centred at (x, y)."""
        params = {}
        if kind == "fence":
            params["style"] = str(self.rng.choice(fence_styles))
        if kind == "hedge":
            params["seed"] = int(self.rng.integers(1000))
        self.placements.append(inline(kind, BOUNDARY_CLASSES[kind], (x, y, KERB), length=length, material_seed=self.seed(),
                                      **params, **extra))

    def furniture(self):
        rng = self.rng
        for side in (-1, 1):
            edge = side * (self.edge + 0.5)
            for x in np.arange(float(rng.uniform(5, 20)), STREET_END, float(rng.uniform(18, 32))):
                if self.library.has("pole"):
                    self.add("pole", x, edge, KERB, 90.0 if side < 0 else -90.0, instance=False)
            if self.winter and rng.random() < (0.75 if self.narrow else 0.6):
                self.bare_trees(side)
            elif not self.winter and self.library.has("vegetation") and rng.random() < 0.6:
                for x in np.arange(float(rng.uniform(3, 12)), STREET_END, float(rng.uniform(8, 16))):
                    self.add("vegetation", x, side * (self.edge + self.sidewalk * 0.6), KERB, rng.uniform(0, 360), instance=False)
            if self.style.furniture:
                self.railings(side)
            sign_weight = self.weight("traffic sign")
            for _ in range(_poisson(rng, 2.5 * sign_weight * self.density)):
                self.add("traffic sign", float(rng.uniform(4, 90)), edge + side * 0.3, KERB, 180.0 + rng.uniform(-20, 20))
        if self.crossing is not None and self.weight("traffic light") > 0:
            for side in (-1, 1):
                if rng.random() < min(1.0, 0.9 * self.weight("traffic light")):
                    self.add("traffic light", self.crossing - 3.0, side * (self.edge + 0.6), KERB, 180.0 + rng.uniform(-8, 8))

    def bare_trees(self, side: int):
        """A row of leafless street trees by the kerb (CamVid's winter streets): trunk and branches are
        vegetation. They take no part in collisions: their crowns' hulls would clear the sidewalk."""
        rng = self.rng
        for x in np.arange(float(rng.uniform(2, 10)), STREET_END, float(rng.uniform(7, 14))):
            tree = inline("tree", "vegetation", (x + float(rng.normal(0, 0.5)), side * (self.edge + 0.7), KERB),
                          yaw=float(rng.uniform(0, 360)), style="bare", seed=int(rng.integers(BARE_TREES)), height=10.0,
                          material_seed=self.seed())
            # A few meshes, scaled: every distinct mesh is built once per worker, at some 0.1 s each.
            self.placements.append(dataclasses.replace(tree, scale=float(rng.uniform(0.7, 1.5))))

    def railings(self, side: int):
        """Kerbside railings in stretches, bollards at the crossing, and a fence or wall in front of set-back facades."""
        rng = self.rng
        x = float(rng.uniform(0, 30))
        while x < 110:
            length = float(rng.uniform(5, 18))
            if rng.random() < 0.35:
                self.boundary("fence", x + length / 2, side * (self.edge + 0.25), length, fence_styles=("rails", "bars"),
                              height=float(rng.uniform(0.9, 1.15)))
            x += length + float(rng.uniform(4, 30))
        if self.crossing is not None:
            for k in range(int(rng.integers(2, 5))):  # bollards along the kerb either side of the crossing
                for dx in (-2.6 - 1.4 * k, 2.6 + 1.4 * k):
                    self.placements.append(inline("pole", "pole", (self.crossing + dx, side * (self.edge + 0.3), KERB),
                                                  style="plain", height=2.2, material_seed=self.seed()))
        if self.setback(side) > 1.0:  # front gardens: a fence, wall or hedge at the back of the sidewalk
            kind = str(rng.choice(["fence", "fence", "wall", "hedge"]))
            x = -10.0
            while x < 100:
                length = float(rng.uniform(8, 20))
                self.boundary(kind, x + length / 2, side * (self.edge + self.sidewalk + 0.15), round(length, 1),
                              fence_styles=("bars", "picket", "rails"))
                x += length + float(rng.uniform(1.0, 3.0))

    def traffic(self):
        rng = self.rng
        vehicle_classes = [c for c in ("car", "truck", "bus", "train", "motorcycle") if self.weight(c) > 0]
        base = {"car": 1.0, "truck": 0.12, "bus": 0.1, "train": 0.04, "motorcycle": 0.08}
        if vehicle_classes:
            probabilities = np.array([base[c] * self.weight(c) for c in vehicle_classes])
            probabilities /= probabilities.sum()
            for _ in range(_poisson(rng, 6 * self.density)):
                cls = str(rng.choice(vehicle_classes, p=probabilities))
                lane = int(rng.integers(self.lanes))
                y = -self.half + (lane + 0.5) * self.lane_width
                towards = y < 0
                x = float(rng.uniform(8, 110))
                clear = 25.0 if cls in ("truck", "bus", "train") else 15.0
                if lane == self.lanes // 2 - 1 and x < clear:  # keep the camera's own lane clear ahead
                    continue
                vehicle = self.add(cls, x, y, 0.0, (0.0 if towards else 180.0) + rng.normal(0, 2))
                if cls == "motorcycle" and self.library.has("rider") and rng.random() < 0.85:
                    self.placements.pop()
                    self.placements += mount_rider(self.library, rng, vehicle, self.group)
                    self.group += 1
        if self.weight("car") > 0:  # parked along both kerbs
            for side in (-1, 1):
                if self.parking and rng.random() < 0.7:
                    x = float(rng.uniform(3, 12))
                    while x < 90:
                        car = self.add("car", x, side * (self.half + self.parking / 2), 0.0, (0.0 if side < 0 else 180.0) + rng.normal(0, 2))
                        x += self.library.mesh(car).extents[0] * car.scale + float(rng.uniform(0.6, 6.0))
                        if rng.random() > 0.85 * min(1.0, self.weight("car")):
                            x += float(rng.uniform(5, 20))
        for _ in range(_poisson(rng, (3.5 if self.narrow else 2.0) * self.weight("bicycle") * self.density)):
            side = -1 if rng.random() < 0.7 else 1
            x = float(rng.uniform(6, 70))
            if rng.random() < 0.6 and self.library.has("rider") and self.weight("rider") > 0:
                bike = self.library.placement(self.library.choose("bicycle", rng), rng,
                                              (x, side * (self.half - 1.0), 0.0), (0.0 if side < 0 else 180.0) + rng.normal(0, 4))
                self.placements += mount_rider(self.library, rng, bike, self.group)
                self.group += 1
            else:  # parked on the sidewalk
                self.add("bicycle", x, side * (self.edge + 1.0), KERB, 90.0 * side + rng.normal(0, 10))

    def pedestrians(self):
        rng = self.rng
        if self.weight("person") <= 0:
            return
        for _ in range(_poisson(rng, 9 * self.weight("person") * self.density)):
            side = -1 if rng.random() < 0.5 else 1
            y = side * (self.edge + float(rng.uniform(0.8, self.sidewalk - 0.4)))
            heading = (0.0 if rng.random() < 0.5 else 180.0) + rng.normal(0, 25)
            self.add("person", float(rng.uniform(2, 70)), y, KERB, heading)
        if self.crossing is not None:
            for _ in range(_poisson(rng, 2.5 * self.weight("person"))):
                y = float(rng.uniform(-self.half, self.half))
                self.add("person", self.crossing + float(rng.uniform(-1.2, 1.2)), y, 0.0, 90.0 * rng.choice([-1, 1]) + rng.normal(0, 10))


def mirrored(placement: Placement) -> Placement:
    """The placement seen in a mirror along the street (y -> -y): right-hand traffic becomes left-hand."""
    x, y, z = placement.position
    return dataclasses.replace(placement, position=(x, -y, z), yaw=-placement.yaw)


def sample_street(rng: np.random.Generator, library: Library, width: int, height: int, *, seed: int,
                  weights: dict[str, float], style: StreetStyle = StreetStyle()) -> Scene:
    street = _Street(rng, library, weights, style)
    street.ground()
    # Physics keeps earlier placements: foreground first, then furniture, then the buildings and gap fillers.
    street.traffic()
    street.pedestrians()
    street.furniture()
    street.buildings()
    rig = CAMERA_RIGS[style.camera]
    lane = street.lanes // 2 - 1  # the right-hand lane next to the centre line
    eye = (0.0, -street.half + (lane + 0.5) * street.lane_width, float(rng.uniform(*rig.height)))
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
    return Scene(seed=seed, kind="complex", camera=camera, lights=lights, placements=tuple(placements), sky=sky,
                 ambient=ambient, notes=notes)
