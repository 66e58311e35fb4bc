"""Cars, trucks, buses and trams/trains at real dimensions, from extruded side profiles.

Every vehicle is built rear at x = 0 and then grounded (the loader centres it), so profiles read as
side views: x forward, z up, metres.
"""
from __future__ import annotations

import numpy as np

from veis_gen.assets.mesh import AssetMesh, Part, box, cylinder, extrude_profile


# length, width, height, wheelbase, wheel radius, clearance, front overhang, belt height, roof start/end
# (fractions of length measured from the rear), hood slope; optional: rake and rear (horizontal run of the
# windscreen and of the rear glass, metres) and open (no roof: a roadster with its top down).
# The new styles copy a real car's length, width (without mirrors), height and wheelbase, named beside each.
CAR_STYLES = {
    "sedan": dict(L=4.7, W=1.82, H=1.45, wb=2.8, r=0.32, c=0.16, fo=0.95, belt=0.92, roof=(0.28, 0.62), trunk=0.18),
    "hatchback": dict(L=4.05, W=1.76, H=1.48, wb=2.55, r=0.31, c=0.15, fo=0.8, belt=0.9, roof=(0.1, 0.6), trunk=0.0),
    "suv": dict(L=4.65, W=1.88, H=1.74, wb=2.75, r=0.37, c=0.22, fo=0.9, belt=1.1, roof=(0.06, 0.64), trunk=0.0),
    "van": dict(L=5.1, W=1.98, H=2.05, wb=3.1, r=0.34, c=0.18, fo=0.75, belt=1.1, roof=(0.02, 0.8), trunk=0.0),
    "estate": dict(L=4.85, W=1.83, H=1.5, wb=2.85, r=0.32, c=0.15, fo=0.95, belt=0.93, roof=(0.05, 0.62), trunk=0.0),
    "pickup": dict(L=5.35, W=1.93, H=1.85, wb=3.35, r=0.39, c=0.24, fo=0.95, belt=1.15, roof=(0.42, 0.66), trunk=0.3),
    "coupe": dict(L=4.265, W=1.775, H=1.31, wb=2.575, r=0.31, c=0.13, fo=0.84, belt=0.83, roof=(0.3, 0.55),  # Toyota GR86
                  trunk=0.12, rake=0.85, rear=0.6),
    "city": dict(L=3.546, W=1.627, H=1.488, wb=2.3, r=0.29, c=0.13, fo=0.7, belt=0.93, roof=(0.12, 0.62),  # Fiat 500
                 trunk=0.0, rake=0.7, rear=0.2),
    "mpv": dict(L=4.527, W=1.814, H=1.628, wb=2.791, r=0.33, c=0.15, fo=0.92, belt=1.0, roof=(0.06, 0.66),  # VW Touran
                trunk=0.0, rake=0.9, rear=0.15),
    "crossover": dict(L=4.31, W=1.78, H=1.61, wb=2.63, r=0.34, c=0.2, fo=0.92, belt=1.05, roof=(0.1, 0.6),  # Nissan Qashqai
                      trunk=0.0, rake=0.85, rear=0.35),
    "cab": dict(L=4.857, W=1.874, H=1.888, wb=2.986, r=0.34, c=0.17, fo=0.95, belt=1.1, roof=(0.12, 0.64),  # LEVC TX
                trunk=0.0, rake=0.55, rear=0.3),
    "minivan": dict(L=4.854, W=1.904, H=1.72, wb=2.919, r=0.33, c=0.15, fo=0.97, belt=1.02, roof=(0.04, 0.66),  # VW Sharan
                    trunk=0.0, rake=1.0, rear=0.15),
    "convertible": dict(L=3.915, W=1.735, H=1.225, wb=2.31, r=0.3, c=0.135, fo=0.79, belt=0.82, roof=(0.36, 0.56),  # Mazda MX-5
                        trunk=0.15, rake=0.55, open=True),
    "kei": dict(L=3.395, W=1.475, H=1.79, wb=2.52, r=0.28, c=0.145, fo=0.5, belt=0.95, roof=(0.03, 0.75),  # Honda N-Box
                trunk=0.0, rake=0.6, rear=0.06),
    "micro": dict(L=2.695, W=1.663, H=1.555, wb=1.873, r=0.3, c=0.14, fo=0.424, belt=0.95, roof=(0.08, 0.62),  # Smart ForTwo
                  trunk=0.0, rake=0.75, rear=0.12),
}
_CAR_DEFAULTS = dict(rake=0.75, rear=None, open=False)


