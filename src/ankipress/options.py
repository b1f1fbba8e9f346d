"""The settings of a build, and how users write some of them."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ankipress.duplicates import OnDuplicate
from ankipress.errors import UsageError
from ankipress.model import NoteKind
from ankipress.render import MathMode


class NoteTimes(enum.Enum):
    """Where each note's time comes from (:mod:`ankipress.building.notetimes`)."""

    GIT = "git"
    """The commit time of the note's own lines, else as ``MTIME``; ``build`` refuses a shallow
    clone."""
    MTIME = "mtime"
    """No git: a note unchanged since the previous build keeps its time, any other note gets
    the package's time (the inputs' newest modification time)."""
    FIXED = "fixed"
    """Every note gets the package's time (``SOURCE_DATE_EPOCH``, else the inputs' newest
    modification time): every note updates whenever that time moves."""


@dataclass(frozen=True, slots=True)
class Options:
    """How to read and render the inputs of a package."""

    input_format: str | None = None
    """A reader's name, or ``None`` to detect the format of each file."""
    deck: str | None = None
    """Put every note in this deck instead of the one its source names."""
    tags: tuple[str, ...] = ()
    """Tags added to every note."""
    strict: bool = False
    """Treat warnings as errors."""
    markdown: bool = False
    """Treat plain-text fields as Markdown."""
    allow_html: bool = False
    """Fields hold HTML: raw HTML in Markdown is kept instead of escaped, and plain-text
    fields (without ``markdown``) are read as HTML, as Anki's "Allow HTML in fields" does."""
    encoding: str | None = None
    """The inputs' encoding; ``None``: UTF-8 unless a byte-order mark says otherwise."""
    separator: str | None = None
    """Field separator for formats that let the user choose one (Quizlet, CSV)."""
    card_separator: str | None = None
    """Card separator for formats that let the user choose one (Quizlet)."""
    columns: tuple[str, ...] | None = None
    """Column names for tables (CSV/TSV), overriding their header."""
    on_duplicate: OnDuplicate = OnDuplicate.AUTO
    """What to do with a question asked twice in one deck."""
    kind: NoteKind | None = None
    """Make every basic note of this kind instead (reversed, type in the answer)."""
    template: Path | None = None
    """A folder with the user's front.html, back.html and style.css for basic notes."""
    math: MathMode = MathMode.MATHJAX
    """What formulas become: MathJax delimiters, SVG rendered now, or left as written."""
    to: str | None = None
    """The output format (``apkg``, ``markdown``, …); ``None``: from the output's extension."""
    media_dir: Path | None = None
    """Where a text output puts media files; ``None``: ``<output stem>.media`` beside it."""
    sanitize: bool = False
    """Remove active content (scripts, frames, event handlers) from HTML fields with nh3."""
    max_source_bytes: int | None = None
    """The largest text source read, in bytes; ``None``: the default limit
    (:data:`ankipress.sources.MAX_SOURCE_BYTES`, 256 MiB)."""
    keep_formulas: bool = False
    """CSV output: cells starting with ``=``, ``+``, ``-``, ``@`` as they are, not escaped."""
    note_times: NoteTimes = NoteTimes.GIT
    """Where each note's time comes from."""
    progress: Callable[[str, int, int], None] | None = field(
        default=None, repr=False, compare=False
    )
    """Called as ``progress(package, done, total)`` while notes are rendered (a progress bar);
    not a setting: it changes nothing in the output."""


EARLIEST_TIME = 315_532_800
"""1980-01-01: the earliest time a package is stamped with (zip's first year; Anki takes no
zero time, and a note stamped before the one in a collection never updates it)."""
LATEST_TIME = 253_402_300_799
"""9999-12-31 23:59:59: ids derived from times in milliseconds stay within SQLite's range."""


def parse_source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """``SOURCE_DATE_EPOCH`` from ``environ`` as seconds, ``None`` when unset or empty."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 20:
        # "³" is a digit to isdigit(), not to int()
        raise UsageError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {value!r}")
    seconds = int(value)
    if not EARLIEST_TIME <= seconds <= LATEST_TIME:
        raise UsageError(
            f"SOURCE_DATE_EPOCH={value} is out of range: it must be between {EARLIEST_TIME} "
            f"(1980-01-01) and {LATEST_TIME} (9999-12-31)"
        )
    return seconds


_SEPARATOR_NAMES = {
    "tab": "\t",
    "\\t": "\t",
    "newline": "\n",
    "\\n": "\n",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "colon": ":",
    "space": " ",
}


def parse_separator(text: str) -> str:
    """A separator as a user writes it: ``\\t``, ``\\n``, a name (``tab``, ``comma``), or itself."""
    if not text:
        raise UsageError("a separator cannot be empty")
    named = _SEPARATOR_NAMES.get(text.lower())
    # A shell passes "\n\n" as backslashes; a blank line between cards is what is meant.
    return named if named is not None else text.replace("\\n", "\n").replace("\\t", "\t")


_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
_SIZE = re.compile(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """A size as a user writes it: bytes, or with K, M or G (powers of 1024): ``512M``."""
    match = _SIZE.fullmatch(text)
    if match is None or int(match[1]) == 0:
        raise UsageError(f"{text!r} is not a size: write bytes, or a number with K, M or G (512M)")
    return int(match[1]) * _SIZE_UNITS[match[2].lower()]
