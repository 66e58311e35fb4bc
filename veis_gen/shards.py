"""Shards of a run: joined by `veis-gen merge`, and made as one SLURM job array by `veis-gen generate --slurm N`
(through submitit).

Every shard gets the one resolved config, with its ``--shard I/N`` and its own folder ``OUT/.shards/I``; the
run's settings are written to OUT before the array is submitted, so a rerun is checked as any rerun is. With
``--slurm-wait true`` (the default) the command waits for the array, merges the shards into OUT and removes
OUT/.shards and the job logs in OUT/.slurm; with false it returns after submitting, and the same command rerun
(or ``veis-gen merge OUT/.shards/* --out OUT``) merges once the jobs are done. A rerun while the last
submission's jobs run is refused; otherwise it submits only the shards that are not complete, and a shard's job
resumes where it stopped, as ``generate`` does.
"""
from __future__ import annotations

import dataclasses
import filecmp
import json
import os
import shutil
from pathlib import Path

from segkit.errors import UserError
from segkit.formats.atomic import write_json, write_text
from veis_gen.generate import (CONFIG_NAME, CONTENT_SETTINGS, SLURM_MINUTES, GenerateConfig, SlurmSettings, check_out,
                               differing, existing_output, generate, meta_files, read_settings, recorded_settings,
                               write_coco, write_settings)

SHARDS = ".shards"
LOGS = ".slurm"
JOBS = "jobs.json"


def shard_configs(config) -> list:
    """The config of each shard: the run's settings, one shard of them, in OUT/.shards/I."""
    total, cpus = config.slurm, config.cluster.cpus or config.workers
    return [dataclasses.replace(config, out=config.out / SHARDS / str(index), shard=f"{index}/{total}", workers=cpus,
                                progress=False, slurm=None, cluster=SlurmSettings()) for index in range(total)]


def run_shard(config) -> int:
    """What one job of the array runs (in the job's own process)."""
    return generate(config)["made"]


def _complete(shard, merged: set[int]) -> bool:
    """Every image of the shard is in its folder or already merged into the run's."""
    return set(shard.indices) <= merged | set(meta_files(shard.out, shard.split))


def _submitit():
    try:
        import submitit
    except ImportError:
        raise UserError("--slurm needs submitit: pip install 'veis[generate]' (or submitit)") from None
    return submitit


def _executor(config):
    """submitit's SLURM executor, or with ``--slurm-executor local`` its local one (every shard at once)."""
    submitit = _submitit()
    settings = config.cluster
    kind = settings.executor or "auto"
    if kind in ("auto", "slurm") and shutil.which("sbatch") is None:
        raise UserError(f"--slurm-executor {kind}: no SLURM here (sbatch not found); --slurm-executor local runs "
                        "the shards as processes on this machine")
    executor = submitit.AutoExecutor(folder=config.out / LOGS / "%j", cluster="local" if kind == "local" else "slurm")
    parameters = dict(name="veis-gen", timeout_min=settings.time or SLURM_MINUTES,
                      cpus_per_task=settings.cpus or config.workers, slurm_array_parallelism=config.slurm)
    if settings.partition:
        parameters["slurm_partition"] = settings.partition
    executor.update_parameters(**parameters)
    return executor


LIVE = ("PENDING", "RUNNING", "REQUEUED", "CONFIGURING", "COMPLETING", "SUSPENDED", "RESIZING", "UNKNOWN")


def _running(out: Path, shards: list) -> dict[str, str]:
    """Shard -> job id, for the jobs an earlier submission recorded that have not ended."""
    record = out / LOGS / JOBS
    if not record.is_file():
        return {}
    submitit = _submitit()
    saved, running = json.loads(record.read_text()), {}
    for shard in shards:
        job_id = saved["jobs"].get(shard.shard)
        if job_id is None:
            continue
        job_class = submitit.LocalJob if saved["executor"] == "local" else submitit.SlurmJob
        job = job_class(folder=out / LOGS / "%j", job_id=job_id)
        if job.paths.result_pickle.exists():  # submitit wrote what the job returned or raised: it has ended
            continue
        if saved["executor"] == "local":
            try:
                os.kill(int(job_id), 0)
            except (ProcessLookupError, ValueError):
                continue
        elif job.state not in LIVE:
            continue
        running[shard.shard] = job_id
    return running


