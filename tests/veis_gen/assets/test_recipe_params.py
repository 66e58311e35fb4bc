"""Recipe parameters are checked by name, type and range; the built-in pack uses only valid ones."""
import pytest

from veis_gen.assets.pack import load_packs
from veis_gen.assets.recipes import RECIPES
from veis_gen.assets.recipes.params import PARAMS, params_problem


def test_every_recipe_has_a_schema_and_the_builtin_pack_passes_it():
    assert set(PARAMS) == set(RECIPES)
    for record in load_packs(["builtin"]):
        if record.recipe:
            assert params_problem(record.recipe, record.params) is None, record.id


@pytest.mark.parametrize("recipe, params, problem", [
    ("car", {"style": "van", "L": 4.2, "trunk": 0.0}, None),  # a style's dimensions may be overridden
    ("car", {"roof": [0.1, 0.6]}, "key 'roof': unknown for recipe 'car'"),
    ("fence", {"height": 0.05}, "key 'height': expected at least 0.2, got 0.05"),
    ("road", {"lanes": 2.5}, "key 'lanes': expected a whole number, got 2.5"),
    ("road", {"crossing": 1}, "key 'crossing': expected true or false, got 1"),
    ("person", {"age": 1.5}, "key 'age': expected at most 1, got 1.5"),
    ("tree", {"style": "palm"}, "key 'style': expected one of broadleaf, conifer, bare, got 'palm'"),
])
def test_problems_name_the_key(recipe, params, problem):
    found = params_problem(recipe, params)
    assert found == problem if problem is None else found.startswith(problem), found
