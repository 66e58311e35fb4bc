"""One typed dataclass per command, overridable from a TOML file and ``--key value`` flags.

Precedence: the dataclass defaults, then ``--config FILE.toml``, then flags. The resolved config is written
as TOML beside a command's outputs, and reads back through ``--config`` unchanged.

A dict field whose metadata names ``keys`` (the dataset roots: ``catalog.roots_field()``) takes each key as a flag
and a top-level TOML setting of its own: ``--camvid DIR`` or ``camvid = "DIR"`` sets ``roots["camvid"]``,
as an absolute path: a flag's relative to the working directory, a file's relative to the file.

A field whose metadata names a ``prefix`` holds a group of settings (a dataclass, e.g. a suite's training
``SegRecipe``): each of its settings is the flag ``--PREFIX-NAME`` and the TOML key ``PREFIX_NAME``, and what is
given replaces that setting in the field's default group.

A field typed ``typing.Literal[...]`` (or a tuple of one) takes those values only: its flag lists them in the help,
and a file, a flag or a Python caller (``check_choices`` in the dataclass's ``__post_init__``) giving another is
told the allowed values in one line.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
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


def choices_of(annotation) -> tuple:
    """The values a ``Literal`` type allows (a tuple of one, or one or None, too); () for any other type."""
    kind, element = _base(annotation)
    literal = element if kind in (list, dict) else kind
    return typing.get_args(literal) if typing.get_origin(literal) is typing.Literal else ()


def _alternatives(values) -> str:
    """``a, b or c``: allowed values as an error names them."""
    values = [str(value) for value in values]
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def check_choice(where: str, value, choices: tuple) -> None:
    """``value`` is one of ``choices``, else a one-line error naming ``where`` (a flag) and the choices."""
    if value not in choices:
        raise UserError(f"{where}: expected {_alternatives(choices)}, got {value!r}")


def check_choices(config, *, positional: tuple[str, ...] = ()) -> None:
    """Each ``Literal`` field of the dataclass ``config`` holds one of its values (a tuple field: each item); an error
    names the field's flag (a ``positional`` field: its name)."""
    hints = typing.get_type_hints(type(config))
    for field in dataclasses.fields(config):
        hint, value = hints[field.name], getattr(config, field.name)
        choices, kind = choices_of(hint), _base(hint)[0]
        if not choices or value is None:
            continue
        where = field.name if field.name in positional else "--" + field.name.replace("_", "-")
        for item in value.values() if kind is dict else value if kind is list else (value,):
            check_choice(where, item, choices)


class _Listed(tuple):
    """Choices argparse shows in the help and leaves to ``resolve`` to refuse, in one line (argparse's refusal is a
    usage message and an exit)."""

    def __contains__(self, value) -> bool:
        return True


def _where(name: str, source: str) -> str:
    """How an error names a setting: its flag, a positional argument by its name, or the file and its key."""
    return f"--{name}" if source == "flag" else name if source == "positional" else f"{source}: {name}"


def _parse_scalar(kind, text: str, name: str, source: str = "flag"):
    where = _where(name, source)
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
                raise UserError(f"{_where(name, source)}: expected key=value pairs separated by commas, got {value!r}")
            value = dict(pairs)
        if not isinstance(value, dict):
            raise UserError(f"{_where(name, source)}: expected a table of key = value")
        return {str(k): _coerce_scalar(element, v, name, source) for k, v in value.items()}
    return _coerce_scalar(kind, value, name, source)


def _coerce_scalar(kind, value, name: str, source: str):
    if typing.get_origin(kind) is typing.Literal:
        check_choice(_where(name, source), value, typing.get_args(kind))
        return value
    if isinstance(value, str) and kind is not str:
        return _parse_scalar(kind, value, name, source)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is Path:
        return Path(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise UserError(f"{_where(name, source)}: expected {kind.__name__}, got {value!r}")
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
    parser.set_defaults(_positional=positional)  # so that resolve names them as they are written
    for key in _keyed(cls):
        parser.add_argument("--" + key, default=None, metavar="DIR", help=f"the {key} dataset folder")
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if field.metadata.get("keys") or field.metadata.get("prefix"):
            continue
        help_text = field.metadata.get("help", "")
        default = field.default if field.default is not dataclasses.MISSING else None
        choices = _Listed(choices_of(hints[field.name])) or None
        if field.name in positional:
            parser.add_argument(field.name, nargs="?", default=None, choices=choices, help=help_text)
            continue
        flag = "--" + field.name.replace("_", "-")
        shown = f" (default: {default})" if default not in (None, (), {}, "") else ""
        if _base(hints[field.name])[0] is list:
            parser.add_argument(flag, action="append", default=None, choices=choices, help=help_text + shown)
        else:
            parser.add_argument(flag, default=None, choices=choices, metavar=None if choices else field.name.upper(),
                                help=help_text + shown)
    for key, (field, group, setting) in _grouped(cls).items():
        default = getattr(field.default_factory(), setting.name)
        shown = f" (default: {_toml_value(default)})" if default is not None else ""
        hint = typing.get_type_hints(group)[setting.name]
        choices = _Listed(choices_of(hint)) or None
        parser.add_argument("--" + key.replace("_", "-"), default=None, choices=choices,
                            metavar=None if choices else setting.name.upper(),
                            action="append" if _base(hint)[0] is list else "store",
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
            source = "positional" if name in getattr(args, "_positional", ()) else "flag"
            values[name] = _coerce(cls, field, given, source)
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


# TOML basic strings: a backslash, a quote and the control characters (U+0000 to U+001F, U+007F) escaped
_ESCAPES = str.maketrans({**{chr(code): f"\\u{code:04X}" for code in (*range(0x20), 0x7F)},
                          "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"})


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).translate(_ESCAPES) + '"'


def settings_toml(settings: dict) -> str:
    """Plain settings (name -> value) as TOML lines, values written as ``to_toml`` writes them; None left out."""
    return "".join(f"{_toml_key(name)} = {_toml_value(value)}\n" for name, value in settings.items() if value is not None)


def _toml_key(key: str) -> str:
    """Bare where TOML allows it (ASCII letters, digits, _ and -), else quoted."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


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
            lines += [f"{_toml_key(key)} = {_toml_value(str(folder))}" for key, folder in value.items()
                      if folder is not None]
        elif value is not None:
            lines.append(f"{_toml_key(name)} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"
