"""Complex scenes (the paper's 30k): a street like the real ones, seen from a car's camera.

The street runs along +X. Right-hand traffic: lanes at y < 0 drive towards +X. The camera rides in a
right-hand lane at 1.2-1.5 m, looking along the road with a horizontal field of view near 50 degrees.
"""
from __future__ import annotations

import numpy as np

from veis_gen.scene.common import camera_looking, mount_rider, sample_lighting
from veis_gen.scene.library import Library, inline
from veis_gen.scene.types import Scene

KERB = 0.15
STREET_END = 160.0


def _poisson(rng, mean: float) -> int:
    return int(rng.poisson(max(mean, 0.0)))


class _Street:
    def __init__(self, rng: np.random.Generator, library: Library, weights: dict[str, float]):
        self.rng, self.library, self.weights = rng, library, weights
        self.lanes = int(rng.choice([2, 2, 3, 4, 4, 6]))
        self.lane_width = float(rng.uniform(3.0, 3.6))
        self.half = self.lanes * self.lane_width / 2  # the driving lanes
        # Parking strips outside the driving lanes: parked cars never stand in a lane the camera drives in.
        self.parking = 2.3 if rng.random() < 0.8 else 0.0
        self.edge = self.half + self.parking  # the kerb
        self.sidewalk = float(rng.uniform(2.5, 5.5))
        self.crossing = float(rng.uniform(18, 45)) if rng.random() < 0.55 else None
        self.density = float(rng.uniform(0.4, 1.6))
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
            setback = float(rng.uniform(0, 3))
            while x < STREET_END:
                width = float(rng.uniform(8, 22))
                gap = float(rng.choice([0.0, 0.0, 0.0, rng.uniform(3, 12)]))
                depth = float(rng.uniform(10, 16))
                y = side * (self.edge + self.sidewalk + setback + depth / 2)
                style = str(rng.choice(["block", "townhouse", "office", "shop"]))
                floors = int(rng.integers(2, 4)) if style == "townhouse" else int(rng.integers(3, 10))
                self.placements.append(inline("building", "building", (x + width / 2, y, 0.0), yaw=-90.0 * side,
                                              style=style, floors=floors, width=width, depth=depth, collides=True,
                                              material_seed=self.seed()))
                x += width
                if gap > 0:
                    self.gap_filler(x, gap, side, setback)
                    x += gap

    def gap_filler(self, x: float, gap: float, side: int, setback: float):
        rng = self.rng
        y = side * (self.edge + self.sidewalk + setback + 0.3)
        kind = rng.choice(["wall", "fence", "hedge", "terrain"])
        yaw = 0.0
        if kind == "terrain":
            self.placements.append(inline("ground", "terrain", (x + gap / 2, side * (self.edge + self.sidewalk + 6), 0.0),
                                          length=gap, width=12.0, kind="grass", material_seed=self.seed()))
            return
        params = {"length": gap}
        if kind == "fence":
            params["style"] = str(rng.choice(["rails", "picket", "bars", "mesh"]))
        if kind == "hedge":
            params["seed"] = int(rng.integers(1000))
        cls = {"wall": "wall", "fence": "fence", "hedge": "vegetation"}[str(kind)]
        self.placements.append(inline(str(kind), cls, (x + gap / 2, y, KERB), yaw=yaw, collides=True,
                                      material_seed=self.seed(), **params))

    def furniture(self):
        rng = self.rng
        for side in (-1, 1):
            edge = side * (self.edge + 0.5)
            for x in np.arange(float(rng.uniform(5, 20)), STREET_END, float(rng.uniform(18, 32))):
                if self.library.has("pole"):
                    self.add("pole", x, edge, KERB, 90.0 if side < 0 else -90.0, instance=False)
            if self.library.has("vegetation") and rng.random() < 0.6:
                for x in np.arange(float(rng.uniform(3, 12)), STREET_END, float(rng.uniform(8, 16))):
                    self.add("vegetation", x, side * (self.edge + self.sidewalk * 0.6), KERB, rng.uniform(0, 360), instance=False)
            sign_weight = self.weight("traffic sign")
            for _ in range(_poisson(rng, 2.5 * sign_weight * self.density)):
                self.add("traffic sign", float(rng.uniform(4, 90)), edge + side * 0.3, KERB, 180.0 + rng.uniform(-20, 20))
        if self.crossing is not None and self.weight("traffic light") > 0:
            for side in (-1, 1):
                if rng.random() < min(1.0, 0.9 * self.weight("traffic light")):
                    self.add("traffic light", self.crossing - 3.0, side * (self.edge + 0.6), KERB, 180.0 + rng.uniform(-8, 8))

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
        for _ in range(_poisson(rng, 2.0 * self.weight("bicycle") * self.density)):
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


def sample_street(rng: np.random.Generator, library: Library, width: int, height: int, *, seed: int,
                  weights: dict[str, float]) -> Scene:
    street = _Street(rng, library, weights)
    street.ground()
    # Physics keeps earlier placements: foreground first, then furniture, then the buildings and gap fillers.
    street.traffic()
    street.pedestrians()
    street.furniture()
    street.buildings()
    lane = street.lanes // 2 - 1  # the right-hand lane next to the centre line
    eye = (0.0, -street.half + (lane + 0.5) * street.lane_width, float(rng.uniform(1.2, 1.5)))
    yaw, pitch = np.radians(rng.normal(0, 3)), np.radians(rng.normal(-1.5, 1.5))
    target = (eye[0] + 50 * np.cos(yaw), eye[1] + 50 * np.sin(yaw), eye[2] + 50 * np.tan(pitch))
    lights, sky, ambient = sample_lighting(rng)
    camera = camera_looking(width, height, eye, target, float(rng.uniform(46, 54)))
    notes = {"lanes": street.lanes, "lane_width": round(street.lane_width, 3), "sidewalk": round(street.sidewalk, 3),
             "parking": street.parking,
             "crossing": street.crossing is not None, "density": round(street.density, 3)}
    return Scene(seed=seed, kind="complex", camera=camera, lights=lights, placements=tuple(street.placements), sky=sky,
                 ambient=ambient, notes=notes)
