"""Checkpoints written atomically: model, optimiser, schedule, scaler, step, RNG states, and the config."""
from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import torch

from segkit.errors import UserError
from segkit.formats.atomic import write_bytes


def checkpoint_contents(config, *, model, optimizer, scheduler, scaler, step: int, best: float, device) -> dict:
    """What a checkpoint of a run of ``config`` (a TrainConfig) holds: the state of everything that trains, and the
    random state to continue with."""
    return dict(model=model.state_dict(), optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                scaler=scaler.state_dict() if scaler is not None else None, torch_rng=torch.get_rng_state(),
                cuda_rng=torch.cuda.get_rng_state(device) if device.type == "cuda" else None, step=step,
                best=best, config=dataclasses.asdict(config) | {"out": str(config.out)},
                precise_bn=config.precise_bn if config.task == "seg" and step == config.iterations else 0)


def restore_random_state(checkpoint: dict, device) -> None:
    """The CPU generator, and the training GPU's where the run had one (dropout and the detector's samplers draw
    from it). Under DDP every rank takes rank 0's states: the data order and augmentation, which come from
    (seed, step), stay exact; other draws of ranks above 0 do not."""
    torch.set_rng_state(checkpoint["torch_rng"])
    if checkpoint.get("cuda_rng") is not None and device.type == "cuda":
        torch.cuda.set_rng_state(checkpoint["cuda_rng"], device)


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
