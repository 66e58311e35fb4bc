"""Every builder constructs and runs one forward pass (full-size ones are slow on CPU but run in CI)."""
import pytest
import torch

from segkit.models import MODELS, build_model


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(MODELS))
def test_builder_constructs_and_runs(name):
    task, _ = MODELS[name]
    extra = {"min_size": 64, "max_size": 128} if task == "det" else {}
    model = build_model(name, init="none", **extra).eval()
    images = torch.rand(1, 3, 64, 128)
    with torch.no_grad():
        if task == "seg":
            assert model(images).shape == (1, 19, 64, 128)
        else:
            (output,) = model(list(images))
            assert set(output) == {"boxes", "labels", "scores", "masks"}
    del model


def test_paper_models_have_their_structure():
    from segkit.models.deeplab import ASPPv2, LargeFOV

    deeplab = build_model("deeplab_largefov_vgg16").body
    assert isinstance(deeplab, LargeFOV)
    fc6 = deeplab.head[0]
    assert fc6.dilation == (12, 12) and fc6.out_channels == 1024
    assert set(deeplab.features.state_dict()) <= set(__import__("torchvision").models.vgg16().features.state_dict())
    with torch.no_grad():
        # Output at 1/8 with Caffe's ceil-mode pooling: 321 -> 41 as in the paper, 64x128 -> 9x17.
        assert deeplab(torch.rand(1, 3, 321, 321)).shape[-2:] == (41, 41)
        assert deeplab(torch.rand(1, 3, 64, 128)).shape[-2:] == (9, 17)
    aspp = build_model("deeplabv2_resnet101").body.aspp
    assert isinstance(aspp, ASPPv2) and [b.dilation[0] for b in aspp.branches] == [6, 12, 18, 24]
