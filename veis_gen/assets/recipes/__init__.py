"""Procedural recipes: name -> function(params, pose) -> AssetMesh in the canonical frame.

Cached meshes are keyed by a fingerprint of the recipe's source (and of the mesh primitives, and anny's
version for people), so editing a recipe rebuilds what it made; the source is that of the module defining the
recipe's function. Importing this package is light (numpy and trimesh); people import torch and anny only when built.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import sys
from typing import Callable

from veis_gen.assets import mesh as _mesh_module
from veis_gen.assets.mesh import AssetMesh
from veis_gen.assets.recipes import background, people, signs, street, two_wheelers, vehicles

BACKGROUND = ("ground", "road", "sidewalk", "building", "wall", "fence", "tree", "hedge", "terrain")


def _person(params: dict, pose: str) -> AssetMesh:
    return people.build_person(params, "stand" if pose == "default" else pose)


_person.__wrapped__ = people.build_person  # recipe_module follows it: the fingerprint is people's source


RECIPES: dict[str, Callable[[dict, str], AssetMesh]] = {
    "person": _person,
    "car": vehicles.car,
    "truck": vehicles.truck,
    "bus": vehicles.bus,
    "train": vehicles.train,
    "bicycle": two_wheelers.bicycle,
    "motorcycle": two_wheelers.motorcycle,
    "traffic_light": street.traffic_light,
    "traffic_sign": signs.traffic_sign,
    "pole": street.pole,
    **{name: getattr(background, name) for name in BACKGROUND},
}


def recipe_module(recipe: Callable):
    """The module that defines ``recipe`` (or the function it wraps): editing it changes the recipe's fingerprint."""
    return sys.modules[inspect.unwrap(recipe).__module__]


def _fingerprint(module) -> str:
    extra = _anny_version() if module is people else ""
    source = inspect.getsource(module) + inspect.getsource(_mesh_module) + extra
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _anny_version() -> str:
    try:
        return importlib.metadata.version("anny")
    except importlib.metadata.PackageNotFoundError:
        return "absent"


RECIPE_VERSIONS: dict[str, str] = {name: _fingerprint(recipe_module(recipe)) for name, recipe in RECIPES.items()}
# Built in a spawned process: they import torch and anny, which must stay out of render processes.
ISOLATED = frozenset({"person"})
