"""Initialisation: ``none`` (from scratch), ``imagenet`` (torchvision's weight enums: downloaded by
torchvision on a connected machine or found in TORCH_HOME), or a path to a local checkpoint file."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from segkit.errors import UserError


def imagenet_weights(enum):
    """The enum's DEFAULT weights, failing in one line when they are neither cached nor downloadable."""
    weights = enum.DEFAULT
    cache = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    if cache.is_file():
        return weights
    try:
        torch.hub.load_state_dict_from_url(weights.url, progress=False, check_hash=False)
    except Exception as exc:  # no network, a proxy, a full disk: all one line for the user
        raise UserError(
            f"ImageNet weights {weights} are not in {cache.parent} and could not be downloaded ({type(exc).__name__}); "
            f"download {weights.url} into that folder (or set TORCH_HOME), or use --init none or --init PATH") from None
    return weights


def load_checkpoint_into(model: torch.nn.Module, path: str | os.PathLike, *, strict: bool = False) -> list[str]:
    """Load a local file (a state dict, or a segkit checkpoint with a ``model`` entry); returns missing keys."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: weight file not found (--init takes none, imagenet or a path)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(f"{path}: not a readable PyTorch weight file ({type(exc).__name__}: {exc})") from None
    state = state.get("model", state) if isinstance(state, dict) else state
    result = model.load_state_dict(state, strict=strict)
    if not strict and len(result.missing_keys) == len(model.state_dict()):
        raise UserError(f"{path}: none of its weights fit this model")
    return list(result.missing_keys)
