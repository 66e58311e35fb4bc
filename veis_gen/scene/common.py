"""Pieces both samplers use: sky and sun, cameras, and riders mounted on their vehicles."""
from __future__ import annotations

import numpy as np

from segkit import labels
from veis_gen.scene.camera import Camera, Light, look_at
from veis_gen.scene.library import Library
from veis_gen.scene.types import Placement

MOUNTS = {"bicycle": "sit_bicycle", "motorcycle": "sit_motorcycle"}


def sample_lighting(rng: np.random.Generator) -> tuple[tuple[Light, ...], tuple[int, int, int], float]:
    """A sun from a random direction, a sky between clear blue and overcast grey, and ambient light."""
    azimuth, elevation = rng.uniform(0, 2 * np.pi), rng.uniform(np.radians(20), np.radians(75))
    direction = -np.array([np.cos(azimuth) * np.cos(elevation), np.sin(azimuth) * np.cos(elevation), np.sin(elevation)])
    overcast = rng.uniform(0, 1)
    clear, grey = np.array([110, 160, 215]), np.array([185, 190, 195])
    sky = tuple(int(v) for v in np.clip((1 - overcast) * clear + overcast * grey + rng.normal(0, 8, 3), 0, 255))
    intensity = float(rng.uniform(2.0, 4.5) * (1 - 0.5 * overcast))
    warm = rng.uniform(0, 0.15)
    light = Light(tuple(float(v) for v in direction), intensity, (1.0, 1.0 - warm / 2, 1.0 - warm))
    return (light,), sky, float(rng.uniform(0.35, 0.6) + 0.2 * overcast)


def camera_looking(width: int, height: int, eye, target, hfov: float, *, roll: float = 0.0) -> Camera:
    """A camera at ``eye`` looking at ``target``, turned ``roll`` degrees about its view axis."""
    pose = look_at(eye, target)
    if roll:
        c, s = np.cos(np.radians(roll)), np.sin(np.radians(roll))
        pose[:3, :2] = pose[:3, :2] @ np.array([[c, s], [-s, c]])
    return Camera.from_fov(width, height, hfov, pose, znear=0.25, zfar=600.0)


def foreground_weights(library: Library, class_weights: dict[str, float]) -> dict[str, float]:
    """The classes a run can draw, with the user's weights (unnamed classes weigh 1)."""
    unknown = set(class_weights) - set(labels.FOREGROUND_CLASSES)
    if unknown:
        from segkit.errors import UserError

        raise UserError(f"--class-weights: unknown foreground class(es) {', '.join(sorted(unknown))} "
                        f"(one of: {', '.join(labels.FOREGROUND_CLASSES)})")
    return {c: float(class_weights.get(c, 1.0)) for c in labels.FOREGROUND_CLASSES
            if library.has(c) and class_weights.get(c, 1.0) > 0}


def mount_rider(library: Library, rng: np.random.Generator, vehicle: Placement, group: int) -> list[Placement]:
    """A rider seated on ``vehicle`` (a bicycle or motorcycle): its seat on the vehicle's saddle."""
    vehicle = Placement(**{**vehicle.__dict__, "group": group})
    rider = library.placement(library.choose("rider", rng), rng, (0, 0, 0), vehicle.yaw, pose=MOUNTS[vehicle.class_name],
                              group=group)
    vehicle_mesh, rider_mesh = library.mesh(vehicle), library.mesh(rider)
    # Meshes from users' packs may name no anchors: then the top of the vehicle and the rider's hips.
    saddle = vehicle_mesh.anchors.get("saddle", np.array([0.0, 0.0, 0.8 * vehicle_mesh.extents[2]]))
    seat = rider_mesh.anchors.get("seat", np.array([0.0, 0.0, 0.45 * rider_mesh.extents[2]]))
    saddle = vehicle.matrix @ np.append(saddle, 1.0)
    seat_offset = rider.matrix[:3, :3] @ seat
    rider = Placement(**{**rider.__dict__, "position": tuple(float(v) for v in saddle[:3] - seat_offset)})
    return [vehicle, rider]
