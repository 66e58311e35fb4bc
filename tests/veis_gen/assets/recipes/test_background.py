"""Building and road recipes: a ground floor of shops inside the facade; double yellow lines at the kerbs."""
import pytest

from veis_gen.assets.recipes.background import BUILDING_STYLES, building


def _parts(mesh, prefix):
    return [p for p in mesh.parts if p.name.startswith(prefix)]


@pytest.mark.parametrize("width", [2.6, 4.0, 8.0, 13.0, 22.0])
@pytest.mark.parametrize("style", BUILDING_STYLES)
def test_shops_stand_on_the_facade_within_its_width(style, width):
    floor = 3.8 if style == "office" else 3.2
    plain = building({"style": style, "floors": 3, "width": width, "depth": 10.0}, "default")
    for seed in range(6):
        mesh = building({"style": style, "floors": 3, "width": width, "depth": 10.0, "shop_front": seed}, "default")
        fascias = [p for p in mesh.parts if p.name.endswith("_fascia")]
        glass = [p for p in mesh.parts if "_glass_" in p.name]
        assert 1 <= len(fascias) <= 3 and len(glass) >= len(fascias)
        assert not any(p.name.startswith(("window_0_", "door", "awning")) or p.name == "shop_front" for p in mesh.parts)
        for part in mesh.parts:
            low, high = part.vertices.min(0), part.vertices.max(0)
            assert (high - low > 0.01).all(), part.name  # no flat or inverted box
            if part.name.startswith(("shop_", "pilaster_")):
                assert low[0] >= -1e-9 and high[0] <= 0.25 + 1e-6, part.name  # on the wall, at most 0.25 m proud
                assert low[1] >= -width / 2 - 1e-9 and high[1] <= width / 2 + 1e-9, part.name
                assert high[2] <= floor + 1e-6, part.name  # the ground floor
        for fascia in fascias:
            shop = fascia.name[:-len("_fascia")]
            within = [p for p in mesh.parts if p.name.startswith(shop + "_") and p is not fascia]
            y0, y1 = fascia.vertices[:, 1].min(), fascia.vertices[:, 1].max()
            assert all(y0 - 1e-6 <= p.vertices[:, 1].min() and p.vertices[:, 1].max() <= y1 + 1e-6 for p in within)
        letters = sorted(p.vertices[:, 1].min() for p in mesh.parts if p.name.startswith("shop_0_letter_"))
        assert all(b - a >= 0.42 - 1e-6 for a, b in zip(letters, letters[1:]))  # letters apart, not a bar
        # grounded (footprint centred), the wall moves back by half the extra depth: 8 cm at most, not an awning's 0.6 m
        assert mesh.bounds[0][0] == plain.bounds[0][0] and (mesh.bounds[1][0] - plain.bounds[1][0]) / 2 <= 0.08


def test_a_facade_too_narrow_for_shops_keeps_its_door():
    mesh = building({"style": "block", "floors": 2, "width": 2.0, "shop_front": 1}, "default")
    assert [p for p in mesh.parts if p.name == "door"] and not [p for p in mesh.parts if p.name.startswith("shop_")]


def test_a_shop_front_is_drawn_from_its_seed():
    def parts(seed):
        mesh = building({"style": "block", "width": 14.0, "shop_front": seed}, "default")
        return [(p.name, p.vertices.round(6).tobytes()) for p in mesh.parts]

    assert parts(3) == parts(3)
    assert len({tuple(parts(seed)) for seed in range(8)}) >= 4
    plain = building({"style": "block", "width": 14.0}, "default")
    assert [p.name for p in plain.parts if p.name.startswith("window_0_")] and not _parts(plain, "shop_")


def test_a_road_with_kerb_lines_has_double_yellow_lines_instead_of_white_edges():
    from veis_gen.assets.recipes.background import road

    plain = road({"lanes": 2, "lane_width": 3.0, "length": 10.0}, "default")
    lined = road({"lanes": 2, "lane_width": 3.0, "length": 10.0, "kerb_lines": True}, "default")
    lines = [p for p in lined.parts if p.name.startswith("kerb_line_")]
    assert len(lines) == 4 and {p.kind for p in lines} == {"marking_yellow"}
    assert [p for p in plain.parts if p.name.startswith("edge_")]
    assert not [p for p in lined.parts if p.name.startswith("edge_")]
    for side in (-1, 1):  # two lines along each kerb, within 0.5 m of the road's edge at 3 m
        assert sum(2.5 < side * p.vertices[:, 1].mean() < 3.0 for p in lines) == 2
