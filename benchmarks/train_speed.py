"""Training and inference speed of each model: images/s, AMP on and off (on CUDA), on random inputs.

    python benchmarks/train_speed.py [--models a,b] [--size 512x1024] [--steps 10] [--batch 2]

Defaults are the paper's resolutions on a GPU (DeepLab at half resolution 1024x512 ... here given as
HxW 512x1024; Mask R-CNN at 1024x2048); on a CPU pass a small --size. Prints the device first.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gpu_check import plain_loop, synthetic_batch  # beside this script
from segkit.models import MODELS
from segkit.train_config import TrainConfig

PAPER = ("deeplab_largefov_vgg16", "deeplabv2_resnet101", "deeplabv3_resnet101", "maskrcnn_resnet50_fpn",
         "maskrcnn_resnext101_64x4d_fpn")


def run(name: str, height: int, width: int, batch: int, steps: int, amp: bool, device) -> tuple[float, float]:
    """Training and inference images/s of a plain torchvision-style loop (gpu_check's), after one warm-up step."""
    task, _ = MODELS[name]
    extra = {"min_size": height, "max_size": width} if task == "det" else {}
    config = TrainConfig(task=task, out=Path("."), train=("-",), model=name, batch_size=batch, lr=1e-4, random_scale=(),
                         **extra)
    data = synthetic_batch(torch, task, (height, width), batch, device, torch.Generator().manual_seed(0))
    autocast = dict(device_type=device.type, dtype=torch.bfloat16, enabled=amp and device.type == "cuda")
    (train_seconds, _), (infer_seconds, _) = plain_loop(torch, config, extra, data, autocast,
                                                        {"steps": steps, "warmup": 1}, device)
    return batch / train_seconds, batch / infer_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(PAPER))
    parser.add_argument("--size", default=None, help="HxW (default: 512x1024 for DeepLab, 1024x2048 for Mask R-CNN)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    print(f"device: {name}, torch {torch.__version__}")
    print(f"{'model':<32}{'size':>11}{'AMP':>5}{'train img/s':>13}{'infer img/s':>13}")
    for model_name in args.models.split(","):
        task, _ = MODELS[model_name]
        height, width = (int(v) for v in (args.size or ("512x1024" if task == "seg" else "1024x2048")).split("x"))
        for amp in ((False, True) if device.type == "cuda" else (False,)):
            train_rate, infer_rate = run(model_name, height, width, args.batch, args.steps, amp, device)
            print(f"{model_name:<32}{f'{height}x{width}':>11}{'on' if amp else 'off':>5}{train_rate:>13.2f}{infer_rate:>13.2f}")


if __name__ == "__main__":
    main()
