"""Traffic lights, traffic signs and street poles. Lights and signs face +X; their poles are class ``pole``,
as Cityscapes labels them, while the housing or plate carries the asset's class."""
from __future__ import annotations

import numpy as np

from veis_gen.assets.mesh import AssetMesh, box, cylinder, flat_shape, regular_polygon, rotation, segment, sphere, translation

POLE = "pole"


def _lamp(name: str, kind: str, center, radius: float) -> list:
    x, y, z = center
    return [cylinder(f"{name}_lens", radius, 0.03, (x + 0.015, y, z), axis="x", kind=kind, sections=16),
            box(f"{name}_visor", (0.16, radius * 2.2, 0.03), (x + 0.08, y, z + radius + 0.01), kind="housing")]


def _housing(prefix: str, lamps: tuple[str, ...], base, *, lamp_radius: float = 0.1, board: bool = False) -> list:
    step = lamp_radius * 2.6
    height = step * len(lamps) + 0.06
    x, y, z = base
    parts = [box(f"{prefix}housing", (0.22, lamp_radius * 2.8, height), (x, y, z + height / 2), kind="housing")]
    if board:
        parts.append(box(f"{prefix}board", (0.02, lamp_radius * 5, height + 0.15), (x - 0.11, y, z + height / 2), kind="housing"))
    for i, lamp in enumerate(lamps):
        parts += _lamp(f"{prefix}lamp{i}", lamp, (x + 0.11, y, z + height - step * (i + 0.5) - 0.03), lamp_radius)
    return parts


TRAFFIC_LIGHT_STYLES = ("pole", "board", "mast_arm", "pedestrian", "overhead")


def traffic_light(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "pole")
    three = ("lamp_red", "lamp_amber", "lamp_green")
    if style in ("pole", "board"):
        parts = [cylinder("pole", 0.06, 3.0, (0, 0, 1.5), kind="pole", class_name=POLE)]
        parts += _housing("", three, (0.05, 0, 2.1), board=style == "board")
    elif style == "pedestrian":
        parts = [cylinder("pole", 0.05, 2.6, (0, 0, 1.3), kind="pole", class_name=POLE)]
        parts += _housing("", ("lamp_red", "lamp_green"), (0.05, 0, 1.9), lamp_radius=0.09)
    elif style == "mast_arm":
        parts = [cylinder("pole", 0.11, 6.2, (0, 0, 3.1), kind="pole", class_name=POLE),
                 segment("arm", (0, 0, 5.8), (0, -5.0, 6.1), 0.07, kind="pole", class_name=POLE)]
        for k, y in enumerate((-2.5, -4.6)):
            parts += _housing(f"h{k}_", three, (0.05, y, 4.9), board=True)
    elif style == "overhead":  # a gantry light hung on a wire over a junction
        parts = [segment("wire", (0, -0.5, 7.0), (0, 0.5, 7.0), 0.02, kind="pole", class_name=POLE),
                 segment("hanger", (0, 0, 7.0), (0, 0, 6.5), 0.02, kind="pole", class_name=POLE)]
        parts += _housing("", three, (0.0, 0, 5.6))
    else:
        raise ValueError(f"unknown traffic light style {style!r}")
    return AssetMesh(parts)