def _arches(wheels, radius: float, bottom: float) -> list[tuple[float, float]]:
    """Bottom edge of a side profile, rear to front, with a semicircular arch over each wheel."""
    arch = radius + 0.05
    points = []
    for x in sorted(wheels):
        angles = np.linspace(np.pi, 0, 10)
        points += [(x + arch * np.cos(a), max(bottom, radius + arch * np.sin(a) - 0.02)) for a in angles]
    return points


def _arch_profile(length: float, clearance: float, top_rear: float, top_front: float, wheels: list[float],
                  radius: float, nose: float = 0.25) -> np.ndarray:
    """Lower-body side profile with a semicircular arch over each wheel (x positions from the rear)."""
    points = [(0.0, clearance + 0.05), (0.05, clearance)] + _arches(wheels, radius, clearance) + [
        (length - 0.05, clearance), (length, clearance + 0.08), (length, top_front - nose), (length - 0.15, top_front),
        (0.1, top_rear), (0.0, top_rear - 0.1)]
    return np.array(points)


def _wheels(positions, radius: float, track: float, width: float = 0.22, *, sections: int = 20) -> list[Part]:
    parts = []
    for x in positions:
        for side in (-1, 1):
            y = side * (track / 2)
            parts.append(cylinder(f"tyre_{x:.2f}_{side}", radius, width, (x, y, radius), axis="y", sections=sections, kind="rubber"))
            parts.append(cylinder(f"hub_{x:.2f}_{side}", radius * 0.55, width + 0.02, (x, y, radius), axis="y",
                                  sections=sections, kind="metal"))
    return parts


PROUD = 0.035  # metres a detailed car's number plates stand out of its body, front and back


def car(params: dict, pose: str) -> AssetMesh:
    s = dict(_CAR_DEFAULTS, **CAR_STYLES[params.get("style", "sedan")])
    s.update({k: v for k, v in params.items() if k in s})
    detail = bool(params.get("detail", False))
    if detail:  # bumpers and plates stand proud of the body: it shortens, so the length stays the maker's
        s["L"], s["fo"] = s["L"] - 2 * PROUD, s["fo"] - PROUD
    L, W, H, r, c = s["L"], s["W"], s["H"], s["r"], s["c"]
    rear_axle = L - s["fo"] - s["wb"]
    wheels = [rear_axle, rear_axle + s["wb"]]
    belt = s["belt"]
    parts = [extrude_profile("body", _arch_profile(L, c, belt + s["trunk"] * 0.2, belt - 0.08, wheels, r), W, kind="paint")]
    roof_rear, roof_front = s["roof"][0] * L, s["roof"][1] * L
    rear_run = s["rear"] if s["rear"] is not None else (0.25 if s["trunk"] == 0 else 0.45)
    glass_rear = max(0.02, roof_rear - rear_run)
    glass_front = min(L - s["fo"] * 0.45, roof_front + s["rake"])
    if s["open"]:  # top down: a framed windscreen, seat backs and the folded hood behind them
        screen = [(roof_front - 0.05, H), (roof_front, H), (glass_front, belt - 0.06), (glass_front - 0.05, belt - 0.06)]
        parts.append(extrude_profile("windscreen", screen, W * 0.84, kind="glass"))
        parts.append(box("screen_frame", (0.07, W * 0.86, 0.04), (roof_front - 0.02, 0, H - 0.02), kind="paint"))
        for side in (-1, 1):
            parts.append(box(f"seat_{side}", (0.12, W * 0.3, 0.5), (roof_rear + 0.15, side * W * 0.22, belt + 0.1), kind="plastic"))
        parts.append(box("folded_hood", (0.4, W * 0.8, 0.12), (roof_rear - 0.2, 0, belt + 0.05), kind="rubber"))
    else:
        cabin = [(glass_rear, belt - 0.02), (glass_front, belt - 0.06), (roof_front, H - 0.04), (roof_rear, H - 0.04)]
        parts.append(extrude_profile("windows", cabin, W * 0.86, kind="glass"))
        parts.append(box("roof", (roof_front - roof_rear + 0.1, W * 0.84, 0.05), ((roof_rear + roof_front) / 2, 0, H - 0.025), kind="paint"))
    if s["trunk"] > 0 and params.get("style") == "pickup":
        parts.append(box("bed_floor", (glass_rear - 0.05, W * 0.92, 0.05), (glass_rear / 2, 0, belt - 0.35), kind="paint"))
    for side in (-1, 1):
        parts.append(box(f"head_light_{side}", (0.04, 0.3, 0.12), (L - 0.02, side * (W / 2 - 0.22), belt - 0.2), kind="light_front"))
        parts.append(box(f"tail_light_{side}", (0.04, 0.28, 0.12), (0.02, side * (W / 2 - 0.2), belt - 0.12), kind="light_rear"))
        parts.append(box(f"mirror_{side}", (0.12, 0.18, 0.1), (glass_front - 0.1, side * (W / 2 + 0.06), belt + 0.08), kind="paint"))
    parts += _wheels(wheels, r, W - 0.24)
    if detail:
        parts += _car_detail(L, W, c, belt, wheels, r)
    return AssetMesh(parts)


