"""Feature-level domain generalisation for segmentation training (``--feature-style``, ``--feature-distance``).

- ``mixstyle`` (Zhou et al., ICLR 2021): with probability 0.5 a batch's early-block features take, per image, a
  Beta(0.1, 0.1) mix of their own channel statistics (mean, std over the map) and those of another image.
It acts after the second and third stages of the backbone (strides 4 and 8), in training mode only; they add no
weights, so a checkpoint is the same model. They draw from torch's generator (saved with each checkpoint).

- The feature distance (DAFormer's ImageNet feature distance, Hoyer et al. 2022): the L2 distance between the
  backbone's last features and those of a frozen copy of the backbone as the run started (ImageNet with
  ``--init imagenet``), averaged over the pixels of thing classes, keeps what ImageNet knows of objects.
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

from segkit import labels
from segkit.errors import UserError

THING_TRAIN_IDS = labels.train_ids_of(labels.FOREGROUND_CLASSES)


def backbone_of(model: nn.Module) -> nn.Module:
    """The pretrained feature extractor of a registry segmentation model (``model.body.backbone``)."""
    backbone = getattr(getattr(model, "body", None), "backbone", None)
    if backbone is None:
        raise UserError(f"{type(getattr(model, 'body', model)).__name__}: --feature-style and --feature-distance need "
                        "a DeepLab-v3/v3+ model (its body.backbone)")
    return backbone


def early_blocks(model: nn.Module) -> list[nn.Module]:
    """The backbone's stages at strides 4 and 8: timm EfficientNet's blocks 1 and 2, or ResNet's layer1 and layer2."""
    backbone = backbone_of(model)
    if hasattr(backbone, "blocks"):
        return [backbone.blocks[1], backbone.blocks[2]]
    if hasattr(backbone, "layer1"):
        return [backbone.layer1, backbone.layer2]
    raise UserError(f"{type(backbone).__name__}: --feature-style knows EfficientNet and ResNet backbones only")


def _statistics(features: torch.Tensor, eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    mean = features.mean(dim=(2, 3), keepdim=True)
    std = (features.var(dim=(2, 3), keepdim=True) + eps).sqrt()
    return mean.detach(), std.detach()


def mixstyle(features: torch.Tensor, p: float = 0.5, alpha: float = 0.1) -> torch.Tensor:
    if features.shape[0] < 2 or torch.rand(()) >= p:
        return features
    mean, std = _statistics(features)
    mix = torch.distributions.Beta(alpha, alpha).sample((features.shape[0], 1, 1, 1)).to(features)
    order = torch.randperm(features.shape[0], device=features.device)
    new_mean = mix * mean + (1 - mix) * mean[order]
    new_std = mix * std + (1 - mix) * std[order]
    return (features - mean) / std * new_std + new_mean


def attach_feature_style(model: nn.Module, style: str) -> list:
    """Forward hooks on the early blocks applying ``style`` in training mode; their handles (``.remove()``)."""
    if style == "none":
        return []
    def hook(module, inputs, output):
        return mixstyle(output) if module.training else output

    return [block.register_forward_hook(hook) for block in early_blocks(model)]


class FeatureDistance:
    """``weight`` times the thing pixels' mean L2 distance between the backbone's last features in the model's last
    forward pass and a frozen copy's (the backbone as it was when this was made), on the same input."""

    def __init__(self, model: nn.Module, weight: float):
        backbone = backbone_of(model)
        self.weight = weight
        self.frozen = copy.deepcopy(backbone).eval().requires_grad_(False)
        self.seen: tuple[torch.Tensor, torch.Tensor] | None = None
        self.handle = backbone.register_forward_hook(self._keep)

    def _keep(self, module, inputs, output):
        self.seen = (inputs[0], _last(output))

    def __call__(self, targets: torch.Tensor) -> torch.Tensor:
        """The loss for the last forward pass, given its (B, H, W) train-id targets."""
        images, features = self.seen
        with torch.no_grad():
            reference = _last(self.frozen(images.detach()))
        distance = torch.linalg.vector_norm(features.float() - reference.float(), dim=1)  # its gradient at 0 is 0
        small = F.interpolate(targets[:, None].float(), size=distance.shape[-2:], mode="nearest")[:, 0].long()
        things = torch.isin(small, torch.tensor(THING_TRAIN_IDS, device=small.device))
        if not things.any():
            return distance.sum() * 0.0
        return self.weight * distance[things].mean()


def _last(output):
    """The deepest map of a backbone's output: timm's list of maps, or torchvision's dict ("out")."""
    if isinstance(output, dict):
        return output["out"]
    return output[-1] if isinstance(output, (list, tuple)) else output
