"""Traffic signs of the European (Vienna convention) and British sets: flat coloured layers on a pole.

A plate faces +X. Outlines are (u, v) with u to the viewer's right and v up, in units of the sign's ``size``
(a round sign's diameter). The pole is class ``pole``, as Cityscapes labels it; the plate is the sign.
"""
from __future__ import annotations

import numpy as np

from veis_gen.assets.mesh import AssetMesh, cylinder, flat_shape, regular_polygon, translation

POLE = "pole"
DISC = regular_polygon(32, 0.5)
RING = 0.39  # inner radius of the red ring of a prohibitory disc


def _ring(radius_out: float, radius_in: float, sides: int = 32, at=(0.0, 0.0)) -> list:
    """An annulus as two half-ring polygons (the plates are simple polygons)."""
    halves = []
    for start in (0.0, np.pi):
        angles = np.linspace(start, start + np.pi, sides // 2 + 1)
        outer = np.stack([radius_out * np.cos(angles), radius_out * np.sin(angles)], 1)
        inner = np.stack([radius_in * np.cos(angles[::-1]), radius_in * np.sin(angles[::-1])], 1)
        halves.append(np.concatenate([outer, inner]) + at)
    return halves


def _bar(width: float, height: float, du: float = 0.0, dv: float = 0.0) -> np.ndarray:
    return np.array([(-width / 2 + du, -height / 2 + dv), (width / 2 + du, -height / 2 + dv),
                     (width / 2 + du, height / 2 + dv), (-width / 2 + du, height / 2 + dv)])


def _triangle(size: float, *, down: bool = False, at=(0.0, 0.0)) -> np.ndarray:
    return regular_polygon(3, size, rotation_deg=-90 if down else 90) + at


def _disc(radius: float, at=(0.0, 0.0), sides: int = 16) -> np.ndarray:
    return regular_polygon(sides, radius) + at


def _rotate(points, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.asarray(points, float) @ np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])


