"""`segkit study shape-texture`: does shape transfer across domains better than texture? (the paper's Sec. 3)

Study 1 trains a classifier to tell synthetic from real objects, once from silhouettes, once from
texture patches (balanced domains, test split by image). Study 2 trains a classifier of the foreground
classes on synthetic objects and tests it on held-out synthetic and on real objects. Accuracies come with
95% bootstrap intervals over the test objects; the paper's numbers stand beside them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from segkit.config import check_choices, to_toml
from segkit.data.catalog import roots_field
from segkit.device import Device, choose_device
from segkit.errors import UserError

PAPER = {"domain_shape": 70.0, "domain_texture": 95.1, "object_shape_synthetic": 89.2, "object_shape_real": 81.0,
         "object_texture_synthetic": 94.2, "object_texture_real": 83.7}


@dataclass
class StudyConfig:
    synthetic: str = field(default=None, metadata={"help": "the synthetic dataset (veis:DIR)"})
    real: str = field(default=None, metadata={"help": "the real dataset (cityscapes:val, or a stand-in)"})
    out: Path = field(default=None, metadata={"help": "crops, models' results, report"})
    model: Literal["small", "vgg16"] = field(default="small", metadata={"help": "small: a CPU CNN"})
    init: Literal["none", "imagenet"] = field(default="none", metadata={"help": "vgg16's initial weights"})
    epochs: int = 8
    batch_size: int = 32
    lr: float = 1e-3
    seed: int = 0
    canvas: int = 64
    min_area: int = 400
    max_per_class: int = 400
    test_fraction: float = 0.3
    bootstrap: int = 1000
    device: Device = "auto"
    roots: dict[str, str] = roots_field()
    note: str = field(default="", metadata={"help": "said in the report (e.g. that 'real' is a stand-in)"})

    def __post_init__(self):
        for name in ("synthetic", "real", "out"):
            if getattr(self, name) is None:
                raise UserError(f"--{name} is required")
        self.out = Path(self.out)
        check_choices(self)


def _is_test(image_name: str, fraction: float) -> bool:
    """Held out by image, the same way on every run."""
    return int(hashlib.sha256(image_name.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < fraction


def _cap(entries: list[dict], per_class: int, rng: np.random.Generator) -> list[dict]:
    by_class: dict[str, list[dict]] = {}
    for entry in entries:
        by_class.setdefault(entry["class"], []).append(entry)
    kept = []
    for items in by_class.values():
        order = rng.permutation(len(items))[:per_class]
        kept += [items[i] for i in sorted(order)]
    return kept


def _network(model: str, classes: int, init: str):
    from torch import nn

    if model == "vgg16":
        from torchvision import models

        from segkit.models.weights import imagenet_weights

        vgg = models.vgg16(weights=imagenet_weights(models.VGG16_Weights) if init == "imagenet" else None)
        return nn.Sequential(vgg.features, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))
    layers, channels = [], 3
    for width in (32, 64, 96, 128):
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        channels = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(channels, classes))


def _load(out: Path, entries: list[dict], kind: str) -> np.ndarray:
    from segkit.formats.png import read_png

    images = []
    for entry in entries:
        image = read_png(out / "crops" / entry[kind])
        images.append(np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3])
    return np.stack(images).astype(np.float32).transpose(0, 3, 1, 2) / 255.0


def train_and_test(config: StudyConfig, train_x, train_y, tests: dict, classes: int) -> dict:
    """Train a classifier; predictions on each named test set."""
    import torch

    torch.manual_seed(config.seed)
    device = choose_device(config.device)
    network = _network(config.model, classes, config.init).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed)
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y.astype(np.int64))
    for _ in range(config.epochs):
        network.train()
        order = rng.permutation(len(x))
        for start in range(0, len(order), config.batch_size):
            index = order[start:start + config.batch_size]
            if len(index) < 2:
                continue
            batch = x[index].to(device)
            if rng.random() < 0.5:
                batch = batch.flip(-1)
            loss = torch.nn.functional.cross_entropy(network(batch), y[index].to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    network.eval()
    predictions = {}
    with torch.no_grad():
        for name, test_x in tests.items():
            outputs = [network(torch.from_numpy(test_x[i:i + 256]).to(device)).argmax(1).cpu().numpy()
                       for i in range(0, len(test_x), 256)]
            predictions[name] = np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.int64)
    return predictions


def accuracy_with_interval(correct: np.ndarray, rounds: int, seed: int) -> dict:
    """Accuracy (%) and its 95% bootstrap interval over the test objects."""
    if correct.size == 0:
        return {"accuracy": None, "low": None, "high": None, "n": 0}
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, correct.size, (rounds, correct.size))
    means = correct[samples].mean(axis=1)
    return {"accuracy": round(100 * float(correct.mean()), 2), "low": round(100 * float(np.percentile(means, 2.5)), 2),
            "high": round(100 * float(np.percentile(means, 97.5)), 2), "n": int(correct.size)}


def _confusion_png(path: Path, truth: np.ndarray, predicted: np.ndarray, names: list[str], title: str) -> list[list[int]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.zeros((len(names), len(names)), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    figure, axes = plt.subplots(figsize=(1.2 + 0.5 * len(names), 1.0 + 0.5 * len(names)))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(len(names)), names, fontsize=7)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title, fontsize=8)
    for (i, j), value in np.ndenumerate(matrix):
        axes.text(j, i, str(value), ha="center", va="center", fontsize=6)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return matrix.tolist()


def _examples_sheet(path: Path, out: Path, entries: list[dict], per_cell: int = 4) -> None:
    from segkit.formats.png import read_png, write_png
    from segkit.formats.sheet import grid

    cells = []
    for domain in ("synthetic", "real"):
        for class_name in sorted({e["class"] for e in entries}):
            chosen = [e for e in entries if e["domain"] == domain and e["class"] == class_name][:per_cell]
            for entry in chosen:
                shape = read_png(out / "crops" / entry["shape"])
                cells.append(np.concatenate([np.repeat(shape[..., None], 3, axis=2), read_png(out / "crops" / entry["texture"])], axis=1))
    if cells:
        write_png(path, grid(cells, 8, border=2))


def run_study(config: StudyConfig) -> dict:
    from segkit import labels
    from segkit.bench.stages import run_stage
    from segkit.data import catalog
    from segkit.formats.atomic import write_json, write_text
    from segkit.studies.crops import CropSettings, extract, read_index, write_index

    config.out.mkdir(parents=True, exist_ok=True)
    write_text(config.out / "study.toml", to_toml(config))
    settings = CropSettings(canvas=config.canvas, min_area=config.min_area)
    crops = config.out / "crops"

    def make_crops():
        entries = []
        for domain, name in (("synthetic", config.synthetic), ("real", config.real)):
            records = catalog.get(name, roots=config.roots)
            entries += extract(records, domain, crops, settings)
        write_index(crops, entries, settings)
        return {"crops": len(entries)}

    run_stage(crops, "crops", make_crops)
    rng = np.random.default_rng(config.seed)
    entries = read_index(crops)
    synthetic = _cap([e for e in entries if e["domain"] == "synthetic"], config.max_per_class, rng)
    real = _cap([e for e in entries if e["domain"] == "real"], config.max_per_class, rng)
    if not synthetic or not real:
        raise UserError(f"too few objects: {len(synthetic)} synthetic and {len(real)} real above {config.min_area} pixels")
    results: dict = {"objects": {"synthetic": len(synthetic), "real": len(real)}, "note": config.note}

    # Study 1: synthetic or real? Balanced domains, test objects from held-out images.
    count = min(len(synthetic), len(real))
    balanced = [synthetic[i] for i in sorted(rng.permutation(len(synthetic))[:count])] + \
               [real[i] for i in sorted(rng.permutation(len(real))[:count])]
    train = [e for e in balanced if not _is_test(e["image"], config.test_fraction)]
    test = [e for e in balanced if _is_test(e["image"], config.test_fraction)]
    domain_of = np.array([int(e["domain"] == "real") for e in train]), np.array([int(e["domain"] == "real") for e in test])
    for kind in ("shape", "texture"):
        predicted = train_and_test(config, _load(config.out, train, kind), domain_of[0], {"test": _load(config.out, test, kind)}, 2)["test"] \
            if test else np.zeros(0, dtype=int)
        results[f"domain_{kind}"] = accuracy_with_interval(predicted == domain_of[1], config.bootstrap, config.seed)
        if test:
            results[f"domain_{kind}"]["confusion"] = _confusion_png(config.out / f"confusion_domain_{kind}.png", domain_of[1],
                                                                    predicted, ["synthetic", "real"], f"domain from {kind}")

    # Study 2: which class? Trained on synthetic objects, tested on held-out synthetic and on real ones.
    names = [c for c in labels.FOREGROUND_CLASSES if any(e["class"] == c for e in synthetic)]
    index = {name: i for i, name in enumerate(names)}
    train = [e for e in synthetic if not _is_test(e["image"], config.test_fraction)]
    tests = {"synthetic": [e for e in synthetic if _is_test(e["image"], config.test_fraction)],
             "real": [e for e in real if e["class"] in index]}
    for kind in ("shape", "texture"):
        predictions = train_and_test(config, _load(config.out, train, kind), np.array([index[e["class"]] for e in train]),
                                     {k: _load(config.out, v, kind) for k, v in tests.items() if v}, len(names))
        for split, items in tests.items():
            truth = np.array([index[e["class"]] for e in items])
            predicted = predictions.get(split, np.zeros(0, dtype=int))
            key = f"object_{kind}_{split}"
            results[key] = accuracy_with_interval(predicted == truth, config.bootstrap, config.seed)
            if items:
                results[key]["confusion"] = _confusion_png(config.out / f"confusion_{key}.png", truth, predicted, names, key)
    _examples_sheet(config.out / "examples.png", config.out, synthetic + real)
    write_json(config.out / "study.json", results, indent=1)
    write_text(config.out / "study.md", format_report(results, config))
    return results


def format_report(results: dict, config: StudyConfig) -> str:
    rows = [("Study 1: domain from silhouettes", "domain_shape"), ("Study 1: domain from textures", "domain_texture"),
            ("Study 2: class from silhouettes, synthetic test", "object_shape_synthetic"),
            ("Study 2: class from silhouettes, real test", "object_shape_real"),
            ("Study 2: class from textures, synthetic test", "object_texture_synthetic"),
            ("Study 2: class from textures, real test", "object_texture_real")]
    lines = ["# Shape versus texture", "", f"synthetic: {config.synthetic}; real: {config.real}. {config.note}".strip(), "",
             f"{results['objects']['synthetic']} synthetic and {results['objects']['real']} real objects; model {config.model}; "
             "accuracy (%) with its 95% bootstrap interval over the test objects.", "",
             "| | this run | 95% interval | test objects | paper |", "|---|---|---|---|---|"]
    for label, key in rows:
        r = results[key]
        interval = "n/a" if r["accuracy"] is None else f"{r['low']:.1f}-{r['high']:.1f}"
        accuracy = "n/a" if r["accuracy"] is None else f"{r['accuracy']:.1f}"
        lines.append(f"| {label} | {accuracy} | {interval} | {r['n']} | {PAPER[key]:.1f} |")
    return "\n".join(lines) + "\n"
