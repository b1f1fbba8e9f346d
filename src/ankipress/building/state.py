"""What a build leaves for the next one and for release pages, in the output folder.

* ``manifest.json``: each package with its sha256, size, note and card counts and decks, for
  release pages and for checking what was published.
* ``.ankipress-state.json``: per package, the key of its inputs and settings (a package whose
  key is unchanged and whose file is intact is not rewritten), and each note's content hash
  and time (a note whose content is unchanged keeps its time: see :mod:`notetimes`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ankipress import rules
from ankipress.errors import WriteError
from ankipress.model import Diagnostic, Severity, SourceLocation
from ankipress.options import EARLIEST_TIME, LATEST_TIME
from ankipress.sources import read_regular_file
from ankipress.writers.common import check_target, interrupts_deferred

MANIFEST = "manifest.json"
STATE = ".ankipress-state.json"
_STATE_VERSION = 1
_MAX_STATE_BYTES = 1 << 30


@dataclass
class PackageState:
    """What the last build knew of one package."""

    key: str = ""
    sha256: str = ""
    notes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """GUID → (content hash, time)."""
    summary: dict[str, Any] = field(default_factory=dict)
    """The package's manifest entry."""


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def inputs_key(version: str, settings: str, inputs: Iterable[Path], extra: Iterable[str]) -> str:
    """A key that changes when anything a package is built from changes.

    The version of ankipress, the settings, and each input's path, size, modification time
    and content (so touching a file rebuilds its package, as ``make`` would).
    """
    digest = hashlib.sha256()
    digest.update(f"{version}\0{settings}\0".encode())
    for path in inputs:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        digest.update(file_sha256(path).encode())
    for item in extra:
        digest.update(item.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _time(value: Any) -> bool:
    return type(value) is int and EARLIEST_TIME <= value <= LATEST_TIME


def _entry(entry: Any) -> PackageState | None:
    """One package's state, or ``None`` when any part of it is not as :func:`save` writes it."""
    if not isinstance(entry, dict):
        return None
    key, sha, notes, summary = (entry.get(k) for k in ("key", "sha256", "notes", "summary"))
    if not (isinstance(key, str) and isinstance(sha, str) and isinstance(summary, dict)):
        return None
    if not isinstance(notes, dict):
        return None
    times: dict[str, tuple[str, int]] = {}
    for guid, value in notes.items():
        if not (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], str)
            and _time(value[1])
        ):
            return None
        times[guid] = (value[0], value[1])
    decks, cards = summary.get("decks", []), summary.get("cards", 0)
    if not (isinstance(decks, list) and all(isinstance(d, str) for d in decks)):
        return None
    if type(cards) is not int or cards < 0:
        return None
    return PackageState(key, sha, times, summary)


def load_state(out_dir: Path) -> dict[str, PackageState]:
    """The state the last build left in ``out_dir``; empty when there is none or it is bad.

    The file is the build's own, but anything may have happened to it: a package whose
    entry is not exactly as :func:`save` writes it (a list for a table, a time out of
    range, nesting thousands deep) is simply rebuilt.
    """
    try:
        data = json.loads(read_regular_file(out_dir / STATE, _MAX_STATE_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
        return {}
    packages = data.get("packages")
    if not isinstance(packages, dict):
        return {}
    states: dict[str, PackageState] = {}
    for name, entry in packages.items():
        state = _entry(entry)
        if state is not None:
            states[name] = state
    return states


def _write_json(path: Path, data: Any) -> None:
    temporary: str | None = None
    try:
        with interrupts_deferred():  # no Ctrl-C between making the file and this try
            check_target(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
            )
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1, ensure_ascii=False, sort_keys=True)
            stream.write("\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as exc:
        # Interrupted or failed: no temporary file is left behind.
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise
        diagnostic = Diagnostic(
            SourceLocation(str(path)),
            Severity.ERROR,
            f"cannot write: {exc.strerror or exc}",
            rule=rules.WRITE_FAILED,
        )
        raise WriteError(str(diagnostic), [diagnostic]) from None


def save(out_dir: Path, states: Mapping[str, PackageState], generator: str) -> None:
    """Write the state and the manifest for the packages of this build."""
    _write_json(
        out_dir / STATE,
        {
            "version": _STATE_VERSION,
            "packages": {
                name: {
                    "key": state.key,
                    "sha256": state.sha256,
                    "notes": {guid: list(value) for guid, value in state.notes.items()},
                    "summary": state.summary,
                }
                for name, state in states.items()
            },
        },
    )
    _write_json(
        out_dir / MANIFEST,
        {
            "generator": generator,
            "packages": [states[name].summary for name in sorted(states)],
        },
    )


def summary(
    output: Path, sha256: str, notes: int, cards: int, decks: Sequence[str]
) -> dict[str, Any]:
    """A package's manifest entry."""
    return {
        "file": output.name,
        "sha256": sha256,
        "bytes": output.stat().st_size,
        "notes": notes,
        "cards": cards,
        "decks": list(decks),
    }
