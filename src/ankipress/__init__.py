"""ankipress: turn flashcard text into Anki decks.

The library never prints or exits; :mod:`ankipress.cli` is the command built on it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from ankipress.building.pipeline import (
    Options,
    PackagePlan,
    PackageReport,
    build,
    convert,
    plan_package,
)
from ankipress.errors import AnkipressError, InputError, UsageError, WriteError
from ankipress.model import (
    Diagnostic,
    Note,
    ReadResult,
    RenderedNote,
    Severity,
    SourceLocation,
    TextFormat,
)

try:
    __version__ = _version("ankipress")
except _PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0+unknown"

__all__ = [
    "AnkipressError",
    "Diagnostic",
    "InputError",
    "Note",
    "Options",
    "PackagePlan",
    "PackageReport",
    "ReadResult",
    "RenderedNote",
    "Severity",
    "SourceLocation",
    "TextFormat",
    "UsageError",
    "WriteError",
    "__version__",
    "build",
    "convert",
    "plan_package",
]