def _stroke(start, end, width: float) -> np.ndarray:
    """A bar from ``start`` to ``end`` with square caps, so joined strokes leave no notch."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    along = (end - start) / np.linalg.norm(end - start) * width / 2
    across = np.array([-along[1], along[0]])
    start, end = start - along, end + along
    return np.array([start - across, end - across, end + across, start + across])


def _arrow(length: float, shaft: float, head: float, head_length: float, *, angle: float = 0.0, at=(0.0, 0.0)) -> np.ndarray:
    """A straight arrow centred on ``at``, pointing up turned ``angle`` degrees anticlockwise."""
    top, neck = length / 2, length / 2 - head_length
    points = [(-shaft / 2, -top), (shaft / 2, -top), (shaft / 2, neck), (head / 2, neck), (0, top), (-head / 2, neck),
              (-shaft / 2, neck)]
    return _rotate(points, angle) + at


def _arc(radius: float, width: float, start: float, end: float, *, at=(0.0, 0.0), head: float = 0.0) -> np.ndarray:
    """A curved band from angle ``start`` to ``end`` (degrees), with an arrowhead ``head`` wide at the end."""
    angles = np.radians(np.linspace(start, end, 12))

    def polar(r, a):
        return at[0] + r * np.cos(a), at[1] + r * np.sin(a)

    points = [polar(radius + width / 2, a) for a in angles]
    if head:
        tip = angles[-1] + np.sign(end - start) * head * 0.9 / radius
        points += [polar(radius + head / 2, angles[-1]), polar(radius, tip), polar(radius - head / 2, angles[-1])]
    points += [polar(radius - width / 2, a) for a in angles[::-1]]
    return np.array(points)


def _band(radius: float, width: float, angle: float, offset: float = 0.0) -> np.ndarray:
    """The strip of a disc between two parallel chords, running at ``angle`` degrees, ``offset`` off centre."""
    along = np.array([np.cos(np.radians(angle)), np.sin(np.radians(angle))])
    normal = np.array([-along[1], along[0]])

    def chord(o):
        half = np.sqrt(radius**2 - o**2)
        return o * normal - half * along, o * normal + half * along

    def rim(p, q):
        a = np.arctan2(p[1], p[0])
        sweep = (np.arctan2(q[1], q[0]) - a + np.pi) % (2 * np.pi) - np.pi
        return [radius * np.array([np.cos(a + sweep * t), np.sin(a + sweep * t)]) for t in (1 / 3, 2 / 3)]

    (low_start, low_end), (high_start, high_end) = chord(offset - width / 2), chord(offset + width / 2)
    return np.array([low_start, low_end, *rim(low_end, high_end), high_end, high_start, *rim(high_start, low_start)])


# Seven-segment glyphs: legends read as numbers at a distance, which is all a 600 mm plate needs.
_SEGMENTS = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg", "7": "abc",
             "8": "abcdefg", "9": "abcdfg", "t": "defg", "m": "ceg"}


def _text(text: str, height: float, at=(0.0, 0.0)) -> list:
    width, stroke, gap = height * 0.55, height * 0.16, height * 0.2
    advances = [stroke * 1.5 if c == "." else width for c in text]
    u = at[0] - (sum(advances) + gap * (len(text) - 1)) / 2
    bars = []
    for char, advance in zip(text, advances):
        cu, v = u + advance / 2, at[1]
        if char == ".":
            bars.append(_bar(stroke, stroke, cu, v - height / 2 + stroke / 2))
        for seg in _SEGMENTS.get(char, ""):
            horizontal = {"a": height / 2 - stroke / 2, "g": 0.0, "d": -height / 2 + stroke / 2}
            vertical = {"f": (-1, 1), "b": (1, 1), "e": (-1, -1), "c": (1, -1)}
            if seg in horizontal:
                bars.append(_bar(width, stroke, cu, v + horizontal[seg]))
            else:
                side, half = vertical[seg]
                bars.append(_bar(stroke, height / 2, cu + side * (width - stroke) / 2, v + half * height / 4))
        if char == "m":  # three legs under one bar
            bars.append(_bar(stroke, height / 2, cu, v - height / 4))
        u += advance + gap
    return bars


def _person(u: float, v: float, height: float, *, lean: float = 0.0) -> list:
    """A walking figure, feet at (u, v), facing +u."""
    h, hip = height, (u, v + 0.45 * height)
    neck = (u + lean * h, v + 0.76 * h)
    return [_disc(0.11 * h, (neck[0] + 0.03 * h, v + 0.9 * h)), _stroke(hip, neck, 0.2 * h),
            _stroke(hip, (u - 0.16 * h, v + 0.05 * h), 0.13 * h), _stroke(hip, (u + 0.17 * h, v + 0.05 * h), 0.13 * h),
            _stroke(neck, (u - 0.17 * h + lean * h, v + 0.45 * h), 0.1 * h),
            _stroke(neck, (u + 0.17 * h + lean * h, v + 0.5 * h), 0.1 * h)]


def _car_rear(width: float, at=(0.0, 0.0)) -> list:
    """A car seen from behind: body, cabin and two wheels."""
    w, (u, v) = width / 2, at
    body = np.array([(-w, -0.3 * w), (w, -0.3 * w), (w, 0.12 * w), (0.68 * w, 0.12 * w), (0.5 * w, 0.7 * w),
                     (-0.5 * w, 0.7 * w), (-0.68 * w, 0.12 * w), (-w, 0.12 * w)]) + at
    return [body, _bar(0.3 * w, 0.3 * w, u - 0.7 * w, v - 0.4 * w), _bar(0.3 * w, 0.3 * w, u + 0.7 * w, v - 0.4 * w)]


def _prohibitory(*symbol, slash: bool = False) -> list:
    layers = [("plate", DISC, "sign_white"), ("ring", _ring(0.5, RING), "sign_red"), *symbol]
    if slash:  # Vienna: top left to bottom right
        layers.append(("slash", _rotate(_bar(RING * 2, 0.08), -45), "sign_red"))
    return layers


def _warning(*symbol, face: str = "sign_white") -> list:
    return [("plate", _triangle(0.575), "sign_red"), ("face", _triangle(0.575 * 0.72), face), *symbol]


def _panel(width: float, height: float, face: str, *symbol) -> list:
    return [("plate", _bar(width, height), "sign_white"), ("face", _bar(width - 0.06, height - 0.06), face), *symbol]


def _turn(mirror: bool) -> np.ndarray:
    points = np.array([(0, -0.25), (0.09, -0.25), (0.09, 0.11), (-0.08, 0.11), (-0.08, 0.18), (-0.21, 0.065),
                       (-0.08, -0.05), (-0.08, 0.02), (0, 0.02)]) + (0.06, 0.0)
    return points * (-1 if mirror else 1, 1)


def _u_turn() -> np.ndarray:
    centre, outer, inner = (-0.03, 0.05), 0.17, 0.07
    angles = np.linspace(0, np.pi, 13)
    points = [(0.04, -0.25), (0.14, -0.25)]
    points += [(centre[0] + outer * np.cos(a), centre[1] + outer * np.sin(a)) for a in angles]
    points += [(-0.2, -0.04), (-0.26, -0.04), (-0.15, -0.2), (-0.04, -0.04), (-0.1, -0.04)]
    points += [(centre[0] + inner * np.cos(a), centre[1] + inner * np.sin(a)) for a in angles[::-1]]
    return np.array(points)


def _bicycle() -> list:
    rear, front, crank, seat, head = (-0.19, -0.08), (0.19, -0.08), (0.0, -0.08), (-0.06, 0.1), (0.13, 0.1)
    tubes = [(rear, crank), (rear, seat), (crank, seat), (seat, head), (crank, head), (head, front), (head, (0.13, 0.17)),
             ((0.1, 0.17), (0.18, 0.17)), ((-0.11, 0.12), (-0.02, 0.12))]
    return _ring(0.125, 0.095, 24, rear) + _ring(0.125, 0.095, 24, front) + [_stroke(a, b, 0.035) for a, b in tubes]


def _lanes_junction() -> list:
    """A map-type direction sign's roads: ahead, and branches left and right."""
    return [_arrow(0.55, 0.09, 0.2, 0.15, at=(0, -0.05)), _arrow(0.4, 0.07, 0.16, 0.12, angle=90, at=(-0.2, -0.12)),
            _arrow(0.4, 0.07, 0.16, 0.12, angle=-90, at=(0.2, -0.12))]


