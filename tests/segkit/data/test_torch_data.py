import numpy as np
import pytest
import torch
from torch.utils.data import ConcatDataset

from segkit import labels
from segkit.data.catalog import get
from segkit.data.torch_data import InstanceDataset, MixedDataset, SemanticDataset
from segkit.data.transforms import RandomCrop, Resize, training_transforms
from segkit.formats.png import read_png


@pytest.fixture
def mini(mini_copy, monkeypatch):
    monkeypatch.setenv("CITYSCAPES_DATASET", str(mini_copy))
    return get("cityscapes:val")


def test_semantic_samples(mini):
    dataset = SemanticDataset(mini, training_transforms(scale=0.5, crop=(48, 96), color_jitter=True), seed=3)
    image, target = dataset[0]
    assert image.shape == (3, 48, 96) and image.dtype == torch.float32
    assert target.shape == (48, 96) and target.dtype == torch.int64
    assert set(target.unique().tolist()) <= set(range(19)) | {255}
    again_image, again_target = dataset[0]
    assert torch.equal(image, again_image) and torch.equal(target, again_target)  # (seed, sample, index) decide
    dataset.set_sample_number(1)
    assert not torch.equal(dataset[0][1], target) or not torch.equal(dataset[0][0], image)
    plain_image, plain_target = SemanticDataset(mini)[0]
    expected = labels.ID_TO_TRAIN_ID[read_png(mini[0].label)]
    np.testing.assert_array_equal(plain_target.numpy(), expected)
    assert abs(float(plain_image.mean())) < 3  # normalised


def test_instance_targets_from_cityscapes(mini):
    image, target = InstanceDataset(mini)[0]
    instances = read_png(mini[0].instances)
    assert image.shape == (3, 128, 256) and 0 <= float(image.min()) and float(image.max()) <= 1
    assert target["masks"].shape[0] == target["boxes"].shape[0] == target["labels"].shape[0] == 7
    names = sorted(labels.FOREGROUND_CLASSES[i - 1] for i in target["labels"].tolist())
    assert names == ["car"] * 3 + ["person"] * 4
    for mask, box in zip(target["masks"].numpy().astype(bool), target["boxes"].numpy()):
        (value,) = np.unique(instances[mask])
        np.testing.assert_array_equal(mask, instances == value)
        ys, xs = np.nonzero(mask)
        assert list(box) == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
    crop = InstanceDataset(mini, RandomCrop(32, 32), seed=1)[0][1]
    assert crop["masks"].shape[1:] == (32, 32) and (crop["boxes"][:, 2:] > crop["boxes"][:, :2]).all()


def test_instances_of_generated_data_include_lights_and_signs(mixed_dataset):
    records = get(f"veis:{mixed_dataset}")
    assert all(r.instances.name.endswith("veisInstanceIds.png") for r in records)
    found = set()
    for index in range(len(records)):
        found |= {labels.FOREGROUND_CLASSES[i - 1] for i in InstanceDataset(records)[index][1]["labels"].tolist()}
    assert {"traffic light", "traffic sign"} & found and "car" in found


def test_mixed_datasets(mini):
    a, b = SemanticDataset(mini, Resize(scale=0.5)), SemanticDataset(mini * 3)
    concatenated = MixedDataset([a, b])
    assert isinstance(concatenated, ConcatDataset) and len(concatenated) == 4
    for index, (source, item) in enumerate([(a, 0), (b, 0), (b, 1), (b, 2)]):
        assert all(torch.equal(x, y) for x, y in zip(concatenated[index], source[item]))
    weighted = MixedDataset([a, b], ratios=[3, 1], length=400, seed=0)
    sources = [weighted.source(i)[0] for i in range(400)]
    assert 0.65 < sources.count(0) / 400 < 0.85 and sources == [weighted.source(i)[0] for i in range(400)]
    assert weighted[0][0].shape[1:] in {(64, 128), (128, 256)}


def test_a_concatenation_passes_the_sample_number_to_its_sources(mini):
    def source():
        return SemanticDataset(mini * 2, training_transforms(crop=(32, 64), flip=True, color_jitter=True), seed=7)

    mix, alone = MixedDataset([source(), source()]), source()
    mix.set_sample_number(5)
    alone.set_sample_number(5)
    assert all(torch.equal(x, y) for x, y in zip(mix[3], alone[1]))
    alone.set_sample_number(6)
    assert not all(torch.equal(x, y) for x, y in zip(mix[3], alone[1]))  # the sample number counts


def test_a_weighted_mix_reaches_every_item_of_every_source():
    from segkit.data.steps import StepSamples

    class Items:  # item i of source `name` is (name, i)
        def __init__(self, name, size):
            self.name, self.size = name, size

        def __len__(self):
            return self.size

        def __getitem__(self, index):
            return self.name, index

    mix = MixedDataset([Items("small", 10), Items("large", 40)], ratios=[1, 1], seed=0)
    run = StepSamples(mix, seed=0)
    seen = [run[k] for k in range(1000)]
    assert {s for s in seen if s[0] == "small"} == {("small", i) for i in range(10)}
    assert {s for s in seen if s[0] == "large"} == {("large", i) for i in range(40)}  # before: at most the 50 indices' draws
    assert 0.45 < sum(s[0] == "small" for s in seen) / 1000 < 0.55
    assert seen == [StepSamples(mix, seed=0)[k] for k in range(1000)]  # a function of the sample number alone
