"""`make gpu-check`: one prepared run on a GPU box, one report (gpu_check.md, gpu_check.json, gpu_check.png).

- every registered model: training and inference images/s and peak memory, fp32 and bf16 autocast, at the
  paper's sizes (DeepLab 512x1024, Mask R-CNN 1024x2048); segkit's training step beside a plain
  torchvision-reference loop (same model, batch and optimiser), which ours must not trail;
- a 2-process DistributedDataParallel run of `segkit train` under torchrun beside a 1-process run of the same
  global batch (on one GPU both processes share it, over gloo);
- sliding-window and flip prediction at 1024x2048;
- with --camvid DIR, a short real run: the CamVid oracle of `segkit bench sim2real` at GPU batch size.

Sized for about 8 minutes on one large GPU, with the machine's own torch (only segkit's small pure
dependencies need installing). Without a GPU it is a dry run of the same code on the CPU at toy sizes, and
the report says so and why. Never part of the test suite.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gpu_check_report import write_report  # noqa: E402  (beside this script)

GPU = {"seg": dict(size=(512, 1024), batch=4), "det": dict(size=(1024, 2048), batch=2),
       "steps": 6, "warmup": 2, "ddp_iterations": 40, "window": (512, 1024), "predict_size": (1024, 2048)}
DRY = {"seg": dict(size=(64, 128), batch=2), "det": dict(size=(64, 128), batch=2),
       "steps": 1, "warmup": 1, "ddp_iterations": 4, "window": (32, 64), "predict_size": (64, 128)}


def environment(torch, device) -> dict:
    import torchvision

    info = {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
            "device": str(device), "cpus": os.cpu_count()}
    if device.type == "cuda":
        info |= {"gpu": torch.cuda.get_device_name(device), "cuda": torch.version.cuda,
                 "gpu_memory_gib": round(torch.cuda.get_device_properties(device).total_memory / 2**30, 1)}
    return info


def synthetic_batch(torch, task: str, size, batch: int, device, generator):
    """Random images with random targets: 19-class maps (seg), or five boxes with box-shaped masks (det)."""
    height, width = size
    images = torch.rand(batch, 3, height, width, generator=generator)
    if task == "seg":
        return images.to(device), torch.randint(0, 19, (batch, height, width), generator=generator).to(device)
    targets = []
    for _ in range(batch):
        corner = torch.rand(5, 2, generator=generator) * torch.tensor([width * 0.7, height * 0.7])
        extent = 8 + torch.rand(5, 2, generator=generator) * torch.tensor([width * 0.25, height * 0.25])
        boxes = torch.cat([corner, corner + extent], 1).round()
        masks = torch.zeros(5, height, width, dtype=torch.uint8)
        for k, (x0, y0, x1, y1) in enumerate(boxes.int().tolist()):
            masks[k, y0:y1, x0:x1] = 1
        targets.append({"boxes": boxes.to(device), "labels": torch.randint(1, 9, (5,), generator=generator).to(device),
                        "masks": masks.to(device)})
    return [image.to(device) for image in images], targets


def timed(torch, device, work, steps: int, warmup: int) -> tuple[float, float | None]:
    """Seconds per call of ``work`` after ``warmup`` calls, and the peak GPU memory (GiB) over all of them."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    for _ in range(warmup):
        work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    for _ in range(steps):
        work()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = (time.perf_counter() - started) / steps
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    return seconds, peak


def measure_model(torch, name: str, task: str, sizes: dict, precision: str, device, out: Path) -> dict:
    """segkit's step, the plain loop's step and inference of one model at one precision."""
    from segkit.train_config import TrainConfig

    shape = sizes[task]
    extra = {"min_size": min(shape["size"]), "max_size": max(shape["size"])} if task == "det" else {}
    config = TrainConfig(task=task, out=out, train=("synthetic",), model=name, init="none", batch_size=shape["batch"],
                         random_scale=(), amp="bf16" if precision == "bf16" else "off", **extra)
    batch = synthetic_batch(torch, task, shape["size"], shape["batch"], device, torch.Generator().manual_seed(0))
    row = {"model": name, "task": task, "precision": precision, "size": list(shape["size"]), "batch": shape["batch"]}
    seconds, row["ours_train_peak_gib"] = _ours(torch, config, batch, sizes, device)
    row["ours_train_images_s"] = shape["batch"] / seconds
    autocast = dict(device_type=device.type, dtype=torch.bfloat16, enabled=precision == "bf16" and device.type == "cuda")
    (train_seconds, row["plain_train_peak_gib"]), (infer_seconds, row["inference_peak_gib"]) = plain_loop(
        torch, config, extra, batch, autocast, sizes, device)
    row["plain_train_images_s"] = shape["batch"] / train_seconds
    row["inference_images_s"] = shape["batch"] / infer_seconds
    row["ours_vs_plain"] = row["ours_train_images_s"] / row["plain_train_images_s"]
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return row


