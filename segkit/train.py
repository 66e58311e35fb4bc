"""`segkit train seg|det`: the training loop, read top to bottom as torchvision's references are.

Data order and augmentation depend only on (seed, step) (``segkit.data.steps``), so `--resume` continues
exactly, with any number of loader workers (under DDP, ranks above 0 take rank 0's random state). Started by
torchrun, it runs DistributedDataParallel.
"""
from __future__ import annotations

import itertools
import math
import os
import sys
import time
from dataclasses import dataclass
from operator import attrgetter
from typing import Callable

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.optim.lr_scheduler import LRScheduler
from torch.optim.swa_utils import update_bn
from torch.utils.data import DataLoader

from segkit.checkpoint import checkpoint_contents, load_checkpoint, restore_random_state, save_checkpoint
from segkit.config import to_toml
from segkit.data import catalog
from segkit.data.balance import RareClassSampling
from segkit.data.copy_paste import CopyPaste
from segkit.data.steps import StepBatches, StepSamples, collate_det, collate_seg
from segkit.data.torch_data import InstanceDataset, MixedDataset, SemanticDataset
from segkit.data.transforms import Compose, Resize, training_transforms
from segkit.device import choose_device
from segkit.errors import UserError
from segkit.evaluation.inference import DatasetEvaluator, inference_on_dataset
from segkit.evaluation.instances import DetectorEvaluator
from segkit.evaluation.semantic import SegmenterEvaluator
from segkit.formats.atomic import write_text
from segkit.models import build_model
from segkit.models.generalise import FeatureDistance, attach_feature_style
from segkit.optim import build_optimizer, build_scheduler, frozen_batch_norms, load_schedule, set_train_mode
from segkit.train_config import DetRecipe, SegRecipe, TrainConfig  # noqa: F401 (segkit.train's public names)
from segkit.train_log import TrainingLog


def _segmentation_losses(model, images, targets, device, feature_distance) -> tuple[torch.Tensor, dict]:
    targets = targets.to(device)
    logits = model(images.to(device, non_blocking=True))
    loss = F.cross_entropy(logits.float(), targets, ignore_index=255)
    parts = {"loss_ce": loss.item()}
    if feature_distance is not None:
        distance = feature_distance(targets)
        loss, parts["loss_feature_distance"] = loss + distance, distance.item()
    return loss, parts


def _detection_losses(model, images, targets, device, feature_distance) -> tuple[torch.Tensor, dict]:
    losses = model([image.to(device) for image in images], [{k: v.to(device) for k, v in t.items()} for t in targets])
    return sum(losses.values()), {k: v.item() for k, v in losses.items()}


@dataclass(frozen=True)
class Task:
    """What segmentation (DeepLab) and detection (Mask R-CNN) training do differently."""

    dataset_class: type  # one source's torch Dataset
    labelled: Callable  # record -> whether it has this task's labels
    collate: Callable
    losses: Callable  # (model, images, targets, device, feature_distance) -> (loss, {part: value})
    evaluator: Callable[[], DatasetEvaluator]
    headline: tuple[str, str]  # the metric that picks best.pt


TASKS = {"seg": Task(SemanticDataset, attrgetter("label"), collate_seg, _segmentation_losses, SegmenterEvaluator,
                     ("sem_seg", "mIoU")),
         "det": Task(InstanceDataset, attrgetter("instances"), collate_det, _detection_losses, DetectorEvaluator,
                     ("segm", "AP"))}


# What a resumed run's learning-rate schedule is made of: the checkpoint's schedule continues.
SCHEDULE_SETTINGS = ("iterations", "schedule", "warmup", "step_every", "step_gamma", "poly_power", "lr")


@dataclass(frozen=True)
class Precision:
    """Mixed precision: the autocast context each step runs in, and its gradient scaler (fp16 only)."""

    autocast: object  # torch.autocast, or any context manager
    scaler: torch.amp.GradScaler | None = None


