"""Traffic lights and street poles. Lights face +X; their poles are class ``pole``, as Cityscapes labels
them, while the housing carries the asset's class. Traffic signs are in ``signs``."""
from __future__ import annotations

from veis_gen.assets.mesh import AssetMesh, box, cylinder, segment, sphere

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
    if style not in TRAFFIC_LIGHT_STYLES:
        raise ValueError(f"unknown traffic light style {style!r} (one of: {', '.join(TRAFFIC_LIGHT_STYLES)})")
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
    return AssetMesh(parts)


POLE_STYLES = ("plain", "street_lamp", "double_lamp", "utility")


def pole(params: dict, pose: str) -> AssetMesh:
    style = params.get("style", "street_lamp")
    if style not in POLE_STYLES:
        raise ValueError(f"unknown pole style {style!r} (one of: {', '.join(POLE_STYLES)})")
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
