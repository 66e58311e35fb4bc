"""`generate --slurm N` through submitit's local executor: the same bytes as one plain run, a run that returns
after submitting and is merged by the same command rerun, and one-line errors."""
import time
import tomllib

import pytest

from segkit.errors import UserError
from veis_gen.cli import main
from veis_gen.shards import LOGS, SHARDS, generate_array
from veis_gen.generate import GenerateConfig, generate

SETTINGS = dict(count=6, size="96x48", seed=7, progress=False)


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "veis_config.toml"}


def _settings(root):
    return {k: v for k, v in tomllib.loads((root / "veis_config.toml").read_text()).items() if k != "out"}


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    out = tmp_path_factory.mktemp("plain") / "out"
    generate(GenerateConfig(out=out, **SETTINGS))
    return out


def test_three_local_jobs_give_the_bytes_of_one_plain_run(plain, tmp_path, capsys):
    out = tmp_path / "array"
    argv = ["generate", "--out", str(out), "--count", "6", "--size", "96x48", "--seed", "7", "--progress", "false",
            "--slurm", "3", "--slurm-executor", "local", "--slurm-time", "10"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "6 train images from 3 shards (jobs " in printed
    expected, got = _files(plain), _files(out)
    assert len(expected) == 6 * 9 + 1 and got.keys() == expected.keys()
    assert [name for name in expected if got[name] != expected[name]] == []
    assert _settings(out) == _settings(plain)
    assert not (out / SHARDS).exists() and not (out / LOGS).exists()
    assert main(argv) == 0  # done before: nothing submitted, nothing changed
    assert "(all made before)" in capsys.readouterr().out and _files(out) == got


def test_a_run_that_returns_is_merged_by_the_same_command_rerun(plain, tmp_path):
    config = GenerateConfig(out=tmp_path / "later", slurm=2, **SETTINGS)
    config = GenerateConfig(**{**config.__dict__, "cluster": type(config.cluster)(executor="local", wait=False)})
    result = generate_array(config)
    assert len(result["submitted"]) == 2 and result["merged"] is None
    with pytest.raises(UserError, match="shards still running from the last submission: 0/2 \\(job "):
        generate_array(config)  # the jobs take seconds: a second submission would write beside them
    deadline = time.monotonic() + 300
    while len(list((config.out / LOGS).rglob("*_result.pkl"))) < 2:  # submitit's record of a finished job
        assert time.monotonic() < deadline, "the local jobs did not finish"
        time.sleep(0.5)
    again = generate_array(config)
    assert again["submitted"] == [] and again["merged"]["missing"] == []
    assert _files(config.out) == _files(plain)


@pytest.mark.parametrize("argv, message", [
    (["--slurm", "2", "--shard", "0/2"], "--slurm and --shard: give one of them"),
    (["--slurm", "0"], "--slurm: expected at least 1 shard, got 0"),
    (["--slurm", "2", "--slurm-executor", "kubernetes"], "--slurm-executor: expected auto, slurm, local"),
    (["--slurm", "2", "--slurm-time", "0"], "--slurm-time: expected at least 1, got 0"),
    (["--slurm-partition", "cpu"], "--slurm-*: these settings are for --slurm N"),
    (["--slurm", "2"], "--slurm-executor auto: no SLURM here (sbatch not found)"),
])
def test_bad_cluster_settings_are_one_line(tmp_path, capsys, argv, message):
    assert main(["generate", "--out", str(tmp_path / "x"), "--count", "2", "--size", "32x16"] + argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x").exists()
