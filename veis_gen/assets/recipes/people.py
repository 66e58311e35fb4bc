"""People on the ``anny`` parametric body model: real human meshes, posed through its 104-bone rig.

Clothing comes from the dominant skinning bone of each vertex (torso and arms one garment, legs another,
skin for head and hands, shoes), with small offsets along the normals for garment silhouettes.
Poses are rotations about the rest pose's world axes at each joint, in degrees; anny's body faces -Y with
its left at +X, so ``flex`` (about X) is negative for a limb swinging forward.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from veis_gen.assets.mesh import AssetMesh, Part, rotation

# anny's topology with 10% of the vertices (2,454 triangles instead of 27,420): at street distances the
# silhouettes are the same, and a street of 20 people renders many times faster. "full" keeps every vertex.
DEFAULT_TOPOLOGY = "notoes_collapse10pc"
PHENOTYPES = ("gender", "age", "muscle", "weight", "height", "proportions")
CLOTHING = ("long", "short", "coat")


def _leg(hip: float, knee: float, ankle: float = 0.0, spread: float = 0.0) -> list:
    """Sagittal angles: hip flexion (forward +), knee flexion (+), ankle; spread abducts the leg."""
    return [("upperleg01", "x", -hip), ("upperleg01", "y", spread), ("lowerleg01", "x", knee), ("foot", "x", -ankle)]


REST_ELBOW = 40.0  # anny's A-pose already bends the forearm about 40 degrees forward


def _arm(swing: float, elbow: float, down: float = 45.0, out: float = 0.0) -> list:
    """Shoulder swing (forward +), elbow flexion (+, 0 straight); ``down`` lowers the arm from the A-pose."""
    return [("upperarm01", "y", down - out), ("upperarm01", "x", -swing), ("lowerarm01", "x", REST_ELBOW - elbow)]


def _pose(left_leg, right_leg, left_arm, right_arm, lean: float = 0.0, twist: float = 0.0) -> list:
    moves = [(f"{bone}.L", axis, deg) for bone, axis, deg in left_leg + left_arm]
    # The right side mirrors: rotations about Y and Z change sign, about X (the sagittal swing) do not.
    moves += [(f"{bone}.R", axis, deg if axis == "x" else -deg) for bone, axis, deg in right_leg + right_arm]
    moves += [("spine03", "x", lean), ("spine03", "z", twist)]
    return moves


POSES: dict[str, list] = {
    "stand": _pose(_leg(0, 2), _leg(0, 2), _arm(3, 8), _arm(3, 8)),
    "stand_phone": _pose(_leg(4, 8), _leg(-2, 2), _arm(2, 6), _arm(25, 110, down=45)),
    "walk_0": _pose(_leg(25, 5, 5), _leg(-15, 25, -10), _arm(-20, 10), _arm(22, 25)),
    "walk_1": _pose(_leg(2, 10), _leg(20, 55, 10), _arm(0, 10), _arm(5, 15)),
    "walk_2": _pose(_leg(-15, 25, -10), _leg(25, 5, 5), _arm(22, 25), _arm(-20, 10)),
    "walk_3": _pose(_leg(20, 55, 10), _leg(2, 10), _arm(5, 15), _arm(0, 10)),
    "run_0": _pose(_leg(50, 35, 5), _leg(-20, 95, -15), _arm(-35, 85), _arm(40, 90), lean=12),
    "run_1": _pose(_leg(-20, 95, -15), _leg(50, 35, 5), _arm(40, 90), _arm(-35, 85), lean=12),
    "carry_box": _pose(_leg(3, 5), _leg(-3, 5), _arm(35, 70, down=45), _arm(35, 70, down=45), lean=-4),
    "carry_bag": _pose(_leg(15, 8), _leg(-10, 15), _arm(0, 4, down=42), _arm(10, 20)),
    "sit_bicycle": _pose(_leg(85, 95, 10, 4), _leg(45, 40, -5, 4), _arm(65, 25, down=38), _arm(65, 25, down=38),
                         lean=30),
    "sit_motorcycle": _pose(_leg(75, 100, 0, 16), _leg(75, 100, 0, 16), _arm(55, 35, down=35),
                            _arm(55, 35, down=35), lean=18),
}
PEDESTRIAN_POSES = ("stand", "stand_phone", "walk_0", "walk_1", "walk_2", "walk_3", "run_0", "run_1",
                    "carry_box", "carry_bag")
RIDER_POSES = ("sit_bicycle", "sit_motorcycle")

# Garment regions by dominant skinning bone: name prefix -> region.
_REGIONS = (("finger", "skin"), ("metacarpal", "skin"), ("wrist", "skin"), ("head", "skin"), ("neck", "skin"),
            ("eye", "skin"), ("lowerarm", "sleeve"), ("upperarm", "upper_garment"), ("shoulder", "upper_garment"),
            ("clavicle", "upper_garment"), ("spine", "upper_garment"), ("pelvis", "lower_garment"),
            ("upperleg", "lower_garment"), ("lowerleg", "shin"), ("foot", "shoes"), ("toe", "shoes"),
            ("root", "lower_garment"))
_OFFSETS = {"upper_garment": 0.008, "lower_garment": 0.007, "shoes": 0.004, "hair": 0.012, "coat": 0.02}


@lru_cache(maxsize=2)
def _model(topology: str):
    import anny  # torch and the body data: imported only when a body is built

    # Plain torch skinning: warp's kernels would compile on first use and bring a second LLVM.
    return anny.Anny(topology="anny" if topology == "full" else topology, skinning_method="lbs")


def _vertex_regions(model, bone_positions: dict, vertices: np.ndarray, clothing: str, hair: str) -> np.ndarray:
    weights = model.vertex_bone_weights.numpy()
    indices = model.vertex_bone_indices.numpy()
    dominant = indices[np.arange(len(indices)), weights.argmax(1)]
    names = [model.bone_labels[i] for i in dominant]
    regions = np.array([next((r for prefix, r in _REGIONS if n.startswith(prefix)), "upper_garment") for n in names],
                       dtype=object)
    regions[regions == "sleeve"] = "skin" if clothing == "short" else "upper_garment"
    regions[regions == "shin"] = "skin" if clothing == "short" else "lower_garment"
    if clothing == "coat":
        coat = (regions == "upper_garment") | np.array([n.startswith(("upperleg", "pelvis")) for n in names])
        regions[coat] = "coat"
    if hair != "none":
        is_head = np.array([n.startswith("head") for n in names])
        eye_z = bone_positions["eye.L"][2]
        # Hair covers the top of the head and, behind the face, its back (anny faces -Y).
        behind = vertices[:, 1] > bone_positions["head"][1] + 0.02
        low = eye_z - (0.12 if hair == "long" else 0.03)
        regions[is_head & (((vertices[:, 2] > eye_z + 0.035)) | (behind & (vertices[:, 2] > low)))] = "hair"
    return regions


def _local_deltas(model, moves: list) -> dict:
    """Turn world-axis joint rotations into anny's per-bone deltas.

    anny applies a bone's delta in the frame its posed ancestors left it in, so a world rotation W at a
    bone whose ancestors turned by A becomes A^T W A; the bone then turns by W A.
    """
    import roma
    import torch

    world = {}
    for bone, axis, degrees in moves:
        vector = torch.zeros(3, dtype=model.dtype)
        vector["xyz".index(axis)] = float(np.radians(degrees))
        world[bone] = roma.rotvec_to_rotmat(vector) @ world.get(bone, torch.eye(3, dtype=model.dtype))
    parents = [int(p) for p in model.bone_parents]
    accumulated: list = []
    deltas = {}
    for index, bone in enumerate(model.bone_labels):  # parents come before their children
        above = accumulated[parents[index]] if parents[index] >= 0 else torch.eye(3, dtype=model.dtype)
        turn = world.get(bone)
        if turn is not None:
            matrix = torch.eye(4, dtype=model.dtype)
            matrix[:3, :3] = above.T @ turn @ above
            deltas[bone] = matrix[None]
            above = turn @ above
        accumulated.append(above)
    return deltas


def build_person(params: dict, pose: str) -> AssetMesh:
    """A clothed, posed body facing +X, feet (or seat) on the ground plane."""
    import torch

    if pose not in POSES:
        raise ValueError(f"unknown pose {pose!r} (one of: {', '.join(POSES)})")
    clothing = params.get("clothing", "long")
    hair = params.get("hair", "short")
    model = _model(params.get("topology", DEFAULT_TOPOLOGY))
    deltas = _local_deltas(model, POSES[pose])
    phenotype = {k: float(params.get(k, 0.5)) for k in PHENOTYPES}
    with torch.no_grad():
        rest = model(phenotype_kwargs=phenotype)
        out = model(pose_parameters=deltas, phenotype_kwargs=phenotype)
    vertices = out["vertices"][0].numpy()
    faces = model.get_triangular_faces().numpy()
    rest_bones = {name: rest["bone_poses"][0][i][:3, 3].numpy() for i, name in enumerate(model.bone_labels)}
    bones = {name: out["bone_poses"][0][i][:3, 3].numpy() for i, name in enumerate(model.bone_labels)}
    regions = _vertex_regions(model, rest_bones, rest["vertices"][0].numpy(), clothing, hair)

    import trimesh

    normals = trimesh.Trimesh(vertices, faces, process=False).vertex_normals
    offsets = np.array([_OFFSETS.get(r, 0.0) for r in regions])
    vertices = vertices + normals * offsets[:, None]
    face_regions = regions[faces]
    # A face takes the region most of its vertices have (the first vertex's on a three-way tie).
    majority = np.where(face_regions[:, 1] == face_regions[:, 2], face_regions[:, 1], face_regions[:, 0])
    parts = []
    for region in ("skin", "hair", "upper_garment", "coat", "lower_garment", "shoes"):
        selected = faces[majority == region]
        if len(selected) == 0:
            continue
        used, inverse = np.unique(selected, return_inverse=True)
        kind = "upper_garment" if region == "coat" else region
        parts.append(Part(region, vertices[used].astype(np.float32), inverse.reshape(-1, 3).astype(np.int32),
                          kind=kind, smooth=True))
    seat = (bones["upperleg01.L"] + bones["upperleg01.R"]) / 2 - np.array([0.0, 0.0, 0.09])
    anchors = {"seat": seat, "hand_left": bones["wrist.L"], "hand_right": bones["wrist.R"]}
    mesh = AssetMesh(parts, anchors).transformed(rotation("z", 90))
    return mesh.grounded()
