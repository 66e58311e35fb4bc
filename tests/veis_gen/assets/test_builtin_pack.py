import json

import numpy as np
import pytest

from segkit import labels
from veis_gen.assets.loader import asset_mesh, prepare, read_mesh, _cache_path
from veis_gen.assets.mesh import Part
from veis_gen.assets.materials import TEXTURE_FAMILIES, assign_materials, sample_material, texture_image
from veis_gen.assets.pack import load_pack
from veis_gen.assets.recipes import RECIPES
from veis_gen.assets.validate import check_record
from veis_gen.cli import main


@pytest.fixture(scope="module")
def builtin():
    return load_pack("builtin")


def test_covers_the_ten_foreground_classes_and_the_background_kit(builtin):
    by_class = builtin.by_class()
    for name in labels.FOREGROUND_CLASSES:
        assert len(by_class.get(name, [])) >= 3, name
    people = by_class["person"]
    assert sum(len(a.poses) for a in people) >= 30
    assert {"stand", "walk_0", "walk_1", "walk_2", "walk_3", "run_0", "carry_box", "carry_bag"} <= set(people[0].poses)
    ages = {a.params["age"] for a in people}
    assert min(ages) < 0.2 and max(ages) > 0.9  # children to elderly
    assert {"sit_bicycle", "sit_motorcycle"} <= set(by_class["rider"][0].poses)
    for name in ("road", "sidewalk", "building", "wall", "fence", "pole", "vegetation", "terrain"):
        assert by_class.get(name), name


def test_vehicles_signs_and_lights_are_valid_at_real_sizes(builtin, mesh_cache):
    records = [a for a in builtin.assets if a.class_name not in ("person", "rider")]
    prepare(records)
    for record in records:
        assert check_record(record) == [], record.id
    sizes = {a.id: asset_mesh(a).extents for a in records}
    assert 4.5 <= sizes["car_sedan"][0] <= 4.9 and 1.3 <= sizes["car_sedan"][2] <= 1.6
    assert 11.5 <= sizes["bus_city"][0] <= 12.5 and sizes["bus_double_decker"][2] > 4.0
    assert 1.5 <= sizes["bicycle_city"][0] <= 2.0 and 0.9 <= sizes["bicycle_city"][2] <= 1.2
    light = asset_mesh(next(a for a in records if a.id == "traffic_light_pole"))
    assert {p.class_name for p in light.parts} == {"pole", None}  # the pole is a pole, the housing a light
    bike = asset_mesh(next(a for a in records if a.id == "bicycle_road"))
    assert "saddle" in bike.anchors and bike.anchors["saddle"][2] > 0.8


def test_recipes_are_deterministic_and_cached(builtin, mesh_cache):
    record = next(a for a in builtin.assets if a.id == "tree_broadleaf")
    first = RECIPES[record.recipe](record.params, "default")
    second = RECIPES[record.recipe](record.params, "default")
    for a, b in zip(first.parts, second.parts, strict=True):
        assert a.vertices.tobytes() == b.vertices.tobytes() and a.faces.tobytes() == b.faces.tobytes()
    assert prepare([record]) == 1 and prepare([record]) == 0
    cached = read_mesh(_cache_path(record.recipe, record.params, "default"))
    assert [p.vertices.tobytes() for p in cached.parts] == [p.vertices.tobytes() for p in first.parts]


def test_people_are_real_bodies_built_the_same_twice(builtin, tmp_path, monkeypatch):
    record = next(a for a in builtin.assets if a.id == "person_woman")
    meshes = []
    for run in ("a", "b"):
        monkeypatch.setenv("VEIS_CACHE", str(tmp_path / run))
        assert prepare([record], poses="first") == 1  # built in a spawned process
        meshes.append(read_mesh(_cache_path(record.recipe, record.params, "stand")))
    for a, b in zip(*(m.parts for m in meshes), strict=True):
        assert a.name == b.name and a.vertices.tobytes() == b.vertices.tobytes()
    body = meshes[0]
    assert {p.kind for p in body.parts} >= {"skin", "hair", "upper_garment", "lower_garment", "shoes"}
    # anny's decimated topology: a real body of 1,229 vertices (27k triangles in full), not boxes
    assert sum(len(p.vertices) for p in body.parts) > 1200 and sum(len(p.faces) for p in body.parts) > 2400
    low, high = body.bounds
    assert 1.5 < high[2] - low[2] < 1.9 and abs(low[2]) < 1e-5
    shoes = next(p for p in body.parts if p.kind == "shoes").vertices
    assert shoes[:, 0].max() > -shoes[:, 0].min()  # toes point +X: the body faces forward
    assert body.anchors["hand_left"][1] > 0 > body.anchors["hand_right"][1]  # its left is +Y


def test_same_seed_same_materials():
    kinds = ["paint", "glass", "rubber", "paint", "metal"]

    parts = [Part(f"p{i}", np.zeros((3, 3), np.float32), np.zeros((1, 3), np.int32), kind=k) for i, k in enumerate(kinds)]
    a = assign_materials(parts, np.random.default_rng(7))
    b = assign_materials(parts, np.random.default_rng(7))
    assert a == b and a[0] is a[3]  # parts of one kind share their material
    assert assign_materials(parts, np.random.default_rng(8)) != a
    flat = sample_material("paint", np.random.default_rng(1), textured=False)
    assert flat.texture is None
    for family in TEXTURE_FAMILIES:
        first = texture_image.__wrapped__(family, 3)
        assert first.shape == (128, 128, 3) and first.dtype == np.uint8 and first.std() > 1
        np.testing.assert_array_equal(first, texture_image.__wrapped__(family, 3))
        assert (first != texture_image.__wrapped__(family, 4)).any()


def test_assets_list_json(capsys):
    assert main(["assets", "list", "--json", "--class", "bus", "--class", "rider"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert set(listed) == {"bus", "rider"} and len(listed["bus"]) == 5
    assert all(entry["recipe"] == "person" for entry in listed["rider"])


def test_a_runs_recipe_params_reach_only_that_recipes_assets(builtin, mesh_cache):
    from veis_gen.assets.pack import with_recipe_params

    detailed = with_recipe_params(builtin.assets, "car", detail=True)
    changed = [(a, b) for a, b in zip(builtin.assets, detailed, strict=True) if a != b]
    assert {a.recipe for a, _ in changed} == {"car"} and len(changed) == sum(a.recipe == "car" for a in builtin.assets)
    assert all(b.params == {**a.params, "detail": True} and "detail" not in a.params for a, b in changed)
    plain, detail = changed[0]
    assert "plate_rear" not in {p.name for p in asset_mesh(plain).parts}  # one process, both meshes: not mixed up
    assert "plate_rear" in {p.name for p in asset_mesh(detail).parts}
    assert "plate_rear" not in {p.name for p in asset_mesh(plain).parts}
    assert asset_mesh(detail).extents == pytest.approx(asset_mesh(plain).extents, abs=1e-5)  # not rescaled