def _ours(torch, config, batch, sizes: dict, device):
    from segkit.train import build_training, train_one_step

    images, targets = batch
    model, optimizer, scheduler, amp = build_training(config, device)
    model.train()
    steps = iter(range(10**9))
    return timed(torch, device, lambda: train_one_step(model, images, targets, optimizer, scheduler, amp, config,
                                                        device, next(steps)), sizes["steps"], sizes["warmup"])


def plain_loop(torch, config, extra: dict, batch, autocast: dict, sizes: dict, device):
    """torchvision's references (segmentation and detection train_one_epoch), one batch a step; then inference."""
    from segkit.models import build_model

    images, targets = batch
    model = build_model(config.model, task=config.task, init="none", **extra).to(device).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)

    def step():
        with torch.autocast(**autocast):
            if config.task == "seg":
                loss = torch.nn.functional.cross_entropy(model(images), targets, ignore_index=255)
            else:
                loss = sum(model(images, targets).values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def infer():
        with torch.no_grad(), torch.autocast(**autocast):
            model(images)

    training = timed(torch, device, step, sizes["steps"], sizes["warmup"])
    model.eval()
    return training, timed(torch, device, infer, sizes["steps"], sizes["warmup"])


def measure_prediction(torch, sizes: dict, device) -> list[dict]:
    """segkit.predict.segment at full size: plain, flipped, in sliding windows, both."""
    from segkit.models import build_model
    from segkit.predict import segment

    model = build_model("deeplabv3plus_efficientnet_lite2", task="seg", init="none").to(device).eval()
    batch = torch.rand(1, 3, *sizes["predict_size"], generator=torch.Generator().manual_seed(0)).to(device)
    rows = []
    for flip, window in ((False, ()), (True, ()), (False, sizes["window"]), (True, sizes["window"])):
        def work():
            with torch.no_grad():
                segment(model, batch, flip=flip, window=window)
        seconds, peak = timed(torch, device, work, sizes["steps"], sizes["warmup"])
        rows.append({"model": "deeplabv3plus_efficientnet_lite2", "size": list(sizes["predict_size"]), "flip": flip,
                     "window": list(window), "images_s": 1 / seconds, "peak_gib": peak})
    return rows


def fake_cityscapes(root: Path, count: int, size) -> None:
    """A Cityscapes-layout val split of random images and label maps, for the DDP runs."""
    import numpy as np

    from segkit import labels
    from segkit.formats.png import write_png

    generator = np.random.default_rng(0)
    ids = np.array([label.id for label in labels.TRAIN_LABELS])
    for index in range(count):
        name = f"fake_{index:06d}_000019"
        write_png(root / "leftImg8bit" / "val" / "fake" / f"{name}_leftImg8bit.png",
                  generator.integers(0, 256, (*size, 3), dtype=np.uint8))
        write_png(root / "gtFine" / "val" / "fake" / f"{name}_gtFine_labelIds.png",
                  ids[generator.integers(0, len(ids), size)].astype(np.uint8))


def measure_ddp(sizes: dict, device_type: str, work: Path) -> dict:
    """`segkit train` with 2 processes of batch 2 under torchrun beside 1 process of batch 4: same samples a step."""
    root = work / "cityscapes"
    fake_cityscapes(root, 16, sizes["seg"]["size"])
    runs = {}
    for processes, batch in ((1, 4), (2, 2)):
        out = work / f"ddp_{processes}"
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
                   "-m", "segkit.cli", "train", "seg", "--out", str(out), "--train", "cityscapes:val",
                   "--cityscapes", str(root), "--model", "deeplabv3plus_efficientnet_lite0", "--init", "none",
                   "--iterations", str(sizes["ddp_iterations"]), "--batch-size", str(batch), "--workers", "2",
                   "--crop", str(sizes["seg"]["size"][0]), "--crop", str(sizes["seg"]["size"][1]),
                   "--log-every", "1", "--precise-bn", "0", "--progress", "false", "--device",
                   "cuda" if device_type == "cuda" else "cpu"]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                                env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])})
        seconds = time.perf_counter() - started
        log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()] if (out / "log.jsonl").is_file() else []
        runs[f"{processes}_process"] = {"returncode": result.returncode, "seconds": round(seconds, 1),
                                        "batch_per_process": batch, "losses": [round(e["loss"], 4) for e in log],
                                        "error": result.stderr.strip().splitlines()[-3:] if result.returncode else []}
    return runs


