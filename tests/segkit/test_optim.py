"""The optimiser, its parameter groups, the learning-rate schedules and the BatchNorm policy (segkit.optim)."""
import math
import warnings
from contextlib import nullcontext

import pytest
import torch

from segkit.models import build_model, is_backbone
from segkit.optim import (WARMUP_START, build_optimizer, build_scheduler, frozen_batch_norms, load_schedule,
                          set_train_mode)
from segkit.train import Precision, TrainConfig, train_one_step


def _config(tmp_path, **settings) -> TrainConfig:
    return TrainConfig(out=tmp_path, train=("unused",), **settings)


def reference(schedule: str, iterations: int, warmup: int = 0, power: float = 0.9, step_every: int = 40000,
              gamma: float = 0.1):
    """The factor of the base rate before step ``step`` (0-based), as the closed form segkit used before its
    schedules were torch's (a LambdaLR of this): the reference the schedulers must follow."""
    def cosine_between(start, end, fraction):
        return end + (start - end) / 2 * (1 + math.cos(math.pi * fraction))

    def factor(step: int) -> float:
        if schedule == "onecycle":
            start, end, peak = 1 / 25.0, 1 / (25.0 * 1e4), warmup - 1
            if step <= peak:
                return cosine_between(start, 1.0, step / peak)
            return cosine_between(1.0, end, min((step - peak) / (iterations - 1 - peak), 1.0))
        if step < warmup:
            return WARMUP_START + (1 - WARMUP_START) * step / warmup
        if schedule == "step":
            return gamma ** (step // step_every)
        progress = min((step - warmup) / max(iterations - warmup, 1), 1.0)
        if schedule == "poly":
            return (1 - progress) ** power
        return (1 + math.cos(math.pi * progress)) / 2
    return factor


def _optimizer(lr=0.01, head=4.0):
    backbone, new = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    return torch.optim.SGD([{"params": [backbone], "lr": lr}, {"params": [new], "lr": lr * head}], lr=lr, momentum=0.9)


def _rates(optimizer, scheduler, steps: int) -> list[list[float]]:
    """The rates of each group before each of ``steps`` steps, and after the last (what the log shows for it)."""
    rates = [[group["lr"] for group in optimizer.param_groups]]
    with warnings.catch_warnings():  # no optimiser steps here
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(steps):
            scheduler.step()
            rates.append([group["lr"] for group in optimizer.param_groups])
    return rates


SCHEDULES = [  # (schedule, iterations, warmup, step_every)
    ("poly", 100, 0, 0), ("poly", 110, 10, 0), ("poly", 10, 9, 0), ("cosine", 20, 0, 0), ("cosine", 20, 4, 0),
    ("cosine", 500, 37, 0), ("step", 100, 0, 30), ("step", 100, 20, 30), ("step", 100, 30, 30), ("step", 100, 70, 30),
    ("step", 10, 3, 1), ("onecycle", 50, 10, 0), ("onecycle", 400, 40, 0), ("onecycle", 7, 2, 0),
]


@pytest.mark.parametrize("schedule, iterations, warmup, step_every", SCHEDULES)
def test_every_schedule_gives_the_reference_rate_at_every_step(tmp_path, schedule, iterations, warmup, step_every):
    config = _config(tmp_path, schedule=schedule, iterations=iterations, warmup=warmup, step_every=step_every or 40000,
                     poly_power=0.9, step_gamma=0.1)
    optimizer = _optimizer()
    rates = _rates(optimizer, build_scheduler(optimizer, config), iterations)
    factor = reference(schedule, iterations, warmup, 0.9, step_every or 40000, 0.1)
    # onecycle's after the last step (no step uses it) is torch's: its cosine goes on past the end, not held at it
    used = iterations if schedule == "onecycle" else iterations + 1
    for step in range(used):
        assert rates[step] == pytest.approx([0.01 * factor(step), 0.04 * factor(step)], rel=1e-9, abs=1e-18), step


def test_the_schedules_known_values(tmp_path):
    def rates(**settings):
        optimizer = _optimizer(lr=1.0, head=1.0)
        config = _config(tmp_path, **settings)
        return [rate[0] for rate in _rates(optimizer, build_scheduler(optimizer, config), config.iterations)]

    plain = rates(schedule="poly", iterations=100)
    assert [plain[s] for s in range(0, 101, 7)] == pytest.approx([(1 - s / 100) ** 0.9 for s in range(0, 101, 7)])
    warm = rates(schedule="poly", iterations=110, warmup=10, poly_power=0.9)
    assert warm[0] == WARMUP_START and warm[5] == pytest.approx(WARMUP_START + (1 - WARMUP_START) * 0.5)
    assert warm[10] == 1.0 and warm[60] == pytest.approx(0.5 ** 0.9) and warm[110] == 0.0
    step = rates(schedule="step", iterations=100, step_every=30, step_gamma=0.1)
    assert [step[s] for s in (0, 29, 30, 59, 60, 95)] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.001])
    cosine = rates(schedule="cosine", iterations=20, warmup=4)
    assert cosine[2] == pytest.approx(WARMUP_START + (1 - WARMUP_START) / 2)
    expected = [1, (1 + 2 ** -0.5) / 2, 0.5, (1 - 2 ** -0.5) / 2, 0]
    assert [cosine[s] for s in (4, 8, 12, 16, 20)] == pytest.approx(expected)


