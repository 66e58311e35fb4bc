"""Camera effects change only the colour image, the same way for the same seed."""
import numpy as np

from veis_gen.render.effects import apply_effects, sample_effects

NEUTRAL = {"exposure": 0.0, "white_balance": [1.0, 1.0, 1.0], "vignetting": 0.0, "contrast": 1e-6, "defocus": 0.0,
           "motion": 0.0, "noise": 0.0, "jpeg": 0}


def test_neutral_effects_return_the_image():
    image = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert np.array_equal(apply_effects(image, NEUTRAL, np.random.default_rng(1)), image)


def test_each_effect_does_what_it_says():
    rng = np.random.default_rng(0)
    grey = np.full((40, 60, 3), 128, np.uint8)
    darker = apply_effects(grey, {**NEUTRAL, "exposure": -1.0}, rng)
    assert darker[0, 0, 0] == round(255 * (0.5 * (128 / 255) ** 2.2) ** (1 / 2.2)) == 93  # one stop down, in linear light
    vignette = apply_effects(grey, {**NEUTRAL, "vignetting": 0.4}, rng)
    assert vignette[0, 0, 0] < vignette[20, 30, 0] - 10
    warm = apply_effects(grey, {**NEUTRAL, "white_balance": [1.2, 1.0, 0.8]}, rng)
    assert warm[0, 0, 0] > 128 > warm[0, 0, 2]
    edge = np.zeros((40, 60, 3), np.uint8)
    edge[:, 30:] = 255
    blurred = apply_effects(edge, {**NEUTRAL, "defocus": 1.0}, rng)
    assert 0 < blurred[10, 29, 0] < 255 and blurred[10, 0, 0] == 0
    moved = apply_effects(edge, {**NEUTRAL, "motion": 3.0}, rng)
    assert 0 < moved[10, 29, 0] < 255 and np.array_equal(moved[0], moved[39])
    noisy = apply_effects(grey, {**NEUTRAL, "noise": 4.0}, np.random.default_rng(3))
    assert 2.5 < noisy.astype(float).std() < 5.5
    assert apply_effects(grey, {**NEUTRAL, "noise": 4.0}, np.random.default_rng(3)).tobytes() == noisy.tobytes()
    steep = apply_effects(np.array([[[90] * 3, [166] * 3]], np.uint8), {**NEUTRAL, "contrast": 1.3}, rng)
    assert steep[0, 0, 0] < 90 and steep[0, 1, 0] > 166


def test_sampled_effects_are_plain_recordable_numbers():
    import json

    effects = sample_effects(np.random.default_rng(5))
    assert json.loads(json.dumps(effects)) == effects
    assert set(effects) == set(NEUTRAL)
    drawn = [sample_effects(np.random.default_rng(s)) for s in range(50)]
    assert len({e["jpeg"] for e in drawn}) > 5 and any(e["jpeg"] == 0 for e in drawn)


def test_metering_exposes_dark_and_bright_scenes_alike():
    from veis_gen.render.effects import meter

    grey = np.full((20, 30, 3), round(255 * 0.18 ** (1 / 2.2)), np.uint8)  # mid-grey in linear light
    assert abs(meter(grey)) < 0.02
    for level in (70, 90, 200):  # within the meter's two stops either way
        scene = np.full((20, 30, 3), level, np.uint8)
        exposed = apply_effects(scene, {**NEUTRAL, "meter": meter(scene)}, np.random.default_rng(0))
        assert abs(int(exposed[0, 0, 0]) - int(grey[0, 0, 0])) <= 2, level
    assert meter(np.zeros((4, 4, 3), np.uint8)) == 2.0 and meter(np.full((4, 4, 3), 255, np.uint8)) == -2.0  # clipped
