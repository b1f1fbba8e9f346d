"""The project file: ``ankipress.toml``, or ``[tool.ankipress]`` in ``pyproject.toml``.

```toml
[build]                      # defaults for every package (all optional)
source = "source_cards"      # used when no [[package]] is listed
out = "build"
math = "mathjax"
max_source_size = "256M"   # the largest text source read (K, M, G)
strict = false

[[package]]
name = "biology"             # build/biology.apkg
sources = ["decks/biology/"] # a folder: its subfolders are subdecks
deck = "Biology"             # the root deck (folder sources) or the deck of every note
tags = ["bio"]

[[package]]
name = "mixed"
sources = ["exports/*.csv", "notes/cells.md", "brainscape.txt"]
reverse = true
```

With no file, or one that lists no package, a build makes one package per file or folder of
``source`` as before. Unknown keys are errors naming their line, with the nearest valid key.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankipress import rules
from ankipress.building.discover import InputFile, PackageSource, walk
from ankipress.duplicates import OnDuplicate
from ankipress.errors import InputError, UsageError
from ankipress.model import Diagnostic, NoteKind, Severity, SourceLocation
from ankipress.options import NoteTimes, Options, parse_separator, parse_size
from ankipress.paths import path_problem, shown_path
from ankipress.render import MathMode
from ankipress.sources import read_regular_file

CONFIG_FILE = "ankipress.toml"
_MAX_CONFIG_BYTES = 1 << 20

# Keys that set Options, with how to read each value.
_OPTION_KEYS: dict[str, tuple[type, str]] = {
    "from": (str, "input_format"),
    "deck": (str, "deck"),
    "tags": (list, "tags"),
    "strict": (bool, "strict"),
    "markdown": (bool, "markdown"),
    "allow_html": (bool, "allow_html"),
    "sanitize": (bool, "sanitize"),
    "encoding": (str, "encoding"),
    "sep": (str, "separator"),
    "card_sep": (str, "card_separator"),
    "columns": (list, "columns"),
    "on_duplicate": (str, "on_duplicate"),
    "reverse": (bool, "reverse"),
    "type_answer": (bool, "type_answer"),
    "template": (str, "template"),
    "math": (str, "math"),
    "note_times": (str, "note_times"),
    "max_source_size": (str, "max_source_bytes"),
}
_BUILD_KEYS = {"source", "out", *_OPTION_KEYS}
_PACKAGE_KEYS = {"name", "sources", *_OPTION_KEYS}


@dataclass(frozen=True, slots=True)
class Project:
    """What the project file says: where sources and outputs are, and the packages."""

    path: Path | None
    source: Path
    out: Path
    defaults: Options
    packages: tuple[PackageSource, ...]
    """The packages listed; empty: one per file or folder of :attr:`source`."""


class _Reader:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []

    def line_of(self, table: str, index: int, key: str | None) -> int | None:
        """The line of ``key`` in the ``index``-th table named ``table`` (or of the table)."""
        header = re.compile(rf"\s*\[\[?\s*{re.escape(table)}\s*\]\]?\s*(#.*)?$")
        seen, start = -1, None
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                seen += 1
                if seen == index:
                    start = number
                    if key is None:
                        return number
            elif start is not None and line.lstrip().startswith("["):
                break
            elif start is not None and key and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
                return number
        return start

    def error(self, line: int | None, message: str, hint: str | None = None) -> None:
        location = SourceLocation(str(self.path), line)
        self.diagnostics.append(
            Diagnostic(location, Severity.ERROR, message, hint, rules.PROJECT_FILE)
        )


def _toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        data = read_regular_file(path, _MAX_CONFIG_BYTES)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        diagnostic = Diagnostic(
            SourceLocation(str(path)),
            Severity.ERROR,
            f"cannot read: {reason}",
            None,
            rules.PROJECT_FILE,
        )
        raise InputError(str(diagnostic), [diagnostic]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"invalid UTF-8 (byte 0x{data[exc.start]:02x}); TOML files are UTF-8"
        diagnostic = Diagnostic(
            SourceLocation(str(path), line, column),
            Severity.ERROR,
            message,
            "save the file as UTF-8",
            rules.PROJECT_FILE,
        )
        raise InputError(str(diagnostic), [diagnostic]) from None
    import tomllib  # only when there is a file to read

    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        at = int(match.group(1)) if match else None
        diagnostic = Diagnostic(
            SourceLocation(str(path), at), Severity.ERROR, f"{exc}", None, rules.PROJECT_FILE
        )
        raise InputError(str(diagnostic), [diagnostic]) from None


def find_config(root: Path, explicit: Path | None = None) -> tuple[Path, str, Mapping[str, Any]]:
    """The project file's path, text and table: ``explicit``, ``ankipress.toml`` or pyproject."""
    if explicit is not None:
        text, data = _toml(explicit)
        if explicit.name == "pyproject.toml":
            return explicit, text, data.get("tool", {}).get("ankipress", {})
        return explicit, text, data
    own = root / CONFIG_FILE
    if own.is_file():
        text, data = _toml(own)
        return own, text, data
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        text, data = _toml(pyproject)
        table = data.get("tool", {}).get("ankipress")
        if isinstance(table, dict):
            return pyproject, text, table
    return root / CONFIG_FILE, "", {}