def generate_array(config) -> dict:
    """Submit the shards not yet complete; with wait, merge them into OUT. Returns what happened."""
    if config.shard != "0/1":
        raise UserError("--slurm and --shard: give one of them (--slurm N makes the N shards itself)")
    _submitit()
    check_out(config)
    shards = shard_configs(config)
    merged = set(meta_files(config.out, config.split))
    if merged >= set(range(config.count)):
        coco = config.out / "annotations" / f"instances_{config.split}.json"
        return {"submitted": [], "merged": {"images": len(merged), "split": config.split, "coco": str(coco), "missing": []}}
    running = _running(config.out, shards)
    if running:
        listed = ", ".join(f"{shard} (job {job})" for shard, job in running.items())
        raise UserError(f"{config.out}: shards still running from the last submission: {listed}; rerun when they "
                        f"have ended, or cancel them and delete {config.out / LOGS / JOBS}")
    todo = [shard for shard in shards if not _complete(shard, merged)]
    jobs = []
    if todo:
        executor = _executor(config)
        write_settings(config)
        try:
            jobs = executor.map_array(run_shard, todo)
        except Exception as exc:  # submitit's FailedSubmissionError: sbatch refused (partition, time, account)
            last = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise UserError(f"--slurm: the job array was not submitted: {last}") from None
        kind = "local" if (config.cluster.executor or "auto") == "local" else "slurm"
        write_json(config.out / LOGS / JOBS, {"executor": kind, "jobs": {s.shard: j.job_id for s, j in zip(todo, jobs)}})
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


def merge(sources: list[Path], out: Path, split: str | None = None) -> dict:
    """Join shard folders into ``out``. Everything is checked before anything is copied: every shard is a
    veis-gen output of one run (same settings and count), a file present twice holds the same bytes, and an
    existing ``out`` is a merge of that run. The split is the shards'. Returns the indices still missing."""

    settings = []
    for source in sources:
        if not (source / CONFIG_NAME).is_file():
            raise UserError(f"{source}: not a veis-gen output (no {CONFIG_NAME})")
        settings.append(read_settings(source))
    first = settings[0]
    for source, other in zip(sources[1:], settings[1:]):
        differ = differing(other, first, CONTENT_SETTINGS + ("count",))
        if differ:
            raise UserError(f"{source}: made with other settings than {sources[0]} ({', '.join(differ)}); "
                            "merge only shards of one run")
    shard_split = first.get("split", "train")
    if split is not None and split != shard_split:
        raise UserError(f"--split {split}: the shards hold split {shard_split!r}")
    existing = existing_output(out)
    if existing is not None:
        differ = differing(existing, first, CONTENT_SETTINGS + ("count",))
        if differ:
            raise UserError(f"{out}: holds images of other settings ({', '.join(differ)}); choose another --out")
    planned: dict[Path, Path] = {}
    for source in sources:
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.is_dir() or relative.parts[0] == "annotations" or relative.name == CONFIG_NAME:
                continue
            target = out / relative
            earlier = planned.get(target, target if target.exists() else None)
            if earlier is not None:
                if not filecmp.cmp(path, earlier, shallow=False):
                    raise UserError(f"{path}: differs from {earlier}, made by another shard or run")
                continue
            planned[target] = path
    indices = set(meta_files(out, shard_split)) | {i for source in sources for i in meta_files(source, shard_split)}
    missing = sorted(set(range(int(first.get("count", 0)))) - indices)
    for target, path in planned.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target.with_name(target.name + ".part"))
        os.replace(target.with_name(target.name + ".part"), target)
    settings = {k: v for k, v in first.items() if k != "random_streams"}
    merged = GenerateConfig(**{**settings, "out": out, "shard": "0/1", "pack": tuple(first["pack"])})
    write_text(out / CONFIG_NAME, recorded_settings(merged, first.get("random_streams", 1)))
    coco = write_coco(out, shard_split)
    return {"copied": len(planned), "images": len(meta_files(out, shard_split)), "coco": str(coco), "missing": missing,
            "split": shard_split}
