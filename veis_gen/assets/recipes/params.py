"""The parameters each recipe takes, with their types and ranges: a pack's ``params`` are checked against them, so a
misspelt key or a negative size is an error naming the asset and the key, not a default drawn silently."""
from __future__ import annotations

import math
from dataclasses import dataclass

from veis_gen.assets.materials import PALETTES
from veis_gen.assets.recipes.background import BUILDING_STYLES, FENCE_STYLES
from veis_gen.assets.recipes.people import CLOTHING, PHENOTYPES
from veis_gen.assets.recipes.signs import SIGN_STYLES
from veis_gen.assets.recipes.street import POLE_STYLES, TRAFFIC_LIGHT_STYLES
from veis_gen.assets.recipes.two_wheelers import BICYCLE_STYLES, MOTORCYCLE_STYLES
from veis_gen.assets.recipes.vehicles import BUS_STYLES, CAR_STYLES, TRAIN_STYLES, TRUCK_STYLES


@dataclass(frozen=True)
class Param:
    kind: type  # float, int, bool or str
    above: float | None = None  # lower bound, exclusive
    least: float | None = None  # lower bound, inclusive
    most: float | None = None  # upper bound, inclusive
    choices: tuple[str, ...] = ()

    def problem(self, value) -> str | None:
        """What is wrong with ``value``, or None."""
        if self.kind is str:
            if not isinstance(value, str):
                return f"expected text, got {value!r}"
            if self.choices and value not in self.choices:
                return f"expected one of {', '.join(self.choices)}, got {value!r}"
            return None
        if self.kind is bool:
            return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (self.kind is int and not isinstance(value, int)):
            return f"expected {'a whole number' if self.kind is int else 'a number'}, got {value!r}"
        if not math.isfinite(value):
            return f"expected a finite number, got {value!r}"
        if self.above is not None and value <= self.above:
            return f"expected more than {self.above:g}, got {value!r}"
        if self.least is not None and value < self.least:
            return f"expected at least {self.least:g}, got {value!r}"
        if self.most is not None and value > self.most:
            return f"expected at most {self.most:g}, got {value!r}"
        return None


METRES = Param(float, above=0)
SEED = Param(int, least=0)


def _styles(names) -> dict[str, Param]:
    return {"style": Param(str, choices=tuple(names))}


PARAMS: dict[str, dict[str, Param]] = {
    "person": {"clothing": Param(str, choices=CLOTHING), "hair": Param(str, choices=("short", "long", "none")),
               "topology": Param(str), **{name: Param(float, least=0, most=1) for name in PHENOTYPES}},
    "car": {**_styles(CAR_STYLES), **{key: METRES for key in ("L", "W", "H", "wb", "r", "c", "fo", "belt")},
            "trunk": Param(float, least=0), "rake": Param(float, least=0),  # a style's own dimensions, overridden
            "detail": Param(bool)},  # wheel wells, bumpers, grille, plates, door seams (veis-gen --car-detail)
    "truck": _styles(TRUCK_STYLES), "bus": _styles(BUS_STYLES), "train": _styles(TRAIN_STYLES),
    "bicycle": _styles(BICYCLE_STYLES), "motorcycle": _styles(MOTORCYCLE_STYLES),
    "traffic_light": _styles(TRAFFIC_LIGHT_STYLES),
    "traffic_sign": {**_styles(SIGN_STYLES), "size": METRES, "mount_height": Param(float, least=0)},
    "pole": {**_styles(POLE_STYLES), "height": METRES},
    "ground": {"length": METRES, "width": METRES, "kind": Param(str, choices=tuple(PALETTES))},
    "road": {"length": METRES, "lanes": Param(int, least=1), "lane_width": METRES, "crossing": Param(bool),
             "kerb_lines": Param(bool)},
    "sidewalk": {"length": METRES, "width": Param(float, above=0.2), "kerb_height": METRES},
    "building": {**_styles(BUILDING_STYLES), "floors": Param(int, least=1), "floor_height": METRES, "width": METRES,
                 "depth": METRES, "shop_front": SEED},  # shop_front: the seed of a ground floor of shops
    "wall": {"length": METRES, "height": METRES, "thickness": METRES},
    "fence": {**_styles(FENCE_STYLES), "length": METRES, "height": Param(float, least=0.2)},  # lower: negative picket sizes
    "tree": {**_styles(("broadleaf", "conifer", "bare")), "seed": SEED, "height": METRES, "outline": Param(bool),
             "lobes": Param(int, least=1)},
    "hedge": {"seed": SEED, "length": METRES, "height": METRES},
    "terrain": {"seed": SEED, "length": METRES, "width": METRES},
}


def params_problem(recipe: str, params: dict) -> str | None:
    """The first thing wrong with ``params`` for ``recipe`` ("key 'syle': unknown ..."), or None."""
    known = PARAMS[recipe]
    for key, value in params.items():
        if key not in known:
            return f"key {key!r}: unknown for recipe {recipe!r} (known: {', '.join(sorted(known)) or 'none'})"
        problem = known[key].problem(value)
        if problem:
            return f"key {key!r}: {problem}"
    return None
