"""The sidewalks' elements, drawn by ``street_elements.Kerbside`` for one side and then the other: lamps, street
trees, railings, bollards, front gardens and signs. Each is a frozen dataclass of its numbers with a
``place(street, side)`` method; a new one is appended to ``KERBSIDE``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from veis_gen.scene.library import inline
from veis_gen.scene.street_layout import KERB, Range, Street


@dataclass(frozen=True)
class Poles:
    """Street lamps in a row along the kerb."""

    first: Range = (5.0, 20.0)
    spacing: Range = (18.0, 32.0)
    kerb: float = 0.5  # metres behind the kerb

    def place(self, street: Street, side: int) -> None:
        for x in street.row(self.first, self.spacing):
            if street.library.has("pole"):
                street.add("pole", x, side * (street.edge + self.kerb), KERB, 90.0 if side < 0 else -90.0,
                           instance=False)


@dataclass(frozen=True)
class BareTrees:
    """Winter: a row of leafless street trees by the kerb (CamVid's winter streets); trunk and branches are
    vegetation. They take no part in collisions: their crowns' hulls would clear the sidewalk."""

    chance: float = 0.6  # per side
    narrow_chance: float = 0.75
    first: Range = (2.0, 10.0)
    spacing: Range = (7.0, 14.0)
    jitter: float = 0.5  # sd of each tree's place along the row
    kerb: float = 0.7  # metres behind the kerb
    shapes: int = 10  # a few meshes, scaled: every distinct mesh is built once per worker, at some 0.1 s each
    height: float = 10.0
    scale: Range = (0.7, 1.5)

    def place(self, street: Street, side: int) -> None:
        rng = street.rng
        if not (street.winter and rng.random() < (self.narrow_chance if street.narrow else self.chance)):
            return
        y = side * (street.edge + self.kerb)
        for x in street.row(self.first, self.spacing):
            tree = inline("tree", "vegetation", (x + float(rng.normal(0, self.jitter)), y, KERB),
                          yaw=float(rng.uniform(0, 360)), style="bare", seed=int(rng.integers(self.shapes)),
                          height=self.height, material_seed=street.seed())
            street.placements.append(dataclasses.replace(tree, scale=float(rng.uniform(*self.scale))))


@dataclass(frozen=True)
class LeafyTrees:
    """Summer: a row of the packs' trees (class vegetation) on the sidewalk."""

    chance: float = 0.6  # per side
    first: Range = (3.0, 12.0)
    spacing: Range = (8.0, 16.0)
    across: float = 0.6  # the share of the sidewalk's width from the kerb

    def place(self, street: Street, side: int) -> None:
        rng = street.rng
        if street.winter or not street.library.has("vegetation") or rng.random() >= self.chance:
            return
        y = side * (street.edge + street.sidewalk * self.across)
        for x in street.row(self.first, self.spacing):
            street.add("vegetation", x, y, KERB, rng.uniform(0, 360), instance=False)


@dataclass(frozen=True)
class Railings:
    """With furniture: stretches of railing along the kerb."""

    first: Range = (0.0, 30.0)
    end: float = 110.0
    length: Range = (5.0, 18.0)
    chance: float = 0.35  # per stretch
    kerb: float = 0.25  # metres behind the kerb
    styles: tuple[str, ...] = ("rails", "bars")
    height: Range = (0.9, 1.15)
    gap: Range = (4.0, 30.0)

    def place(self, street: Street, side: int) -> None:
        rng = street.rng
        if not street.style.furniture:
            return
        x = float(rng.uniform(*self.first))
        while x < self.end:
            length = float(rng.uniform(*self.length))
            if rng.random() < self.chance:
                street.boundary("fence", x + length / 2, side * (street.edge + self.kerb), length,
                                fence_styles=self.styles, height=float(rng.uniform(*self.height)))
            x += length + float(rng.uniform(*self.gap))


@dataclass(frozen=True)
class Bollards:
    """With furniture: bollards (poles of the pole class) along the kerb either side of the crossing."""

    pairs: tuple[int, int] = (2, 5)  # drawn as numpy's integers: the high end is left out
    first: float = 2.6  # metres from the crossing's centre line
    spacing: float = 1.4
    kerb: float = 0.3  # metres behind the kerb
    height: float = 2.2

    def place(self, street: Street, side: int) -> None:
        if not street.style.furniture or street.crossing is None:
            return
        y = side * (street.edge + self.kerb)
        for k in range(int(street.rng.integers(*self.pairs))):
            for dx in (-self.first - self.spacing * k, self.first + self.spacing * k):
                street.placements.append(inline("pole", "pole", (street.crossing + dx, y, KERB), style="plain",
                                                height=self.height, material_seed=street.seed()))


@dataclass(frozen=True)
class FrontGardens:
    """With furniture: a fence, wall or hedge at the back of the sidewalk, in front of set-back facades."""

    setback: float = 1.0  # metres the facades stand back, at least
    kinds: tuple[str, ...] = ("fence", "fence", "wall", "hedge")  # drawn from, once per side
    start: float = -10.0
    end: float = 100.0
    length: Range = (8.0, 20.0)
    gap: Range = (1.0, 3.0)
    behind: float = 0.15  # metres behind the sidewalk
    styles: tuple[str, ...] = ("bars", "picket", "rails")

    def place(self, street: Street, side: int) -> None:
        rng = street.rng
        if not street.style.furniture or street.setback(side) <= self.setback:
            return
        kind = str(rng.choice(self.kinds))
        x, y = self.start, side * (street.edge + street.sidewalk + self.behind)
        while x < self.end:
            length = float(rng.uniform(*self.length))
            street.boundary(kind, x + length / 2, y, round(length, 1), fence_styles=self.styles)
            x += length + float(rng.uniform(*self.gap))


@dataclass(frozen=True)
class TrafficSigns:
    """Signs along the kerb, facing the oncoming traffic."""

    per_side: float = 2.5  # Poisson mean, times the sign weight and the street's density
    x: Range = (4.0, 90.0)
    kerb: float = 0.5  # the poles' line behind the kerb ...
    behind: float = 0.3  # ... and the metres behind it
    yaw_spread: float = 20.0  # degrees either way

    def place(self, street: Street, side: int) -> None:
        rng, y = street.rng, side * (street.edge + self.kerb) + side * self.behind
        for _ in range(street.poisson(self.per_side * street.weight("traffic sign") * street.density)):
            street.add("traffic sign", float(rng.uniform(*self.x)), y, KERB,
                       180.0 + rng.uniform(-self.yaw_spread, self.yaw_spread))


KERBSIDE = (Poles(), BareTrees(), LeafyTrees(), Railings(), Bollards(), FrontGardens(), TrafficSigns())
