"""Checkpoints written atomically: model, optimiser, schedule, scaler, step, RNG states, and the config."""
from __future__ import annotations

import io
from pathlib import Path

import torch

from segkit.errors import UserError
from segkit.formats.atomic import write_bytes


def save_checkpoint(path: Path, **state) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise UserError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from None
