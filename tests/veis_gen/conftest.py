import pytest

from veis_gen.generate import GenerateConfig, generate


@pytest.fixture
def mesh_cache(tmp_path, monkeypatch):
    """A private recipe-mesh cache, so tests build what they check."""
    path = tmp_path / "veis-cache"
    monkeypatch.setenv("VEIS_CACHE", str(path))
    return path


def _make_dataset(out, **overrides):
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
