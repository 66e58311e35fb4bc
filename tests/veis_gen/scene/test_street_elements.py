"""The street's elements: named numbers, drawn in the order of STEPS; a step appended changes nothing before it."""
import dataclasses

import numpy as np
import pytest

from veis_gen.scene import street as street_module
from veis_gen.scene.library import inline
from veis_gen.scene.kerbside import KERBSIDE
from veis_gen.scene.street_elements import (STEPS, Buildings, CrossingPedestrians, CyclistsAhead, Ground, Kerbside,
                                           Pedestrians)
from veis_gen.scene.street_layout import KERB, SIDES, Street
from veis_gen.scene.styles import StreetStyle


@pytest.fixture(scope="module")
def library():
    from veis_gen.assets.pack import load_packs
    from veis_gen.scene.library import Library

    return Library(load_packs(["builtin"]))


def _street(library, seed, **style):
    from veis_gen.scene.common import foreground_weights

    return street_module.sample_street(np.random.default_rng(seed), library, 480, 360, seed=seed,
                                       weights=foreground_weights(library, {}), style=StreetStyle(**style))


def test_the_steps_and_their_order():
    assert [type(step).__name__ for step in STEPS] == [
        "Ground", "CyclistsAhead", "MovingTraffic", "ParkedCars", "Bicycles", "Pedestrians", "CrossingPedestrians",
        "Kerbside", "TrafficLights", "Buildings"]
    kerbside = next(step for step in STEPS if isinstance(step, Kerbside))
    assert kerbside.elements is KERBSIDE and [type(element).__name__ for element in KERBSIDE] == [
        "Poles", "BareTrees", "LeafyTrees", "Railings", "Bollards", "FrontGardens", "TrafficSigns"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        STEPS[5].per_street = 0.0


@dataclasses.dataclass(frozen=True)
class KerbStones:
    """A new element: one stone at each kerb, where the street starts."""

    x: tuple[float, float] = (1.0, 3.0)

    def place(self, street: Street) -> None:
        for side in SIDES:
            x = float(street.rng.uniform(*self.x))
            street.placements.append(inline("pole", "pole", (x, side * street.edge, KERB), style="plain", height=0.5,
                                            material_seed=street.seed()))


def test_a_step_appended_leaves_the_street_before_it_unchanged(library, monkeypatch):
    before = [_street(library, seed, furniture=True) for seed in range(4)]
    monkeypatch.setattr(street_module, "STEPS", (*STEPS, KerbStones()))
    for seed, old in enumerate(before):
        new = _street(library, seed, furniture=True)
        assert new.placements[:len(old.placements)] == old.placements
        stones = new.placements[len(old.placements):]
        assert [(p.recipe, dict(p.params)["height"], 1.0 <= p.position[0] <= 3.0) for p in stones] == [
            ("pole", 0.5, True)] * 2


def test_an_elements_numbers_are_what_it_draws(library, monkeypatch):
    def people(steps):
        monkeypatch.setattr(street_module, "STEPS", steps)
        return sum(p.class_name == "person" for seed in range(6) for p in _street(library, seed).placements)

    assert people(STEPS) > 10
    none = tuple(dataclasses.replace(step, **{"per_street" if isinstance(step, Pedestrians) else "per_crossing": 0.0})
                 if isinstance(step, (Pedestrians, CrossingPedestrians)) else step for step in STEPS)
    assert people(none) == 0



def _ahead(scene):
    """The riders on bicycles in the camera's lane or the next one out, 5-40 m ahead, riding away from it."""
    lane_width, eye_y = scene.notes["lane_width"], scene.camera.matrix[1, 3]
    bicycles = {p.group: p for p in scene.placements if p.class_name == "bicycle" and p.group >= 0}
    return [p for p in scene.placements if p.class_name == "rider" and p.group in bicycles
            and 5.0 <= bicycles[p.group].position[0] <= 40.0
            and -1.5 * lane_width - 1.5 <= bicycles[p.group].position[1] - eye_y <= 0.5 * lane_width + 1.5
            and abs(bicycles[p.group].yaw) < 15]


def test_cyclists_ahead_come_at_the_rate_set(library):
    streets = [_street(library, seed, cyclists_ahead=0.5) for seed in range(120)]
    drawn = [scene.notes.get("riders_ahead", 0) for scene in streets]
    assert abs(sum(n > 0 for n in drawn) / len(streets) - 0.5) < 0.12  # binomial sd 0.046 at 120 streets
    assert all(len(_ahead(scene)) >= n for scene, n in zip(streets, drawn))
    assert max(drawn) >= 2  # some ride in a line
    always = [_street(library, seed, cyclists_ahead=1.0) for seed in range(20)]
    assert all(scene.notes["riders_ahead"] >= 1 and _ahead(scene) for scene in always)
    assert "riders_ahead" not in _street(library, 0).notes


def test_streets_without_cyclists_ahead_are_drawn_as_before(library, monkeypatch):
    before = [_street(library, seed, furniture=True) for seed in range(4)]
    monkeypatch.setattr(street_module, "STEPS", tuple(s for s in STEPS if not isinstance(s, CyclistsAhead)))
    assert [_street(library, seed, furniture=True) for seed in range(4)] == before


def _groups(scene, edge):
    """Sidewalk people (not on the road or a crossing) with another one walking the same way within 1.7 m."""
    people = [p for p in scene.placements if p.class_name == "person" and abs(p.position[1]) > edge]

    def together(a, b):
        turn = (a.yaw - b.yaw + 180.0) % 360.0 - 180.0
        near = np.hypot(a.position[0] - b.position[0], a.position[1] - b.position[1]) < 1.7
        return a is not b and near and abs(turn) < 30.0

    return people, [a for a in people if any(together(a, b) for b in people)]


def test_walking_groups_take_the_share_set_of_as_many_people(library):
    def street(seed, **style):
        scene = _street(library, seed, **style)
        edge = scene.notes["lanes"] * scene.notes["lane_width"] / 2 + scene.notes["parking"]
        people, grouped = _groups(scene, edge)
        assert all(abs(p.position[1]) <= edge + scene.notes["sidewalk"] for p in people)  # on the sidewalk
        return len(people), len(grouped), scene.notes.get("walking_in_groups", 0), scene.notes.get("sidewalk_groups", 0)

    full = [street(seed, walking_groups=1.0) for seed in range(12)]
    assert all(near >= counted >= 2 * groups and counted <= 4 * groups for _, near, counted, groups in full)
    assert sum(c for _, _, c, _ in full) >= 0.9 * sum(p for p, _, _, _ in full)  # some leaders' others left the stretch
    alone = [street(seed) for seed in range(60)]
    assert sum(near for _, near, _, _ in alone) < 0.3 * sum(p for p, _, _, _ in alone)  # few walk side by side alone
    half = [street(seed, walking_groups=0.5) for seed in range(60)]
    assert abs(sum(c for _, _, c, _ in half) / sum(p for p, _, _, _ in half) - 0.5) < 0.1
    assert abs(sum(p for p, _, _, _ in half) / sum(p for p, _, _, _ in alone) - 1) < 0.15  # as many people


def test_streets_without_walking_groups_are_drawn_as_before(library, monkeypatch):
    """Groups off, the pedestrians are drawn by the code they had before groups existed."""
    @dataclasses.dataclass(frozen=True)
    class Before(Pedestrians):
        def place(self, street):
            rng = street.rng
            if street.weight("person") <= 0:
                return
            for _ in range(street.poisson(self.per_street * street.weight("person") * street.density)):
                side = -1 if rng.random() < self.near_side else 1
                y = side * (street.edge + float(rng.uniform(self.inset, street.sidewalk - self.margin)))
                heading = (0.0 if rng.random() < 0.5 else 180.0) + rng.normal(0, self.heading_sd)
                street.add("person", float(rng.uniform(*self.x)), y, KERB, heading)

    now = [_street(library, seed, furniture=True) for seed in range(4)]
    monkeypatch.setattr(street_module, "STEPS", tuple(Before() if isinstance(s, Pedestrians) else s for s in STEPS))
    assert [_street(library, seed, furniture=True) for seed in range(4)] == now
    assert all("sidewalk_groups" not in scene.notes for scene in now)


def test_shop_fronts_come_at_the_rate_set(library):
    def facades(**style):
        return [dict(p.params) for seed in range(10) for p in _street(library, seed, **style).placements
                if p.recipe == "building"]

    assert all("shop_front" in params for params in facades(shop_fronts=1.0))
    half = facades(shop_fronts=0.5)
    assert len(half) > 150 and abs(np.mean(["shop_front" in params for params in half]) - 0.5) < 0.1
    assert not any("shop_front" in params for params in facades())


def test_streets_without_shop_fronts_are_drawn_as_before(library, monkeypatch):
    """Shops off, the facades are drawn by the code they had before shop fronts existed."""
    @dataclasses.dataclass(frozen=True)
    class Before(Buildings):
        def _facade(self, street, side, x, setback):
            rng = street.rng
            width = float(rng.uniform(*self.width))
            gap = float(rng.choice([0.0, 0.0, 0.0, rng.uniform(*self.gap)]))
            if street.narrow and rng.random() < self.joined:
                gap = 0.0
            depth = float(rng.uniform(*self.depth))
            y = side * (street.edge + street.sidewalk + setback + depth / 2)
            style = str(rng.choice(self.styles))
            floors = (int(rng.integers(*self.townhouse_floors)) if style == "townhouse"
                      else int(rng.integers(*self.floors)))
            if street.narrow:
                floors = min(floors, self.narrow_floors)
            street.placements.append(inline("building", "building", (x + width / 2, y, 0.0), yaw=-90.0 * side,
                                            style=style, floors=floors, width=width, depth=depth, collides=True,
                                            material_seed=street.seed()))
            return width, gap

    # with groups on, so that the streets before the facades hold more than the default draws
    now = [_street(library, seed, streets="mixed", walking_groups=0.3) for seed in range(4)]
    monkeypatch.setattr(street_module, "STEPS", tuple(Before() if isinstance(s, Buildings) else s for s in STEPS))
    assert [_street(library, seed, streets="mixed", walking_groups=0.3) for seed in range(4)] == now


def test_kerb_lines_are_drawn_on_streets_without_parking(library):
    def roads(**style):
        return [(scene.notes["parking"], dict(p.params)) for seed in range(40)
                for scene in [_street(library, seed, streets="mixed", **style)] for p in scene.placements
                if p.recipe == "road"]

    lined = roads(kerb_lines=1.0)
    assert {parking == 0 for parking, params in lined} == {True, False}  # both kinds of street drawn
    assert all(params.get("kerb_lines", False) == (parking == 0) for parking, params in lined)
    assert not any("kerb_lines" in params for _, params in roads())


def test_streets_without_kerb_lines_are_drawn_as_before(library, monkeypatch):
    """Lines off, the ground is drawn by the code it had before kerb lines existed."""
    @dataclasses.dataclass(frozen=True)
    class Before(Ground):
        def place(self, street):
            length, centre = self.road_length, self.road_length / 2 - self.road_behind
            add = street.placements.append
            add(inline("ground", "terrain", (self.grass_x, 0.0, -0.06), length=self.grass, width=self.grass,
                       kind="grass", material_seed=street.seed()))
            add(inline("road", "road", (centre, 0.0, -0.05), length=length, lanes=street.lanes,
                       lane_width=street.lane_width, material_seed=street.seed()))
            if street.crossing is not None:
                add(inline("road", "road", (street.crossing, 0.0, -0.04), length=self.crossing_length,
                           lanes=street.lanes, lane_width=street.lane_width, crossing=True,
                           material_seed=street.seed()))
            for side in SIDES:
                if street.parking:
                    add(inline("ground", "road", (centre, side * (street.half + street.parking / 2), -0.05),
                               length=length, width=street.parking, kind="asphalt", material_seed=street.seed()))
                add(inline("sidewalk", "sidewalk", (centre, side * (street.edge + street.sidewalk / 2), 0.0),
                           yaw=0.0 if side > 0 else 180.0, length=length, width=street.sidewalk, kerb_height=KERB,
                           material_seed=street.seed()))

    now = [_street(library, seed, streets="narrow") for seed in range(6)]
    monkeypatch.setattr(street_module, "STEPS", tuple(Before() if isinstance(s, Ground) else s for s in STEPS))
    assert [_street(library, seed, streets="narrow") for seed in range(6)] == now
