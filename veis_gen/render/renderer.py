"""Offscreen rendering with pyrender: draw groups and a camera -> a frame.

A draw group is world-space geometry of one material that writes one segment id. The colour pass merges
groups by material across segments, the seg pass merges them by segment with indexed vertices and one
plain material: a street scene is a few tens of draw calls in each pass, and the same triangles.

``render`` returns a dict of arrays:
    rgb      (H, W, 3) uint8   shaded colour (absent when ``rgb=False``)
    depth    (H, W)    float32 metres along the view axis, 0 where nothing was drawn (from the seg pass)
    segment  (H, W)    int32   the segment id of the group seen at each pixel, 0 for none (sky)
The seg pass draws flat colours with no antialiasing, so ``segment`` is exact.
"""
from __future__ import annotations

import numpy as np

from veis_gen.assets.materials import texture_image
from veis_gen.render.backend import activate
from veis_gen.render.choices import SHADINGS, Backend, Shading
from veis_gen.render.compose import DrawGroup, face_normals, merge
from veis_gen.scene.camera import Camera, Light

MAX_SEGMENT = 2**24 - 1


def encode_segment(segment: int) -> tuple[int, int, int]:
    return (segment >> 16) & 255, (segment >> 8) & 255, segment & 255


def decode_segments(color: np.ndarray) -> np.ndarray:
    return (color[..., 0].astype(np.int32) << 16) | (color[..., 1].astype(np.int32) << 8) | color[..., 2]


def box_uv(points: np.ndarray, normals: np.ndarray, tile: float) -> np.ndarray:
    """Project each vertex on the plane its normal faces most: seams are fine on procedural textures."""
    axis = np.abs(normals).argmax(axis=1)
    u = np.where(axis == 0, points[:, 1], points[:, 0])
    v = np.where(axis == 2, points[:, 1], points[:, 2])
    return (np.stack([u, v], axis=1) / tile).astype(np.float32)


def lambert_direct(normals: np.ndarray, light: Light) -> np.ndarray:
    """(N, 3) the direct term of the fast shading's Lambert lighting, intensity / pi * cos * colour, in the
    normals' dtype (the colour pass's float32, so its bytes stay as they were)."""
    towards = -np.asarray(light.direction, dtype=normals.dtype)
    cosine = np.clip(normals @ (towards / np.linalg.norm(towards)), 0.0, None)
    return (light.intensity / np.pi) * cosine[:, None] * np.asarray(light.color, normals.dtype)


def _light_pose(direction) -> np.ndarray:
    forward = -np.asarray(direction, dtype=float)
    forward /= np.linalg.norm(forward)
    helper = np.array([0.0, 0.0, 1.0]) if abs(forward[2]) < 0.99 else np.array([0.0, 1.0, 0.0])
    x_axis = np.cross(helper, forward)
    x_axis /= np.linalg.norm(x_axis)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x_axis, np.cross(forward, x_axis), forward
    return pose


def _resident_texture_class():
    import pyrender

    class ResidentTexture(pyrender.Texture):
        """Stays in the GL context when a scene without it is drawn, so the pool is uploaded once.

        pyrender frees every texture the current scene lacks; the seg pass has none, so without this every
        colour pass uploaded (and mip-mapped) all its textures again."""

        def delete(self):
            pass

        def _add_to_context(self):
            if self._texid is None:
                super()._add_to_context()

    return ResidentTexture


_ResidentTexture = None


def _keep_display(platform) -> None:
    """pyrender's EGL platform ends the process's one EGL display when it deletes a context (eglTerminate), which
    would end every other context on it: a second context destroys only itself."""
    from OpenGL.EGL import eglDestroyContext

    def delete_context():
        if platform._egl_context is not None:
            eglDestroyContext(platform._egl_display, platform._egl_context)
            platform._egl_context = None
        platform._egl_display = None

    platform.delete_context = delete_context