def build_datasets(config: TrainConfig, *, training: bool = True):
    task = TASKS[config.task]
    if not training:
        records = [r for r in catalog.get(config.val, roots=config.roots) if task.labelled(r)]
        resize = Resize(scale=config.scale, short_side=config.resize or None)
        return task.dataset_class(records, Compose([resize]) if config.scale != 1.0 or config.resize else None)
    transforms = training_transforms(scale=config.scale, resize=config.resize,
                                     random_scale=tuple(config.random_scale) or None, crop=tuple(config.crop) or None,
                                     flip=config.flip, color_jitter=config.color_jitter, augment=tuple(config.augment))
    sources = []
    for name in config.train:
        records = [r for r in catalog.get(name, roots=config.roots) if task.labelled(r)]
        if not records:
            raise UserError(f"{name}: no labelled images for {config.task} training")
        sources.append(records)
    if config.copy_paste:  # donors from every source with instance maps: synthetic objects into real images too
        transforms = Compose([CopyPaste([r for records in sources for r in records], config.copy_paste), transforms])
    parts = [task.dataset_class(records, transforms, seed=config.seed) for records in sources]
    if config.rare_class_sampling:
        parts = [RareClassSampling(part, config.rare_class_sampling, seed=config.seed) for part in parts]
    return MixedDataset(parts, list(config.train_ratios) or None, seed=config.seed)


def _precision(config: TrainConfig, device) -> Precision:
    if device.type != "cuda" or config.amp == "off":
        return Precision(torch.autocast(device.type, enabled=False))
    dtype = torch.float16 if config.amp == "fp16" else torch.bfloat16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return Precision(torch.autocast("cuda", dtype=dtype), scaler)


@dataclass
class _Processes:
    rank: int
    world: int
    device: torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def _processes(config: TrainConfig) -> _Processes:
    """This process's rank among torchrun's and its device; refuses a run folder that holds a run already."""
    use_cuda = choose_device(config.device).type == "cuda"
    if not config.resume and ((config.out / "last.pt").exists() or (config.out / "log.jsonl").exists()):
        raise UserError(f"{config.out}: holds a training run already: continue it with --resume true, "
                        "or use another --out")
    world, local = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("LOCAL_RANK", "0"))
    # More processes than GPUs on a machine share them: NCCL refuses two ranks on one GPU, gloo does not.
    shared = use_cuda and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > torch.cuda.device_count()
    if world > 1:
        dist.init_process_group("nccl" if use_cuda and not shared else "gloo")
    device = torch.device(f"cuda:{local % torch.cuda.device_count()}" if use_cuda else "cpu")
    return _Processes(int(os.environ.get("RANK", "0")), world, device)


def build_training(config: TrainConfig, device):
    """The model on its device, its optimiser, the learning-rate schedule and its ``Precision``."""
    # Mask R-CNN's resize: the model's own (segkit.models) unless the run sets it.
    sizes = {name: getattr(config, name) for name in ("min_size", "max_size")
             if config.task == "det" and getattr(config, name) is not None}
    model = build_model(config.model, task=config.task, init=config.init, **sizes).to(device)
    optimizer = build_optimizer(model, config)
    return model, optimizer, build_scheduler(optimizer, config), _precision(config, device)


def attach_generalisation(model, config: TrainConfig):
    """--feature-style's hooks on the model (their handles) and --feature-distance's loss (None when off). Made before
    a resume loads last.pt, so the distance is to the backbone as the run started."""
    if config.task != "seg":
        return [], None
    return attach_feature_style(model, config.feature_style), (FeatureDistance(model, config.feature_distance)
                                                              if config.feature_distance else None)


def _resume(config: TrainConfig, model, optimizer, scheduler, scaler) -> dict | None:
    """Load out/last.pt into the model, optimiser, schedule and scaler; the checkpoint, for what else it holds.
    None when a kill came before the first checkpoint: the run starts over."""
    path = config.out / "last.pt"
    if not path.is_file():
        if (config.out / "log.jsonl").exists() and int(os.environ.get("RANK", "0")) == 0:
            print(f"{config.out}: no checkpoint yet (stopped before the first one): starting over from step 0",
                  file=sys.stderr)
        return None
    checkpoint = load_checkpoint(path)
    saved = checkpoint.get("config", {})
    if (saved.get("model"), saved.get("task")) != (config.model, config.task):
        raise UserError(f"{path}: a checkpoint of {saved.get('task')} model {saved.get('model')!r}, "
                        f"not of {config.task} model {config.model!r}: resume with the same --model")
    for name in SCHEDULE_SETTINGS:  # the saved schedule is continued, so it must be this run's
        if name in saved and saved[name] != getattr(config, name):
            raise UserError(f"{path}: made with --{name.replace('_', '-')} {saved[name]}, now {getattr(config, name)}: "
                            "resume with the same schedule, or use another --out")
    model.load_state_dict(checkpoint["model"])
    load_schedule(optimizer, scheduler, optimizer_state=checkpoint["optimizer"],
                  scheduler_state=checkpoint["scheduler"], step=checkpoint["step"])
    if scaler is not None and checkpoint.get("scaler"):
        scaler.load_state_dict(checkpoint["scaler"])
    return checkpoint


