"""Training and inference speed of each model: images/s, AMP on and off (on CUDA), on random inputs.

    python benchmarks/train_speed.py [--models a,b] [--size 512x1024] [--steps 10] [--batch 2]

Defaults are the paper's resolutions on a GPU (DeepLab at half resolution 1024x512 ... here given as
HxW 512x1024; Mask R-CNN at 1024x2048); on a CPU pass a small --size. Prints the device first.
"""
from __future__ import annotations

import argparse
import time

import torch

from segkit.models import MODELS, build_model

PAPER = ("deeplab_largefov_vgg16", "deeplabv2_resnet101", "deeplabv3_resnet101", "maskrcnn_resnet50_fpn",
         "maskrcnn_resnext101_64x4d_fpn")


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run(name: str, height: int, width: int, batch: int, steps: int, amp: bool, device) -> tuple[float, float]:
    task, _ = MODELS[name]
    extra = {"min_size": height, "max_size": width} if task == "det" else {}
    model = build_model(name, init="none", **extra).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
    images = torch.rand(batch, 3, height, width, device=device)
    if task == "seg":
        targets = torch.randint(0, 19, (batch, height, width), device=device)
    else:
        box = torch.tensor([[width * 0.2, height * 0.3, width * 0.5, height * 0.8]], device=device)
        mask = torch.zeros((1, height, width), dtype=torch.uint8, device=device)
        mask[:, int(height * 0.3):int(height * 0.8), int(width * 0.2):int(width * 0.5)] = 1
        targets = [{"boxes": box, "labels": torch.tensor([3], device=device), "masks": mask} for _ in range(batch)]
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    context = lambda: torch.autocast(device.type, dtype=dtype, enabled=amp and device.type == "cuda")  # noqa: E731

    def train_step():
        with context():
            if task == "seg":
                loss = torch.nn.functional.cross_entropy(model(images).float(), targets)
            else:
                loss = sum(model(list(images), targets).values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def infer_step():
        with torch.no_grad(), context():
            model(images) if task == "seg" else model(list(images))

    results = []
    for mode, step in (("train", train_step), ("infer", infer_step)):
        model.train(mode == "train")
        step()  # warm-up: allocation, cuDNN autotuning
        _sync(device)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(device)
        results.append(batch * steps / (time.perf_counter() - start))
    return results[0], results[1]


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