def measure_real(camvid: Path, device_type: str, work: Path, iterations: int, batch: int) -> dict:
    """The CamVid oracle of `segkit bench sim2real` (DeepLab trained on real CamVid train, scored on val)."""
    out = work / "sim2real"
    command = [sys.executable, "-m", "segkit.cli", "bench", "sim2real", "--only", "oracle", "--camvid", str(camvid),
               "--out", str(out), "--seg-iterations", str(iterations), "--seg-batch-size", str(batch), "--seg-crop", "360",
               "--seg-crop", "480", "--workers", "8", "--device", device_type, "--progress", "false"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    report = out / "sim2real.json"
    row = json.loads(report.read_text())["rows"].get("oracle") if report.is_file() else None
    return {"returncode": result.returncode, "seconds": round(time.perf_counter() - started, 1), "iterations": iterations,
            "row": row, "error": result.stderr.strip().splitlines()[-3:] if result.returncode else []}


def check_arguments(args) -> str | None:
    """What is wrong with the arguments, in one line, or None."""
    if args.out.exists() and not args.out.is_dir():
        return f"--out {args.out}: a file, not a folder"
    if args.out.exists() and any(args.out.iterdir()):
        return f"--out {args.out}: holds a report already: move it away or pass another --out"
    if args.camvid is not None and not all((args.camvid / f"{split}.txt").is_file() for split in ("train", "val")):
        return f"--camvid {args.camvid}: no train.txt and val.txt there (a CamVid folder as distributed)"
    if args.real_iterations < 1:
        return f"--real-iterations: expected at least 1, got {args.real_iterations}"
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "gpu_check")
    parser.add_argument("--models", nargs="*", default=None, help="these registered models only (default: all)")
    parser.add_argument("--camvid", type=Path, default=None, help="a CamVid folder for the short real run")
    parser.add_argument("--real-iterations", type=int, default=1000)
    parser.add_argument("--dry-run", action="store_true", help="toy sizes on the CPU even where a GPU is")
    args = parser.parse_args(argv)
    problem = check_arguments(args)  # GPU time is scarce: every argument before anything runs
    if problem:
        print(f"gpu-check: {problem}", file=sys.stderr)
        return 2

    import torch

    from segkit.models.registry import MODELS

    cuda = torch.cuda.is_available() and not args.dry_run
    reason = None if cuda else ("--dry-run given" if args.dry_run else
                                f"torch {torch.__version__} sees no CUDA device (torch.cuda.is_available() is False)")
    device = torch.device("cuda" if cuda else "cpu")
    sizes = GPU if cuda else DRY
    if cuda:
        torch.backends.cudnn.benchmark = True
    names = args.models or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"gpu-check: --models: unknown {', '.join(unknown)} (one of: {', '.join(MODELS)})", file=sys.stderr)
        return 2
    started = time.perf_counter()
    report = {"dry_run": not cuda, "reason": reason, "environment": environment(torch, device),
              "sizes": dict(sizes), "models": [], "prediction": [], "ddp": {}, "real": None, "errors": {}}
    print(f"gpu-check on {device} ({'dry run: ' + reason if reason else report['environment'].get('gpu')})", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in names:
            for precision in ("fp32", "bf16"):
                try:
                    row = measure_model(torch, name, MODELS[name][0], sizes, precision, device, work / name)
                except Exception as exc:  # out of memory, or a model that fails here: recorded, the run goes on
                    row = {"model": name, "task": MODELS[name][0], "precision": precision,
                           "error": f"{type(exc).__name__}: {exc}"[:200]}
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                report["models"].append(row)
                print(json.dumps(row), flush=True)
        parts = {"prediction": lambda: measure_prediction(torch, sizes, device),
                 "ddp": lambda: measure_ddp(sizes, device.type, work)}
        if args.camvid is not None:
            parts["real"] = lambda: measure_real(args.camvid, device.type, work,
                                                 *((args.real_iterations, 16) if cuda else (2, 2)))
        for part, measure in parts.items():
            try:
                report[part] = measure()
            except Exception as exc:
                report["errors"][part] = f"{type(exc).__name__}: {exc}"[:300]
            print(f"{part}: {report['errors'].get(part) or json.dumps(report[part])}"[:300], flush=True)
    report["seconds"] = round(time.perf_counter() - started, 1)
    write_report(args.out, report)
    print(f"report: {args.out / 'gpu_check.md'} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
