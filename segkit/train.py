"""`segkit train seg|det`: the training loop, read top to bottom as torchvision's references are.

Data order and augmentation depend only on (seed, step) (``segkit.data.steps``), so `--resume` continues
exactly, with any number of loader workers (under DDP, ranks above 0 take rank 0's random state). Started by
torchrun, it runs DistributedDataParallel.
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass

import numpy as np

from segkit.config import to_toml
from segkit.data.steps import StepBatches, StepSamples, collate_det, collate_seg
from segkit.errors import UserError
from segkit.formats.atomic import write_text
from segkit.optim import frozen_batch_norms, set_train_mode
from segkit.train_config import DetRecipe, SegRecipe, TrainConfig  # noqa: F401 (segkit.train's public names)
from segkit.train_log import TrainingLog


def build_datasets(config: TrainConfig, *, training: bool = True):
    from segkit.data import catalog
    from segkit.data.balance import RareClassSampling
    from segkit.data.copy_paste import CopyPaste
    from segkit.data.torch_data import InstanceDataset, MixedDataset, SemanticDataset
    from segkit.data.transforms import Compose, Resize, training_transforms

    kind = SemanticDataset if config.task == "seg" else InstanceDataset
    if training:
        transforms = training_transforms(scale=config.scale, resize=config.resize, random_scale=tuple(config.random_scale) or None,
                                         crop=tuple(config.crop) or None, flip=config.flip, color_jitter=config.color_jitter,
                                         augment=tuple(config.augment))
        sources = []
        for name in config.train:
            records = [r for r in catalog.get(name, roots=config.roots) if (r.label if config.task == "seg" else r.instances)]
            if not records:
                raise UserError(f"{name}: no labelled images for {config.task} training")
            sources.append(records)
        if config.copy_paste:  # donors from every source with instance maps: synthetic objects into real images too
            transforms = Compose([CopyPaste([r for records in sources for r in records], config.copy_paste), transforms])
        parts = [kind(records, transforms, seed=config.seed) for records in sources]
        if config.rare_class_sampling:
            parts = [RareClassSampling(part, config.rare_class_sampling, seed=config.seed) for part in parts]
        return MixedDataset(parts, list(config.train_ratios) or None, seed=config.seed)
    records = [r for r in catalog.get(config.val, roots=config.roots) if (r.label if config.task == "seg" else r.instances)]
    resize = Resize(scale=config.scale, short_side=config.resize or None)
    return kind(records, Compose([resize]) if config.scale != 1.0 or config.resize else None)


def _autocast(config: TrainConfig, device):
    import torch

    if device.type != "cuda" or config.amp == "off":
        return torch.autocast(device.type, enabled=False), None
    dtype = torch.float16 if config.amp == "fp16" else torch.bfloat16
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    return torch.autocast("cuda", dtype=dtype), scaler


@dataclass
class _Processes:
    rank: int
    world: int
    device: object  # torch.device

    @property
    def main(self) -> bool:
        return self.rank == 0


def _processes(config: TrainConfig) -> _Processes:
    """This process's rank among torchrun's and its device; refuses a run folder that holds a run already."""
    import torch
    import torch.distributed as dist

    from segkit.device import choose_device

    use_cuda = choose_device(config.device).type == "cuda"
    if not config.resume and ((config.out / "last.pt").exists() or (config.out / "log.jsonl").exists()):
        raise UserError(f"{config.out}: holds a training run already: continue it with --resume true, or use another --out")
    world, local = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("LOCAL_RANK", "0"))
    # More processes than GPUs on a machine share them: NCCL refuses two ranks on one GPU, gloo does not.
    shared = use_cuda and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > torch.cuda.device_count()
    if world > 1:
        dist.init_process_group("nccl" if use_cuda and not shared else "gloo")
    device = torch.device(f"cuda:{local % torch.cuda.device_count()}" if use_cuda else "cpu")
    return _Processes(int(os.environ.get("RANK", "0")), world, device)


def build_training(config: TrainConfig, device):
    """The model on its device, its optimiser, the learning-rate schedule and (fp16 only) a grad scaler."""
    from segkit.models import build_model
    from segkit.optim import build_optimizer, build_scheduler

    extra = {"min_size": config.min_size, "max_size": config.max_size} if config.task == "det" else {}
    model = build_model(config.model, task=config.task, init=config.init, **extra).to(device)
    optimizer = build_optimizer(model, config)
    return model, optimizer, build_scheduler(optimizer, config), _autocast(config, device)


def attach_generalisation(model, config: TrainConfig):
    """--feature-style's hooks on the model (their handles) and --feature-distance's loss (None when off). Made before
    a resume loads last.pt, so the distance is to the backbone as the run started."""
    from segkit.models.generalise import FeatureDistance, attach_feature_style

    if config.task != "seg":
        return [], None
    return attach_feature_style(model, config.feature_style), (FeatureDistance(model, config.feature_distance)
                                                              if config.feature_distance else None)


def _resume(config: TrainConfig, model, optimizer, scheduler, scaler) -> dict | None:
    """Load out/last.pt into the model, optimiser, schedule and scaler; the checkpoint, for what else it holds.
    None when a kill came before the first checkpoint: the run starts over."""
    import sys

    from segkit.checkpoint import load_checkpoint

    path = config.out / "last.pt"
    if not path.is_file():
        if (config.out / "log.jsonl").exists() and int(os.environ.get("RANK", "0")) == 0:
            print(f"{config.out}: no checkpoint yet (stopped before the first one): starting over from step 0", file=sys.stderr)
        return None
    checkpoint = load_checkpoint(path)
    saved = checkpoint.get("config", {})
    if (saved.get("model"), saved.get("task")) != (config.model, config.task):
        raise UserError(f"{path}: a checkpoint of {saved.get('task')} model {saved.get('model')!r}, "
                        f"not of {config.task} model {config.model!r}: resume with the same --model")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    if scaler is not None and checkpoint.get("scaler"):
        scaler.load_state_dict(checkpoint["scaler"])
    return checkpoint


def restore_random_state(checkpoint: dict, device) -> None:
    """The CPU generator, and the training GPU's where the run had one (dropout and the detector's samplers draw
    from it). Under DDP every rank takes rank 0's states: the data order and augmentation, which come from
    (seed, step), stay exact; other draws of ranks above 0 do not."""
    import torch

    torch.set_rng_state(checkpoint["torch_rng"])
    if checkpoint.get("cuda_rng") is not None and device.type == "cuda":
        torch.cuda.set_rng_state(checkpoint["cuda_rng"], device)


def train_one_step(model, images, targets, optimizer, scheduler, amp, config: TrainConfig, device, step: int, *,
                   feature_distance=None) -> dict:
    """One optimiser step on one batch; the losses it saw (``loss``, and each part of it)."""
    import torch

    autocast, scaler = amp
    with autocast, _explain_batch_norm(config):
        if config.task == "seg":
            targets = targets.to(device)
            logits = model(images.to(device, non_blocking=True))
            loss = torch.nn.functional.cross_entropy(logits.float(), targets, ignore_index=255)
            parts = {"loss_ce": loss.item()}
            if feature_distance is not None:
                distance = feature_distance(targets)
                loss, parts["loss_feature_distance"] = loss + distance, distance.item()
        else:
            images = [image.to(device) for image in images]
            targets = [{k: v.to(device) for k, v in t.items()} for t in targets]
            losses = model(images, targets)
            loss = sum(losses.values())
            parts = {k: v.item() for k, v in losses.items()}
    if not torch.isfinite(loss):
        raise UserError(f"the loss became {float(loss)} at step {step}: lower --lr or set --clip-grad")
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
    else:
        loss.backward()
    if config.clip_grad > 0:
        torch.nn.utils.clip_grad_norm_([p for group in optimizer.param_groups for p in group["params"]], config.clip_grad)
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
    import torch
    import torch.distributed as dist
    from torch.utils.data import DataLoader

    from segkit.checkpoint import save_checkpoint

    processes = _processes(config)
    device = processes.device
    torch.manual_seed(config.seed)
    dataset = StepSamples(build_datasets(config), seed=config.seed)
    model, optimizer, scheduler, amp = build_training(config, device)
    styles, distance = attach_generalisation(model, config)
    config.out.mkdir(parents=True, exist_ok=True)  # after the model and data are known good: no empty folder
    resumed = _resume(config, model, optimizer, scheduler, amp[1]) if config.resume else None
    start, best = (resumed["step"], resumed.get("best", -math.inf)) if resumed else (0, -math.inf)
    if processes.world > 1:
        model = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    if processes.main:
        write_text(config.out / "config.toml", to_toml(config))
    loader = DataLoader(dataset, batch_sampler=StepBatches(config.batch_size, start, processes.rank, processes.world),
                        num_workers=config.workers, collate_fn=collate_seg if config.task == "seg" else collate_det,
                        persistent_workers=False, pin_memory=device.type == "cuda")
    log = TrainingLog(config, start) if processes.main else None
    batches = iter(loader)  # draws a base seed from torch's generator: restore the saved one after it
    if resumed:
        restore_random_state(resumed, device)
    set_train_mode(model, config.batch_norm)
    step, saved_at = start, time.monotonic()
    while step < config.iterations:
        images, targets = next(batches)
        losses = train_one_step(model, images, targets, optimizer, scheduler, amp, config, device, step,
                                feature_distance=distance)
        step += 1
        if processes.main:  # the other processes only train
            log.step(step, losses, scheduler.get_last_lr()[0])
            last = step == config.iterations
            if last and config.task == "seg" and config.precise_bn > 0:  # before the last validation and save
                for handle in styles:  # the statistics of the images as they are, not as perturbed
                    handle.remove()
                _precise_batch_norm(_unwrap(model), loader, config, device)
            metric = None
            if config.val and ((config.val_every and step % config.val_every == 0) or last):
                metric = validate(_unwrap(model), config, device)
                set_train_mode(model, config.batch_norm)
                log.validation(step, metric)
            minutes = (time.monotonic() - saved_at) / 60
            if step % config.checkpoint_every == 0 or last or metric is not None or 0 < config.checkpoint_minutes <= minutes:
                score = _score(metric, config.task)
                contents = checkpoint_contents(config, _unwrap(model), optimizer, scheduler, amp[1], step, max(best, score),
                                               device)
                if score > best:  # best.pt first: a kill between the two writes must not leave it behind
                    best = score
                    save_checkpoint(config.out / "best.pt", **contents)
                save_checkpoint(config.out / "last.pt", **contents)
                saved_at = time.monotonic()
        if stop_after is not None and step >= stop_after:
            break
    if log is not None:
        log.close()
    if processes.world > 1:
        dist.destroy_process_group()
    return {"steps": step, "history": log.history if log else [], "best": best, "device": str(device),
            "rank": processes.rank}


class _explain_batch_norm:
    """DeepLab-v3's image pooling has a BatchNorm over 1x1 maps: with one image a step it cannot train."""

    def __init__(self, config: TrainConfig):
        self.config = config

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is ValueError and "Expected more than 1 value per channel" in str(error):
            raise UserError(f"--batch-size {self.config.batch_size} is too small for {self.config.model}'s BatchNorm "
                            "layers (one value per channel): use 2 or more, or a model without them") from None
        return False


