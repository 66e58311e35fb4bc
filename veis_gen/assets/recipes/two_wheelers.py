"""Bicycles and motorcycles: wheels, frame tubes, fork, handlebar, saddle, with ``saddle`` and ``handlebar``
anchors where a rider sits and holds. Built rear wheel at x = 0; the loader grounds and centres them.
"""
from __future__ import annotations

import numpy as np

from veis_gen.assets.mesh import AssetMesh, box, cylinder, segment, sphere, torus


BICYCLE_STYLES = {
    # wheelbase, wheel radius, tyre radius, seat tube top (x, z), head tube top, bottom bracket height, frame
    "city": dict(wb=1.12, r=0.35, tyre=0.022, seat=(0.25, 0.78), head=(0.98, 0.9), bb=0.28, step=True, bars="upright"),
    "road": dict(wb=1.0, r=0.34, tyre=0.013, seat=(0.28, 0.86), head=(0.92, 0.84), bb=0.27, step=False, bars="drop"),
    "mountain": dict(wb=1.12, r=0.37, tyre=0.03, seat=(0.3, 0.8), head=(0.98, 0.88), bb=0.33, step=False, bars="flat"),
    "child": dict(wb=0.78, r=0.25, tyre=0.022, seat=(0.18, 0.55), head=(0.68, 0.62), bb=0.2, step=True, bars="upright"),
}


def _spoked_wheel(name: str, x: float, radius: float, tyre: float, spokes: int = 12, *, kind: str = "rubber") -> list:
    parts = [torus(f"{name}_tyre", radius - tyre, tyre, (x, 0, radius), axis="y", kind=kind, sections=32),
             torus(f"{name}_rim", radius - 2.2 * tyre, tyre * 0.5, (x, 0, radius), axis="y", kind="metal", sections=32),
             cylinder(f"{name}_hub", 0.03, 0.1, (x, 0, radius), axis="y", kind="metal")]
    for k in range(spokes):
        angle = 2 * np.pi * k / spokes
        end = (x + (radius - 2.5 * tyre) * np.cos(angle), 0.0, radius + (radius - 2.5 * tyre) * np.sin(angle))
        parts.append(segment(f"{name}_spoke_{k}", (x, 0.0, radius), end, 0.0025, sections=4, kind="metal"))
    return parts


def bicycle(params: dict, pose: str) -> AssetMesh:
    s = BICYCLE_STYLES[params.get("style", "city")]
    r, wb = s["r"], s["wb"]
    rear, front = np.array([0.0, 0.0, r]), np.array([wb, 0.0, r])
    bb = np.array([0.42 * wb, 0.0, s["bb"]])
    seat_top = np.array([s["seat"][0] * wb / 1.1, 0.0, s["seat"][1]])
    head_top = np.array([s["head"][0] * wb / 1.1, 0.0, s["head"][1]])
    head_bottom = head_top + (front - head_top) * 0.25
    tube = 0.018 if params.get("style") != "mountain" else 0.024
    parts = _spoked_wheel("rear", 0.0, r, s["tyre"]) + _spoked_wheel("front", wb, r, s["tyre"])
    frame = [("seat_tube", bb, seat_top), ("down_tube", bb, head_bottom), ("head_tube", head_bottom, head_top),
             ("chain_stay_l", bb + [0, 0.04, 0], rear + [0, 0.06, 0]), ("chain_stay_r", bb - [0, 0.04, 0], rear - [0, 0.06, 0]),
             ("seat_stay_l", seat_top - [0.02, -0.03, 0.06], rear + [0, 0.06, 0]),
             ("seat_stay_r", seat_top - [0.02, 0.03, 0.06], rear - [0, 0.06, 0]),
             ("fork_l", head_bottom + [0, 0.04, 0], front + [0, 0.05, 0]), ("fork_r", head_bottom - [0, 0.04, 0], front - [0, 0.05, 0])]
    if s["step"]:
        frame.append(("top_tube", bb + (seat_top - bb) * 0.35, head_bottom + (head_top - head_bottom) * 0.2))
    else:
        frame.append(("top_tube", seat_top - [0, 0, 0.05], head_top - [0, 0, 0.03]))
    parts += [segment(name, a, b, tube, kind="frame") for name, a, b in frame]
    post_top = seat_top + np.array([-0.05, 0, 0.12])
    parts.append(segment("seat_post", seat_top, post_top, 0.013, kind="metal"))
    parts.append(box("saddle", (0.26, 0.13, 0.05), post_top + [0.02, 0, 0.02], kind="plastic"))
    stem_top = head_top + np.array([0.03 if s["bars"] == "upright" else 0.08, 0, 0.12 if s["bars"] == "upright" else 0.03])
    parts.append(segment("stem", head_top, stem_top, 0.014, kind="metal"))
    grip_x = stem_top[0] - (0.12 if s["bars"] == "upright" else 0.0)
    half = 0.3 if s["bars"] != "drop" else 0.21
    parts.append(segment("handlebar", (stem_top[0], -half, stem_top[2]), (stem_top[0], half, stem_top[2]), 0.012, kind="metal"))
    for side in (-1, 1):
        if s["bars"] == "upright":
            parts.append(segment(f"bar_end_{side}", (stem_top[0], side * half, stem_top[2]), (grip_x, side * (half + 0.03), stem_top[2]), 0.012, kind="metal"))
        elif s["bars"] == "drop":
            parts.append(segment(f"drop_{side}", (stem_top[0], side * half, stem_top[2]), (stem_top[0] + 0.06, side * half, stem_top[2] - 0.14), 0.012, kind="metal"))
    crank = 0.17
    for side, phase in ((-1, 0.3), (1, 0.3 + np.pi)):
        pedal = bb + np.array([crank * np.cos(phase), side * 0.09, crank * np.sin(phase)])
        parts.append(segment(f"crank_{side}", bb + [0, side * 0.05, 0], pedal, 0.01, kind="metal"))
        parts.append(box(f"pedal_{side}", (0.1, 0.08, 0.02), pedal + [0, side * 0.04, 0], kind="plastic"))
    parts.append(cylinder("chainring", 0.1, 0.01, bb + [0, 0.06, 0], axis="y", kind="metal", sections=20))
    if params.get("style") == "city":
        for name, x in (("fender_rear", 0.0), ("fender_front", wb)):
            parts.append(torus(name, r + 0.03, 0.012, (x, 0, r), axis="y", kind="frame", sections=24))
        parts.append(box("basket", (0.3, 0.35, 0.22), head_top + [0.22, 0, -0.05], kind="metal"))
    anchors = {"saddle": post_top + [0.0, 0, 0.045], "handlebar": np.array([grip_x, 0.0, stem_top[2]])}
    return AssetMesh(parts, {k: np.asarray(v, dtype=np.float32) for k, v in anchors.items()})