def _car_detail(L: float, W: float, c: float, belt: float, wheels: list[float], r: float) -> list[Part]:
    """What makes a car read as one up close: dark wheel wells inboard of the tyres, bumpers, a grille, number
    plates (British: white at the front, yellow at the back), door seams and handles between the wheel arches."""
    bumper_z, bumper_top, nose = c + 0.22, c + 0.34, belt - 0.33  # the nose slopes back above ``nose``
    parts = [cylinder(f"wheel_well_{k}_{side}", r + 0.03, 0.3, (x, side * (W / 2 - 0.2), r + 0.035), axis="y",
                      kind="rubber") for k, x in enumerate(wheels) for side in (-1, 1)]  # seen through the arches
    for end, x, out in (("rear", 0.075 - PROUD, -1), ("front", L + PROUD - 0.075, 1)):  # plates' faces at +-PROUD
        parts.append(box(f"bumper_{end}", (0.12, W * 0.97, 0.24), (x, 0, bumper_z), kind="plastic"))
        parts.append(box(f"plate_{end}", (0.015, 0.52, 0.12), (x + out * 0.0675, 0, bumper_z),
                         kind="sign_yellow" if end == "rear" else "sign_white"))
    if nose - bumper_top >= 0.06:  # low sports cars breathe through the bumper
        grille = nose - bumper_top
        parts.append(box("grille", (0.03, W * 0.45, grille), (L - 0.005, 0, bumper_top + grille / 2), kind="plastic"))
    doors, seam = np.linspace(wheels[0] + r + 0.12, wheels[1] - r - 0.12, 3), max(0.05, belt - c - 0.18)
    for side in (-1, 1):
        for k, x in enumerate(doors):
            parts.append(box(f"door_seam_{side}_{k}", (0.015, 0.012, seam), (x, side * W / 2, (belt + c) / 2),
                             kind="plastic"))
        for k, x in enumerate(doors[:-1]):
            parts.append(box(f"handle_{side}_{k}", (0.16, 0.03, 0.035), (x + 0.22, side * W / 2, belt - 0.14),
                             kind="metal"))
    return parts


TRUCK_STYLES = {
    "box": dict(L=8.2, W=2.5, H=3.6, cab=2.3, r=0.5, axles=(2.2, 6.9), cargo="box"),
    "flatbed": dict(L=7.4, W=2.45, H=3.0, cab=2.3, r=0.48, axles=(1.6, 5.9), cargo="flatbed"),
    "tipper": dict(L=7.8, W=2.5, H=3.2, cab=2.3, r=0.52, axles=(1.2, 2.6, 6.3), cargo="tipper"),
    "tractor": dict(L=16.25, W=2.55, H=4.0, cab=2.4, r=0.5, axles=(2.9, 4.2, 5.5, 11.2, 14.85), cargo="semi"),
    "pickup_heavy": dict(L=6.2, W=2.2, H=2.6, cab=2.6, r=0.44, axles=(1.3, 5.0), cargo="flatbed"),
}


