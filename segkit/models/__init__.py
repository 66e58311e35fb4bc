"""Model builders: one flat registry of keyword-only, typed functions over torchvision (no type= dicts)."""
from segkit.models.registry import MODELS, build_model, is_backbone  # noqa: F401
