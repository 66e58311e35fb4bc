"""A training run continues after a kill at any step, to the weights of a run never stopped (issue 21)."""
import json
import subprocess
import sys

import pytest
import torch

from segkit.cli import main
from segkit.errors import UserError
from segkit.train import TrainConfig, train

KILLED_AT = """
import os, signal, sys
import segkit.train
from segkit.cli import main

step_once = segkit.train.train_one_step


def step_then_die(*args, **kwargs):
    losses = step_once(*args, **kwargs)
    if args[-1] + 1 == {kill}:  # SIGKILL: no cleanup, no checkpoint, as the scheduler's kill -9
        os.kill(os.getpid(), signal.SIGKILL)
    return losses


segkit.train.train_one_step = step_then_die
sys.exit(main({argv!r}))
"""


def _argv(out, mini_copy, *extra):
    return ["train", "seg", "--out", str(out), "--train", "cityscapes:val", "--cityscapes", str(mini_copy),
            "--iterations", "6", "--batch-size", "2", "--scale", "0.5", "--random-scale", "0.8", "--random-scale", "1.2",
            "--workers", "0", "--progress", "false", "--precise-bn", "2", "--log-every", "1", "--seed", "3", *extra]


def _weights(path):
    return torch.load(path, weights_only=False)["model"]


@pytest.mark.parametrize("kill, every", [(5, 2), (2, 4)], ids=["between_checkpoints", "before_the_first"])
def test_a_killed_run_continues_to_the_weights_of_an_unstopped_one(tmp_path, mini_copy, kill, every):
    argv = _argv(tmp_path / "cut", mini_copy, "--checkpoint-every", str(every), "--checkpoint-minutes", "0")
    killed = subprocess.run([sys.executable, "-c", KILLED_AT.format(kill=kill, argv=argv)], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    logged = [json.loads(line)["step"] for line in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()]
    assert logged == list(range(1, kill))  # killed inside step `kill`, before logging it
    assert (tmp_path / "cut" / "last.pt").exists() == (kill >= every)
    assert main(argv + ["--resume", "true"]) == 0
    assert main(_argv(tmp_path / "whole", mini_copy)) == 0
    whole, resumed = _weights(tmp_path / "whole" / "last.pt"), _weights(tmp_path / "cut" / "last.pt")
    assert all(torch.equal(value, resumed[key]) for key, value in whole.items())
    logged = [json.loads(line)["step"] for line in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()]
    assert logged == list(range(1, 7))  # each step once: what the kill lost was logged again, not twice


def _config(tmp_path, mini_copy, name, **overrides) -> TrainConfig:
    settings = dict(task="seg", out=tmp_path / name, model="deeplabv3_mobilenet_v3_large", train=("cityscapes:val",),
                    roots={"cityscapes": str(mini_copy)}, iterations=4, batch_size=2, lr=0.02, scale=0.5, random_scale=(),
                    workers=0, checkpoint_every=100, progress=False, precise_bn=0)
    return TrainConfig(**(settings | overrides))


def test_checkpoints_also_come_by_the_clock(tmp_path, mini_copy):
    train(_config(tmp_path, mini_copy, "clock", checkpoint_minutes=1e-9), stop_after=3)
    assert torch.load(tmp_path / "clock" / "last.pt", weights_only=False)["step"] == 3
    train(_config(tmp_path, mini_copy, "steps", checkpoint_minutes=0), stop_after=3)
    assert not (tmp_path / "steps" / "last.pt").exists()


def test_best_and_the_last_score_come_after_precise_batch_norm(tmp_path, mini_copy):
    result = train(_config(tmp_path, mini_copy, "bn", iterations=2, precise_bn=3, val="cityscapes:val"))
    best, last = _weights(tmp_path / "bn" / "best.pt"), _weights(tmp_path / "bn" / "last.pt")
    assert all(torch.equal(value, last[key]) for key, value in best.items())
    assert all(int(v) == 3 for k, v in best.items() if k.endswith("num_batches_tracked"))
    logged = json.loads((tmp_path / "bn" / "log.jsonl").read_text().splitlines()[-1])["validation"]["sem_seg"]["mIoU"]
    assert logged == result["best"]


def test_the_training_gpus_random_state_is_saved_and_restored(monkeypatch):
    from segkit.checkpoint import checkpoint_contents, restore_random_state

    state, asked, restored = torch.tensor([1, 2], dtype=torch.uint8), [], []
    monkeypatch.setattr(torch.cuda, "get_rng_state", lambda device: asked.append(device) or state)
    monkeypatch.setattr(torch.cuda, "set_rng_state", lambda value, device: restored.append((value, device)))
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    config = TrainConfig(out="unused", train=("x",))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1)
    gpu = torch.device("cuda", 1)
    parts = dict(model=model, optimizer=optimizer, scheduler=scheduler, scaler=None, step=1, best=0.0)
    contents = checkpoint_contents(config, **parts, device=gpu)
    assert contents["cuda_rng"] is state and asked == [gpu]  # that GPU's alone: a resume may see fewer GPUs
    restore_random_state(contents, gpu)
    assert restored == [(state, gpu)]
    on_cpu = checkpoint_contents(config, **parts, device=torch.device("cpu"))
    assert on_cpu["cuda_rng"] is None and asked == [gpu]  # a CPU run never wakes CUDA up