class Renderer:
    """One offscreen context, reused for every frame of a worker."""

    def __init__(self, width: int, height: int, *, backend: Backend | None = None):
        self.backend = activate(backend)
        import pyrender

        global _ResidentTexture
        if _ResidentTexture is None:
            _ResidentTexture = _resident_texture_class()
        self._pyrender = pyrender
        self.width, self.height = width, height
        self._renderer = pyrender.OffscreenRenderer(width, height)
        # pyrender draws the nodes of a set (in memory-address order) sorted by their distance to the camera,
        # and all ours sit at the origin: where two surfaces tie in depth, the winner changed from run to
        # run. Drawing in the order they were added makes every frame the same bytes.
        self._renderer._renderer._sorted_mesh_nodes = lambda scene: sorted(scene.mesh_nodes, key=lambda n: n.name)
        self._textures: dict = {}
        self._plain = pyrender.MetallicRoughnessMaterial(doubleSided=True)
        self._coverage = None
        self._maps: Renderer | None = None  # a second context, for depth maps of another size (shadow maps)

    def close(self) -> None:
        if self._maps is not None:
            self._maps.close()
            self._maps = None
        if self._renderer is not None:
            if self._coverage is not None:
                self._renderer._platform.make_current()
                self._coverage.close()
            for texture in self._textures.values():
                if texture._texid is not None:
                    texture._remove_from_context()
            self._textures.clear()
            self._renderer.delete()
            self._renderer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _texture(self, key):
        if key not in self._textures:
            texture = _ResidentTexture(source=texture_image(*key), source_channels="RGB")
            self._textures[key] = texture
        return self._textures[key]

    def _colour_primitives(self, groups: list[DrawGroup], lit: tuple | None = None) -> list:
        """The colour pass as few primitives: every group's triangles unindexed, its colour per vertex,
        bucketed by texture and surface so one bucket is one draw.

        With ``lit`` = (lights, ambient) the vertex colours carry Lambert lighting, computed here with the
        diffuse term of pyrender's PBR shader (albedo * (ambient + intensity / pi * cos)), in sRGB for the
        FLAT shader; without, they are linear colours that pyrender's PBR shader lights."""
        pyrender = self._pyrender
        buckets: dict[tuple, list] = {}
        for group in groups:
            material = group.material
            own = material.original and group.texture is not None and group.uv is not None
            positions = group.vertices[group.faces].reshape(-1, 3)
            if group.normals is not None:
                normals = group.normals[group.faces].reshape(-1, 3)
            else:
                normals = np.repeat(face_normals(group.vertices, group.faces), 3, axis=0)
            if own:
                uv, texture_key = group.uv[group.faces].reshape(-1, 2), ("own", id(group.texture))
            elif material.texture:
                uv, texture_key = box_uv(positions, normals, material.tile_metres), (material.texture, material.texture_seed)
            else:
                uv, texture_key = None, None
            linear = np.array([(c / 255) ** 2.2 for c in (material.color if not own else (255, 255, 255))], np.float32)
            colour = np.empty((len(positions), 4), dtype=np.float32)
            colour[:, 3] = 1.0
            if lit is None:
                colour[:, :3] = linear
                key = (texture_key, round(material.roughness, 2), round(material.metallic, 2))
            else:
                lights, ambient = lit
                irradiance = np.full((len(positions), 3), ambient, dtype=np.float32)
                for light in lights:
                    irradiance += lambert_direct(normals, light)
                colour[:, :3] = np.clip(linear * irradiance, 0.0, 1.0) ** (1 / 2.2)
                key = (texture_key, 0.0, 0.0)
            buckets.setdefault(key, []).append((positions, normals, uv, colour, group.texture if own else None))
        primitives = []
        for (texture_key, roughness, metallic), items in buckets.items():
            kwargs = dict(metallicFactor=metallic, roughnessFactor=roughness, doubleSided=True)
            if texture_key is not None:
                if texture_key[0] == "own":
                    kwargs["baseColorTexture"] = pyrender.Texture(source=items[0][4], source_channels="RGB")
                else:
                    kwargs["baseColorTexture"] = self._texture(texture_key)
            primitives.append(pyrender.Primitive(
                positions=np.concatenate([i[0] for i in items]), normals=np.concatenate([i[1] for i in items]),
                texcoord_0=np.concatenate([i[2] for i in items]) if texture_key is not None else None,
                color_0=np.concatenate([i[3] for i in items]),
                material=pyrender.MetallicRoughnessMaterial(**kwargs)))
        return primitives

    def _intrinsics(self, camera: Camera):
        if (camera.width, camera.height) != (self.width, self.height):
            raise ValueError(f"camera is {camera.width}x{camera.height}, renderer {self.width}x{self.height}")
        return self._pyrender.IntrinsicsCamera(camera.fx, camera.fy, camera.cx, camera.cy, camera.znear, camera.zfar)

    def _camera_node(self, scene, camera: Camera) -> None:
        scene.add(self._intrinsics(camera), pose=camera.matrix)

    def silhouettes(self, camera: Camera, objects: list[tuple[np.ndarray, np.ndarray]],
                    boxes: list[tuple[int, int, int, int]]) -> list[np.ndarray]:
        """Each object's (vertices, faces) silhouette inside its pixel box (x0, y0, x1, y1), as a bool array:
        the pixels a segmentation pass (``rgb=False``) of that object alone would give it, all objects at once."""
        from veis_gen.render.coverage import Coverage

        projection = self._intrinsics(camera).get_projection_matrix(width=self.width, height=self.height)
        view = np.linalg.inv(np.dot(camera.matrix, np.eye(4)))  # as pyrender computes it, to round the same
        if self._coverage is None:
            self._coverage = Coverage(own_framebuffer=self.backend != "osmesa")
        self._renderer._platform.make_current()
        return self._coverage.masks(view, projection, self.width, self.height, objects, boxes)

    def depth_map(self, groups: list[DrawGroup], camera: Camera) -> np.ndarray:
        """(H, W) float32 metres along ``camera``'s view axis (0: nothing), at the camera's own size."""
        if self._maps is None or (self._maps.width, self._maps.height) != (camera.width, camera.height):
            if self._maps is not None:
                self._maps.close()
            self._maps = Renderer(camera.width, camera.height, backend=self.backend)
            if self.backend == "egl":
                _keep_display(self._maps._renderer._platform)
        depth = self._maps.render(groups, camera, [], rgb=False)["depth"]
        self._renderer._platform.make_current()  # this context current again, for the frame's next passes
        return depth

    def render(self, groups: list[DrawGroup], camera: Camera, lights: list[Light], *,
               background=(135, 170, 210), ambient: float = 0.45, shading: Shading = "fast", shadows: bool = False,
               rgb: bool = True) -> dict[str, np.ndarray]:
        """``shading``: "fast" lights vertices on the CPU and draws with pyrender's FLAT shader (about 3x
        faster on llvmpipe; matte, no shadows); "pbr" uses pyrender's PBR shader, with optional shadows."""
        pyrender = self._pyrender
        self._intrinsics(camera)
        groups = [g for g in groups if len(g.faces)]
        for group in groups:
            if not 0 < group.segment <= MAX_SEGMENT:
                raise ValueError(f"segment {group.segment} outside 1..{MAX_SEGMENT}")
        frame = {}
        if rgb:
            if shading not in SHADINGS:
                raise ValueError(f"unknown shading {shading!r} (one of: {', '.join(SHADINGS)})")
            fast = shading == "fast"
            scene = pyrender.Scene(bg_color=[*(c / 255 for c in background), 1.0], ambient_light=[ambient] * 3)
            drawn = [g for g in groups if g.drawn]
            for order, primitive in enumerate(self._colour_primitives(drawn, (lights, ambient) if fast else None)):
                scene.add(pyrender.Mesh([primitive]), name=f"{order:08d}")
            self._camera_node(scene, camera)
            if not fast:
                for light in lights:
                    scene.add(pyrender.DirectionalLight(color=light.color, intensity=light.intensity), pose=_light_pose(light.direction))
            flags = pyrender.RenderFlags.FLAT if fast else (
                pyrender.RenderFlags.SHADOWS_DIRECTIONAL if shadows else pyrender.RenderFlags.NONE)
            color, _ = self._renderer.render(scene, flags=flags)
            frame["rgb"] = np.ascontiguousarray(color[..., :3])
        seg_scene = pyrender.Scene()
        seg_map = {}
        for order, group in enumerate(merge(groups, by="segment")):
            primitive = pyrender.Primitive(positions=group.vertices, indices=group.faces, material=self._plain)
            seg_map[seg_scene.add(pyrender.Mesh([primitive]), name=f"{order:08d}")] = encode_segment(group.segment)
        self._camera_node(seg_scene, camera)
        seg_color, depth = self._renderer.render(seg_scene, flags=pyrender.RenderFlags.SEG, seg_node_map=seg_map)
        frame["segment"] = decode_segments(seg_color)
        frame["depth"] = depth.astype(np.float32)
        return frame