def truck(params: dict, pose: str) -> AssetMesh:
    s = TRUCK_STYLES[params.get("style", "box")]
    L, W, H, cab, r = s["L"], s["W"], s["H"], s["cab"], s["r"]
    cab_height = min(H, 3.0)
    chassis = r + 0.25
    parts = [box("chassis", (L - 0.3, W * 0.7, 0.3), ((L - 0.3) / 2 + 0.15, 0, chassis), kind="metal")]
    cab_profile = [(L - cab, chassis), (L, chassis), (L, chassis + 0.9), (L - 0.25, cab_height), (L - cab, cab_height)]
    parts.append(extrude_profile("cab", cab_profile, W, kind="fleet_paint"))
    windshield = [(L - 0.62, chassis + 1.1), (L - 0.02, chassis + 1.0), (L - 0.23, cab_height - 0.15), (L - 0.75, cab_height - 0.15)]
    parts.append(extrude_profile("windshield", windshield, W * 1.01, kind="glass"))
    cargo_length = L - cab - 0.25
    if s["cargo"] in ("box", "semi"):
        parts.append(box("cargo", (cargo_length, W, H - chassis - 0.2), (cargo_length / 2, 0, (H + chassis + 0.2) / 2), kind="fleet_paint"))
    elif s["cargo"] == "tipper":
        tub = [(0.0, chassis + 0.2), (cargo_length, chassis + 0.2), (cargo_length, H - 0.3), (-0.2, H - 0.6)]
        parts.append(extrude_profile("tipper", tub, W, kind="fleet_paint"))
    else:
        parts.append(box("bed", (cargo_length, W, 0.12), (cargo_length / 2, 0, chassis + 0.2), kind="metal"))
        parts.append(box("headboard", (0.08, W, 1.0), (cargo_length - 0.05, 0, chassis + 0.7), kind="metal"))
    for side in (-1, 1):
        parts.append(box(f"head_light_{side}", (0.04, 0.3, 0.15), (L - 0.01, side * (W / 2 - 0.25), chassis + 0.35), kind="light_front"))
        parts.append(box(f"mirror_{side}", (0.1, 0.08, 0.45), (L - 0.5, side * (W / 2 + 0.2), chassis + 1.6), kind="plastic"))
    parts += _wheels(s["axles"], r, W - 0.3, width=0.3)
    return AssetMesh(parts)


BUS_STYLES = {
    "city": dict(L=12.0, W=2.55, H=3.05, decks=1, axles=(3.4, 9.25), r=0.5),
    "double_decker": dict(L=11.0, W=2.55, H=4.4, decks=2, axles=(2.9, 8.6), r=0.5),
    "coach": dict(L=13.0, W=2.55, H=3.7, decks=1, axles=(2.6, 4.0, 10.3), r=0.5),
    "articulated": dict(L=18.0, W=2.55, H=3.05, decks=1, axles=(3.4, 9.3, 15.2), r=0.5),
    "minibus": dict(L=7.4, W=2.02, H=2.8, decks=1, axles=(2.05, 6.38), r=0.42),
}