@pytest.mark.parametrize("schedule, warmup", [("poly", 1000), ("cosine", 3000), ("step", 50000)])
def test_a_paper_length_run_keeps_to_the_reference(tmp_path, schedule, warmup):
    """120000 steps (the paper's DeepLab): the chained schedulers' rounding stays far below 1e-9."""
    config = _config(tmp_path, schedule=schedule, iterations=120000, warmup=warmup, step_every=40000, lr=2.5e-4)
    optimizer = _optimizer(lr=2.5e-4, head=1.0)
    rates = _rates(optimizer, build_scheduler(optimizer, config), 120000)
    factor = reference(schedule, 120000, warmup, step_every=40000)
    expected = [2.5e-4 * factor(s) for s in range(120001)]
    assert [rate[0] for rate in rates] == pytest.approx(expected, rel=1e-9, abs=1e-18)


def test_onecycle_after_its_last_step_is_torchs():
    """The one rate that differs from the closed form: the one after the last step, which no step uses (the last
    log line shows it)."""
    optimizer = _optimizer(lr=0.1, head=1.0)
    rates = _rates(optimizer, build_scheduler(optimizer, _config("unused", schedule="onecycle", iterations=400,
                                                                  warmup=40)), 400)
    assert rates[399][0] == pytest.approx(0.1 * reference("onecycle", 400, 40)(399), rel=1e-12)
    end = 1 / (25 * 1e4)  # the closed form holds it; torch's goes on a step past it: 5.8 times as high
    assert rates[400][0] == pytest.approx(0.1 * (end + (1 - end) / 2 * (1 + math.cos(math.pi * 361 / 360))), rel=1e-9)
    assert rates[400][0] / (0.1 * end) == pytest.approx(5.76, rel=1e-3) and reference("onecycle", 400, 40)(400) == end


