"""One typed dataclass per command, overridable from a TOML file and ``--key value`` flags.

Precedence: the dataclass defaults, then ``--config FILE.toml``, then flags. The resolved config is written
as TOML beside a command's outputs, and reads back through ``--config`` unchanged.

A dict field whose metadata names ``keys`` (the dataset roots: ``catalog.roots_field()``) takes each key as a flag
and a top-level TOML setting of its own: ``--camvid DIR`` or ``camvid = "DIR"`` sets ``roots["camvid"]``,
as an absolute path: a flag's relative to the working directory, a file's relative to the file.

A field whose metadata names a ``prefix`` holds a group of settings (a dataclass, e.g. a suite's training
``SegRecipe``): each of its settings is the flag ``--PREFIX-NAME`` and the TOML key ``PREFIX_NAME``, and what is
given replaces that setting in the field's default group.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
import types
import typing
from pathlib import Path

from segkit.errors import UserError


def _base(annotation):
    """(kind, element) where kind is one of bool, int, float, str, list, dict."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _base(args[0])
    if origin in (list, tuple):
        return list, typing.get_args(annotation)[0]
    if origin is dict:
        return dict, typing.get_args(annotation)[1]
    return annotation, None


def _parse_scalar(kind, text: str, name: str, source: str = "flag"):
    where = f"--{name}" if source == "flag" else f"{source}: {name}"
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise UserError(f"{where}: expected true or false, got {text!r}")
    try:
        return kind(text)
    except ValueError:
        raise UserError(f"{where}: expected {kind.__name__}, got {text!r}") from None


def _coerce(cls, field: dataclasses.Field, value, source: str, name: str = ""):
    kind, element = _base(typing.get_type_hints(cls)[field.name])
    name = name or field.name.replace("_", "-")
    if value is None:
        return None
    if kind is list:
        items = value if isinstance(value, list) else [value]
        return tuple(_coerce_scalar(element, item, name, source) for item in items)
    if kind is dict:
        if isinstance(value, str):  # "car=2,person=1" from a flag
            pairs = [p.split("=", 1) for p in value.split(",") if p]
            if any(len(p) != 2 for p in pairs):
                raise UserError(f"{source}: {name}: expected key=value pairs separated by commas, got {value!r}")
            value = dict(pairs)
        if not isinstance(value, dict):
            raise UserError(f"{source}: {name}: expected a table of key = value")
        return {str(k): _coerce_scalar(element, v, name, source) for k, v in value.items()}
    return _coerce_scalar(kind, value, name, source)


