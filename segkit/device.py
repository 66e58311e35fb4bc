"""One choice of device for every command: auto (CUDA where torch sees a GPU, else the CPU), cpu, or cuda, which is
refused in one line where there is none (never a silent fall-back to the CPU)."""
from __future__ import annotations

from typing import Literal, get_args

from segkit.config import check_choice
from segkit.errors import UserError

Device = Literal["auto", "cpu", "cuda"]  # a config's ``device: Device`` field is checked with its other choices
DEVICES = get_args(Device)


def check_device_name(name: str) -> None:
    """The name alone, without torch."""
    check_choice("--device", name, DEVICES)


def choose_device(name: str):
    """The torch.device that ``name`` means here."""
    import torch

    check_device_name(name)
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available here (torch sees none); use --device cpu or auto")
    return torch.device("cuda" if name != "cpu" and torch.cuda.is_available() else "cpu")
