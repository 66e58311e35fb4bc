"""The assets a run may use, by class, with their meshes; shared by the samplers, physics and rendering."""
from __future__ import annotations

import numpy as np

from segkit.errors import UserError
from veis_gen.assets.loader import asset_mesh, scale_range
from veis_gen.assets.memo import Memo
from veis_gen.assets.mesh import AssetMesh
from veis_gen.assets.pack import AssetRecord
from veis_gen.scene.types import Placement


class Library:
    def __init__(self, records: list[AssetRecord]):
        self.records = {record.key: record for record in records}
        self.by_class: dict[str, list[AssetRecord]] = {}
        for record in records:
            self.by_class.setdefault(record.class_name, []).append(record)
        self._inline = Memo(256)  # meshes built for one scene (a road of its width): most are never seen again

    def has(self, class_name: str) -> bool:
        return bool(self.by_class.get(class_name))

    def choose(self, class_name: str, rng: np.random.Generator, *, tag: str | None = None) -> AssetRecord:
        options = self.by_class.get(class_name, [])
        if tag is not None:
            options = [r for r in options if tag in r.id] or options
        if not options:
            raise UserError(f"no asset of class '{class_name}' in the packs given")
        return options[int(rng.integers(len(options)))]

    def mesh(self, placement: Placement) -> AssetMesh:
        if placement.recipe:
            from veis_gen.assets.recipes import RECIPES

            return self._inline.get((placement.recipe, placement.params),
                                    lambda: RECIPES[placement.recipe](dict(placement.params), "default").grounded())
        return asset_mesh(self.records[placement.asset], placement.pose)

    def placement(self, record: AssetRecord, rng: np.random.Generator, position, yaw: float, *, pose: str | None = None,
                  instance: bool = True, group: int = -1, class_name: str | None = None) -> Placement:
        """A placement of ``record`` with a random pose (unless given), size within its range and material seed."""
        low, high = scale_range(record)
        return Placement(
            asset=record.key, class_name=class_name or record.class_name,
            position=tuple(float(v) for v in position), yaw=float(yaw),
            scale=float(rng.uniform(low, high)) if high > low else 1.0,
            pose=pose or record.poses[int(rng.integers(len(record.poses)))],
            material_seed=int(rng.integers(2**31)), instance=instance, group=group,
        )


def inline(recipe: str, class_name: str, position, *, yaw: float = 0.0, material_seed: int = 0, collides: bool = False,
           **params) -> Placement:
    """A placement of a recipe built for this scene (a road of the sampled width, a building of a given height)."""
    return Placement(asset="", class_name=class_name, position=tuple(float(v) for v in position), yaw=float(yaw),
                     material_seed=material_seed, recipe=recipe, params=tuple(sorted(params.items())), collides=collides)
