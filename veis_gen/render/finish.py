"""The colour image's last steps after rendering: the graded sky, then the camera's effects.

Each draws its numbers from the image's own random stream of its name and returns them for the image's
metadata. Only ``rgb`` changes: labels, instances and depth stay the renderer's exact ones.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from veis_gen.render.choices import Effects, Sky
from veis_gen.render.scene_frame import SKY
from veis_gen.scene.types import Scene


def finish_colour(frame: dict, scene: Scene, *, sky: Sky, effects: Effects,
                  rng: Callable[[str], np.random.Generator]) -> tuple[dict, dict]:
    """``frame`` with its colour image finished, and what was drawn: {"sky": ..., "effects": ...} as applied."""
    drawn = {}
    if sky == "graded":
        from veis_gen.render.sky import paint_sky, sample_sky

        drawn["sky"] = sample_sky(rng("sky"), scene.sky)
        frame["rgb"] = paint_sky(frame["rgb"], frame["label_ids"] == SKY, scene.camera, drawn["sky"])
    if effects != "none":
        from veis_gen.render.effects import apply_effects, meter, sample_effects

        effects_rng = rng("effects")
        drawn["effects"] = sample_effects(effects_rng)
        if effects == "metered":
            drawn["effects"]["meter"] = meter(frame["rgb"])
        frame["rgb"] = apply_effects(frame["rgb"], drawn["effects"], effects_rng)
    return frame, drawn