def _coerce_scalar(kind, value, name: str, source: str):
    if isinstance(value, str) and kind is not str:
        return _parse_scalar(kind, value, name, source)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is Path:
        return Path(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UserError(f"{source}: {name}: expected {kind.__name__}, got {value!r}")
    return value


def _keyed(cls) -> dict[str, str]:
    """Flag or TOML key -> the dict field that holds it."""
    return {key: f.name for f in dataclasses.fields(cls) for key in f.metadata.get("keys", ())}


def _grouped(cls) -> dict[str, tuple[dataclasses.Field, type, dataclasses.Field]]:
    """``PREFIX_NAME`` -> (the group field, the group's class, the setting's field in it)."""
    hints, keys = typing.get_type_hints(cls), {}
    for field in dataclasses.fields(cls):
        if field.metadata.get("prefix"):
            group = hints[field.name]
            for setting in dataclasses.fields(group):
                keys[f"{field.metadata['prefix']}_{setting.name}"] = (field, group, setting)
    return keys


def add_arguments(parser: argparse.ArgumentParser, cls, *, positional: tuple[str, ...] = ()) -> None:
    """``--config`` plus one flag per field (defaults None, so only what was given overrides)."""
    parser.add_argument("--config", type=Path, help="a TOML file of settings (flags override it)")
    for key in _keyed(cls):
        parser.add_argument("--" + key, default=None, metavar="DIR", help=f"the {key} dataset folder")
    for field in dataclasses.fields(cls):
        if field.metadata.get("keys") or field.metadata.get("prefix"):
            continue
        help_text = field.metadata.get("help", "")
        default = field.default if field.default is not dataclasses.MISSING else None
        if field.name in positional:
            parser.add_argument(field.name, nargs="?", default=None, help=help_text)
            continue
        kind, _ = _base(typing.get_type_hints(cls)[field.name])
        flag = "--" + field.name.replace("_", "-")
        shown = f" (default: {default})" if default not in (None, (), {}, "") else ""
        if kind is list:
            parser.add_argument(flag, action="append", default=None, help=help_text + shown)
        else:
            parser.add_argument(flag, default=None, metavar=field.name.upper(), help=help_text + shown)
    for key, (field, group, setting) in _grouped(cls).items():
        default = getattr(field.default_factory(), setting.name)
        shown = f" (default: {_toml_value(default)})" if default is not None else ""
        parser.add_argument("--" + key.replace("_", "-"), default=None, metavar=setting.name.upper(),
                            action="append" if _base(typing.get_type_hints(group)[setting.name])[0] is list else "store",
                            help=setting.metadata.get("help", "") + shown)


def resolve(cls, args: argparse.Namespace):
    """Build the config from defaults, the TOML file and the flags, checking names and types."""
    values = {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    keyed, grouped, overrides = _keyed(cls), _grouped(cls), {}
    if getattr(args, "config", None):
        path = Path(args.config)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{path}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise UserError(f"{path}: not valid TOML ({exc})") from None
        for key, value in data.items():
            name = key.replace("-", "_")
            if key in keyed:  # a folder: relative to the config file, not to where the command runs
                folder = _coerce_scalar(str, value, key, str(path))
                values.setdefault(keyed[key], {})[key] = os.path.abspath(os.path.join(path.parent, folder))
                continue
            if name in grouped:
                field, group, setting = grouped[name]
                overrides.setdefault(field.name, {})[setting.name] = _coerce(group, setting, value, str(path), key)
                continue
            if name not in fields or fields[name].metadata.get("prefix"):
                known = [n for n, f in fields.items() if not f.metadata.get("prefix")] + list(grouped)
                raise UserError(f"{path}: unknown setting '{key}' (known: {', '.join(sorted(known))})")
            values[name] = _coerce(cls, fields[name], value, str(path))
    for name, field in fields.items():
        given = getattr(args, name, None)
        if given is not None and not field.metadata.get("keys") and not field.metadata.get("prefix"):
            values[name] = _coerce(cls, field, given, "flag")
    for key, (field, group, setting) in grouped.items():
        given = getattr(args, key, None)
        if given is not None:
            overrides.setdefault(field.name, {})[setting.name] = _coerce(group, setting, given, "flag",
                                                                         key.replace("_", "-"))
    for name, changed in overrides.items():
        values[name] = dataclasses.replace(fields[name].default_factory(), **changed)
    for key, name in keyed.items():
        given = getattr(args, key, None)
        if given is not None:
            values[name] = {**values.get(name, {}), key: os.path.abspath(given)}
    missing = [n for n, f in fields.items() if n not in values and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise UserError(f"missing setting: {', '.join('--' + m.replace('_', '-') for m in missing)}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise UserError(str(exc)) from None


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'"{key}"'


def flat(config) -> dict:
    """Field name -> value, with a group's settings as ``PREFIX_NAME`` (those left at None out)."""
    values = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if field.metadata.get("prefix"):
            values.update({f"{field.metadata['prefix']}_{name}": setting
                           for name, setting in dataclasses.asdict(value).items() if setting is not None})
        else:
            values[field.name] = value
    return values


def to_toml(config) -> str:
    """The config as TOML; fields that are None are left out (absent means the default)."""
    keyed = {field.name for field in dataclasses.fields(config) if field.metadata.get("keys")}
    lines = []
    for name, value in flat(config).items():
        if name in keyed:
            lines += [f"{key} = {_toml_value(str(folder))}" for key, folder in value.items() if folder is not None]
        elif value is not None:
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
