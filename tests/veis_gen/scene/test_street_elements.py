"""The street's elements: named numbers, drawn in the order of STEPS; a step appended changes nothing before it."""
import dataclasses

import numpy as np
import pytest

from veis_gen.scene import street as street_module
from veis_gen.scene.library import inline
from veis_gen.scene.kerbside import KERBSIDE
from veis_gen.scene.street_elements import STEPS, CrossingPedestrians, CyclistsAhead, Kerbside, Pedestrians
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
