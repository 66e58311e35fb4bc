"""Graded skies: only sky pixels change, paler at the horizon and deeper overhead, clouds as drawn."""
import json

import numpy as np
import pytest

from veis_gen.render.sky import elevation, paint_sky, sample_sky
from veis_gen.scene.camera import Camera, look_at

CLEAR = {"horizon": [220, 228, 235], "zenith": [80, 130, 200], "falloff": 0.3, "cover": 0.0, "cloud": 230, "seed": 1}


def _camera(pitch_deg=0.0, width=64, height=48):
    target = (10.0, 0.0, 1.5 + 10.0 * np.tan(np.radians(pitch_deg)))
    return Camera.from_fov(width, height, 60.0, look_at((0.0, 0.0, 1.5), target))


def test_elevation_is_zero_at_the_horizon_and_follows_the_pitch():
    level, focal = elevation(_camera()), 32 / np.tan(np.radians(30))
    up, across = (24 - np.arange(48) - 0.5) / focal, 0.5 / focal  # pixel centres of column 32 (cx = 32)
    assert level[:, 32] == pytest.approx(np.arctan(up / np.hypot(1.0, across)), abs=1e-12)
    axis = elevation(_camera(pitch_deg=10.0, width=65, height=49))[24, 32]  # the pixel centred on the optical axis
    assert axis == pytest.approx(np.radians(10.0), abs=1e-12)


def test_only_sky_pixels_change_and_the_sky_deepens_upwards():
    rgb = np.full((48, 64, 3), 7, np.uint8)
    is_sky = np.zeros((48, 64), bool)
    is_sky[:20] = True
    painted = paint_sky(rgb, is_sky, _camera(), CLEAR)
    assert np.array_equal(painted[20:], rgb[20:]) and np.array_equal(rgb, np.full((48, 64, 3), 7, np.uint8))
    column = painted[:20, 32].astype(int)
    assert (np.diff(column[:, 2]) >= 0).all() and (np.diff(column[:, 0]) >= 0).all()  # bluer, darker up top
    assert column[0, 0] < 150 < column[-1, 0]
    assert np.array_equal(paint_sky(rgb, np.zeros_like(is_sky), _camera(), CLEAR), rgb)


def test_cloud_cover_is_the_share_of_sky_under_cloud():
    rgb, is_sky = np.zeros((96, 128, 3), np.uint8), np.ones((96, 128), bool)
    camera = _camera(pitch_deg=25.0, width=128, height=96)
    clear = paint_sky(rgb, is_sky, camera, CLEAR)
    for cover in (0.2, 0.6):
        cloudy = paint_sky(rgb, is_sky, camera, {**CLEAR, "cover": cover, "cloud": 250})
        changed = np.abs(cloudy.astype(int) - clear.astype(int)).max(axis=2) > 3
        assert abs(changed.mean() - cover) < 0.08
    again = paint_sky(rgb, is_sky, camera, {**CLEAR, "cover": 0.6, "cloud": 250})
    assert again.tobytes() == cloudy.tobytes()
    assert paint_sky(rgb, is_sky, camera, {**CLEAR, "cover": 0.6, "cloud": 250, "seed": 2}).tobytes() != cloudy.tobytes()


def test_sampled_skies_are_plain_numbers_around_the_scene_colour():
    for seed in range(20):
        sky = sample_sky(np.random.default_rng(seed), (110, 160, 215))
        assert json.loads(json.dumps(sky)) == sky
        assert all(h >= z for h, z in zip(sky["horizon"], sky["zenith"])) and sky["cover"] <= 0.6
    assert sample_sky(np.random.default_rng(0), (185, 190, 195))["cover"] >= 0.5  # a grey sky is mostly cloud