def bus(params: dict, pose: str) -> AssetMesh:
    s = BUS_STYLES[params.get("style", "city")]
    L, W, H, r = s["L"], s["W"], s["H"], s["r"]
    floor = 0.3
    shell = [(0.0, floor), *_arches(s["axles"], r, floor), (L, floor), (L, H - 0.25), (L - 0.25, H), (0.15, H), (0.0, H - 0.15)]
    parts = [extrude_profile("shell", shell, W, kind="fleet_paint")]
    deck_height = (H - floor) / s["decks"]
    for deck in range(s["decks"]):
        low = floor + deck * deck_height + (1.0 if deck == 0 else 0.35)
        high = floor + (deck + 1) * deck_height - 0.3
        parts.append(box(f"windows_{deck}", (L - 0.9, W + 0.02, high - low), (L / 2 - 0.25, 0, (low + high) / 2), kind="glass"))
    parts.append(box("windshield", (0.04, W * 0.9, H * 0.55 if s["decks"] == 1 else 1.4), (L + 0.005, 0, floor + 1.65 if s["decks"] == 1 else 1.6), kind="glass"))
    front_axle = max(s["axles"])
    door = L - 1.4 if L - front_axle > 2.0 else front_axle - r - 0.7  # van-based buses: behind the front wheel
    parts.append(box("door", (1.2, 0.04, 2.1), (door, -W / 2 - 0.005, floor + 1.15), kind="glass"))
    if params.get("style") == "articulated":
        parts.append(box("joint", (0.6, W + 0.04, H - floor - 0.2), (L * 0.38, 0, (H + floor) / 2), kind="rubber"))
    for side in (-1, 1):
        parts.append(box(f"head_light_{side}", (0.04, 0.3, 0.15), (L + 0.01, side * (W / 2 - 0.3), floor + 0.5), kind="light_front"))
        # beside the windscreen, not ahead of it: the pack's size ranges are body lengths
        parts.append(box(f"mirror_{side}", (0.08, 0.08, 0.45), (L - 0.15, side * (W / 2 + 0.15), H - 1.0), kind="plastic"))
    parts += _wheels(s["axles"], r, W - 0.3, width=0.3)
    return AssetMesh(parts)


TRAIN_STYLES = {
    "tram": dict(cars=3, car_length=9.5, W=2.4, H=3.5, floor=0.35, r=0.34, pantograph=True),
    "regional": dict(cars=1, car_length=26.0, W=2.9, H=4.1, floor=1.1, r=0.46, pantograph=True),
    "metro": dict(cars=2, car_length=17.5, W=2.65, H=3.6, floor=0.9, r=0.42, pantograph=False),
}


def train(params: dict, pose: str) -> AssetMesh:
    s = TRAIN_STYLES[params.get("style", "tram")]
    W, H, floor, r, unit = s["W"], s["H"], s["floor"], s["r"], s["car_length"]
    parts = []
    for index in range(s["cars"]):
        x0 = index * (unit + 0.4)
        nose_front = 0.6 if index == s["cars"] - 1 else 0.0
        nose_rear = 0.6 if index == 0 else 0.0
        shell = [(x0, floor), (x0 + unit, floor), (x0 + unit, H - 0.7 - nose_front), (x0 + unit - nose_front, H - 0.2),
                 (x0 + nose_rear, H - 0.2), (x0, H - 0.7 - nose_rear)]
        parts.append(extrude_profile(f"shell_{index}", shell, W, kind="fleet_paint"))
        parts.append(box(f"windows_{index}", (unit - 1.2, W + 0.02, 1.0), (x0 + unit / 2, 0, floor + 1.6), kind="glass"))
        parts.append(box(f"skirt_{index}", (unit - 0.6, W * 0.9, floor), (x0 + unit / 2, 0, floor / 2 + 0.05), kind="metal"))
        if index < s["cars"] - 1:
            parts.append(box(f"gangway_{index}", (0.5, W * 0.8, H - floor - 0.5), (x0 + unit + 0.2, 0, (H + floor) / 2 - 0.2), kind="rubber"))
        for x in (x0 + 1.8, x0 + unit - 1.8):
            for side in (-1, 1):
                parts.append(cylinder(f"wheel_{index}_{x:.1f}_{side}", r, 0.15, (x, side * (W / 2 - 0.35), r), axis="y", kind="metal"))
    length = s["cars"] * (unit + 0.4) - 0.4
    parts.append(box("windshield", (0.05, W * 0.8, 1.1), (length - 0.3, 0, H - 1.2), kind="glass"))
    if s["pantograph"]:
        mid = length / 2
        parts.append(box("pantograph_base", (1.2, 0.8, 0.15), (mid, 0, H - 0.1), kind="metal"))
        parts.append(box("pantograph_arm", (1.4, 0.05, 0.05), (mid, 0, H + 0.45), kind="metal", matrix=None))
        parts.append(box("pantograph_bow", (0.08, 1.5, 0.04), (mid + 0.6, 0, H + 0.9), kind="metal"))
    return AssetMesh(parts)