def test_tensorboard_keeps_each_step_once_across_a_resume(tmp_path, mini_copy):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    settings = dict(iterations=5, checkpoint_every=2, checkpoint_minutes=0, log_every=1)
    train(_config(tmp_path, mini_copy, "tb", **settings), stop_after=3)  # checkpoint at 2, step 3 lost
    train(_config(tmp_path, mini_copy, "tb", resume=True, **settings))
    events = accumulator.EventAccumulator(str(tmp_path / "tb" / "tensorboard"))
    events.Reload()
    assert [event.step for event in events.Scalars("train/loss")] == [1, 2, 3, 4, 5]  # before: step 2 purged


def test_issue_22s_options_resume_exactly_with_any_number_of_workers(tmp_path, mini_copy):
    """Rare-class sampling, copy-paste, MixStyle and the feature distance: a stopped run resumed with two loader
    workers ends with the weights of an unstopped one without workers."""
    options = dict(model="deeplabv3plus_efficientnet_lite0", scale=0.25, iterations=4, checkpoint_every=2,
                   checkpoint_minutes=0, rare_class_sampling=0.01, copy_paste=1.0, feature_style="mixstyle",
                   feature_distance=0.01)
    whole = train(_config(tmp_path, mini_copy, "whole", **options))
    assert all("loss_feature_distance" in entry for entry in whole["history"])
    train(_config(tmp_path, mini_copy, "cut", **options), stop_after=3)
    train(_config(tmp_path, mini_copy, "cut", resume=True, workers=2, **options))
    expected, resumed = _weights(tmp_path / "whole" / "last.pt"), _weights(tmp_path / "cut" / "last.pt")
    assert all(torch.equal(value, resumed[key]) for key, value in expected.items())


def test_a_checkpoint_of_the_former_lambda_schedule_resumes_to_the_weights_of_an_unstopped_run(tmp_path, mini_copy):
    """Checkpoints written before the schedule was torch's: a LambdaLR's state, and parameter groups without
    OneCycleLR's keys. The schedule is replayed to the saved step."""
    options = dict(iterations=4, checkpoint_every=2, checkpoint_minutes=0, schedule="onecycle", warmup=2)
    train(_config(tmp_path, mini_copy, "whole", **options))
    train(_config(tmp_path, mini_copy, "cut", **options), stop_after=3)
    path = tmp_path / "cut" / "last.pt"
    checkpoint = torch.load(path, weights_only=False)
    assert checkpoint["step"] == 2
    scratch = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.02)
    checkpoint["scheduler"] = torch.optim.lr_scheduler.LambdaLR(scratch, lambda step: 1.0).state_dict()
    for group in checkpoint["optimizer"]["param_groups"]:
        group.update(lr=0.5, initial_lr=0.02)
        del group["max_lr"], group["min_lr"]
    torch.save(checkpoint, path)
    train(_config(tmp_path, mini_copy, "cut", resume=True, **options))
    expected, resumed = _weights(tmp_path / "whole" / "last.pt"), _weights(path)
    assert all(torch.equal(value, resumed[key]) for key, value in expected.items())


def test_a_resume_with_another_schedule_is_refused(tmp_path, mini_copy):
    """The checkpoint's schedule continues, so a resume that changes it would step past its end or use another."""
    train(_config(tmp_path, mini_copy, "schedule", checkpoint_every=1), stop_after=1)
    with pytest.raises(UserError, match=r"last.pt: made with --iterations 4, now 6: resume with the same schedule"):
        train(_config(tmp_path, mini_copy, "schedule", iterations=6, resume=True))
    with pytest.raises(UserError, match=r"made with --schedule poly, now cosine"):
        train(_config(tmp_path, mini_copy, "schedule", schedule="cosine", resume=True))