MOTORCYCLE_STYLES = {
    "sport": dict(wb=1.42, r=0.3, tyre=0.06, seat=(0.45, 0.82), bars=(1.1, 0.9), fairing=True, tank=0.55),
    "cruiser": dict(wb=1.65, r=0.33, tyre=0.07, seat=(0.5, 0.7), bars=(1.25, 1.08), fairing=False, tank=0.5),
    "scooter": dict(wb=1.3, r=0.2, tyre=0.055, seat=(0.42, 0.78), bars=(1.08, 1.05), fairing=False, tank=0.0),
    "naked": dict(wb=1.45, r=0.31, tyre=0.06, seat=(0.48, 0.83), bars=(1.1, 1.02), fairing=False, tank=0.58),
}


def motorcycle(params: dict, pose: str) -> AssetMesh:
    s = MOTORCYCLE_STYLES[params.get("style", "naked")]
    r, wb, tyre = s["r"], s["wb"], s["tyre"]
    parts = [torus("rear_tyre", r - tyre, tyre, (0, 0, r), axis="y", kind="rubber", sections=32),
             torus("front_tyre", r - tyre, tyre, (wb, 0, r), axis="y", kind="rubber", sections=32),
             cylinder("rear_wheel", r - tyre * 1.6, 0.12, (0, 0, r), axis="y", kind="metal", sections=20),
             cylinder("front_wheel", r - tyre * 1.6, 0.1, (wb, 0, r), axis="y", kind="metal", sections=20)]
    seat_x, seat_z = s["seat"][0] * wb, s["seat"][1]
    bar_x, bar_z = s["bars"][0] * wb / 1.1, s["bars"][1]
    head = np.array([bar_x - 0.08, 0, bar_z - 0.12])
    for side in (-1, 1):
        parts.append(segment(f"fork_{side}", head + [0, side * 0.08, 0], (wb, side * 0.08, r), 0.025, kind="metal"))
        parts.append(segment(f"swingarm_{side}", (0.38 * wb, side * 0.1, r + 0.08), (0, side * 0.1, r), 0.03, kind="metal"))
    parts.append(segment("handlebar", (bar_x, -0.36, bar_z), (bar_x, 0.36, bar_z), 0.014, kind="metal"))
    parts.append(segment("bar_riser", head, (bar_x, 0, bar_z), 0.02, kind="metal"))
    if s["tank"] > 0:
        parts.append(box("engine", (0.5, 0.34, 0.38), (0.55 * wb, 0, r + 0.12), kind="metal"))
        parts.append(segment("frame_top", (seat_x - 0.2, 0, seat_z - 0.1), head, 0.03, kind="frame"))
        parts.append(sphere("tank", 0.22, (0.66 * wb, 0, seat_z + 0.02), scale=(1.6, 0.9, 0.75), kind="frame"))
        parts.append(cylinder("exhaust", 0.055, 0.7, (0.3 * wb, -0.22, r + 0.02), axis="x", kind="metal"))
    else:  # a scooter: step-through shell and floorboard
        parts.append(box("floorboard", (0.6, 0.34, 0.08), (0.55 * wb, 0, r + 0.05), kind="frame"))
        parts.append(box("rear_shell", (0.7, 0.38, 0.45), (0.25 * wb, 0, seat_z - 0.28), kind="frame"))
        parts.append(segment("leg_shield", (0.72 * wb, 0, r + 0.05), head, 0.12, kind="frame", sections=12))
    parts.append(box("seat", (0.62 if s["tank"] else 0.6, 0.3, 0.1), (seat_x, 0, seat_z), kind="plastic"))
    parts.append(sphere("head_light", 0.09, head + [0.12, 0, 0.02], kind="light_front"))
    parts.append(box("tail_light", (0.05, 0.14, 0.06), (seat_x - 0.38, 0, seat_z), kind="light_rear"))
    if s["fairing"]:
        fairing_points = head + [0.1, 0, -0.1]
        parts.append(sphere("fairing", 0.3, fairing_points, scale=(1.0, 0.75, 1.0), kind="frame"))
        parts.append(box("windscreen", (0.05, 0.3, 0.22), fairing_points + [0.1, 0, 0.3], kind="glass"))
    for side in (-1, 1):
        parts.append(segment(f"mirror_{side}", (bar_x, side * 0.3, bar_z), (bar_x + 0.02, side * 0.36, bar_z + 0.18), 0.008, kind="metal"))
    anchors = {"saddle": np.array([seat_x, 0, seat_z + 0.05]), "handlebar": np.array([bar_x, 0, bar_z])}
    return AssetMesh(parts, {k: np.asarray(v, dtype=np.float32) for k, v in anchors.items()})
