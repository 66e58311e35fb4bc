import pytest


@pytest.fixture
def mesh_cache(tmp_path, monkeypatch):
    """A private recipe-mesh cache, so tests build what they check."""
    path = tmp_path / "veis-cache"
    monkeypatch.setenv("VEIS_CACHE", str(path))
    return path