def _build(style: str) -> list:
    """The sign's layers, back to front: (name, outline or outlines, kind); names starting 'plate' get a back."""
    stripes = [_band(0.47, 0.018, 45, o) for o in (-0.09, -0.045, 0.0, 0.045, 0.09)]
    if style == "stop":
        octagon = regular_polygon(8, 0.5 / np.cos(np.pi / 8), rotation_deg=22.5)
        return [("plate", octagon, "sign_white"), ("face", octagon * 0.92, "sign_red"), ("text", _bar(0.62, 0.18), "sign_white")]
    if style == "yield":
        return [("plate", _triangle(0.575, down=True), "sign_red"), ("face", _triangle(0.575 * 0.72, down=True), "sign_white")]
    if style == "give_way_uk":  # the British inverted triangle carries its legend
        return [("plate", _triangle(0.575, down=True), "sign_red"), ("face", _triangle(0.575 * 0.72, down=True), "sign_white"),
                ("text", [_bar(0.34, 0.05, 0, 0.12), _bar(0.28, 0.05, 0, 0.03)], "sign_black")]
    simple = {
        "warning": lambda: _warning(("mark", [_bar(0.07, 0.25, 0, 0.05), _bar(0.07, 0.07, 0, -0.16)], "sign_black")),
        "crossing": lambda: [("plate", _bar(1, 1), "sign_blue"), ("face", _triangle(0.425), "sign_white"),
                             ("walker", _bar(0.08, 0.28, 0, -0.08), "sign_black")],
        "speed_limit": lambda: _prohibitory(("digits", _text("50", 0.34), "sign_black")),
        "no_entry": lambda: [("plate", DISC, "sign_red"), ("bar", _bar(0.7, 0.16), "sign_white")],
        "mandatory": lambda: [("plate", DISC, "sign_blue"), ("arrow", _arrow(0.6, 0.1, 0.3, 0.25), "sign_white")],
        "no_parking": lambda: [("plate", DISC, "sign_red"), ("face", DISC * 0.78, "sign_blue"),
                               ("slash", _rotate(_bar(0.95, 0.1), -45), "sign_red")],
        "no_stopping": lambda: [("plate", DISC, "sign_red"), ("face", DISC * 0.78, "sign_blue"),
                                ("cross", [_rotate(_bar(0.95, 0.1), a) for a in (-45, 45)], "sign_red")],
        "roundabout": lambda: [("plate", DISC, "sign_blue"),  # anticlockwise, as driven on the right
                               ("arrows", [_arc(0.25, 0.08, 100 + k, 170 + k, head=0.18) for k in (0, 120, 240)], "sign_white")],
        "parking": lambda: [("plate", _bar(1, 1), "sign_white"), ("face", _bar(0.92, 0.92), "sign_blue"),
                            ("letter", [_bar(0.12, 0.6, -0.12), _bar(0.3, 0.25, 0.0, 0.17)], "sign_white")],
        "priority": lambda: [("plate", regular_polygon(4, 0.625), "sign_white"),
                             ("face", regular_polygon(4, 0.625 * 0.65), "sign_yellow")],
        "street_name": lambda: _panel(2.2, 0.5, "sign_blue", ("text", _bar(1.6, 0.14), "sign_white")),
        "no_left_turn": lambda: _prohibitory(("arrow", _turn(False), "sign_black"), slash=True),
        "no_right_turn": lambda: _prohibitory(("arrow", _turn(True), "sign_black"), slash=True),
        "no_u_turn": lambda: _prohibitory(("arrow", _u_turn(), "sign_black"), slash=True),
        "no_overtaking": lambda: _prohibitory(("car_left", _car_rear(0.28, (-0.15, -0.03)), "sign_red"),
                                              ("car_right", _car_rear(0.28, (0.15, -0.03)), "sign_black")),
        "no_vehicles": lambda: _prohibitory(),
        "weight_limit": lambda: _prohibitory(("digits", _text("7.5t", 0.22), "sign_black")),
        "height_limit": lambda: _prohibitory(("digits", _text("3.5m", 0.17), "sign_black"), ("marks", [
            _triangle(0.09, down=True, at=(0, 0.23)), _triangle(0.09, at=(0, -0.23))], "sign_black")),
        "end_speed_limit": lambda: [("plate", DISC, "sign_white"), ("ring", _ring(0.5, 0.47), "sign_black"),
                                    ("digits", _text("50", 0.34), "sign_black"), ("stripes", stripes, "sign_black")],
        "national_speed_limit": lambda: [("plate", DISC, "sign_white"), ("band", _band(0.5, 0.2, 45), "sign_black")],
        "keep_left": lambda: [("plate", DISC, "sign_blue"), ("arrow", _arrow(0.6, 0.1, 0.3, 0.25, angle=135), "sign_white")],
        "cycle_route": lambda: [("plate", DISC, "sign_blue"), ("bicycle", _bicycle(), "sign_white")],
        "one_way": lambda: _panel(1.2, 0.4, "sign_blue", ("arrow", _arrow(0.95, 0.1, 0.24, 0.2, angle=-90), "sign_white")),
        "bus_lane": lambda: _panel(0.7, 0.9, "sign_blue", ("bus", [_bar(0.46, 0.22, 0, 0.16), _disc(0.045, (-0.14, 0.04)),
                                                                  _disc(0.045, (0.14, 0.04))], "sign_white"),
                                   ("windows", [_bar(0.1, 0.07, du, 0.2) for du in (-0.15, -0.03, 0.09)]
                                    + [_bar(0.06, 0.12, 0.19, 0.17)], "sign_blue"),
                                   ("text", [_bar(0.46, 0.07, 0, -0.12), _bar(0.36, 0.07, 0, -0.26)], "sign_white")),
        "pedestrian_zone": lambda: [("plate", _bar(0.8, 1.0), "sign_white"), ("disc", _disc(0.3, (0, 0.12), 32), "sign_blue"),
                                    ("walkers", _person(-0.08, -0.07, 0.34) + _person(0.1, -0.07, 0.22), "sign_white"),
                                    ("text", _bar(0.5, 0.1, 0, -0.33), "sign_black")],
        "dead_end": lambda: _panel(0.7, 0.7, "sign_blue", ("road", _bar(0.14, 0.42, 0, -0.07), "sign_white"),
                                   ("end", _bar(0.36, 0.11, 0, 0.17), "sign_red")),
        "roundabout_ahead": lambda: _warning(("arrows", [_arc(0.125, 0.045, 80 - k, 15 - k, at=(0, -0.05), head=0.1)
                                                         for k in (0, 120, 240)], "sign_black")),  # clockwise: British
        "children": lambda: _warning(("walkers", _person(-0.07, -0.2, 0.3) + _person(0.09, -0.2, 0.21), "sign_black")),
        "road_works": lambda: _warning(("worker", _person(0.03, -0.2, 0.28, lean=-0.12) + [
            _stroke((-0.05, -0.02), (-0.13, -0.17), 0.025), _triangle(0.06, at=(-0.17, -0.17))], "sign_black")),
        "slippery_road": lambda: _warning(("car", _car_rear(0.2, (0, 0.03)), "sign_black"), ("tracks", [
            _stroke(a, b, 0.025) for a, b in (((-0.06, -0.06), (-0.11, -0.12)), ((-0.11, -0.12), (-0.05, -0.19)),
                                              ((0.06, -0.06), (0.01, -0.12)), ((0.01, -0.12), (0.07, -0.19)))], "sign_black")),
        "traffic_signals": lambda: _warning(("housing", _bar(0.12, 0.34, 0, -0.03), "sign_black"),
                                            ("red", _disc(0.04, (0, 0.08)), "sign_red"),
                                            ("amber", _disc(0.04, (0, -0.03)), "sign_yellow"),
                                            ("green", _disc(0.04, (0, -0.14)), "sign_green")),
        "bend": lambda: _warning(("arrow", [_stroke((-0.06, -0.21), (-0.06, -0.07), 0.06),
                                           _arc(0.11, 0.06, 180, 95, at=(0.05, -0.07), head=0.13)], "sign_black")),
        "narrow_road": lambda: _warning(("edges", [_stroke((s * 0.13, -0.2), (s * 0.13, -0.1), 0.04) for s in (-1, 1)]
                                         + [_stroke((s * 0.13, -0.1), (s * 0.06, -0.01), 0.04) for s in (-1, 1)]
                                         + [_stroke((s * 0.06, -0.01), (s * 0.06, 0.1), 0.04) for s in (-1, 1)], "sign_black")),
        "height_warning": lambda: _warning(("marks", [_triangle(0.06, down=True, at=(0, 0.09)), _triangle(0.06, at=(0, -0.17))]
                                            + _text("3.5m", 0.08, (0, -0.04)), "sign_black")),
        "two_way_traffic": lambda: _warning(("arrows", [_arrow(0.3, 0.04, 0.1, 0.08, at=(0.06, -0.05)),
                                                        _arrow(0.3, 0.04, 0.1, 0.08, angle=180, at=(-0.06, -0.05))], "sign_black")),
        "direction_primary": lambda: _panel(1.5, 0.9, "sign_green", ("roads", _lanes_junction(), "sign_white"),
                                            ("route", _bar(0.3, 0.12, 0, 0.32), "sign_yellow"),
                                            ("text", [_bar(0.4, 0.07, -0.45, 0.0), _bar(0.4, 0.07, 0.45, 0.0),
                                                      _bar(0.3, 0.07, -0.45, -0.13), _bar(0.3, 0.07, 0.45, -0.13),
                                                      _bar(0.18, 0.06, 0, 0.32)], "sign_white")),
        "direction_motorway": lambda: _panel(1.5, 0.9, "sign_blue",
                                             ("arrow", _arrow(0.5, 0.09, 0.22, 0.15, angle=40, at=(-0.5, -0.05)), "sign_white"),
                                             ("text", [_bar(0.7, 0.08, 0.2, 0.22), _bar(0.55, 0.08, 0.13, 0.06),
                                                       _bar(0.6, 0.08, 0.15, -0.1)]
                                              + [_bar(0.22, 0.14, -0.5, 0.26)], "sign_white"),
                                             ("junction", _text("12", 0.09, (-0.5, 0.26)), "sign_black")),
    }
    if style == "school":  # the children triangle over a British "School" plate
        return simple["children"]() + [("plate_sub", _bar(0.64, 0.17, 0, -0.44), "sign_white"),
                                       ("text_sub", _bar(0.42, 0.07, 0, -0.44), "sign_black")]
    if style not in simple:
        raise ValueError(f"unknown traffic sign style {style!r}")
    return simple[style]()


