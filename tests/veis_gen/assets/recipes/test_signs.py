"""Traffic sign recipe: every style a closed plate on a pole, each with a face of its own, all in the pack."""
import itertools

import numpy as np
import pytest
import trimesh
from PIL import Image, ImageDraw

from veis_gen.assets.materials import PALETTES
from veis_gen.assets.pack import load_pack
from veis_gen.assets.recipes.signs import SIGN_STYLES, traffic_sign

# What the European (Vienna convention) and British sets must include, beyond the first twelve.
REQUIRED = {"give_way_uk", "no_left_turn", "no_right_turn", "no_u_turn", "no_overtaking", "keep_left", "one_way",
            "bus_lane", "cycle_route", "pedestrian_zone", "end_speed_limit", "national_speed_limit", "roundabout_ahead",
            "children", "road_works", "slippery_road", "traffic_signals", "bend", "narrow_road", "height_limit",
            "weight_limit", "no_stopping", "direction_primary", "school", "height_warning"}


def _face(style: str, pixels: int = 192) -> np.ndarray:
    """The sign as seen from the front: its layers painted back to front in their colours."""
    mesh = traffic_sign({"style": style, "size": 1.0, "mount_height": 0.0}, "default")
    layers = sorted((p for p in mesh.parts if p.kind.startswith("sign_")), key=lambda p: p.vertices[:, 0].mean())
    image = Image.new("RGB", (pixels, pixels))
    draw = ImageDraw.Draw(image)
    scale = pixels / 2.4  # a 2.4 m square holds the widest plate, the street name

    def to_pixels(v):
        return [(pixels / 2 + y * scale, pixels - z * scale) for y, z in v[:, 1:]]

    for part in layers:
        colour = PALETTES[part.kind][0][0][0]
        for triangle in part.faces:
            draw.polygon(to_pixels(part.vertices[triangle]), fill=colour)
    return np.asarray(image)


@pytest.mark.parametrize("style", SIGN_STYLES)
def test_every_style_is_a_closed_plate_on_a_grounded_pole(style, outline_check):
    mount = 2.3
    mesh = traffic_sign({"style": style, "size": 0.6, "mount_height": mount}, "default")
    assert mesh.triangle_count > 0 and abs(mesh.bounds[0][2]) < 1e-6
    assert outline_check() >= 2
    poles = [p for p in mesh.parts if p.class_name == "pole"]
    assert poles and all(abs(p.vertices[:, 2].min()) < 1e-6 for p in poles)
    plate = [p for p in mesh.parts if p.class_name is None]
    assert {p.kind for p in plate} <= set(PALETTES) and any(p.kind == "sign_back" for p in plate)
    for part in mesh.parts:
        assert np.isfinite(part.vertices).all(), part.name
        assert trimesh.Trimesh(part.vertices, part.faces).is_watertight, part.name
    lowest = min(p.vertices[:, 2].min() for p in plate)
    assert lowest == pytest.approx(mount, abs=1e-4)  # mount_height is the plate's lower edge
    assert all(p.vertices[:, 0].min() > -0.01 for p in plate)  # the face is in front of the pole


def test_styles_have_distinct_faces():
    faces = {style: _face(style) for style in SIGN_STYLES}
    for a, b in itertools.combinations(SIGN_STYLES, 2):
        plates = np.any(faces[a] > 0, axis=2) | np.any(faces[b] > 0, axis=2)
        differing = np.any(faces[a] != faces[b], axis=2).sum() / plates.sum()
        assert differing > 0.03, (a, b, differing)


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown traffic sign style"):
        traffic_sign({"style": "no_such_sign"}, "default")


def test_pack_has_the_european_and_british_sets():
    signs = load_pack("builtin").by_class()["traffic sign"]
    styles = [a.params["style"] for a in signs]
    assert len(signs) >= 30 and len(set(styles)) == len(styles)
    assert sorted(styles) == sorted(SIGN_STYLES)
    assert REQUIRED <= set(styles)
    assert all(a.recipe == "traffic_sign" and a.id == f"sign_{a.params['style']}" for a in signs)