def train_one_step(model, images, targets, optimizer, scheduler, precision: Precision, config: TrainConfig, device,
                   step: int, *, feature_distance=None) -> dict:
    """One optimiser step on one batch; the losses it saw (``loss``, and each part of it)."""
    with precision.autocast, _explain_batch_norm(config):
        loss, parts = TASKS[config.task].losses(model, images, targets, device, feature_distance)
    if not torch.isfinite(loss):
        raise UserError(f"the loss became {float(loss)} at step {step}: lower --lr or set --clip-grad")
    optimizer.zero_grad(set_to_none=True)
    scaler = precision.scaler
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
    else:
        loss.backward()
    if config.clip_grad > 0:
        parameters = [p for group in optimizer.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(parameters, config.clip_grad)
    if scaler is not None:
        scaler.step(optimizer)
        scaler.update()
    else:
        optimizer.step()
    scheduler.step()
    return {"loss": loss.item(), **parts}


def train(config: TrainConfig, *, stop_after: int | None = None) -> dict:
    """Build, then step, validate and save; ``stop_after`` ends the run after that step as a kill would (tests
    use it to check --resume)."""
    processes = _processes(config)
    device = processes.device
    torch.manual_seed(config.seed)
    dataset = StepSamples(build_datasets(config), seed=config.seed)
    model, optimizer, scheduler, precision = build_training(config, device)
    styles, distance = attach_generalisation(model, config)
    config.out.mkdir(parents=True, exist_ok=True)  # after the model and data are known good: no empty folder
    resumed = _resume(config, model, optimizer, scheduler, precision.scaler) if config.resume else None
    start, best = (resumed["step"], resumed.get("best", -math.inf)) if resumed else (0, -math.inf)
    if processes.world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model,
                                                          device_ids=[device.index] if device.type == "cuda" else None)
    if processes.main:
        write_text(config.out / "config.toml", to_toml(config))
    loader = DataLoader(dataset, batch_sampler=StepBatches(config.batch_size, start, processes.rank, processes.world),
                        num_workers=config.workers, collate_fn=TASKS[config.task].collate, persistent_workers=False,
                        pin_memory=device.type == "cuda")
    bookkeeping = None  # the other processes only train
    if processes.main:
        bookkeeping = _Bookkeeping(config, model, optimizer, scheduler, precision.scaler, loader, device, styles,
                                   log=TrainingLog(config, start), best=best, saved_at=time.monotonic())
    batches = iter(loader)  # draws a base seed from torch's generator: restore the saved one after it
    if resumed:
        restore_random_state(resumed, device)
    set_train_mode(model, config.batch_norm)
    step = start
    while step < config.iterations:
        images, targets = next(batches)
        losses = train_one_step(model, images, targets, optimizer, scheduler, precision, config, device, step,
                                feature_distance=distance)
        step += 1
        if bookkeeping is not None:
            bookkeeping.after_step(step, losses)
        if stop_after is not None and step >= stop_after:
            break
    if bookkeeping is not None:
        bookkeeping.log.close()
    if processes.world > 1:
        dist.destroy_process_group()
    return {"steps": step, "history": bookkeeping.log.history if bookkeeping else [],
            "best": bookkeeping.best if bookkeeping else best, "device": str(device), "rank": processes.rank}


