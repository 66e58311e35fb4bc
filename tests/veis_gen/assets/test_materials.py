"""Procedural materials: the paving family draws slabs with dark joints, deterministically."""
import numpy as np

from veis_gen.assets.materials import PALETTES, TEXTURE_FAMILIES, sample_material, texture_image


def test_paving_is_slabs_between_dark_joints():
    image = texture_image("paving", 7).astype(float)
    assert np.array_equal(image, texture_image("paving", 7).astype(float))
    for profile in (image.mean(axis=(1, 2)), image.mean(axis=(0, 2))):  # along rows, then columns
        joints = profile < 0.7 * np.median(profile)
        assert 0.02 < joints.mean() < 0.2  # thin dark lines between the slabs

def test_sidewalks_are_grey_like_roads_not_white():
    rng = np.random.default_rng(0)
    paving = [sample_material("paving", rng) for _ in range(200)]
    assert "paving" in TEXTURE_FAMILIES and PALETTES["paving"][1][0] == "paving"
    brightness = np.mean([np.mean(m.color) for m in paving])
    asphalt = np.mean([np.mean(c) for c, _ in PALETTES["asphalt"][0]])
    concrete = np.mean([np.mean(c) for c, _ in PALETTES["concrete"][0]])
    assert asphalt < brightness < concrete
