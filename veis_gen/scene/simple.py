"""Simple scenes (the paper's 31k): one foreground class, one to several instances of it in varied poses,
viewpoints, distances, sizes and materials, on a random ground and backdrop of background classes.
Riders come with the vehicles they ride."""
from __future__ import annotations

import numpy as np

from veis_gen.scene.common import MOUNTS, camera_looking, mount_rider, sample_lighting
from veis_gen.scene.library import Library, inline
from veis_gen.scene.types import Scene

GROUNDS = (("road", "asphalt"), ("sidewalk", "paving"), ("terrain", "grass"))
# How many instances and how far from the camera (metres), per class.
INSTANCES = {"person": (1, 6), "rider": (1, 3), "car": (1, 4), "truck": (1, 2), "bus": (1, 2), "train": (1, 1),
             "motorcycle": (1, 4), "bicycle": (1, 4), "traffic light": (1, 3), "traffic sign": (1, 4)}
DISTANCE = {"person": (3, 16), "rider": (4, 18), "car": (5, 25), "truck": (8, 30), "bus": (9, 32), "train": (14, 40),
            "motorcycle": (4, 18), "bicycle": (3, 15), "traffic light": (5, 20), "traffic sign": (4, 16)}


def _backdrop(library: Library, rng: np.random.Generator, yaw: float, distance: float) -> list:
    """A row of buildings, or a wall, fence or hedge line, across the view; some trees and poles."""
    placements = []
    forward = np.array([np.cos(yaw), np.sin(yaw)])
    side = np.array([-forward[1], forward[0]])
    choice = rng.choice(["buildings", "buildings", "wall", "vegetation", "open"])
    if choice == "buildings" and library.has("building"):
        offset = -45.0
        while offset < 45.0:
            record = library.choose("building", rng)
            width = float(rng.uniform(8, 20))
            floors = int(rng.integers(2, 9))
            center = forward * (distance + 6) + side * (offset + width / 2)
            placements.append(inline("building", "building", (*center, 0.0), yaw=np.degrees(yaw) + 180,
                                     material_seed=int(rng.integers(2**31)), collides=True,
                                     style=dict(record.params).get("style", "block"), floors=floors, width=width, depth=12.0))
            offset += width + float(rng.choice([0.0, 0.0, rng.uniform(2, 6)]))
    elif choice in ("wall", "vegetation"):
        recipe, cls = (("wall", "wall") if rng.random() < 0.5 else ("fence", "fence")) if choice == "wall" else ("hedge", "vegetation")
        for k in range(-5, 6):
            center = forward * distance + side * (k * 8.0)
            params = {"length": 8.0} if recipe != "fence" else {"length": 8.0, "style": str(rng.choice(["rails", "picket", "bars", "mesh"]))}
            if recipe == "hedge":
                params["seed"] = int(rng.integers(1000))
            placements.append(inline(recipe, cls, (*center, 0.0), yaw=np.degrees(yaw) + 90, collides=True,
                                     material_seed=int(rng.integers(2**31)), **params))
    for _ in range(int(rng.integers(0, 6))):  # distractors: trees and poles, never in front of the camera's feet
        cls = "vegetation" if rng.random() < 0.6 else "pole"
        if not library.has(cls):
            continue
        angle = yaw + rng.uniform(-0.9, 0.9)
        spot = np.array([np.cos(angle), np.sin(angle)]) * rng.uniform(6, distance)
        placements.append(library.placement(library.choose(cls, rng), rng, (*spot, 0.0), rng.uniform(0, 360), instance=False))
    return placements


def sample_simple(rng: np.random.Generator, library: Library, width: int, height: int, *, seed: int,
                  focus_class: str) -> Scene:
    ground_class, kind = GROUNDS[int(rng.integers(len(GROUNDS)))]
    placements = [inline("ground", ground_class, (0.0, 0.0, -0.05), length=400.0, width=400.0, kind=kind,
                         material_seed=int(rng.integers(2**31)))]
    yaw = float(rng.uniform(0, 2 * np.pi))
    if ground_class == "road" and rng.random() < 0.8:  # lane markings under the objects
        placements.append(inline("road", "road", (0.0, 0.0, -0.04), yaw=np.degrees(yaw) + float(rng.uniform(-60, 60)),
                                 length=160.0, lanes=int(rng.integers(2, 7)), lane_width=3.3,
                                 crossing=bool(rng.random() < 0.3), material_seed=int(rng.integers(2**31))))
    hfov = float(rng.uniform(42, 62))
    low, high = INSTANCES[focus_class]
    near, far = DISTANCE[focus_class]
    count = int(rng.integers(low, high + 1))
    objects, heights, group = [], [], 0
    for _ in range(count):
        record = library.choose(str(rng.choice([c for c in MOUNTS if library.has(c)])) if focus_class == "rider" else focus_class, rng)
        # Far enough that the object is seen whole, not a wall of colour: 1.2 times its largest extent.
        size = float(library.mesh(library.placement(record, rng, (0, 0, 0), 0.0)).extents.max())
        low = max(near, 1.2 * size)
        distance = float(rng.uniform(low, max(far, low + 5)))
        angle = yaw + np.radians(rng.uniform(-0.3, 0.3) * hfov)
        spot = (distance * np.cos(angle), distance * np.sin(angle), 0.0)
        heading = float(rng.uniform(0, 360))
        first = library.placement(record, rng, spot, heading)
        if focus_class == "rider":
            members = mount_rider(library, rng, first, group)
            group += 1
        else:
            members = [first]
        objects += members
        heights += [library.mesh(m).extents[2] * m.scale for m in members]
    # Physics keeps earlier placements and drops later ones that collide: the objects go first.
    placements += objects
    placements += _backdrop(library, rng, yaw, float(rng.uniform(max(far, 18), max(far, 18) + 25)))
    eye_height = float(rng.uniform(0.6, 3.5))
    spots = np.array([o.position for o in objects])
    # Lights and signs are worth seeing at the top of their poles; everything else about its middle.
    aim = (0.6, 0.85) if focus_class in ("traffic light", "traffic sign") else (0.3, 0.6)
    target = spots.mean(0) + [0, 0, float(np.mean(heights)) * rng.uniform(*aim)]
    back = float(rng.uniform(0.0, 2.0))
    eye = (-back * np.cos(yaw), -back * np.sin(yaw), eye_height)
    lights, sky, ambient = sample_lighting(rng)
    camera = camera_looking(width, height, eye, target, hfov)
    return Scene(seed=seed, kind="simple", camera=camera, lights=lights, placements=tuple(placements), sky=sky,
                 ambient=ambient, focus_class=focus_class, notes={"ground": ground_class})
