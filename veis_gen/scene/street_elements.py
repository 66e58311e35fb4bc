"""What a street holds, as the steps that draw it: ``STEPS``, in order, after the layout (``street_layout``).

Each element is a frozen dataclass of its numbers (Poisson means, chances, offsets in metres; a ``Range`` is a
uniform draw) and a ``place`` method that draws it into a ``Street``. The sidewalks' elements (``kerbside``) take
one side and then the other. A new element is a recipe, an asset in a pack and a step here, appended to ``STEPS``
or to ``kerbside.KERBSIDE``: a step put before others changes every street drawn after it from the same seeds,
unless, like ``CyclistsAhead``, it draws nothing where its setting is off.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veis_gen.scene.kerbside import KERBSIDE
from veis_gen.scene.library import inline
from veis_gen.scene.street_layout import KERB, SIDES, STREET_END, Range, Street


@dataclass(frozen=True)
class Ground:
    """The grass all round, the road (with a zebra crossing on some), the parking strips and the sidewalks; on
    ``StreetStyle.kerb_lines`` of the streets without parking, double yellow lines along both kerbs (none drawn
    where that is 0)."""

    grass: float = 500.0  # metres a side, centred ``grass_x`` along the street
    grass_x: float = 60.0
    road_length: float = STREET_END + 40
    road_behind: float = 30.0  # metres of road behind the camera
    crossing_length: float = 4.0

    def place(self, street: Street) -> None:
        length, centre = self.road_length, self.road_length / 2 - self.road_behind
        add = street.placements.append
        kerb_lines = {"kerb_lines": True} if not street.parking and street.happens(street.style.kerb_lines) else {}
        add(inline("ground", "terrain", (self.grass_x, 0.0, -0.06), length=self.grass, width=self.grass, kind="grass",
                   material_seed=street.seed()))
        add(inline("road", "road", (centre, 0.0, -0.05), length=length, lanes=street.lanes,
                   lane_width=street.lane_width, material_seed=street.seed(), **kerb_lines))
        if street.crossing is not None:  # 1 cm above the road it covers: 1 mm ties in depth a few tens of metres away
            add(inline("road", "road", (street.crossing, 0.0, -0.04), length=self.crossing_length, lanes=street.lanes,
                       lane_width=street.lane_width, crossing=True, material_seed=street.seed(), **kerb_lines))
        for side in SIDES:
            if street.parking:
                add(inline("ground", "road", (centre, side * (street.half + street.parking / 2), -0.05), length=length,
                           width=street.parking, kind="asphalt", material_seed=street.seed()))
            add(inline("sidewalk", "sidewalk", (centre, side * (street.edge + street.sidewalk / 2), 0.0),
                       yaw=0.0 if side > 0 else 180.0, length=length, width=street.sidewalk, kerb_height=KERB,
                       material_seed=street.seed()))


@dataclass(frozen=True)
class MovingTraffic:
    """Vehicles in the lanes, both ways; most motorcycles with their riders."""

    per_street: float = 6.0  # Poisson mean, times the street's density
    shares: tuple[tuple[str, float], ...] = (("car", 1.0), ("truck", 0.12), ("bus", 0.1), ("train", 0.04),
                                             ("motorcycle", 0.08))  # times the class weights
    x: Range = (8.0, 110.0)
    clear_ahead: float = 15.0  # metres of the camera's own lane kept clear ...
    clear_ahead_large: float = 25.0  # ... of the front of a truck, bus or train
    yaw_sd: float = 2.0
    ridden: float = 0.85  # the chance a motorcycle has a rider

    def place(self, street: Street) -> None:
        rng, shares = street.rng, dict(self.shares)
        classes = [c for c in shares if street.weight(c) > 0]
        if not classes:
            return
        probabilities = np.array([shares[c] * street.weight(c) for c in classes])
        probabilities /= probabilities.sum()
        for _ in range(street.poisson(self.per_street * street.density)):
            cls = str(rng.choice(classes, p=probabilities))
            lane = int(rng.integers(street.lanes))
            y = -street.half + (lane + 0.5) * street.lane_width
            x = float(rng.uniform(*self.x))
            clear = self.clear_ahead_large if cls in ("truck", "bus", "train") else self.clear_ahead
            if lane == street.camera_lane and x < clear:
                continue
            vehicle = street.add(cls, x, y, 0.0, (0.0 if y < 0 else 180.0) + rng.normal(0, self.yaw_sd))
            if cls == "motorcycle" and street.library.has("rider") and rng.random() < self.ridden:
                street.placements.pop()
                street.ride(vehicle)


@dataclass(frozen=True)
class CyclistsAhead:
    """Cyclists riding just ahead of the camera, seen from behind, in its lane or the next one out (CamVid's
    largest thing class by pixels), alone or in a line; on ``StreetStyle.cyclists_ahead`` of the streets. Drawn
    before the traffic, so physics keeps them; a style without them draws nothing, and its streets stay the same."""

    x: Range = (5.0, 20.0)  # metres ahead of the camera, the first
    more: float = 0.3  # the chance of each further cyclist behind the one before
    spacing: Range = (2.5, 6.0)
    outer_lane: float = 0.35  # the chance of the next lane out, where there is one
    across_sd: float = 0.5  # metres off the lane's centre line
    yaw_sd: float = 3.0

    def place(self, street: Street) -> None:
        rng, library = street.rng, street.library
        if (street.weight("bicycle") <= 0 or street.weight("rider") <= 0
                or not street.happens(street.style.cyclists_ahead)):
            return
        lane = street.camera_lane
        if lane > 0 and rng.random() < self.outer_lane:
            lane -= 1
        x, riders = float(rng.uniform(*self.x)), 0
        while True:
            y = -street.half + (lane + 0.5) * street.lane_width + float(rng.normal(0, self.across_sd))
            record = library.choose("bicycle", rng)
            street.ride(library.placement(record, rng, (x, y, 0.0), float(rng.normal(0, self.yaw_sd))))
            riders += 1
            if rng.random() >= self.more:
                break
            x += float(rng.uniform(*self.spacing))
        street.notes["riders_ahead"] = riders


@dataclass(frozen=True)
class ParkedCars:
    """Cars nose to tail along the parking strips, with a longer gap here and there."""

    chance: float = 0.7  # per parking strip
    first: Range = (3.0, 12.0)
    end: float = 90.0
    gap: Range = (0.6, 6.0)
    taken: float = 0.85  # the chance the next space is taken (times the car weight, at most 1) ...
    free: Range = (5.0, 20.0)  # ... else this much more room
    yaw_sd: float = 2.0

    def place(self, street: Street) -> None:
        rng = street.rng
        if street.weight("car") <= 0:
            return
        for side in SIDES:
            if street.parking and rng.random() < self.chance:
                x = float(rng.uniform(*self.first))
                while x < self.end:
                    car = street.add("car", x, side * (street.half + street.parking / 2), 0.0,
                                     (0.0 if side < 0 else 180.0) + rng.normal(0, self.yaw_sd))
                    x += street.library.mesh(car).extents[0] * car.scale + float(rng.uniform(*self.gap))
                    if rng.random() > self.taken * min(1.0, street.weight("car")):
                        x += float(rng.uniform(*self.free))


@dataclass(frozen=True)
class Bicycles:
    """Cyclists by the kerb of the outer lanes, or bicycles parked on the sidewalk."""

    per_street: float = 2.0  # Poisson mean, times the bicycle weight and the street's density
    per_narrow_street: float = 3.5
    near_side: float = 0.7  # the chance of the camera's side
    x: Range = (6.0, 70.0)
    ridden: float = 0.6
    lane_inset: float = 1.0  # a cyclist's metres inside the lanes' edge
    ridden_yaw_sd: float = 4.0
    parked_inset: float = 1.0  # a parked bicycle's metres onto the sidewalk
    parked_yaw_sd: float = 10.0

    def place(self, street: Street) -> None:
        rng, library = street.rng, street.library
        per_street = self.per_narrow_street if street.narrow else self.per_street
        for _ in range(street.poisson(per_street * street.weight("bicycle") * street.density)):
            side = -1 if rng.random() < self.near_side else 1
            x = float(rng.uniform(*self.x))
            if rng.random() < self.ridden and library.has("rider") and street.weight("rider") > 0:
                record = library.choose("bicycle", rng)
                yaw = (0.0 if side < 0 else 180.0) + rng.normal(0, self.ridden_yaw_sd)
                street.ride(library.placement(record, rng, (x, side * (street.half - self.lane_inset), 0.0), yaw))
            else:
                street.add("bicycle", x, side * (street.edge + self.parked_inset), KERB,
                           90.0 * side + rng.normal(0, self.parked_yaw_sd))


@dataclass(frozen=True)
class Pedestrians:
    """People walking along the sidewalks, either way. ``StreetStyle.walking_groups`` of them (in expectation)
    walk in groups of two to four the same way, beside the one before where the sidewalk has room and a draw
    says so, else behind; about as many people in all as without groups (CamVid's people walk in groups). A style
    without groups draws nothing for them, and its streets stay the same."""

    per_street: float = 9.0  # Poisson mean, times the person weight and the street's density
    near_side: float = 0.5  # the chance of the camera's side
    inset: float = 0.8  # metres from the kerb, at least ...
    margin: float = 0.4  # ... and from the back of the sidewalk
    heading_sd: float = 25.0
    x: Range = (2.0, 70.0)
    others: tuple[int, int] = (1, 4)  # a group's people besides the first; numpy's integers: the high end left out
    abreast: float = 0.6  # the chance each walks beside the one before, where there is room
    beside: Range = (0.6, 0.85)  # metres between shoulders' centres, abreast ...
    behind: Range = (0.9, 1.6)  # ... and between people in file
    group_heading_sd: float = 6.0

    def place(self, street: Street) -> None:
        rng, share = street.rng, street.style.walking_groups
        if street.weight("person") <= 0:
            return
        mean_others = (self.others[0] + self.others[1] - 1) / 2
        lead = share / (1 + mean_others - share * mean_others)  # so that ``share`` of the people walk in groups ...
        walkers = self.per_street * street.weight("person") * street.density / (1 + lead * mean_others)  # ... as many
        groups = grouped = 0
        for _ in range(street.poisson(walkers)):
            side = -1 if rng.random() < self.near_side else 1
            y = side * (street.edge + float(rng.uniform(self.inset, street.sidewalk - self.margin)))
            heading = (0.0 if rng.random() < 0.5 else 180.0) + rng.normal(0, self.heading_sd)
            x = float(rng.uniform(*self.x))
            street.add("person", x, y, KERB, heading)
            if street.happens(lead) and (placed := self._group(street, side, x, y, heading)):
                groups, grouped = groups + 1, grouped + 1 + placed
        if groups:
            street.notes.update(sidewalk_groups=groups, walking_in_groups=grouped)

    def _group(self, street: Street, side: int, x: float, y: float, heading: float) -> int:
        """The others of a group walking from (x, y) along ``heading``, each beside or behind the one before, on
        the sidewalk and within the street's stretch of walkers; returns how many were placed."""
        rng, placed = street.rng, 0
        near, far = street.edge + self.inset, street.edge + street.sidewalk - self.margin  # |y| on the sidewalk
        across = side if abs(y) - near < far - abs(y) else -side  # abreast towards the roomier edge
        along = float(np.cos(np.radians(heading)))
        for _ in range(int(rng.integers(*self.others))):
            step = float(rng.uniform(*self.beside))
            if rng.random() < self.abreast and near <= abs(y + across * step) <= far:
                y += across * step
            else:
                x -= along * float(rng.uniform(*self.behind))
            yaw = heading + float(rng.normal(0, self.group_heading_sd))
            if self.x[0] <= x <= self.x[1]:
                street.add("person", x, y, KERB, yaw)
                placed += 1
        return placed


@dataclass(frozen=True)
class CrossingPedestrians:
    """People on the zebra crossing, walking across."""

    per_crossing: float = 2.5  # Poisson mean, times the person weight
    spread: float = 1.2  # metres either side of the crossing's centre line
    heading_sd: float = 10.0

    def place(self, street: Street) -> None:
        rng = street.rng
        if street.weight("person") <= 0 or street.crossing is None:
            return
        for _ in range(street.poisson(self.per_crossing * street.weight("person"))):
            y = float(rng.uniform(-street.half, street.half))
            street.add("person", street.crossing + float(rng.uniform(-self.spread, self.spread)), y, 0.0,
                       90.0 * rng.choice([-1, 1]) + rng.normal(0, self.heading_sd))


@dataclass(frozen=True)
class TrafficLights:
    """A light on each kerb before the crossing, most of the time."""

    chance: float = 0.9  # per side, times the traffic light weight (at most 1)
    before: float = 3.0  # metres before the crossing's centre line
    kerb: float = 0.6  # metres behind the kerb
    yaw_spread: float = 8.0  # degrees either way

    def place(self, street: Street) -> None:
        rng = street.rng
        if street.crossing is None or street.weight("traffic light") <= 0:
            return
        for side in SIDES:
            if rng.random() < min(1.0, self.chance * street.weight("traffic light")):
                street.add("traffic light", street.crossing - self.before, side * (street.edge + self.kerb), KERB,
                           180.0 + rng.uniform(-self.yaw_spread, self.yaw_spread))


@dataclass(frozen=True)
class Buildings:
    """A row of facades on each side, with gaps filled by a wall, fence, hedge or grass; on
    ``StreetStyle.shop_fronts`` of the facades, a ground floor of shops (none drawn where that is 0)."""

    start: float = -25.0
    width: Range = (8.0, 22.0)
    gap: Range = (3.0, 12.0)  # after one facade in four
    joined: float = 0.7  # narrow streets: the chance a gap is closed
    depth: Range = (10.0, 16.0)
    styles: tuple[str, ...] = ("block", "townhouse", "office", "shop")
    floors: tuple[int, int] = (3, 10)  # numpy's integers: the high end is left out
    townhouse_floors: tuple[int, int] = (2, 4)
    narrow_floors: int = 6  # at most
    fillers: tuple[str, ...] = ("wall", "fence", "hedge", "terrain")
    filler_fences: tuple[str, ...] = ("rails", "picket", "bars", "mesh")
    filler_behind: float = 0.3  # metres behind the setback line
    grass_behind: float = 6.0  # a grass filler's centre, metres behind the sidewalk ...
    grass_width: float = 12.0  # ... and its depth
    shop_seeds: int = 1000  # the layouts a ground floor of shops is drawn from (StreetStyle.shop_fronts)

    def place(self, street: Street) -> None:
        for side in SIDES:
            x = self.start
            setback = street.setback(side)
            while x < STREET_END:
                width, gap = self._facade(street, side, x, setback)
                x += width
                if gap > 0:
                    self._filler(street, side, x, gap, setback)
                    x += gap

    def _facade(self, street: Street, side: int, x: float, setback: float) -> tuple[float, float]:
        rng = street.rng
        width = float(rng.uniform(*self.width))
        gap = float(rng.choice([0.0, 0.0, 0.0, rng.uniform(*self.gap)]))
        if street.narrow and rng.random() < self.joined:
            gap = 0.0
        depth = float(rng.uniform(*self.depth))
        y = side * (street.edge + street.sidewalk + setback + depth / 2)
        style = str(rng.choice(self.styles))
        floors = int(rng.integers(*self.townhouse_floors)) if style == "townhouse" else int(rng.integers(*self.floors))
        if street.narrow:
            floors = min(floors, self.narrow_floors)
        extra = {"shop_front": int(rng.integers(self.shop_seeds))} if street.happens(street.style.shop_fronts) else {}
        street.placements.append(inline("building", "building", (x + width / 2, y, 0.0), yaw=-90.0 * side,
                                        style=style, floors=floors, width=width, depth=depth, collides=True,
                                        material_seed=street.seed(), **extra))
        return width, gap

    def _filler(self, street: Street, side: int, x: float, gap: float, setback: float) -> None:
        kind = street.rng.choice(self.fillers)
        if kind == "terrain":
            y = side * (street.edge + street.sidewalk + self.grass_behind)
            street.placements.append(inline("ground", "terrain", (x + gap / 2, y, 0.0), length=gap,
                                            width=self.grass_width, kind="grass", material_seed=street.seed()))
            return
        y = side * (street.edge + street.sidewalk + setback + self.filler_behind)
        street.boundary(str(kind), x + gap / 2, y, gap, fence_styles=self.filler_fences, collides=True)


@dataclass(frozen=True)
class Kerbside:
    """The sidewalks' elements: all of one side, then all of the other."""

    elements: tuple = KERBSIDE

    def place(self, street: Street) -> None:
        for side in SIDES:
            for element in self.elements:
                element.place(street, side)


# Physics keeps earlier placements: foreground first, then furniture, then the buildings and gap fillers.
STEPS = (Ground(), CyclistsAhead(), MovingTraffic(), ParkedCars(), Bicycles(), Pedestrians(), CrossingPedestrians(),
         Kerbside(), TrafficLights(), Buildings())
