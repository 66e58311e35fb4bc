"""Street styles: traffic side, narrow streets, winter trees, furniture and camera rigs."""
import dataclasses

import numpy as np
import pytest

from veis_gen.scene.styles import CAMERA_RIGS, StreetStyle


@pytest.fixture(scope="module")
def library():
    from veis_gen.assets.pack import load_packs
    from veis_gen.scene.library import Library

    return Library(load_packs(["builtin"]))


def _street(library, seed, **style):
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.street import sample_street

    return sample_street(np.random.default_rng(seed), library, 480, 360, seed=seed,
                         weights=foreground_weights(library, {}), style=StreetStyle(**style))


def test_left_traffic_is_the_right_hand_street_mirrored(library):
    right, left = _street(library, 3), _street(library, 3, traffic="left")
    assert len(left.placements) == len(right.placements)
    for r, l in zip(right.placements, left.placements):
        assert l.position == (r.position[0], -r.position[1], r.position[2]) and l.yaw == -r.yaw
    eye_r, eye_l = right.camera.matrix[:3, 3], left.camera.matrix[:3, 3]
    assert eye_l[1] == pytest.approx(-eye_r[1]) and eye_r[1] < 0
    # Oncoming cars pass on the camera's right under left-hand traffic: moving cars at y > 0 face +X.
    moving = [p for p in left.placements if p.class_name == "car" and abs(p.position[1]) < left.notes["lanes"] * 1.7]
    assert moving and all((abs(p.yaw) < 20) == (p.position[1] > 0) for p in moving)


def test_narrow_streets_have_two_lanes_and_close_facades(library):
    for seed in range(6):
        scene = _street(library, seed, streets="narrow")
        assert scene.notes["lanes"] == 2 and scene.notes["streets"] == "narrow"
        assert 2.8 <= scene.notes["lane_width"] <= 3.4 and scene.notes["sidewalk"] <= 3.6
    kinds = {_street(library, seed, streets="mixed").notes["streets"] for seed in range(12)}
    assert kinds == {"wide", "narrow"}


def test_winter_trees_are_leafless_vegetation(library):
    trees = [p for seed in range(4) for p in _street(library, seed, season="winter").placements
             if p.class_name == "vegetation" and p.recipe == "tree"]
    assert trees and all(dict(p.params)["style"] == "bare" for p in trees)
    assert not any(p.asset.startswith("builtin/tree_") for seed in range(4) for p in _street(library, seed, season="winter").placements)
    mesh = library.mesh(trees[0])
    assert [(part.kind, part.drawn) for part in mesh.parts] == [("bark", True), ("bark", False)]  # branches, crown outline
    assert len(mesh.parts[0].faces) > 500
    assert np.isfinite(mesh.parts[0].vertices).all() and mesh.extents[2] > 5.0


def test_furniture_adds_railings_and_bollards(library):
    def count(recipe, **style):
        return sum(p.recipe == recipe for seed in range(6) for p in _street(library, seed, **style).placements)

    assert count("pole") == 0 < count("pole", furniture=True)  # bollards: poles of the pole class
    assert count("fence", furniture=True) > count("fence") + 6  # kerbside railings and front-garden fences


@pytest.mark.parametrize("name", sorted(CAMERA_RIGS))
def test_camera_rigs_sample_within_their_ranges(library, name):
    rig = CAMERA_RIGS[name]
    for seed in range(5):
        camera = _street(library, seed, camera=name).camera
        hfov = np.degrees(2 * np.arctan(camera.width / (2 * camera.fx)))
        assert rig.hfov[0] <= hfov <= rig.hfov[1]
        assert rig.height[0] <= camera.matrix[2, 3] <= rig.height[1]
        assert camera.fx == camera.fy and (camera.cx, camera.cy) == (240, 180)
        rotation = camera.matrix[:3, :3]
        assert np.allclose(rotation.T @ rotation, np.eye(3), atol=1e-9)
        roll = np.degrees(np.arctan2(rotation[2, 0], rotation[2, 1]))  # the image's x axis against the horizon
        assert abs(roll) < 1e-6 if rig.roll_sd == 0 else abs(roll) < 5 * rig.roll_sd


def test_a_style_outside_its_choices_is_refused():
    with pytest.raises(ValueError, match="traffic: expected one of right, left"):
        StreetStyle(traffic="up")
    assert dataclasses.replace(StreetStyle(), season="mixed").season == "mixed"