def _check_keys(
    reader: _Reader, table: Mapping[str, Any], allowed: set[str], where: str, index: int
) -> None:
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = (
                f"did you mean {near[0]!r}?"
                if near
                else f"known keys: {', '.join(sorted(allowed))}"
            )
            reader.error(
                reader.line_of(where, index, key), f"unknown key {key!r} in [{where}]", hint
            )


def _options(
    reader: _Reader, table: Mapping[str, Any], base: Options, where: str, index: int, root: Path
) -> Options:
    values: dict[str, Any] = {}
    for key, (kind, field) in _OPTION_KEYS.items():
        if key not in table:
            continue
        value = table[key]
        line = reader.line_of(where, index, key)
        if not isinstance(value, kind) or (
            isinstance(value, list) and not all(isinstance(v, str) for v in value)
        ):
            wanted = {str: "a string", bool: "true or false", list: "a list of strings"}[kind]
            reader.error(line, f"{key} must be {wanted}")
            continue
        try:
            values[field] = _convert(key, value, root)
        except ValueError as exc:
            reader.error(line, str(exc))
    kind_value = None
    if values.pop("reverse", False):
        kind_value = NoteKind.REVERSED
    if values.pop("type_answer", False):
        kind_value = NoteKind.TYPE_ANSWER
    if kind_value is not None:
        values["kind"] = kind_value
    return dataclasses.replace(base, **values)


def _convert(key: str, value: Any, root: Path) -> Any:
    if key in ("tags", "columns"):
        return tuple(value)
    if key in ("sep", "card_sep"):
        return parse_separator(value)
    if key == "template":
        problem = path_problem(value)
        if problem is not None:
            raise ValueError(f"template {shown_path(value)!r} is no path: {problem}")
        return root / value
    if key == "math":
        choices = [mode.value for mode in MathMode]
        if value not in choices:
            raise ValueError(f"math must be one of {', '.join(choices)}, not {value!r}")
        return MathMode(value)
    if key == "note_times":
        choices = [source.value for source in NoteTimes]
        if value not in choices:
            raise ValueError(f"note_times must be one of {', '.join(choices)}, not {value!r}")
        return NoteTimes(value)
    if key == "max_source_size":
        try:
            return parse_size(value)
        except UsageError as exc:
            raise ValueError(f"max_source_size: {exc}") from None
    if key == "on_duplicate":
        choices = [policy.value for policy in OnDuplicate]
        if value not in choices:
            raise ValueError(f"on_duplicate must be one of {', '.join(choices)}, not {value!r}")
        return OnDuplicate(value)
    return value


