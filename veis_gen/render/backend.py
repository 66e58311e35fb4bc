"""Choosing the OpenGL platform, and the fix that makes pyrender's shader cache work on OSMesa.

This is the only place that decides PYOPENGL_PLATFORM; it must run before OpenGL is first imported.
"""
from __future__ import annotations

import ctypes
import os
import sys

from veis_gen.render.choices import BACKENDS, Backend

_patched = False


def _has_gpu() -> bool:
    return os.path.exists("/dev/nvidia0") and os.path.exists("/dev/nvidiactl")


def choose_backend(requested: Backend | None = None) -> Backend:
    """``requested`` if given, else PYOPENGL_PLATFORM if set, else EGL when an NVIDIA GPU is present, else OSMesa."""
    backend = requested or os.environ.get("PYOPENGL_PLATFORM") or ("egl" if _has_gpu() else "osmesa")
    if backend not in BACKENDS:
        from segkit.errors import UserError

        raise UserError(f"unknown render backend {backend!r} (one of: {', '.join(BACKENDS)})")
    return backend


def activate(requested: Backend | None = None) -> Backend:
    """Set the platform and patch PyOpenGL; call before importing pyrender. Returns the backend in use."""
    global _patched
    backend = choose_backend(requested)
    current = os.environ.get("PYOPENGL_PLATFORM")
    if "OpenGL" in sys.modules and current and current != backend:
        raise RuntimeError(f"OpenGL is already loaded for {current}; cannot switch to {backend} in this process")
    os.environ["PYOPENGL_PLATFORM"] = backend
    if not _patched:
        _normalise_context_ids()
        _patched = True
    return backend


def _normalise_context_ids() -> None:
    """PyOpenGL gives a new, never-equal ctypes pointer for the current OSMesa context on every call.

    pyrender keys its shader-program cache on that value, so on OSMesa every draw compiled every shader
    again and leaked it (0.3 to 3.4 GB in 50 frames). Keying on the integer address makes the cache hit.
    """
    import OpenGL.contextdata as contextdata

    original = contextdata.getContext

    def get_context(context=None):
        context = original(context)
        if isinstance(context, int):
            return context
        address = ctypes.cast(context, ctypes.c_void_p).value
        return address if address is not None else context

    contextdata.getContext = get_context
