"""Offscreen rendering with pyrender: a list of posed, coloured asset meshes and a camera -> a frame.

A frame is a dict of arrays:
    rgb    (H, W, 3) uint8   shaded colour
    depth  (H, W)    float32 metres along the view axis, 0 where nothing was drawn (from the seg pass)
    item   (H, W)    int32   index of the RenderItem seen at each pixel, -1 for none (sky)
    part   (H, W)    int16   index of the part within that item, -1 for none
The seg pass draws flat colours with no antialiasing, so ``item`` and ``part`` are exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from veis_gen.assets.materials import Material, texture_image
from veis_gen.assets.mesh import AssetMesh, Part
from veis_gen.render.backend import activate
from veis_gen.scene.camera import Camera, Light

MAX_ITEMS = 65535
MAX_PARTS = 255


@dataclass
class RenderItem:
    mesh: AssetMesh
    pose: np.ndarray  # world-from-object 4x4, uniform scale included
    materials: list[Material]  # one per part of ``mesh``


def encode_segment(item: int, part: int) -> tuple[int, int, int]:
    code = item * 256 + part + 1
    return (code >> 16) & 255, (code >> 8) & 255, code & 255


def decode_segments(color: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    code = (color[..., 0].astype(np.int32) << 16) | (color[..., 1].astype(np.int32) << 8) | color[..., 2]
    item = np.where(code > 0, (code - 1) // 256, -1).astype(np.int32)
    part = np.where(code > 0, (code - 1) % 256, -1).astype(np.int16)
    return item, part


def _box_uv(points: np.ndarray, normals: np.ndarray, tile: float) -> np.ndarray:
    """Project each vertex on the plane its normal faces most: seams are fine on procedural textures."""
    axis = np.abs(normals).argmax(axis=1)
    u = np.where(axis == 0, points[:, 1], points[:, 0])
    v = np.where(axis == 2, points[:, 1], points[:, 2])
    return (np.stack([u, v], axis=1) / tile).astype(np.float32)


class Renderer:
    """One offscreen context, reused for every frame of a worker."""

    def __init__(self, width: int, height: int, *, backend: str | None = None):
        self.backend = activate(backend)
        import pyrender

        self._pyrender = pyrender
        self.width, self.height = width, height
        self._renderer = pyrender.OffscreenRenderer(width, height)
        self._textures: dict = {}

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.delete()
            self._renderer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _material(self, material: Material, own_texture: np.ndarray | None = None):
        pyrender = self._pyrender
        # Textures are read as sRGB; the colour factor is linear, so flat colours are converted to match.
        linear = [(c / 255) ** 2.2 for c in material.color]
        kwargs = dict(baseColorFactor=[*linear, 1.0], metallicFactor=material.metallic,
                      roughnessFactor=material.roughness, doubleSided=True)
        if own_texture is not None:
            kwargs["baseColorFactor"] = [1.0, 1.0, 1.0, 1.0]
            kwargs["baseColorTexture"] = pyrender.Texture(source=own_texture, source_channels="RGB")
        elif material.texture:
            key = (material.texture, material.texture_seed, material.color)
            if key not in self._textures:
                image = texture_image(material.texture, material.texture_seed, material.color)
                self._textures[key] = pyrender.Texture(source=image, source_channels="RGB")
            kwargs["baseColorFactor"] = [1.0, 1.0, 1.0, 1.0]
            kwargs["baseColorTexture"] = self._textures[key]
        return pyrender.MetallicRoughnessMaterial(**kwargs)

    def _primitive(self, part: Part, material: Material):
        mesh = trimesh.Trimesh(part.vertices, part.faces, process=False)
        if part.smooth:
            positions, normals, indices = part.vertices, mesh.vertex_normals.astype(np.float32), part.faces
        else:
            positions = part.vertices[part.faces].reshape(-1, 3)
            normals = np.repeat(mesh.face_normals.astype(np.float32), 3, axis=0)
            indices = None
        own = material.original and part.texture is not None and part.uv is not None
        if own:
            uv = part.uv if indices is not None else part.uv[part.faces].reshape(-1, 2)
        else:
            uv = _box_uv(positions, normals, material.tile_metres) if material.texture else None
        return self._pyrender.Primitive(positions=positions, normals=normals, texcoord_0=uv, indices=indices,
                                        material=self._material(material, part.texture if own else None))

    def render(self, items: list[RenderItem], camera: Camera, lights: list[Light], *,
               background=(135, 170, 210), ambient: float = 0.45, shadows: bool = False,
               rgb: bool = True) -> dict[str, np.ndarray]:
        pyrender = self._pyrender
        if (camera.width, camera.height) != (self.width, self.height):
            raise ValueError(f"camera is {camera.width}x{camera.height}, renderer {self.width}x{self.height}")
        if len(items) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} items per frame")
        scene = pyrender.Scene(bg_color=[*(c / 255 for c in background), 1.0], ambient_light=[ambient] * 3)
        seg_map = {}
        for index, item in enumerate(items):
            if len(item.mesh.parts) > MAX_PARTS:
                raise ValueError(f"at most {MAX_PARTS} parts per mesh")
            for part_index, (part, material) in enumerate(zip(item.mesh.parts, item.materials, strict=True)):
                node = scene.add(pyrender.Mesh([self._primitive(part, material)]), pose=item.pose)
                seg_map[node] = encode_segment(index, part_index)
        scene.add(pyrender.IntrinsicsCamera(camera.fx, camera.fy, camera.cx, camera.cy, camera.znear, camera.zfar),
                  pose=camera.matrix)
        for light in lights:
            direction = -np.asarray(light.direction, dtype=float)
            direction /= np.linalg.norm(direction)
            pose = np.eye(4)
            helper = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
            x_axis = np.cross(helper, direction)
            x_axis /= np.linalg.norm(x_axis)
            pose[:3, 0], pose[:3, 1], pose[:3, 2] = x_axis, np.cross(direction, x_axis), direction
            scene.add(pyrender.DirectionalLight(color=light.color, intensity=light.intensity), pose=pose)

        frame = {}
        if rgb:
            flags = pyrender.RenderFlags.SHADOWS_DIRECTIONAL if shadows else pyrender.RenderFlags.NONE
            color, _ = self._renderer.render(scene, flags=flags)
            frame["rgb"] = np.ascontiguousarray(color[..., :3])
        seg_color, depth = self._renderer.render(scene, flags=pyrender.RenderFlags.SEG, seg_node_map=seg_map)
        frame["item"], frame["part"] = decode_segments(seg_color)
        frame["depth"] = depth.astype(np.float32)
        return frame
