"""Recipe fingerprints: each recipe's is the source of the module defining its function (and the mesh primitives)."""
import hashlib
import importlib.metadata
import inspect

from veis_gen.assets import mesh
from veis_gen.assets.recipes import RECIPE_VERSIONS, RECIPES, background, people, recipe_module, street, vehicles


def _digest(module, extra: str = "") -> str:
    return hashlib.sha256((inspect.getsource(module) + inspect.getsource(mesh) + extra).encode()).hexdigest()[:16]


def test_a_recipe_is_fingerprinted_by_the_module_that_defines_it():
    assert RECIPE_VERSIONS.keys() == RECIPES.keys()
    assert [recipe_module(RECIPES[name]) for name in ("car", "bus", "pole", "road", "tree")] == [
        vehicles, vehicles, street, background, background]
    assert RECIPE_VERSIONS["car"] == RECIPE_VERSIONS["train"] == _digest(vehicles)
    assert RECIPE_VERSIONS["road"] == _digest(background) != RECIPE_VERSIONS["pole"]


def test_people_are_fingerprinted_by_their_module_and_anny_though_built_through_a_wrapper():
    assert RECIPES["person"] is not people.build_person and recipe_module(RECIPES["person"]) is people
    try:
        anny = importlib.metadata.version("anny")
    except importlib.metadata.PackageNotFoundError:
        anny = "absent"
    assert RECIPE_VERSIONS["person"] == _digest(people, anny)