@pytest.mark.parametrize("schedule, iterations, warmup, step_every", SCHEDULES)
def test_a_reloaded_schedule_continues_exactly(tmp_path, schedule, iterations, warmup, step_every):
    config = _config(tmp_path, schedule=schedule, iterations=iterations, warmup=warmup, step_every=step_every or 40000)
    optimizer = _optimizer()
    whole = _rates(optimizer, build_scheduler(optimizer, config), iterations)
    for cut in sorted({1, warmup, warmup + 1, iterations // 2, iterations - 1} - {0}):
        optimizer = _optimizer()
        scheduler = build_scheduler(optimizer, config)
        _rates(optimizer, scheduler, cut)
        saved = {"optimizer_state": optimizer.state_dict(), "scheduler_state": scheduler.state_dict(), "step": cut}
        optimizer = _optimizer()
        scheduler = build_scheduler(optimizer, config)
        load_schedule(optimizer, scheduler, **saved)
        assert _rates(optimizer, scheduler, iterations - cut) == whole[cut:], cut


@pytest.mark.parametrize("schedule, iterations, warmup, step_every", SCHEDULES)
def test_a_checkpoint_of_the_former_lambda_schedule_is_replayed_to_its_step(tmp_path, schedule, iterations, warmup,
                                                                           step_every):
    """Checkpoints written before the schedule was torch's hold a LambdaLR's state: resumed, the run has the rates
    of a run never stopped, and keeps the checkpoint's optimiser state (momentum)."""
    config = _config(tmp_path, schedule=schedule, iterations=iterations, warmup=warmup, step_every=step_every or 40000)
    optimizer = _optimizer()
    whole = _rates(optimizer, build_scheduler(optimizer, config), iterations)
    cut = iterations // 2
    old = _optimizer()
    factor = reference(schedule, iterations, warmup, step_every=step_every or 40000)
    lambdas = torch.optim.lr_scheduler.LambdaLR(old, factor)
    old.param_groups[0]["params"][0].grad = torch.ones(1)
    old.step()
    _rates(old, lambdas, cut)
    optimizer = _optimizer()
    scheduler = build_scheduler(optimizer, config)
    load_schedule(optimizer, scheduler, optimizer_state=old.state_dict(), scheduler_state=lambdas.state_dict(),
                  step=cut)
    assert torch.equal(optimizer.state_dict()["state"][0]["momentum_buffer"], torch.ones(1))
    assert _rates(optimizer, scheduler, iterations - cut) == whole[cut:]


def test_the_optimiser_is_the_configured_one_with_its_groups_and_multiplier(tmp_path):
    model = build_model("deeplabv3_mobilenet_v3_large", init="none")
    config = _config(tmp_path, optimizer="adamw", lr=2e-3, head_lr_mult=10.0, betas=(0.8, 0.95), weight_decay=0.05,
                     schedule="cosine", warmup=5, iterations=50)
    optimizer = build_optimizer(model, config)
    assert type(optimizer) is torch.optim.AdamW
    backbone, head = optimizer.param_groups
    assert (backbone["name"], head["name"]) == ("backbone", "head")
    assert backbone["betas"] == (0.8, 0.95) and backbone["weight_decay"] == head["weight_decay"] == 0.05
    expected = {id(p) for p in model.body.backbone.parameters()}
    assert {id(p) for p in backbone["params"]} == expected
    assert len(backbone["params"]) + len(head["params"]) == len(list(model.parameters()))
    scheduler = build_scheduler(optimizer, config)
    for step in range(8):  # the multiplier holds through warm-up and decay
        assert backbone["lr"] == pytest.approx(2e-3 * reference("cosine", 50, 5)(step))
        assert head["lr"] == pytest.approx(10 * backbone["lr"])
        optimizer.step()
        scheduler.step()
    sgd = build_optimizer(model, _config(tmp_path))
    assert type(sgd) is torch.optim.SGD and [g["lr"] for g in sgd.param_groups] == [0.01, 0.01]
    assert all(g["momentum"] == 0.9 and g["weight_decay"] == 5e-4 for g in sgd.param_groups)


@pytest.mark.parametrize("name, backbone", [
    ("deeplabv3_mobilenet_v3_large", lambda m: m.body.backbone),
    ("deeplabv3plus_efficientnet_lite0", lambda m: m.body.backbone),
    ("deeplab_largefov_vgg16", lambda m: m.body.features),
    ("maskrcnn_resnet18_fpn_tiny", lambda m: m.backbone.body),
])
def test_each_model_family_has_its_backbone_found(name, backbone):
    model = build_model(name, init="none")
    found = {id(p) for n, p in model.named_parameters() if is_backbone(n)}
    assert found == {id(p) for p in backbone(model).parameters()}
    assert len(found) < len(list(model.parameters()))  # and new layers beside it


def test_frozen_batch_norm_keeps_the_backbones_statistics_and_still_learns_its_scale(tmp_path):
    torch.manual_seed(0)
    images, targets = torch.randn(2, 3, 64, 64), torch.randint(0, 19, (2, 64, 64))
    changed = {}
    for policy in ("frozen", "train"):
        torch.manual_seed(0)
        model = build_model("deeplabv3_mobilenet_v3_large", init="none")
        config = _config(tmp_path, batch_norm=policy, lr=0.05)
        optimizer = build_optimizer(model, config)
        before = {k: v.clone() for k, v in model.state_dict().items()}
        set_train_mode(model, policy)
        assert all(not m.training for m in frozen_batch_norms(model)) == (policy == "frozen")
        train_one_step(model, images, targets, optimizer, build_scheduler(optimizer, config), Precision(nullcontext()),
                       config, torch.device("cpu"), 0)
        after = model.state_dict()
        changed[policy] = {k for k in before if not torch.equal(before[k], after[k])}
        frozen = {name for name, module in model.named_modules() if any(module is m for m in frozen_batch_norms(model))}
    stats = {k for k in changed["train"] if k.endswith(("running_mean", "running_var"))}
    backbone_stats = {k for k in stats if is_backbone(k)}
    assert backbone_stats and stats - backbone_stats  # both parts have statistics that a step moves
    assert not backbone_stats & changed["frozen"]  # frozen: the backbone's stay
    assert stats - backbone_stats <= changed["frozen"]  # the head's still move
    assert {f"{name}.weight" for name in frozen} & changed["frozen"]  # their scales still learn


def test_frozen_batch_norm_holds_under_a_ddp_wrapper():
    """DistributedDataParallel names its model's layers module.*: the backbone's BatchNorm stays frozen all the same."""
    wrapper = torch.nn.Module()
    wrapper.module = build_model("deeplabv3_mobilenet_v3_large", init="none")
    set_train_mode(wrapper, "frozen")
    frozen = frozen_batch_norms(wrapper.module)
    assert frozen and all(not m.training for m in frozen) and wrapper.training and wrapper.module.body.training