def _sources(
    reader: _Reader, package: Mapping[str, Any], index: int, root: Path, deck: str | None
) -> tuple[InputFile, ...]:
    line = reader.line_of("package", index, "sources")
    sources = package.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        reader.error(
            line or reader.line_of("package", index, None),
            "sources must be a list of paths or globs",
            'e.g. sources = ["decks/bio/"]',
        )
        return ()
    inputs: list[InputFile] = []
    for pattern in sources:
        problem = path_problem(pattern)
        if problem is None and any(c in pattern for c in "*?[") and Path(pattern).is_absolute():
            problem = "a pattern is relative to the project file's folder"
        if problem is not None:
            reader.error(line, f"source {shown_path(pattern)!r} is refused: {problem}")
            continue
        try:
            matches = (
                sorted(root.glob(pattern)) if any(c in pattern for c in "*?[") else [root / pattern]
            )
            matches = [m for m in matches if m.exists()]
        except (OSError, ValueError, NotImplementedError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            reader.error(line, f"source {shown_path(pattern)!r} cannot be looked for: {reason}")
            continue
        if not matches:
            reader.error(line, f"{pattern!r} matches no file or folder")
        for match in matches:
            if match.is_dir():
                top = deck or match.name
                try:
                    inputs.extend(
                        InputFile(path, "::".join((top, *path.parent.relative_to(match).parts)))
                        for path in walk(match)
                    )
                except (OSError, ValueError) as exc:
                    reason = getattr(exc, "strerror", None) or str(exc)
                    reader.error(line, f"source {shown_path(pattern)!r} cannot be read: {reason}")
            else:
                inputs.append(InputFile(match, None, deck))
    return tuple(inputs)


def load_project(root: Path, explicit: Path | None = None) -> Project:
    """The project's configuration; defaults when there is no project file.

    Raises :class:`InputError` with every problem of the file, each naming its line.
    """
    path, text, table = find_config(root, explicit)
    reader = _Reader(path, text)
    base_dir = path.parent
    build = table.get("build", {})
    if not isinstance(build, dict):
        reader.error(reader.line_of("build", 0, None), "[build] must be a table")
        build = {}
    _check_keys(
        reader,
        {k: v for k, v in table.items() if k not in ("build", "package")},
        set(),
        "ankipress",
        0,
    )
    _check_keys(reader, build, _BUILD_KEYS, "build", 0)
    defaults = _options(reader, build, Options(), "build", 0, base_dir)
    packages: list[PackageSource] = []
    listed = table.get("package", [])
    for key in ("out", "source"):
        value = build.get(key)
        if value is not None and (not isinstance(value, str) or path_problem(value)):
            problem = path_problem(value) if isinstance(value, str) else "it is not a string"
            reader.error(
                reader.line_of("build", 0, key),
                f"{key} {shown_path(str(value))!r} is no folder: {problem}",
            )
            build = {k: v for k, v in build.items() if k != key}
    out = base_dir / str(build.get("out", "build"))
    names: dict[str, int] = {}
    for index, package in enumerate(listed if isinstance(listed, list) else []):
        _check_keys(reader, package, _PACKAGE_KEYS, "package", index)
        name = package.get("name")
        line = reader.line_of("package", index, "name") or reader.line_of("package", index, None)
        if not isinstance(name, str) or not name or "/" in name:
            reader.error(line, "every [[package]] needs a name (its file name, without .apkg)")
            continue
        problem = path_problem(f"{name}.apkg")
        if problem is not None or name in (".", ".."):
            why = problem or "it names a folder"
            reader.error(line, f"name {shown_path(name)!r} is no file name: {why}")
            continue
        if name in names:
            reader.error(line, f"two packages are named {name!r}")
        names[name] = index
        options = _options(reader, package, defaults, "package", index, base_dir)
        deck = package.get("deck") if isinstance(package.get("deck"), str) else None
        inputs = _sources(reader, package, index, base_dir, deck)
        packages.append(
            PackageSource(out / f"{name}.apkg", inputs, dataclasses.replace(options, deck=None))
        )
    if reader.diagnostics:
        count = len(reader.diagnostics)
        raise InputError(f"{count} error(s) in {path}; nothing was written", reader.diagnostics)
    source = base_dir / str(build.get("source", "source_cards"))
    return Project(path if text else None, source, out, defaults, tuple(packages))
