"""`veis-gen generate --slurm N`: the run's N shards as one SLURM job array, through submitit, then merged.

Every shard gets the one resolved config, with its ``--shard I/N`` and its own folder ``OUT/.shards/I``; the
run's settings are written to OUT first, so a rerun of the same command is checked as any rerun is. With
``--slurm-wait true`` (the default) the command waits for the array, merges the shards into OUT and removes
OUT/.shards and the job logs in OUT/.slurm; with false it returns after submitting, and the same command rerun
(or ``veis-gen merge OUT/.shards/* --out OUT``) merges once the jobs are done. A rerun submits only the shards
that are not complete, and a shard's job resumes where it stopped, as ``generate`` does.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass, field

from segkit.errors import UserError

SHARDS = ".shards"
LOGS = ".slurm"
EXECUTORS = ("auto", "slurm", "local")


@dataclass(frozen=True)
class SlurmSettings:
    """How ``--slurm N`` submits; None is the default named in each help (they are not recorded with the data)."""

    partition: str | None = field(default=None, metadata={"help": "--slurm: the partition (default: the cluster's)"})
    time: int | None = field(default=None, metadata={"help": "--slurm: minutes a shard's job may run (default: 240)"})
    cpus: int | None = field(default=None, metadata={"help": "--slurm: CPUs (and worker processes) per shard (default: --workers)"})
    wait: bool | None = field(default=None, metadata={"help": "--slurm: wait for the jobs, then merge (default: true)"})
    executor: str | None = field(default=None, metadata={"help": "--slurm: auto (SLURM where sbatch is, else "
                                                                 "local), slurm, or local (processes on this machine)"})

    def check(self) -> None:
        if self.executor is not None and self.executor not in EXECUTORS:
            raise UserError(f"--slurm-executor: expected {', '.join(EXECUTORS)}, got {self.executor!r}")
        for name in ("time", "cpus"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserError(f"--slurm-{name}: expected at least 1, got {getattr(self, name)}")


def shard_configs(config) -> list:
    """The config of each shard: the run's settings, one shard of them, in OUT/.shards/I."""
    total, cpus = config.slurm, config.cluster.cpus or config.workers
    return [dataclasses.replace(config, out=config.out / SHARDS / str(index), shard=f"{index}/{total}", workers=cpus,
                                progress=False, slurm=None, cluster=SlurmSettings()) for index in range(total)]


def run_shard(config) -> int:
    """What one job of the array runs (in the job's own process)."""
    from veis_gen.generate import generate

    return generate(config)["made"]


def _complete(shard, merged: set[int]) -> bool:
    """Every image of the shard is in its folder or already merged into the run's."""
    from veis_gen.generate import meta_files

    return set(shard.indices) <= merged | set(meta_files(shard.out, shard.split))


def _executor(config):
    try:
        import submitit
    except ImportError:
        raise UserError("--slurm needs submitit: pip install 'veis[generate]' (or submitit)") from None
    settings = config.cluster
    cluster = None if settings.executor in (None, "auto") else settings.executor
    try:
        executor = submitit.AutoExecutor(folder=config.out / LOGS / "%j", cluster=cluster)
    except RuntimeError as exc:  # no executor found, or sbatch missing for "slurm"
        raise UserError(f"--slurm-executor {settings.executor or 'auto'}: {exc}") from None
    parameters = dict(name="veis-gen", timeout_min=settings.time or 240, cpus_per_task=settings.cpus or config.workers,
                      slurm_array_parallelism=config.slurm)
    if settings.partition:
        parameters["slurm_partition"] = settings.partition
    executor.update_parameters(**parameters)
    return executor


def generate_array(config) -> dict:
    """Submit the shards not yet complete; with wait, merge them into OUT. Returns what happened."""
    from veis_gen.generate import check_out, merge, meta_files, write_settings

    if config.shard != "0/1":
        raise UserError("--slurm and --shard: give one of them (--slurm N makes the N shards itself)")
    config.cluster.check()
    check_out(config)
    write_settings(config)
    shards = shard_configs(config)
    merged = set(meta_files(config.out, config.split))
    if merged >= set(range(config.count)):
        coco = config.out / "annotations" / f"instances_{config.split}.json"
        return {"submitted": [], "merged": {"images": len(merged), "split": config.split, "coco": str(coco), "missing": []}}
    todo = [shard for shard in shards if not _complete(shard, merged)]
    jobs = []
    if todo:
        executor = _executor(config)
        jobs = executor.map_array(run_shard, todo)
        (config.out / LOGS).mkdir(parents=True, exist_ok=True)
        (config.out / LOGS / "jobs.json").write_text(json.dumps({s.shard: j.job_id for s, j in zip(todo, jobs)}) + "\n")
        if config.cluster.wait is False:
            return {"submitted": [job.job_id for job in jobs], "merged": None}
        for shard, job in zip(todo, jobs):
            try:
                job.result()
            except Exception as exc:  # submitit's FailedJobError and UncompletedJobError, or the shard's own error
                last = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
                raise UserError(f"shard {shard.shard} (job {job.job_id}) failed: {last}; its log: "
                                f"{job.paths.stderr}; rerun the same command to continue") from None
    result = merge([shard.out for shard in shards if shard.out.is_dir()], config.out)
    if not result["missing"]:
        shutil.rmtree(config.out / SHARDS, ignore_errors=True)
        shutil.rmtree(config.out / LOGS, ignore_errors=True)
    return {"submitted": [job.job_id for job in jobs], "merged": result}

