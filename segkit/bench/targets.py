"""What a sim-to-real target's synthetic data is made with: veis-gen's settings that transfer best to it.

Measured by benchmarks/generator_ablation.py (CamVid: +5.4 mIoU for synthetic-only DeepLab over veis-gen's
defaults); benchmarks/configs/generate_camvid.toml holds the same settings for veis-gen run alone.
"""
from __future__ import annotations

TARGET_GENERATOR = {
    "camvid": {"traffic": "left", "streets": "mixed", "season": "mixed", "camera": "camvid", "furniture": True,
               "effects": "camera"},
}


def generator_settings(config) -> dict:
    """veis-gen's settings for a suite's synthetic data: none beyond its defaults where ``config.generate_config``
    names a file (that file holds them), else the target dataset's best known (``TARGET_GENERATOR``)."""
    if config.generate_config is not None:
        return {}
    return dict(TARGET_GENERATOR.get(config.target.split(":", 1)[0], {}))


def describe_generator(config) -> str:
    if config.generate_config is not None:
        return f"veis-gen settings from {config.generate_config}"
    settings = generator_settings(config)
    if not settings:
        return "veis-gen's default settings"
    return "the target's veis-gen settings (" + ", ".join(f"{k} {_flag(v)}" for k, v in settings.items()) + ")"


def _flag(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def generator_flags(config) -> list[str]:
    """``generator_settings`` as veis-gen flags."""
    return [text for key, value in generator_settings(config).items() for text in (f"--{key}", _flag(value))]
