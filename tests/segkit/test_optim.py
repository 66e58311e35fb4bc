"""The optimiser, its parameter groups, the learning-rate schedules and the BatchNorm policy (segkit.optim)."""
from contextlib import nullcontext

import pytest
import torch

from segkit.models import build_model, is_backbone
from segkit.optim import WARMUP_START, LearningRate, build_optimizer, build_scheduler, frozen_batch_norms, set_train_mode
from segkit.train import TrainConfig, train_one_step


def _config(tmp_path, **settings) -> TrainConfig:
    return TrainConfig(out=tmp_path, train=("unused",), **settings)


def test_poly_is_the_old_formula_without_warmup_and_starts_after_it():
    plain = LearningRate("poly", iterations=100)
    assert [plain(s) for s in range(0, 101, 7)] == [(1 - s / 100) ** 0.9 for s in range(0, 101, 7)]
    warm = LearningRate("poly", iterations=110, warmup=10, power=0.9)
    assert warm(0) == WARMUP_START and warm(5) == pytest.approx(WARMUP_START + (1 - WARMUP_START) * 0.5)
    assert warm(10) == 1.0 and warm(60) == pytest.approx(0.5 ** 0.9) and warm(110) == 0.0


def test_step_and_cosine_follow_their_formulas():
    step = LearningRate("step", iterations=100, step_every=30, gamma=0.1)
    assert [step(s) for s in (0, 29, 30, 59, 60, 95)] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.001])
    cosine = LearningRate("cosine", iterations=20, warmup=4)
    assert cosine(2) == pytest.approx(WARMUP_START + (1 - WARMUP_START) / 2)
    assert [cosine(s) for s in (4, 8, 12, 16, 20)] == pytest.approx([1, (1 + 2 ** -0.5) / 2, 0.5, (1 - 2 ** -0.5) / 2, 0])


def test_onecycle_is_torchs_one_cycle_without_momentum_cycling():
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    reference = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=50, pct_start=10 / 50,
                                                    cycle_momentum=False)
    expected = []
    for _ in range(50):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        reference.step()
    ours = LearningRate("onecycle", iterations=50, warmup=10)
    assert [0.1 * ours(s) for s in range(50)] == pytest.approx(expected, rel=1e-12, abs=1e-15)


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
        assert backbone["lr"] == pytest.approx(2e-3 * LearningRate("cosine", 50, 5)(step))
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
        train_one_step(model, images, targets, optimizer, build_scheduler(optimizer, config), (nullcontext(), None),
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
