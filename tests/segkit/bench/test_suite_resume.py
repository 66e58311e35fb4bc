"""A suite's training stage killed at any step continues to the weights of a run never stopped (issue 21)."""
import subprocess
import sys

import pytest
import torch

from segkit.cli import main

# A suite run in its own process, killed (SIGKILL) inside training step KILL. Its clock moves CLOCK seconds a step:
# at 200 the suite's time-based checkpoints (every 5 minutes) land on steps 2 and 4, as on a long real run.
KILLED = """
import os, signal, sys, types
import segkit.train
from segkit.cli import main

steps = [0]
step_once = segkit.train.train_one_step


def step_then_die(*args, **kwargs):
    steps[0] += 1
    if args[-1] + 1 == {kill}:
        os.kill(os.getpid(), signal.SIGKILL)
    return step_once(*args, **kwargs)


segkit.train.train_one_step = step_then_die
segkit.train.time = types.SimpleNamespace(monotonic=lambda: {clock} * steps[0])
sys.exit(main({argv!r}))
"""


def _argv(out, camvid, iterations):
    return ["bench", "sim2real", "--only", "oracle", "--out", str(out), "--camvid", str(camvid),
            "--seg-model", "deeplabv3_mobilenet_v3_large", "--seg-init", "none", "--seg-iterations", str(iterations),
            "--seg-batch-size", "2", "--seg-resize", "0", "--seg-crop", "48", "--seg-crop", "64", "--seg-schedule", "poly",
            "--seg-warmup", "0", "--workers", "0", "--progress", "false", "--seed", "2"]


@pytest.mark.parametrize("kill, clock, iterations, checkpoint", [(5, 200.0, 6, 4), (11, 0.0, 12, None)],
                         ids=["between_checkpoints", "a_log_but_no_checkpoint"])
def test_a_killed_suite_stage_continues_to_the_same_weights(tmp_path, make_camvid, kill, clock, iterations, checkpoint):
    camvid = make_camvid(tmp_path / "camvid", splits=(("train", 2), ("val", 2)), size=(48, 64))
    argv = _argv(tmp_path / "cut", camvid, iterations)
    script = KILLED.format(kill=kill, clock=clock, argv=argv)
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr
    stage = tmp_path / "cut" / "models" / "seg_oracle"
    saved = torch.load(stage / "last.pt", weights_only=False)["step"] if (stage / "last.pt").exists() else None
    assert saved == checkpoint  # before: no checkpoint before the end (every 500 steps)
    assert (stage / "log.jsonl").exists() == (kill > 10)  # logged every 10 steps: before, a rerun refused this folder
    assert main(argv) == 0  # the suite's rerun continues the stage
    assert main(_argv(tmp_path / "whole", camvid, iterations)) == 0
    whole = torch.load(tmp_path / "whole" / "models" / "seg_oracle" / "last.pt", weights_only=False)["model"]
    resumed = torch.load(stage / "last.pt", weights_only=False)["model"]
    assert all(torch.equal(value, resumed[key]) for key, value in whole.items())