def checkpoint_contents(config: TrainConfig, model, optimizer, scheduler, scaler, step: int, best: float, device) -> dict:
    """What a checkpoint holds: the state of everything that trains, and the random state to continue with."""
    import torch

    return dict(model=model.state_dict(), optimizer=optimizer.state_dict(), scheduler=scheduler.state_dict(),
                scaler=scaler.state_dict() if scaler is not None else None, torch_rng=torch.get_rng_state(),
                cuda_rng=torch.cuda.get_rng_state(device) if device.type == "cuda" else None, step=step,
                best=best, config=dataclasses.asdict(config) | {"out": str(config.out)},
                precise_bn=config.precise_bn if config.task == "seg" and step == config.iterations else 0)


def _precise_batch_norm(model, loader, config: TrainConfig, device) -> None:
    """Recompute BatchNorm running statistics as plain averages over ``precise_bn`` training batches.

    With small batches the running averages of the last steps can be far from the statistics of the data:
    a retrained small DeepLab predicted one class in eval mode and sensible maps with batch statistics.
    Done before the last validation and save, so best.pt and the reported score have them. The batches are the
    ones after the last step, so a resumed run gets the same statistics. Frozen statistics
    (``--batch-norm frozen``) stay as they were.
    """
    import itertools

    from torch.optim.swa_utils import update_bn
    from torch.utils.data import DataLoader

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


