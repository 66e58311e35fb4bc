"""The generator: seed -> sample -> place -> render -> encode -> write, image by image, over processes.

Image ``i`` depends only on the settings and ``i`` (its seed is derived from both), so the files are the
same whatever the number of workers or shards. An image is done when its meta file exists (written last);
rerunning the same command finishes the missing ones, and the COCO file is rebuilt from the meta files.
"""
from __future__ import annotations

import dataclasses
import math
import multiprocessing
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, get_args

import numpy as np

from segkit.config import check_choices, to_toml
from segkit.errors import UserError
from segkit.formats.atomic import write_bytes, write_json, write_text
from veis_gen.render.choices import Appearance, Backend, Effects, Shading, Sky
from veis_gen.scene.styles import CHANCES, Season, Streets, StreetStyle, Traffic
from veis_gen.scene.types import SceneKind

CONFIG_NAME = "veis_config.toml"
Executor = Literal["auto", "slurm", "local"]
EXECUTORS: tuple[str, ...] = get_args(Executor)
Scenes = Literal[SceneKind, "mixed"]
SCENES: tuple[str, ...] = get_args(Scenes)
SLURM_MINUTES = 240
STAGES = ("sample", "place", "render", "encode", "write")


def _content(help_text: str, **kwargs):
    """A setting that changes what an image looks like: a rerun into the same folder must keep it."""
    return field(metadata={"help": help_text, "content": True}, **kwargs)


