"""The record of a training run: log.jsonl, TensorBoard when installed, a progress bar."""
from __future__ import annotations

import json
import time
from pathlib import Path

from segkit.formats.atomic import write_text


class TrainingLog:
    """The run's record: log.jsonl (every ``log_every`` steps and each validation), TensorBoard when installed,
    a progress bar, and the history of every step for the caller."""

    def __init__(self, config, start: int):
        self.config, self.path, self.history = config, config.out / "log.jsonl", []
        _keep_until(self.path, start)
        self.board = _tensorboard(config.out, start)
        self.started = time.perf_counter()
        self.progress = None
        if config.progress:
            from tqdm import tqdm

            self.progress = tqdm(total=config.iterations, initial=start, unit="it", desc=f"train {config.task}")

    def _write(self, entry: dict) -> None:
        with open(self.path, "a") as handle:
            handle.write(json.dumps(entry) + "\n")

    def step(self, step: int, losses: dict, lr: float) -> None:
        entry = {"step": step, "loss": losses["loss"], "lr": lr, **{k: v for k, v in losses.items() if k != "loss"}}
        self.history.append(entry)
        if step % self.config.log_every == 0 or step == self.config.iterations:
            self._write({**entry, "seconds": round(time.perf_counter() - self.started, 3)})
            if self.board is not None:
                for key, value in entry.items():
                    if key != "step":
                        self.board.add_scalar(f"train/{key}", value, step)
        if self.progress is not None:
            self.progress.set_postfix(loss=f"{losses['loss']:.3f}")
            self.progress.update(1)

    def validation(self, step: int, metric: dict) -> None:
        from segkit.evaluation import strict_json

        self._write({"step": step, "validation": strict_json(metric)})
        if self.board is not None:
            headline = "mIoU" if self.config.task == "seg" else "AP"
            self.board.add_scalar(f"val/{headline}", next(iter(metric.values()))[headline], step)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()
        if self.board is not None:
            self.board.close()


def _keep_until(path: Path, step: int) -> None:
    """A resumed run's log keeps what came before its checkpoint: the steps a kill lost are logged again, once."""
    if not path.exists():
        return
    if step == 0:
        path.unlink()
        return
    write_text(path, "".join(line for line in path.read_text().splitlines(keepends=True) if 0 < _step(line) <= step))


def _step(line: str) -> int:
    try:
        return json.loads(line)["step"]
    except (ValueError, KeyError, TypeError):
        return -1  # a line a kill cut short


def _tensorboard(folder: Path, start: int):
    """A TensorBoard writer when the tensorboard package is installed (it is optional); the JSONL log always."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    # events a kill left after ``start`` are dropped (purge_step: that step and later; the run logs from start + 1)
    return SummaryWriter(str(folder / "tensorboard"), purge_step=start + 1)
