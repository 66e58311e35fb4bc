"""Contact sheets of assets: each asset drawn from a few views, labelled."""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from veis_gen.assets.loader import asset_mesh, prepare
from veis_gen.assets.materials import assign_materials, silhouette
from veis_gen.assets.pack import AssetRecord
from veis_gen.scene.camera import Camera, Light, look_at
from segkit.formats.sheet import grid

VIEWS = ((35.0, 12.0), (90.0, 8.0), (215.0, 15.0), (0.0, 5.0))  # azimuth from +X (the front), elevation


def _view_camera(extents: np.ndarray, size: int, azimuth: float, elevation: float, hfov: float = 30.0) -> Camera:
    center = np.array([0.0, 0.0, extents[2] / 2])
    radius = float(np.linalg.norm(extents) / 2)
    distance = radius / np.sin(np.radians(hfov) / 2) * 1.05
    a, e = np.radians(azimuth), np.radians(elevation)
    eye = center + distance * np.array([np.cos(a) * np.cos(e), np.sin(a) * np.cos(e), np.sin(e)])
    return Camera.from_fov(size, size, hfov, look_at(eye, center), znear=0.05, zfar=distance * 4)


def contact_sheet(records: list[AssetRecord], *, tile: int = 160, views: int = 3, all_poses: bool = False,
                  flat: bool = False, columns: int = 4, seed: int = 0, backend: str | None = None) -> np.ndarray:
    """An (H, W, 3) uint8 sheet: one cell per asset (and pose), ``views`` tiles per cell, labelled."""
    from veis_gen.render.compose import merge, mesh_groups
    from veis_gen.render.renderer import Renderer

    prepare(records, poses="all" if all_poses else "first")
    cells = [(record, pose) for record in records for pose in (record.poses if all_poses else record.poses[:1])]
    font = ImageFont.load_default(size=11)
    rng = np.random.default_rng(seed)
    rendered = []
    with Renderer(tile, tile, backend=backend) as renderer:
        for record, pose in cells:
            mesh = asset_mesh(record, pose)
            materials = assign_materials(mesh.parts, rng, textured=not flat, keep_original=record.materials == "original")
            if flat:
                materials = [silhouette(m, m.color) for m in materials]
            groups = merge(mesh_groups(mesh, np.eye(4), materials, [1] * len(mesh.parts)))
            tiles = []
            for azimuth, elevation in VIEWS[:views]:
                camera = _view_camera(mesh.extents, tile, azimuth, elevation)
                frame = renderer.render(groups, camera,
                                        [Light((-0.4, -0.3, -1.0), intensity=3.5)], background=(228, 232, 236))
                tiles.append(frame["rgb"])
            cell = Image.fromarray(np.concatenate(tiles, axis=1))
            draw = ImageDraw.Draw(cell)
            length, width, height = mesh.extents
            label = f"{record.id}{'' if pose == 'default' else ' / ' + pose}"
            draw.text((4, 2), label, fill=(0, 0, 0), font=font)
            draw.text((4, tile - 14), f"{record.class_name}  {length:.1f}x{width:.1f}x{height:.1f} m", fill=(60, 60, 60), font=font)
            rendered.append(np.asarray(cell))
    return grid(rendered, columns, border=1)
