"""DeepLab variants: the paper's LargeFOV on VGG16, v2 with four-branch ASPP on ResNet-101, and v3."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models


class SegmentationModel(nn.Module):
    """Wraps a network whose output is at reduced resolution; returns logits at the input's size."""

    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.body(images)
        if isinstance(logits, dict):  # torchvision's segmentation models
            logits = logits["out"]
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False)


class LargeFOV(nn.Module):
    """DeepLab-LargeFOV (Chen et al. 2015): VGG16 conv layers with pools 1-3 of stride 2 (ceil mode),
    pools 4-5 of stride 1, conv5 dilated by 2, fc6 a 3x3 conv dilated by 12 with 1024 channels, fc7 1x1 1024,
    fc8 the classifier. Output at 1/8. ``features`` keeps torchvision's vgg16 keys, so ImageNet VGG16
    weights load into it."""

    def __init__(self, num_classes: int, vgg: nn.Module):
        super().__init__()
        layers = list(vgg.features.children())
        pool_index = 0
        for index, layer in enumerate(layers):
            if isinstance(layer, nn.MaxPool2d):
                pool_index += 1
                if pool_index <= 3:
                    layers[index] = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
                else:
                    layers[index] = nn.MaxPool2d(3, stride=1, padding=1)
            elif isinstance(layer, nn.Conv2d) and pool_index == 4:  # conv5 block
                layer.dilation, layer.padding = (2, 2), (2, 2)
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Conv2d(512, 1024, 3, padding=12, dilation=12), nn.ReLU(inplace=True), nn.Dropout2d(0.5),
            nn.Conv2d(1024, 1024, 1), nn.ReLU(inplace=True), nn.Dropout2d(0.5),
            nn.Conv2d(1024, num_classes, 1),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


class ASPPv2(nn.Module):
    """DeepLab-v2's ASPP: four parallel 3x3 classifiers dilated 6, 12, 18, 24, summed (all four of them)."""

    def __init__(self, in_channels: int, num_classes: int, rates=(6, 12, 18, 24)):
        super().__init__()
        self.branches = nn.ModuleList(nn.Conv2d(in_channels, num_classes, 3, padding=r, dilation=r) for r in rates)
        for branch in self.branches:
            nn.init.normal_(branch.weight, std=0.01)
            nn.init.zeros_(branch.bias)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return sum(branch(features) for branch in self.branches)


class DeepLabV2(nn.Module):
    def __init__(self, num_classes: int, resnet: nn.Module):
        super().__init__()
        self.stem = nn.Sequential(resnet.conv1, resnet.bn1, resnet.relu, resnet.maxpool)
        self.layers = nn.Sequential(resnet.layer1, resnet.layer2, resnet.layer3, resnet.layer4)
        self.aspp = ASPPv2(2048, num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.aspp(self.layers(self.stem(images)))


def vgg16(*, imagenet: bool) -> nn.Module:
    from segkit.models.weights import imagenet_weights

    return models.vgg16(weights=imagenet_weights(models.VGG16_Weights) if imagenet else None)


def resnet101_dilated(*, imagenet: bool) -> nn.Module:
    from segkit.models.weights import imagenet_weights

    weights = imagenet_weights(models.ResNet101_Weights) if imagenet else None
    return models.resnet101(weights=weights, replace_stride_with_dilation=[False, True, True])