def _ring(radius_out: float, radius_in: float, sides: int = 32) -> list:
    """An annulus as two half-ring polygons (the plates are simple polygons)."""
    halves = []
    for start in (0.0, np.pi):
        angles = np.linspace(start, start + np.pi, sides // 2 + 1)
        outer = np.stack([radius_out * np.cos(angles), radius_out * np.sin(angles)], 1)
        inner = np.stack([radius_in * np.cos(angles[::-1]), radius_in * np.sin(angles[::-1])], 1)
        halves.append(np.concatenate([outer, inner]))
    return halves


def _layers(layers: list, center_z: float) -> list:
    """Flat layers facing +X stacked 4 mm apart, the first at the back."""
    parts = []
    for depth, (name, outline, kind) in enumerate(layers):
        matrix = translation(0.01 + 0.004 * depth, 0, center_z)
        parts.append(flat_shape(name, outline, 0.004, kind=kind, matrix=matrix))
    return parts


def _bar(width: float, height: float, dy: float = 0.0, dz: float = 0.0) -> np.ndarray:
    return np.array([(-width / 2 + dy, -height / 2 + dz), (width / 2 + dy, -height / 2 + dz),
                     (width / 2 + dy, height / 2 + dz), (-width / 2 + dy, height / 2 + dz)])


def _triangle(size: float, *, down: bool = False) -> np.ndarray:
    points = regular_polygon(3, size, rotation_deg=-90 if down else 90)
    return points - [0, points[:, 1].mean() * 0.0]


SIGN_STYLES = ("stop", "yield", "warning", "speed_limit", "no_entry", "mandatory", "parking", "priority",
               "street_name", "crossing", "no_parking", "roundabout")


def traffic_sign(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "speed_limit")
    size = float(params.get("size", 0.6))
    r = size / 2
    mount = float(params.get("mount_height", 2.3))
    center = mount + r
    if style == "stop":
        octagon = regular_polygon(8, r / np.cos(np.pi / 8), rotation_deg=22.5)
        layers = [("plate", octagon * 1.0, "sign_white"), ("face", octagon * 0.92, "sign_red"),
                  ("text", _bar(size * 0.62, size * 0.18), "sign_white")]
    elif style in ("yield", "warning", "crossing"):
        tri = _triangle(r * 1.15, down=style == "yield")
        layers = [("plate", tri, "sign_red"), ("face", tri * 0.72, "sign_white" if style != "crossing" else "sign_yellow")]
        if style == "warning":
            layers += [("mark", _bar(size * 0.07, size * 0.3, 0, 0.02), "sign_black"), ("dot", _bar(size * 0.07, size * 0.07, 0, -0.17 * size), "sign_black")]
        elif style == "crossing":
            layers = [("plate", _bar(size, size), "sign_blue"), ("face", _triangle(r * 0.85), "sign_white"),
                      ("walker", _bar(size * 0.08, size * 0.28, 0, -0.05), "sign_black")]
    elif style in ("speed_limit", "no_entry", "mandatory", "no_parking", "roundabout"):
        disc = regular_polygon(32, r)
        if style == "speed_limit":
            layers = [("plate", disc, "sign_white"), *[(f"ring{i}", half, "sign_red") for i, half in enumerate(_ring(r, r * 0.78))],
                      ("digit1", _bar(size * 0.08, size * 0.36, -size * 0.1), "sign_black"),
                      ("digit0", _bar(size * 0.16, size * 0.36, size * 0.1), "sign_black")]
        elif style == "no_entry":
            layers = [("plate", disc, "sign_red"), ("bar", _bar(size * 0.7, size * 0.16), "sign_white")]
        elif style == "no_parking":
            layers = [("plate", disc, "sign_red"), ("face", disc * 0.78, "sign_blue"),
                      ("slash", _bar(size * 0.95, size * 0.1) @ np.array([[0.707, 0.707], [-0.707, 0.707]]), "sign_red")]
        else:
            arrow = np.array([(-0.05, -0.3), (0.05, -0.3), (0.05, 0.05), (0.15, 0.05), (0, 0.3), (-0.15, 0.05), (-0.05, 0.05)]) * size
            layers = [("plate", disc, "sign_blue"), ("arrow", arrow, "sign_white")]
    elif style == "parking":
        layers = [("plate", _bar(size, size), "sign_white"), ("face", _bar(size * 0.92, size * 0.92), "sign_blue"),
                  ("p_stem", _bar(size * 0.12, size * 0.6, -size * 0.12), "sign_white"),
                  ("p_bowl", _bar(size * 0.3, size * 0.25, 0.0, size * 0.17), "sign_white")]
    elif style == "priority":
        diamond = regular_polygon(4, r * 1.25, rotation_deg=0)
        layers = [("plate", diamond, "sign_white"), ("face", diamond * 0.65, "sign_yellow")]
    elif style == "street_name":
        layers = [("plate", _bar(size * 2.2, size * 0.5), "sign_white"), ("face", _bar(size * 2.1, size * 0.42), "sign_blue"),
                  ("text", _bar(size * 1.6, size * 0.14), "sign_white")]
        center = mount + size * 0.25
    else:
        raise ValueError(f"unknown traffic sign style {style!r}")
    plate = layers[0][1]
    back = flat_shape("back", plate, 0.01, kind="sign_back", matrix=translation(0.0, 0, center))
    parts = [cylinder("pole", 0.035, center + r * 0.6, (-0.04, 0, (center + r * 0.6) / 2), kind="pole", class_name=POLE), back]
    parts += _layers(layers, center)
    return AssetMesh(parts)


POLE_STYLES = ("plain", "street_lamp", "double_lamp", "utility")


def pole(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "street_lamp")
    height = float(params.get("height", 7.0))
    if style == "plain":
        return AssetMesh([cylinder("pole", 0.05, height * 0.45, (0, 0, height * 0.225), kind="pole")])
    parts = [cylinder("shaft", 0.09, height, (0, 0, height / 2), kind="pole"),
             cylinder("base", 0.14, 0.5, (0, 0, 0.25), kind="pole")]
    if style == "utility":
        parts.append(box("cross_arm", (0.12, 1.6, 0.1), (0, 0, height - 0.4), kind="pole"))
        return AssetMesh(parts)
    arms = (1,) if style == "street_lamp" else (1, -1)
    for side in arms:
        tip = (side * 1.5, 0, height + 0.3)
        parts.append(segment(f"arm_{side}", (0, 0, height - 0.2), tip, 0.045, kind="pole"))
        parts.append(sphere(f"lamp_{side}", 0.25, (tip[0] + side * 0.25, 0, tip[2] - 0.05), scale=(1.4, 0.7, 0.35), kind="pole"))
    return AssetMesh(parts)
