"""Shared fixtures: the real Cityscapes sample from ../shared, and small trees built in tmp."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
GENERATOR_PACKAGES = ("pybullet", "pyrender", "trimesh", "anny")


def generator_missing() -> list[str]:
    """The generator's packages not installed here: segkit runs, and is tested, without them."""
    import importlib.util

    return [name for name in GENERATOR_PACKAGES if importlib.util.find_spec(name) is None]


def require_generator() -> None:
    missing = generator_missing()
    if missing:
        pytest.skip(f"needs the generator ({', '.join(missing)} not installed: pip install 'veis[generate]')")


@pytest.fixture
def needs_generator():
    """Skips a test of segkit that runs veis-gen where the generator's packages are not installed."""
    require_generator()


def pytest_configure(config):
    # Importing torchvision in a process that already holds an OSMesa (llvmpipe) context crashes it; the
    # other order is fine. Tests render and train in one process, so torchvision comes first.
    import torchvision  # noqa: F401
FIXTURES = Path(os.environ.get("VEIS_FIXTURES", REPO.parent / "shared" / "fixtures"))
CITYSCAPES_MINI = FIXTURES / "cityscapes_mini"
MINI_NAME = "frankfurt_000000_000294"


@pytest.fixture(scope="session")
def cityscapes_mini() -> Path:
    """The read-only real sample: one val image, 256x128, with its official labels."""
    if not CITYSCAPES_MINI.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{CITYSCAPES_MINI} is missing: CI must have ../shared/fixtures beside the clone")
        pytest.skip(f"{CITYSCAPES_MINI} not present (set VEIS_FIXTURES)")
    return CITYSCAPES_MINI


@pytest.fixture
def mini_copy(cityscapes_mini, tmp_path) -> Path:
    """A writable copy of the sample whose labelTrainIds are regenerated from labelIds.

    The shipped labelTrainIds were downscaled apart from labelIds and disagree on 77 edge pixels;
    the official createTrainIdLabelImgs derives them from the same polygons, so they must agree.
    """
    from segkit import labels
    from segkit.formats.cityscapes import gt_path, read_label_ids
    from segkit.formats.png import write_png

    root = tmp_path / "cityscapes"
    shutil.copytree(cityscapes_mini, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    label_ids = read_label_ids(gt_path(root, "val", "frankfurt", MINI_NAME, "labelIds"))
    write_png(gt_path(root, "val", "frankfurt", MINI_NAME, "labelTrainIds"), labels.ID_TO_TRAIN_ID[label_ids])
    return root


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _make_dataset(out, **overrides):
    require_generator()
    from veis_gen.generate import GenerateConfig, generate

    settings = dict(out=out, count=6, size="128x64", seed=5, progress=False)
    settings.update(overrides)
    return generate(GenerateConfig(**settings))


@pytest.fixture(scope="session")
def make_dataset():
    """generate() with small defaults: make_dataset(out, count=..., workers=...)."""
    return _make_dataset


@pytest.fixture(scope="session")
def mixed_dataset(tmp_path_factory):
    """Eight small mixed images, made once for the tests that only read them."""
    out = tmp_path_factory.mktemp("generated") / "mixed"
    _make_dataset(out, count=8, size="160x80", seed=11)
    return out


def _palette_png(path, ids):
    from PIL import Image

    from segkit import labels

    image = Image.frombytes("P", (ids.shape[1], ids.shape[0]), ids.tobytes())
    image.putpalette(labels.ID_TO_COLOR.ravel().tolist())
    image.save(path)


@pytest.fixture
def gta5_root(tmp_path):
    """A tiny GTA5 tree: palette and RGB-colour labels, split.mat, one image of the wrong size."""
    from PIL import Image
    from scipy.io import savemat

    from segkit import labels

    root = tmp_path / "gta5"
    (root / "images").mkdir(parents=True)
    (root / "labels").mkdir()
    road, car, sky = (labels.BY_NAME[n].id for n in ("road", "car", "sky"))
    ids = np.full((20, 30), road, np.uint8)
    ids[:5] = sky
    ids[10:15, 5:12] = car
    for index in range(1, 5):
        Image.new("RGB", (30, 20), (index, 0, 0)).save(root / "images" / f"{index:05d}.png")
    _palette_png(root / "labels" / "00001.png", ids)
    _palette_png(root / "labels" / "00002.png", ids)
    Image.fromarray(labels.ID_TO_COLOR[ids]).save(root / "labels" / "00003.png")  # an RGB-colour label
    _palette_png(root / "labels" / "00004.png", np.zeros((10, 10), np.uint8))  # the wrong size
    savemat(root / "split.mat", {"trainIds": np.array([[1], [3], [4]]), "valIds": np.array([[2]]), "testIds": np.zeros((0, 1))})
    return root, ids


def make_camvid_tree(root, *, splits=(("train", 3), ("val", 2)), size=(24, 32), seed=0):
    """A tiny CamVid-layout tree: <split>/*.png RGB, <split>annot/*.png values 0..11, <split>.txt lists."""
    from PIL import Image

    generator = np.random.default_rng(seed)
    for split, count in splits:
        (root / split).mkdir(parents=True)
        (root / f"{split}annot").mkdir()
        lines = []
        for index in range(count):
            name = f"0001TP_{split}{index:03d}.png"
            Image.fromarray(generator.integers(0, 256, (*size, 3), dtype=np.uint8)).save(root / split / name)
            Image.fromarray(generator.integers(0, 12, size, dtype=np.uint8)).save(root / f"{split}annot" / name)
            lines.append(f"{split}/{name} {split}annot/{name}")
        (root / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return root


@pytest.fixture
def camvid_root(tmp_path):
    """CamVid's layout in tmp: train (3 images) and val (2), 32x24, random labels 0..11."""
    return make_camvid_tree(tmp_path / "camvid")


@pytest.fixture(scope="session")
def make_camvid():
    """make_camvid_tree(root, splits=..., size=(height, width))."""
    return make_camvid_tree


@pytest.fixture(scope="session")
def benchmark_script():
    """load(name): the module of benchmarks/<name>.py (the scripts are not a package)."""
    import importlib.util

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