@dataclass
class _Bookkeeping:
    """The main process's work after each step: the log, and at their steps precise BatchNorm, validation and the
    checkpoints (best.pt by the task's headline metric)."""

    config: TrainConfig
    model: torch.nn.Module  # under DDP, its wrapper
    optimizer: torch.optim.Optimizer
    scheduler: LRScheduler
    scaler: torch.amp.GradScaler | None
    loader: DataLoader
    device: torch.device
    styles: list  # --feature-style's hook handles
    log: TrainingLog
    best: float
    saved_at: float  # time.monotonic() of the last save

    def after_step(self, step: int, losses: dict) -> None:
        config, model, device = self.config, _unwrap(self.model), self.device
        self.log.step(step, losses, self.scheduler.get_last_lr()[0])
        last = step == config.iterations
        if last and config.task == "seg" and config.precise_bn > 0:  # before the last validation and save
            for handle in self.styles:  # the statistics of the images as they are, not as perturbed
                handle.remove()
            _precise_batch_norm(model, self.loader, config, device)
        metric = None
        if config.val and ((config.val_every and step % config.val_every == 0) or last):
            metric = validate(model, config, device)
            set_train_mode(self.model, config.batch_norm)
            self.log.validation(step, metric)
        minutes = (time.monotonic() - self.saved_at) / 60
        if (step % config.checkpoint_every == 0 or last or metric is not None
                or 0 < config.checkpoint_minutes <= minutes):
            self.save(step, _score(metric, TASKS[config.task]))

    def save(self, step: int, score: float) -> None:
        contents = checkpoint_contents(self.config, model=_unwrap(self.model), optimizer=self.optimizer,
                                       scheduler=self.scheduler, scaler=self.scaler, step=step,
                                       best=max(self.best, score), device=self.device)
        if score > self.best:  # best.pt first: a kill between the two writes must not leave it behind
            self.best = score
            save_checkpoint(self.config.out / "best.pt", **contents)
        save_checkpoint(self.config.out / "last.pt", **contents)
        self.saved_at = time.monotonic()


class _explain_batch_norm:
    """DeepLab-v3's image pooling has a BatchNorm over 1x1 maps: with one image a step it cannot train."""

    def __init__(self, config: TrainConfig):
        self.config = config

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if error_type is ValueError and "Expected more than 1 value per channel" in str(error):
            raise UserError(f"--batch-size {self.config.batch_size} is too small for {self.config.model}'s BatchNorm "
                            "layers (one value per channel): use 2 or more, or a model without them") from None
        return False


def _precise_batch_norm(model, loader, config: TrainConfig, device) -> None:
    """Recompute BatchNorm running statistics as plain averages over ``precise_bn`` training batches.

    With small batches the running averages of the last steps can be far from the statistics of the data:
    a retrained small DeepLab predicted one class in eval mode and sensible maps with batch statistics.
    Done before the last validation and save, so best.pt and the reported score have them. The batches are the
    ones after the last step, so a resumed run gets the same statistics. Frozen statistics
    (``--batch-norm frozen``) stay as they were.
    """
    batches = StepBatches(config.batch_size, config.iterations)
    extra = DataLoader(loader.dataset, batch_sampler=itertools.islice(iter(batches), config.precise_bn),
                       num_workers=config.workers, collate_fn=collate_seg)
    kept = [(module, {k: v.clone() for k, v in module.state_dict().items()}) for module in frozen_batch_norms(model)] \
        if config.batch_norm == "frozen" else []
    update_bn((images for images, _ in extra), model, device=device)
    for module, state in kept:
        module.load_state_dict(state)
    set_train_mode(model, config.batch_norm)


def _unwrap(model):
    return model.module if hasattr(model, "module") else model


def _score(metric: dict | None, task: Task) -> float:
    if metric is None:
        return -math.inf
    value = metric[task.headline[0]][task.headline[1]]
    return -math.inf if value != value else value


def validate(model, config: TrainConfig, device) -> dict:
    """mIoU (seg) or mask AP (det) on the validation set, at the training scale, one image at a time."""
    task = TASKS[config.task]
    dataset = build_datasets(config, training=False)
    batches = (task.collate([dataset[index]]) for index in range(len(dataset)))
    return inference_on_dataset(model, batches, task.evaluator(), device=device)
