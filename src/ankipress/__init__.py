"""ankipress: turn flashcard text into Anki decks.

The library never prints or exits; :mod:`ankipress.cli` is the command built on it. Each
command is a function here (:mod:`ankipress.api`): :func:`check`, :func:`build`,
:func:`convert`, :func:`diff_decks`, :func:`preview_page`, :func:`pin`.

The names below are loaded when first used (:pep:`562`), so that ``import ankipress``
stays cheap and pays for the pipeline only when it runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The one place the version is written: hatch reads it from here ([tool.hatch.version]), so
# the command needs no package metadata lookup to print it.
__version__ = "0.1.0"

if TYPE_CHECKING:
    from ankipress.api import (
        CheckReport,
        PreviewReport,
        build,
        check,
        convert,
        convert_each,
        diff_decks,
        pin,
        preview_page,
    )
    from ankipress.building.config import Project, load_project
    from ankipress.building.pin import Pinned
    from ankipress.building.pipeline import PackagePlan, PackageReport, plan_package
    from ankipress.diff import DeckDiff, NoteChange
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
    from ankipress.options import Options, parse_source_date_epoch
    from ankipress.rules import RULES, Rule

# Each public name and the module it comes from.
_EXPORTS = {
    "AnkipressError": "ankipress.errors",
    "CheckReport": "ankipress.api",
    "DeckDiff": "ankipress.diff",
    "Diagnostic": "ankipress.model",
    "InputError": "ankipress.errors",
    "Note": "ankipress.model",
    "NoteChange": "ankipress.diff",
    "Options": "ankipress.options",
    "PackagePlan": "ankipress.building.pipeline",
    "PackageReport": "ankipress.building.pipeline",
    "Pinned": "ankipress.building.pin",
    "PreviewReport": "ankipress.api",
    "Project": "ankipress.building.config",
    "RULES": "ankipress.rules",
    "ReadResult": "ankipress.model",
    "RenderedNote": "ankipress.model",
    "Rule": "ankipress.rules",
    "Severity": "ankipress.model",
    "SourceLocation": "ankipress.model",
    "TextFormat": "ankipress.model",
    "UsageError": "ankipress.errors",
    "WriteError": "ankipress.errors",
    "build": "ankipress.api",
    "check": "ankipress.api",
    "convert": "ankipress.api",
    "convert_each": "ankipress.api",
    "diff_decks": "ankipress.api",
    "load_project": "ankipress.building.config",
    "parse_source_date_epoch": "ankipress.options",
    "pin": "ankipress.api",
    "plan_package": "ankipress.building.pipeline",
    "preview_page": "ankipress.api",
}

__all__ = [
    "RULES",
    "AnkipressError",
    "CheckReport",
    "DeckDiff",
    "Diagnostic",
    "InputError",
    "Note",
    "NoteChange",
    "Options",
    "PackagePlan",
    "PackageReport",
    "Pinned",
    "PreviewReport",
    "Project",
    "ReadResult",
    "RenderedNote",
    "Rule",
    "Severity",
    "SourceLocation",
    "TextFormat",
    "UsageError",
    "WriteError",
    "__version__",
    "build",
    "check",
    "convert",
    "convert_each",
    "diff_decks",
    "load_project",
    "parse_source_date_epoch",
    "pin",
    "plan_package",
    "preview_page",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ankipress' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