SIGN_STYLES = ("stop", "yield", "warning", "speed_limit", "no_entry", "mandatory", "parking", "priority", "street_name",
               "crossing", "no_parking", "roundabout", "give_way_uk", "no_left_turn", "no_right_turn", "no_u_turn",
               "no_overtaking", "no_vehicles", "weight_limit", "height_limit", "end_speed_limit", "national_speed_limit",
               "no_stopping", "keep_left", "cycle_route", "one_way", "bus_lane", "pedestrian_zone", "dead_end",
               "roundabout_ahead", "children", "school", "road_works", "slippery_road", "traffic_signals", "bend",
               "narrow_road", "height_warning", "two_way_traffic", "direction_primary", "direction_motorway")


def traffic_sign(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "speed_limit")
    size = float(params.get("size", 0.6))
    mount = float(params.get("mount_height", 2.3))  # the plate's lower edge
    layers = [(name, [np.asarray(o) * size for o in (shapes if isinstance(shapes, list) else [shapes])], kind)
              for name, shapes, kind in _build(style)]
    plates = np.concatenate([o for name, outlines, _ in layers if name.startswith("plate") for o in outlines])
    center = mount - plates[:, 1].min()
    top = center + 0.6 * plates[:, 1].max()
    width = np.ptp(plates[:, 0])
    posts = (-width * 0.3, width * 0.3) if width > 1.0 else (0.0,)  # a wide panel stands on two posts
    parts = [cylinder(f"pole_{k}", 0.035, top, (-0.04, y, top / 2), kind="pole", class_name=POLE) for k, y in enumerate(posts)]
    parts += [flat_shape(f"back_{k}", o, 0.01, kind="sign_back", matrix=translation(0.0, 0, center))
              for k, (name, outlines, _) in enumerate(layers) if name.startswith("plate") for o in outlines]
    for depth, (name, outlines, kind) in enumerate(layers):  # 4 mm apart, the first at the back
        matrix = translation(0.01 + 0.004 * depth, 0, center)
        parts += [flat_shape(f"{name}_{i}" if len(outlines) > 1 else name, o, 0.004, kind=kind, matrix=matrix)
                  for i, o in enumerate(outlines)]
    return AssetMesh(parts)
