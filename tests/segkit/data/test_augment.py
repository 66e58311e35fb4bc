"""Appearance augmentations change the colour image only, deterministically from the generator."""
import numpy as np
import pytest

from segkit.data.augment import AUGMENTS, FourierAmplitude, Photometric, augment_step
from segkit.data.transforms import training_transforms
from segkit.errors import UserError


def _sample(rng):
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    return {"image": image, "label": rng.integers(0, 19, (48, 64), dtype=np.uint8),
            "instances": rng.integers(0, 30000, (48, 64), dtype=np.uint16)}


@pytest.mark.parametrize("name", AUGMENTS)
def test_labels_never_change_and_the_draw_is_the_generators(name, rng):
    sample = _sample(rng)
    out = augment_step(name)(sample, np.random.default_rng(7))
    assert out["label"] is sample["label"] and out["instances"] is sample["instances"]
    assert out["image"].shape == sample["image"].shape and out["image"].dtype == np.uint8
    assert not np.array_equal(out["image"], sample["image"])
    again = augment_step(name)(sample, np.random.default_rng(7))
    assert np.array_equal(out["image"], again["image"])


def test_no_perturbation_leaves_the_image_and_grey_stays_grey(rng):
    sample = _sample(rng)
    unchanged = FourierAmplitude(alpha=0.0, beta=0.0)(sample, rng)["image"]
    assert np.abs(unchanged.astype(int) - sample["image"].astype(int)).max() <= 1  # rounding of the inverse FFT
    grey = {**sample, "image": np.full((48, 64, 3), 100, np.uint8)}
    hue_only = Photometric(brightness=0, contrast=0, saturation=0, gamma=(1, 1), blur=0, noise=0, jpeg=0)
    out = hue_only(grey, rng)["image"]
    assert np.abs(out.astype(int) - 100).max() <= 1  # a hue rotation has no effect on grey


def test_a_flip_then_augment_moves_labels_with_the_image(rng):
    sample = _sample(rng)
    steps = training_transforms(random_scale=None, flip=True, augment=("photometric", "fourier"))
    out = steps(sample, np.random.default_rng(0))
    flipped = np.array_equal(out["label"], sample["label"][:, ::-1])
    assert flipped or np.array_equal(out["label"], sample["label"])


def test_unknown_augment_is_one_line():
    from segkit.train_config import TrainConfig

    with pytest.raises(UserError, match="--augment: expected photometric or fourier, got 'mixup'"):
        TrainConfig(out="o", train=("x",), augment=("mixup",))