def _score(metric: dict | None, task: str) -> float:
    if metric is None:
        return -math.inf
    value = metric["sem_seg"]["mIoU"] if task == "seg" else metric["segm"]["AP"]
    return -math.inf if value != value else value


def validate(model, config: TrainConfig, device) -> dict:
    """mIoU (seg) or mask AP (det) on the validation set, at the training scale."""
    import torch

    dataset = build_datasets(config, training=False)
    model.eval()
    if config.task == "seg":
        from segkit import labels
        from segkit.evaluation.semantic import SemanticEvaluator

        evaluator = SemanticEvaluator()
        with torch.no_grad():
            for index in range(len(dataset)):
                image, target = dataset[index]
                prediction = model(image[None].to(device)).argmax(1)[0].cpu().numpy().astype(np.uint8)
                truth = target.numpy().astype(np.uint8)
                evaluator.process(labels.TRAIN_ID_TO_ID[truth], labels.TRAIN_ID_TO_ID[prediction])
        return evaluator.evaluate()
    from segkit import labels
    from segkit.evaluation.instances import coco_mask_ap
    from segkit.formats.coco import CocoBuilder
    from segkit.models.outputs import detections_to_coco

    gt, predictions = CocoBuilder(), []
    with torch.no_grad():
        for index in range(len(dataset)):
            image, target = dataset[index]  # the ground truth as transformed with the image
            image_id = gt.add_image(dataset.records[index].name, *image.shape[-2:])
            for mask, label in zip(target["masks"].numpy().astype(bool), target["labels"].tolist()):
                gt.add_annotation(image_id, labels.BY_NAME[labels.FOREGROUND_CLASSES[label - 1]].id, mask)
            output = model([image.to(device)])[0]
            predictions += detections_to_coco(output, image_id)
    return coco_mask_ap(gt.to_dict(), predictions)
