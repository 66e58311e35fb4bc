"""MixStyle mixes the early blocks' statistics in training only; the feature distance is 0 for the start's backbone."""
import pytest
import torch

from segkit.errors import UserError
from segkit.models import build_model
from segkit.models.generalise import FeatureDistance, attach_feature_style, early_blocks, mixstyle


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model("deeplabv3plus_efficientnet_lite0", init="none")


def test_mixstyle_gives_each_image_a_mix_of_the_batchs_statistics():
    torch.manual_seed(1)
    features = torch.randn(4, 3, 5, 6) * torch.tensor([1.0, 2.0, 3.0, 4.0]).view(4, 1, 1, 1) + torch.arange(4.0).view(4, 1, 1, 1)
    mixed = mixstyle(features, p=1.0)
    means, new = features.mean(dim=(2, 3)), mixed.mean(dim=(2, 3))
    assert not torch.allclose(new, means)
    assert ((new >= means.min(0).values - 1e-4) & (new <= means.max(0).values + 1e-4)).all()  # within the batch's
    one = features[:1]
    assert mixstyle(one, p=1.0) is one  # nothing to mix with
    assert mixstyle(features, p=0.0) is features


def test_mixstyle_acts_in_training_mode_only(model):
    images = torch.randn(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        plain = model(images)
    handles = attach_feature_style(model, "mixstyle")
    assert len(handles) == 2
    with torch.no_grad():
        assert torch.equal(model(images), plain)
        model.train()
        torch.manual_seed(0)  # the first draw (p = 0.5) mixes
        changed = [not torch.equal(model.body.backbone(images)[1], model.body.backbone(images)[1]) for _ in range(3)]
    for handle in handles:
        handle.remove()
    model.eval()
    assert any(changed)


def test_the_feature_distance_is_zero_for_the_unchanged_backbone_and_grows_after(model):
    distance = FeatureDistance(model, weight=0.5)
    model.eval()
    images = torch.randn(2, 3, 64, 64)
    targets = torch.full((2, 64, 64), 13)  # car: a thing
    model(images)
    assert distance(targets).item() == 0.0
    with torch.no_grad():
        model.body.backbone.conv_stem.weight.mul_(1.1)
    model(images)
    moved = distance(targets)
    assert moved.item() > 0
    moved.backward()
    assert model.body.backbone.conv_stem.weight.grad is not None
    assert all(p.grad is None for p in distance.frozen.parameters())
    model(images)
    assert distance(torch.full((2, 64, 64), 0)).item() == 0.0  # road only: no thing pixels
    distance.handle.remove()


def test_models_without_known_early_blocks_are_refused():
    with pytest.raises(UserError, match="EfficientNet and ResNet"):
        early_blocks(build_model("deeplabv3_mobilenet_v3_large", init="none"))
    with pytest.raises(UserError, match="Linear: .*body.backbone"):
        FeatureDistance(torch.nn.Linear(2, 2), 0.1)


def test_feature_options_are_for_segmentation_training():
    from segkit.train_config import TrainConfig

    with pytest.raises(UserError, match="--feature-style and --feature-distance are for seg training"):
        TrainConfig(task="det", out="o", train=("x",), model="maskrcnn_resnet18_fpn_tiny", feature_distance=0.1)
