"""The private parts of pyrender that veis_gen/render/renderer.py patches or calls are all still there.

pyrender may drop or rename them in any release; pyproject.toml bounds pyrender-maintained below its next major
version, and this test says which one went missing (without rendering) if an install still breaks them.
"""
import importlib
import importlib.metadata
import inspect

import numpy as np
import pytest

from veis_gen.render.backend import activate


@pytest.fixture(scope="module")
def pyrender():
    activate()  # before OpenGL is imported, as the renderer does
    import pyrender

    return pyrender


def _gone(what: str, use: str) -> str:
    version = importlib.metadata.version("pyrender-maintained")
    return (f"pyrender-maintained {version}: {what} is gone, and veis_gen/render/renderer.py {use}; "
            "pin a version that has it (pyproject.toml) or update the renderer")


# (module, class, method, what the renderer does with it)
METHODS = [
    ("pyrender.renderer", "Renderer", "_sorted_mesh_nodes", "replaces it to draw nodes in the order they were added"),
    ("pyrender.texture", "Texture", "_add_to_context", "overrides it so textures stay uploaded (ResidentTexture)"),
    ("pyrender.texture", "Texture", "_remove_from_context", "calls it to free its textures on close"),
    ("pyrender.platforms.base", "Platform", "make_current", "calls it on OffscreenRenderer._platform before its own "
                                                            "GL calls"),
]


@pytest.mark.parametrize("module, owner, name, use", METHODS, ids=[f"{o}.{n}" for _, o, n, _ in METHODS])
def test_the_methods_the_renderer_patches_or_calls_exist(pyrender, module, owner, name, use):
    try:
        cls = getattr(importlib.import_module(module), owner)
    except (ImportError, AttributeError):
        pytest.fail(_gone(f"{module}.{owner}", use))
    assert callable(getattr(cls, name, None)), _gone(f"{module}.{owner}.{name}", use)


def test_the_renderer_looks_the_node_order_up_on_itself(pyrender):
    """The order is replaced on the instance: it must be called as self._sorted_mesh_nodes(scene)."""
    source = inspect.getsource(pyrender.renderer.Renderer)
    assert "self._sorted_mesh_nodes(scene)" in source, _gone(
        "Renderer's call of self._sorted_mesh_nodes(scene)", "replaces it to draw nodes in the order they were added")
    assert list(inspect.signature(pyrender.renderer.Renderer._sorted_mesh_nodes).parameters) == ["self", "scene"]


@pytest.mark.parametrize("name", ["_renderer", "_platform"])
def test_the_offscreen_renderer_keeps_its_renderer_and_platform(pyrender, name):
    """Instance attributes, set in __init__ (checked on the source: making one would open a GL context)."""
    source = inspect.getsource(pyrender.OffscreenRenderer.__init__)
    assert f"self.{name} = " in source, _gone(f"OffscreenRenderer.{name}", "reaches the renderer and the GL context "
                                                                           "through it")


def test_a_texture_starts_outside_the_context(pyrender):
    texture = pyrender.Texture(source=np.zeros((2, 2, 3), np.uint8), source_channels="RGB")
    assert hasattr(texture, "_texid"), _gone("Texture._texid", "reads it to upload and free each texture once")
    assert texture._texid is None
