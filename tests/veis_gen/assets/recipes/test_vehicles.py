"""Car, truck and bus recipes: closed grounded meshes, distinct styles, real dimensions as the pack loads them."""
import itertools

import numpy as np
import pytest
import trimesh

from veis_gen.assets.loader import asset_mesh, prepare
from veis_gen.assets.pack import load_pack
from veis_gen.assets.recipes.vehicles import BUS_STYLES, CAR_STYLES, TRUCK_STYLES, bus, car, truck

# Makers' figures, metres: length, width without mirrors, height, wheelbase.
REAL_CARS = {
    "coupe": ("Toyota GR86 (2021)", 4.265, 1.775, 1.310, 2.575),
    "city": ("Fiat 500 (2007)", 3.546, 1.627, 1.488, 2.300),
    "mpv": ("Volkswagen Touran (2015)", 4.527, 1.814, 1.628, 2.791),
    "crossover": ("Nissan Qashqai (2007)", 4.310, 1.780, 1.610, 2.630),
    "cab": ("LEVC TX London taxi (2017)", 4.857, 1.874, 1.888, 2.986),
    "minivan": ("Volkswagen Sharan (2010)", 4.854, 1.904, 1.720, 2.919),
    "convertible": ("Mazda MX-5 ND (2015)", 3.915, 1.735, 1.225, 2.310),
    "kei": ("Honda N-Box (2017)", 3.395, 1.475, 1.790, 2.520),
    "micro": ("Smart ForTwo 453 (2014)", 2.695, 1.663, 1.555, 1.873),
}
# Length and height ranges of the real vehicles each heavy asset stands for; EU width limit 2.55 m.
REAL_HEAVY = {
    "bus_city": ((11.9, 12.2), (2.95, 3.2)),  # Mercedes-Benz Citaro: 12.1 x 2.55 x 3.1
    "bus_articulated": ((17.9, 18.2), (2.95, 3.2)),  # Citaro G: 18.1 m
    "bus_double_decker": ((10.5, 11.5), (4.3, 4.45)),  # ADL Enviro400 / New Routemaster: 4.3-4.4 m tall
    "bus_coach": ((12.0, 14.0), (3.5, 3.9)),
    "bus_minibus": ((7.0, 7.8), (2.6, 2.9)),  # Mercedes Sprinter minibus: 7.4 x 2.0 x 2.8
    "truck_box": ((7.5, 9.0), (3.4, 3.8)),
    "truck_tractor": ((15.5, 16.5), (3.9, 4.0)),  # articulated lorry: EU limits 16.5 m, 4.0 m
}
ALL = [(car, CAR_STYLES), (truck, TRUCK_STYLES), (bus, BUS_STYLES)]


@pytest.fixture(scope="module")
def builtin():
    return load_pack("builtin")


def _without_mirrors(mesh):
    return np.concatenate([p.vertices for p in mesh.parts if not p.name.startswith("mirror")])


@pytest.mark.parametrize("recipe, style", [(recipe, style) for recipe, styles in ALL for style in styles])
def test_every_style_builds_a_closed_mesh_on_its_wheels(recipe, style, outline_check):
    mesh = recipe({"style": style}, "default").grounded()
    assert mesh.triangle_count > 0 and outline_check() >= 1
    for part in mesh.parts:
        assert np.isfinite(part.vertices).all() and len(part.faces), part.name
        assert trimesh.Trimesh(part.vertices, part.faces).is_watertight, part.name
    tyres = [p for p in mesh.parts if p.name.startswith("tyre")]
    assert len(tyres) >= 4 and all(abs(p.vertices[:, 2].min()) < 0.01 for p in tyres)
    assert abs(mesh.bounds[0][2]) < 1e-6
    body = next(p for p in mesh.parts if p.name in ("body", "shell", "chassis"))
    assert body.vertices[:, 2].min() > 0.1  # the body rides above the road, not on it


