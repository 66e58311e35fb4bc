"""Rare-class sampling: class pixels from meta files or labels, its class probabilities and its draws."""
import numpy as np
import pytest

from segkit import labels
from segkit.data.balance import RareClassSampling, class_pixels, class_probabilities, meta_path
from segkit.data.catalog import get
from segkit.data.labels_io import read_train_ids
from segkit.data.torch_data import SemanticDataset


def test_the_meta_files_pixel_counts_are_the_labels(mixed_dataset):
    records = get(f"veis:{mixed_dataset}")
    assert all(meta_path(record) is not None for record in records)
    for record in records:
        train_ids = read_train_ids(record)
        from_labels = np.bincount(train_ids[train_ids != 255].ravel(), minlength=256)[:labels.NUM_TRAIN_CLASSES]
        np.testing.assert_array_equal(class_pixels(record), from_labels)


def test_without_meta_files_the_labels_are_counted(mini_copy):
    record = get("cityscapes:val", roots={"cityscapes": str(mini_copy)})[0]
    assert meta_path(record) is None
    counts = class_pixels(record)
    train_ids = read_train_ids(record)
    assert counts.sum() == (train_ids != 255).sum() and counts[labels.BY_NAME["car"].train_id] == (train_ids == 13).sum()


def test_class_probabilities_follow_the_temperature():
    pixels = np.array([[90, 10, 0], [0, 0, 0]])  # class 0: 90% of the pixels, class 1: 10%, class 2: absent
    probabilities = class_probabilities(pixels, temperature=0.1)
    expected = np.exp(np.array([0.1, 0.9]) / 0.1)
    np.testing.assert_allclose(probabilities, [*(expected / expected.sum()), 0.0])
    assert class_probabilities(pixels, temperature=1e6)[:2] == pytest.approx([0.5, 0.5])


class _Labelled:
    """Items are their indices; records carry the class pixels through a stub meta-free label map."""

    def __init__(self, pixels):
        self.pixels, self.records = pixels, list(range(len(pixels)))

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, index):
        return index


def test_draws_favour_the_rare_class_and_follow_the_sample_number(monkeypatch):
    pixels = np.zeros((5, labels.NUM_TRAIN_CLASSES), dtype=np.int64)
    pixels[:, 0] = 1000  # road in every image
    pixels[3, 12] = 5  # a rider in image 3 only
    monkeypatch.setattr("segkit.data.balance.class_pixels", lambda record: pixels[record])
    sampling = RareClassSampling(_Labelled(pixels), temperature=0.01, seed=4)
    draws = []
    for sample in range(200):
        sampling.set_sample_number(sample)
        draws.append(sampling[0])
    assert draws.count(3) > 190  # the rider's image: exp(100) against exp(0.5) for road
    sampling.set_sample_number(17)
    assert sampling[0] == sampling[4] == draws[17]  # the sample number decides, not the index
    uniform = RareClassSampling(_Labelled(pixels), temperature=1e6, seed=4)
    counts = np.bincount([uniform.draw(k) for k in range(400)], minlength=5)
    assert counts[3] > 200 - 60 and counts.sum() - counts[3] > 200 - 60  # half road (any image), half the rider


def test_a_dataset_trains_with_rare_class_sampling(mini_copy):
    records = get("cityscapes:val", roots={"cityscapes": str(mini_copy)})
    sampling = RareClassSampling(SemanticDataset(records), temperature=0.01)
    sampling.set_sample_number(0)
    image, target = sampling[0]
    assert image.shape[0] == 3 and target.shape == image.shape[1:]