@dataclass(frozen=True)
class SlurmSettings:
    """How ``--slurm N`` submits; None is the default named in each help (they are not recorded with the data)."""

    partition: str | None = field(default=None, metadata={"help": "--slurm: the partition (default: the cluster's)"})
    time: int | None = field(default=None, metadata={
        "help": f"--slurm: minutes a shard's job may run (default: {SLURM_MINUTES})"})
    cpus: int | None = field(default=None, metadata={
        "help": "--slurm: CPUs (and worker processes) per shard (default: --workers)"})
    wait: bool | None = field(default=None, metadata={"help": "--slurm: wait for the jobs, then merge (default: true)"})
    # Annotated, not a Literal that segkit.config would check first: the refusal names the choices as users know it.
    executor: Annotated[str | None, Executor] = field(default=None, metadata={
        "help": "--slurm: auto or slurm (SLURM, where sbatch is), or local (every shard at once on this machine)"})

    def check(self) -> None:
        if self.executor is not None and self.executor not in EXECUTORS:
            raise UserError(f"--slurm-executor: expected {', '.join(EXECUTORS)}, got {self.executor!r}")
        for name in ("time", "cpus"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise UserError(f"--slurm-{name}: expected at least 1, got {getattr(self, name)}")


@dataclass
class GenerateConfig:
    out: Path = field(default=None, metadata={"help": "output folder"})
    scenes: Scenes = _content("simple, complex or mixed", default="mixed")
    count: int = field(default=100, metadata={"help": "number of images (in all shards together)"})
    size: str = _content("WIDTHxHEIGHT", default="1024x512")
    seed: int = _content("the run's seed", default=0)
    workers: int = field(default=1, metadata={"help": "processes"})
    pack: tuple[str, ...] = _content("asset pack folder or name (repeatable)", default=("builtin",))
    split: str = _content("Cityscapes split folder", default="train")
    shard: str = field(default="0/1", metadata={"help": "I/N: make only images with index %% N == I"})
    class_weights: dict[str, float] = _content("e.g. person=2,train=0.5", default_factory=dict)
    simple_fraction: float = _content("share of simple scenes when scenes=mixed", default=0.5)
    shading: Shading = _content("fast (CPU Lambert) or pbr (pyrender's shader)", default="fast")
    shadows: bool = _content("the sun's cast shadows (fast shading: a shadow map; pbr: pyrender's own)", default=False)
    backend: Backend | None = field(default=None, metadata={"help": "osmesa or egl (default: egl with a GPU)"})
    min_instance_area: int = _content("smaller instances are iscrowd in COCO", default=10)
    png_level: int = _content("deflate level of RGB PNGs (0-9; 1-3 fast: rows Up-filtered)", default=3)
    appearance: Appearance = _content("default, or shifted: flat recoloured materials, blur, noise", default="default")
    # StreetStyle checks these (and camera), with its "expected one of ..." that users know: Annotated, segkit.config
    # reads them as plain text.
    traffic: Annotated[str, Traffic] = _content("complex scenes: right- or left-hand traffic", default="right")
    streets: Annotated[str, Streets] = _content("complex scenes: wide, narrow (two lanes, close facades) or mixed",
                                                default="wide")
    season: Annotated[str, Season] = _content("complex scenes: summer, winter (leafless trees) or mixed",
                                              default="summer")
    camera: str = _content("complex scenes' camera rig: default, cityscapes or camvid", default="default")
    furniture: bool = _content("complex scenes: railings, bollards, front-garden fences", default=False)
    cyclists_ahead: float = _content("complex scenes: the chance of cyclists riding just ahead of the camera, seen "
                                     "from behind (0..1)", default=0.0)
    walking_groups: float = _content("complex scenes: the share of sidewalk people walking in groups of 2-4, abreast "
                                     "or in file, about as many people in all (0..1)", default=0.0)
    shop_fronts: float = _content("complex scenes: the chance a facade's ground floor is shops with fascias, display "
                                  "windows and doors (0..1)", default=0.0)
    kerb_lines: float = _content("complex scenes: the chance a street without parking has double yellow lines along "
                                 "its kerbs (0..1)", default=0.0)
    car_detail: bool = _content("the packs' recipe cars with wheel wells, bumpers, a grille, number plates and door "
                                "seams", default=False)
    sky: Sky = _content("flat (the scene's one colour) or graded: paler at the horizon, deeper overhead, with clouds",
                        default="flat")
    effects: Effects = _content("none; camera: exposure, white balance, vignetting, contrast, blur, noise, JPEG drawn "
                                "per image; metered: camera, exposed for the image's brightness", default="none")
    progress: bool = field(default=True, metadata={"help": "show a progress bar"})
    slurm: int | None = field(default=None, metadata={"help": "run as a SLURM job array of this many shards, through "
                                                               "submitit (see --slurm-*), then merge"})
    cluster: SlurmSettings = field(default_factory=SlurmSettings, metadata={"prefix": "slurm"})

    def __post_init__(self):
        if self.out is None:
            raise UserError("--out is required")
        self.out = Path(self.out)
        check_choices(self)  # a Python caller's values; segkit.config checks flags and files as it reads them
        if self.count < 1:
            raise UserError(f"--count: expected at least 1, got {self.count}")
        if self.workers < 1:
            raise UserError(f"--workers: expected at least 1, got {self.workers}")
        if self.seed < 0:
            raise UserError(f"--seed: expected 0 or more, got {self.seed}")
        if self.slurm is not None and self.slurm < 1:
            raise UserError(f"--slurm: expected at least 1 shard, got {self.slurm}")
        self.cluster.check()
        if self.slurm is None and self.cluster != SlurmSettings():
            raise UserError("--slurm-*: these settings are for --slurm N (a job array): give --slurm too")
        try:
            width, height = (int(v) for v in self.size.lower().split("x"))
        except ValueError:
            raise UserError(f"--size: expected WIDTHxHEIGHT such as 1024x512, got {self.size!r}") from None
        if not (16 <= width <= 8192 and 16 <= height <= 8192):
            raise UserError(f"--size: {width}x{height} is outside 16..8192 pixels a side")
        try:
            index, total = (int(v) for v in self.shard.split("/"))
        except ValueError:
            raise UserError(f"--shard: expected I/N such as 0/4, got {self.shard!r}") from None
        if not 0 <= index < total:
            raise UserError(f"--shard: expected 0 <= I < N, got {self.shard!r}")
        if not 0.0 <= self.simple_fraction <= 1.0:
            raise UserError(f"--simple-fraction: expected 0..1, got {self.simple_fraction}")
        if not 0 <= self.png_level <= 9:
            raise UserError(f"--png-level: expected 0..9, got {self.png_level}")
        try:
            self.street_style
        except ValueError as exc:
            raise UserError(f"--{exc}") from None
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", self.split):
            raise UserError(f"--split: expected a plain name such as train or val, got {self.split!r}")
        for name, weight in self.class_weights.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise UserError(f"--class-weights: {name}={weight}: weights are finite numbers >= 0")

    @property
    def width_height(self) -> tuple[int, int]:
        width, height = (int(v) for v in self.size.lower().split("x"))
        return width, height

    @property
    def street_style(self) -> StreetStyle:
        return StreetStyle(traffic=self.traffic, streets=self.streets, season=self.season, camera=self.camera,
                           furniture=self.furniture, **{name: getattr(self, name) for name in CHANCES})

    @property
    def indices(self) -> list[int]:
        index, total = (int(v) for v in self.shard.split("/"))
        return list(range(index, self.count, total))


CONTENT_SETTINGS = tuple(f.name for f in dataclasses.fields(GenerateConfig) if f.metadata.get("content"))
STREAMS = ("scene", "appearance", "effects", "sky")  # one random stream each per image; append, never reorder
RANDOM_STREAMS = 2  # the scheme: 1 drew appearance and effects from the seeds seed+1 and seed+2


def image_rng(seed: int, index: int, stream: str) -> np.random.Generator:
    """Image ``index``'s ``stream``: a function of (seed, index, stream) alone, so no two runs, images or streams
    share draws (before: the appearance stream of seed s was the scene stream of seed s + 1)."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(index, STREAMS.index(stream))))


# ---- the worker ------------------------------------------------------------------------------------------

_STATE: dict = {}


def run_records(config: GenerateConfig) -> list:
    """The assets of the run's packs, as its settings build them."""
    from veis_gen.assets.pack import load_packs, with_recipe_params

    records = load_packs(config.pack)
    return with_recipe_params(records, "car", detail=True) if config.car_detail else records


def _init_worker(config: GenerateConfig) -> None:
    from veis_gen.physics.placement import Placer
    from veis_gen.render.renderer import Renderer
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library

    library = Library(run_records(config))
    width, height = config.width_height
    _STATE.update(config=config, library=library, weights=foreground_weights(library, config.class_weights),
                  placer=Placer(), renderer=Renderer(width, height, backend=config.backend))


def sample_scene(config: GenerateConfig, library, weights: dict[str, float], index: int):
    from veis_gen.scene.simple import sample_simple
    from veis_gen.scene.street import sample_street

    rng = image_rng(config.seed, index, "scene")
    width, height = config.width_height
    kind = config.scenes if config.scenes != "mixed" else ("simple" if rng.random() < config.simple_fraction else "complex")
    if kind == "complex":
        return sample_street(rng, library, width, height, seed=config.seed, weights=weights, style=config.street_style)
    classes = list(weights)
    probabilities = np.array([weights[c] for c in classes])
    focus = classes[int(rng.choice(len(classes), p=probabilities / probabilities.sum()))]
    return sample_simple(rng, library, width, height, seed=config.seed, focus_class=focus)


def make_image(index: int) -> tuple[int, dict, dict]:
    """Generate, encode and write image ``index``; returns (index, stage seconds, a summary)."""
    from veis_gen.render.finish import finish_colour
    from veis_gen.render.scene_frame import render_scene
    from veis_gen.writers.files import encode_frame, image_name

    config, library = _STATE["config"], _STATE["library"]
    times = {}
    start = time.perf_counter()
    scene = sample_scene(config, library, _STATE["weights"], index)
    times["sample"] = time.perf_counter() - start
    start = time.perf_counter()
    scene = _STATE["placer"].resolve(scene, library)
    times["place"] = time.perf_counter() - start
    start = time.perf_counter()
    frame = render_scene(_STATE["renderer"], scene, library, shading=config.shading, shadows=config.shadows,
                         appearance=config.appearance, appearance_rng=image_rng(config.seed, index, "appearance"))
    frame, drawn = finish_colour(frame, scene, sky=config.sky, effects=config.effects,
                                 rng=lambda stream: image_rng(config.seed, index, stream))
    times["render"] = time.perf_counter() - start
    start = time.perf_counter()
    name = image_name(scene.kind, index)
    meta = {"index": index, "name": name, "city": scene.kind, "split": config.split, "seed": config.seed,
            "scene": scene.to_dict(), **drawn}
    files = encode_frame(frame, meta, min_area=config.min_instance_area, rgb_level=config.png_level)
    times["encode"] = time.perf_counter() - start
    start = time.perf_counter()
    meta_path = next(path for path in files if path.startswith("meta/"))
    for path, data in files.items():
        if path != meta_path:
            write_bytes(config.out / path, data)
    write_bytes(config.out / meta_path, files[meta_path])  # last: its presence marks the image done
    times["write"] = time.perf_counter() - start
    return index, times, {"kind": scene.kind, "objects": len(frame["objects"])}


# ---- the run ---------------------------------------------------------------------------------------------

def meta_files(root: Path, split: str) -> dict[int, Path]:
    """Done images of a split by index."""
    found = {}
    for path in (root / "meta" / split).glob("*/*.json"):
        try:
            found[int(path.stem.rsplit("_", 1)[1])] = path
        except (IndexError, ValueError):
            continue
    return found


def read_settings(folder: Path) -> dict:
    import tomllib

    try:
        return tomllib.loads((folder / CONFIG_NAME).read_text())
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{folder / CONFIG_NAME}: not valid TOML ({exc})") from None


def differing(settings: dict, other: dict, keys=CONTENT_SETTINGS) -> list[str]:
    """The settings that differ; one a folder's file lacks (made before the setting existed) is its default, and
    a folder without ``random_streams`` was drawn with the first scheme."""
    defaults = {f.name: f.default for f in dataclasses.fields(GenerateConfig) if f.name in keys
                and f.default is not dataclasses.MISSING} | {"random_streams": 1}
    return [key for key in (*keys, "random_streams")
            if settings.get(key, defaults.get(key)) != other.get(key, defaults.get(key))]


def recorded_settings(config: GenerateConfig, streams: int = RANDOM_STREAMS) -> str:
    """veis_config.toml's text: the content settings, and which random-stream scheme drew the images."""
    return to_toml(_recorded(config)) + f"random_streams = {streams}\n"


def existing_output(out: Path) -> dict | None:
    """The settings of the veis-gen output at ``out``; None where there is nothing yet. A file, or a folder
    with other content, is refused: no run writes into it."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: exists and is not a folder (--out)")
    if not out.exists() or not any(out.iterdir()):
        return None
    if not (out / CONFIG_NAME).is_file():
        raise UserError(f"{out}: a folder that is not a veis-gen output (no {CONFIG_NAME}): choose a new or empty --out")
    return read_settings(out)


def _recorded(config: GenerateConfig) -> GenerateConfig:
    return dataclasses.replace(config, workers=1, progress=True, backend=None, slurm=None, cluster=SlurmSettings())


def write_coco(root: Path, split: str, count: int | None = None) -> Path:
    from veis_gen.writers.coco import coco_from_metas
    from veis_gen.writers.files import read_meta

    metas = [read_meta(path) for index, path in sorted(meta_files(root, split).items())
             if count is None or index < count]
    path = root / "annotations" / f"instances_{split}.json"
    write_json(path, coco_from_metas(metas))
    return path


def check_out(config: GenerateConfig) -> None:
    """An existing --out must be a veis-gen output of the same settings, holding no more images than asked."""
    import tomllib

    out = config.out
    saved = existing_output(out)
    if saved is None:
        return
    changed = differing(saved, tomllib.loads(recorded_settings(config)))
    if changed:
        raise UserError(f"{out}: holds images made with other settings ({', '.join(changed)}); "
                        "rerun with the same settings to resume, or choose another --out")
    beyond = sorted(i for i in meta_files(out, config.split) if i >= config.count)
    if beyond:
        raise UserError(f"{out}: already holds images up to index {beyond[-1]}, more than --count {config.count}: "
                        f"give --count {beyond[-1] + 1} or more, or another --out")


def write_settings(config: GenerateConfig) -> None:
    """The run's settings, in OUT before any image (what a rerun or a merge is checked against)."""
    write_text(config.out / CONFIG_NAME, recorded_settings(config))


def _complete(root: Path, split: str, done: dict[int, Path]) -> dict[int, Path]:
    """The done images whose every file is there and whole: one deleted by hand, or left empty or cut short by a
    crash, is made again."""
    from veis_gen.writers.files import is_whole, relative_paths

    complete = {}
    for index, meta in done.items():
        city = meta.parent.name
        if all(is_whole(root / path) for path in relative_paths(split, city, meta.stem).values()):
            complete[index] = meta
    return complete


def generate(config: GenerateConfig) -> dict:
    from veis_gen.assets.loader import check_mesh_files, prepare
    from veis_gen.scene.common import foreground_weights
    from veis_gen.scene.library import Library

    check_out(config)
    records = run_records(config)
    if not foreground_weights(Library(records), config.class_weights):
        raise UserError("--class-weights: every foreground class weighs 0 (or has no asset): give one a weight above 0")
    check_mesh_files(records)
    prepare(records)  # people are built in a spawned process, before any renderer exists
    for stale in config.out.rglob(".*.tmp") if config.out.is_dir() else ():  # a killed run's half-written files
        stale.unlink()
    write_settings(config)
    done = _complete(config.out, config.split, meta_files(config.out, config.split))
    todo = [i for i in config.indices if i not in done]
    totals = dict.fromkeys(STAGES, 0.0)
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    results = _run(config, todo)
    if config.progress and todo:
        from tqdm import tqdm

        results = tqdm(results, total=len(todo), unit="img", desc="veis-gen", file=sys.stderr)
    finished = []
    for _, times, summary in results:
        for stage, seconds in times.items():
            totals[stage] += seconds
        kinds[summary["kind"]] = kinds.get(summary["kind"], 0) + 1
        finished.append(time.perf_counter())
    elapsed = time.perf_counter() - started
    coco = write_coco(config.out, config.split, config.count)
    # Steady state: from the moment as many images are done as there are workers (start-up behind them) to the last.
    warm = min(config.workers, len(finished)) - 1
    steady = {"steady_images": len(finished) - 1 - warm, "steady_seconds": finished[-1] - finished[warm]} if warm >= 0 else {}
    return {"made": len(todo), "skipped": len(config.indices) - len(todo), "seconds": elapsed, "stages": totals,
            "kinds": kinds, "coco": str(coco), **steady}


def _in_process(config: GenerateConfig, todo: list[int]):
    _init_worker(config)
    try:
        yield from (make_image(i) for i in todo)
    finally:  # now, not at interpreter exit, where PyOpenGL prints noise as its modules go away
        _STATE.pop("renderer").close()


def _run(config: GenerateConfig, todo: list[int]):
    if not todo:
        return iter(())
    if config.workers == 1:
        return _in_process(config, todo)
    context = multiprocessing.get_context("spawn")  # a fork would inherit the parent's OpenGL state
    pool = context.Pool(config.workers, initializer=_init_worker, initargs=(config,))

    def ordered():
        try:
            yield from pool.imap(make_image, todo, chunksize=1)
        finally:
            pool.terminate()
            pool.join()

    return ordered()