@pytest.mark.parametrize("recipe, styles", ALL)
def test_styles_differ_in_proportions(recipe, styles):
    extents = {style: recipe({"style": style}, "default").extents for style in styles}
    for a, b in itertools.combinations(styles, 2):
        assert np.max(np.abs(extents[a] - extents[b]) / extents[b]) > 0.02, (a, b)


def test_pack_has_every_car_style(builtin):
    cars = builtin.by_class()["car"]
    assert len(cars) >= 12
    assert sorted(a.params["style"] for a in cars) == sorted(CAR_STYLES)


@pytest.mark.parametrize("style", sorted(REAL_CARS))
def test_new_cars_load_at_their_real_dimensions(builtin, mesh_cache, style):
    record = next(a for a in builtin.assets if a.id == f"car_{style}")
    _, length, width, height, wheelbase = REAL_CARS[style]
    assert record.size_range[0] <= length <= record.size_range[1]
    prepare([record])
    mesh = asset_mesh(record)
    measured = np.ptp(_without_mirrors(mesh), axis=0)
    axles = sorted({round(float(p.vertices[:, 0].mean()), 3) for p in mesh.parts if p.name.startswith("tyre")})
    assert len(axles) == 2
    assert measured[0] == pytest.approx(length, rel=0.05)
    assert measured[1] == pytest.approx(width, rel=0.05)
    assert measured[2] == pytest.approx(height, rel=0.05)
    assert axles[1] - axles[0] == pytest.approx(wheelbase, rel=0.05)


@pytest.mark.parametrize("asset_id", sorted(REAL_HEAVY))
def test_trucks_and_buses_load_at_real_sizes(builtin, mesh_cache, asset_id):
    record = next(a for a in builtin.assets if a.id == asset_id)
    prepare([record])
    length, width, height = np.ptp(_without_mirrors(asset_mesh(record)), axis=0)
    (low, high), (lowest, tallest) = REAL_HEAVY[asset_id]
    assert low <= length <= high
    assert lowest <= height <= tallest
    assert 1.95 <= width <= 2.6


@pytest.mark.parametrize("style", CAR_STYLES)
def test_car_detail_adds_plates_bumpers_and_wells_without_changing_the_car(style):
    plain = car({"style": style}, "default").grounded()
    detailed = car({"style": style, "detail": True}, "default").grounded()

    def named(mesh):  # tyres and hubs are named by their place along the body, which shortens
        return {p.name for p in mesh.parts if not p.name.startswith(("tyre", "hub"))}

    names = named(detailed)
    assert named(plain) < names and len(detailed.parts) - len(names) == len(plain.parts) - len(named(plain))
    assert {"plate_front", "plate_rear", "bumper_front", "bumper_rear", "wheel_well_0_1", "wheel_well_1_-1"} <= names
    assert detailed.extents == pytest.approx(plain.extents, abs=1e-6)  # the maker's length: the body shortens
    tyres = sorted({round(float(p.vertices[:, 0].mean()), 6) for p in plain.parts if p.name.startswith("tyre")})
    assert sorted({round(float(p.vertices[:, 0].mean()), 6) for p in detailed.parts if p.name.startswith("tyre")}) \
        == pytest.approx(tyres, abs=1e-6)  # the same wheelbase, the same place under the car
    for part in detailed.parts:
        assert trimesh.Trimesh(part.vertices, part.faces).is_watertight, part.name
    plates = {p.name: p for p in detailed.parts if p.name.startswith("plate_")}
    assert plates["plate_rear"].vertices[:, 0].min() == pytest.approx(detailed.bounds[0][0])  # seen from behind
    assert plates["plate_front"].vertices[:, 0].max() == pytest.approx(detailed.bounds[1][0])
    arch = next(p for p in plain.parts if p.name.startswith("tyre")).vertices[:, 2].max() / 2 + 0.05
    arches = [(x - arch, x + arch) for x in tyres]
    for part in detailed.parts:
        if part.name.startswith(("door_seam", "handle")):
            low, high = part.vertices[:, 0].min(), part.vertices[:, 0].max()
            assert all(high < a or low > b for a, b in arches), part.name  # on the doors, not over a wheel
