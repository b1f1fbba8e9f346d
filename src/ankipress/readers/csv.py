"""Reader for CSV and TSV tables: a question and an answer per row; tags, deck and id optional.

* Delimiter: ``--sep``; else Excel's ``sep=;`` first line; else ``.tsv`` tab and ``.csv``
  comma unless the rows clearly split on another (Excel writes ``;`` in many locales: an
  info line says so); else whichever of comma, tab, semicolon, pipe splits the rows most
  evenly. Two splitting them equally well get a warning naming both.
* Quoting is RFC 4180. A row's line is the physical line it starts on. A quote never
  closed, or text after a closing quote, is an error naming the line the quote opened on;
  reading resumes on the next line, so a stray quote cannot swallow the rest of the file.
* Columns: ``--columns question,answer,tags,deck`` (``skip`` or nothing ignores one); else
  a first row whose cells all name columns (``front``/``back``, ``question``/``answer``,
  ``term``/``definition``, ``q``/``a``, ``tags``/``tag``, ``deck``, ``guid``/``id``; any
  case) is a header; else question, answer, and a third column of tags.
* Width: without a header, the width most rows have (so the row with an unquoted comma is
  the error, not all the others), counting only columns holding text somewhere. Empty
  cells past the width, as spreadsheets pad rows (``q,a,,``), are ignored; text past it is
  an error, and so is a short row unless only tags, deck or id are missing.
* Blank rows (``,,,`` too) are skipped. Tags split on white space; an empty deck cell means
  the file's deck; an id is kept as written but for surrounding white space (an Anki GUID
  has none); an empty one means "derive one".
"""

from __future__ import annotations

import contextlib
import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from ankipress.model import Diagnostic, Note, ReadOptions, ReadResult, Severity, SourceLocation
from ankipress.sources import MAX_FIELD_CHARS, Source

if TYPE_CHECKING:
    from _csv import Reader

_ALIASES = {
    **dict.fromkeys(("question", "front", "term", "q"), "question"),
    **dict.fromkeys(("answer", "back", "definition", "a"), "answer"),
    **dict.fromkeys(("tags", "tag"), "tags"),
    "deck": "deck",
    **dict.fromkeys(("guid", "id"), "guid"),
}
_SKIP = "skip"
_ACCEPTED = "question (front, term, q), answer (back, definition, a), tags, deck, guid (id)"
_CANDIDATES = (",", "\t", ";", "|")
_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_EXCEL_SEP = re.compile(r"sep=(.)")
_ANKI_HEADER = re.compile(r"#(separator|html|columns|notetype|deck|tags)\b.*:", re.IGNORECASE)
_CLOZE = re.compile(r"\{\{c\d+::")
_SAMPLE_LINES = 200
_SURE_FIT = 0.9
"""A delimiter giving this share of rows one width (two or more) surely fits."""
_SEP_HINT = "if that is wrong, name the delimiter with --sep"


def column_role(name: str) -> str | None:
    """The column a header cell or ``--columns`` name means, or ``None`` if unknown."""
    key = name.strip().casefold()
    return _SKIP if key in ("", _SKIP) else _ALIASES.get(key)


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a row names columns: every non-empty cell a known name, question and answer."""
    roles = [_ALIASES.get(cell.strip().casefold()) for cell in cells if cell.strip()]
    return None not in roles and {"question", "answer"} <= set(roles)


def allow_long_fields() -> None:
    """Let :mod:`csv` read fields up to :data:`~ankipress.sources.MAX_FIELD_CHARS`.

    Its own default (128 Ki characters) is process-wide and lower; a field over our cap
    is then the module's "field larger than field limit" error, reported with its line.
    """
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)


def too_long_message() -> tuple[str, str]:
    """What to say about a field :mod:`csv` refused as longer than the cap, and the hint."""
    return (
        f"a field of this row is longer than {MAX_FIELD_CHARS:,} characters, the most a "
        "field may hold",
        "is a quote left open? keep pictures and long texts as media files",
    )


def _parse(lines: Sequence[str], delimiter: str) -> Reader:
    """A strict RFC 4180 reader fed physical lines, so ``line_num`` counts physical lines."""
    allow_long_fields()
    feed = (line + "\n" for line in lines)
    return csv.reader(feed, delimiter=delimiter, strict=True, skipinitialspace=True)


def _width(cells: Sequence[str]) -> int:
    """The number of cells up to the last one holding text."""
    return max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)


def _fit(lines: Sequence[str], delimiter: str) -> tuple[float, list[list[str]]]:
    """The share of rows of the usual width (0 if under two columns), and the rows."""
    rows: list[list[str]] = []
    with contextlib.suppress(csv.Error):  # a sample may end inside a quoted field
        rows.extend(cells for cells in _parse(lines, delimiter) if _width(cells))
    if not rows:
        return 0.0, rows
    width, count = Counter(len(cells) for cells in rows).most_common(1)[0]
    return (count / len(rows) if width >= 2 else 0.0), rows


def _name(delimiter: str) -> str:
    return _NAMES.get(delimiter, repr(delimiter))


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    """1-based physical line the row starts on."""
    cells: list[str]


@dataclass
class _Reading:
    """What one read has found so far."""

    source: Source
    notes: list[Note] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cards_seen: int = 0
    named: bool = False
    """Whether a header row or ``--columns`` names the columns."""

    def report(self, line: int | None, severity: Severity, message: str, hint: str = "") -> None:
        where = SourceLocation(self.source.path, line)
        self.diagnostics.append(Diagnostic(where, severity, message, hint or None))


class CsvReader:
    """CSV or TSV table (question, answer, tags, deck columns; header optional)."""

    name: str = "csv"
    extensions: tuple[str, ...] = (".csv", ".tsv")
    description: str = "CSV or TSV table (question, answer, tags, deck columns; header optional)"
    options: tuple[str, ...] = ("--sep", "--columns")

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a table, from 0 to 1.

        The extension is the strongest sign; else a header row (0.7) or quoted fields (0.6)
        in evenly split rows. Rows merely split on tabs (0.4) are as likely a Quizlet export.
        """
        if PurePath(source.path).suffix.lower() in self.extensions:
            return 0.8
        sample = source.lines[:_SAMPLE_LINES]
        if any(_ANKI_HEADER.match(line) for line in sample[:10]):
            return 0.0
        text, best = "\n".join(sample), 0.0
        for delimiter in _CANDIDATES[:3]:  # rows split on pipes are more often Markdown
            fit, rows = _fit(sample, delimiter)
            if fit >= _SURE_FIT:
                quoted = re.search(rf'(^|{re.escape(delimiter)}) *"', text, re.MULTILINE)
                best = max(best, 0.7 if looks_like_header(rows[0]) else 0.6 if quoted else 0.4)
        return best

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every row of ``source`` as a note; problems become diagnostics, never exceptions."""
        reading = _Reading(source)
        first, delimiter = _delimiter(reading, options.separator)
        if delimiter is not None:
            rows = _rows(reading, first, delimiter)
            roles = _roles(reading, rows, options.columns)
            if roles is not None:
                reading.cards_seen += len(rows)
                for row in rows:
                    _note(reading, row, roles, delimiter, options.default_deck)
        if not reading.notes and all(d.severity is not Severity.ERROR for d in reading.diagnostics):
            reading.report(
                None, Severity.ERROR, "no cards found", "a row holds a question and answer"
            )
        # Quote errors are found while splitting rows, the rest later: show them in order.
        found = sorted(reading.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(reading.notes), tuple(found), reading.cards_seen)


def _delimiter(reading: _Reading, given: str | None) -> tuple[int, str | None]:
    """The 0-based first line of the table and its delimiter (``None`` after an error)."""
    lines = reading.source.lines
    if not reading.source.text.strip():
        reading.report(None, Severity.ERROR, "the file is empty: no cards found")
        return 0, None
    excel = _EXCEL_SEP.fullmatch(lines[0].strip())
    first = 1 if excel else 0
    if given is not None:
        if len(given) == 1 and given not in '\r\n"':
            return first, given
        message = f"a CSV delimiter is one character other than a quote, not {given!r}"
        reading.report(None, Severity.ERROR, message, "name it with --sep, for example --sep ';'")
        return first, None
    if excel:
        return first, excel.group(1)
    suffix = PurePath(reading.source.path).suffix.lower()
    if suffix == ".tsv":
        return first, "\t"
    default = "," if suffix == ".csv" else None
    return first, _sniff(reading, lines[first : first + _SAMPLE_LINES], default)


def _sniff(reading: _Reading, sample: Sequence[str], default: str | None) -> str | None:
    """The delimiter that splits ``sample`` most evenly, ``default`` first among equals."""
    order = sorted(_CANDIDATES, key=lambda d: d != default)
    fits = {d: _fit(sample, d) for d in order}
    best = max(order, key=lambda d: fits[d][0])  # max keeps the first of equals
    score = fits[best][0]
    if score == 0.0:
        if default or any(len(cells) > 1 for d in order for cells in fits[d][1]):
            return default or ","  # rows of uneven widths: each will be reported
        hint = "a row holds a question and an answer; name the delimiter with --sep"
        reading.report(None, Severity.ERROR, "no row has two columns", hint)
        return None
    rivals = [d for d in order if d != best and fits[d][0] == score >= _SURE_FIT]
    if rivals:
        message = (
            f"the rows split as evenly on {_name(rivals[0])} as on {_name(best)}; "
            f"read as {_name(best)}-separated"
        )
        reading.report(None, Severity.WARNING, message, _SEP_HINT)
    elif best != default:
        message = f"read as {_name(best)}-separated (detected)"
        reading.report(None, Severity.INFO, message, _SEP_HINT)
    return best


def _rows(reading: _Reading, first: int, delimiter: str) -> list[_Row]:
    """Every non-blank row from line ``first`` (0-based) on, resuming after a bad quote."""
    lines = reading.source.lines
    rows: list[_Row] = []
    start = first
    while start < len(lines):
        reader = _parse(lines[start:], delimiter)
        consumed = 0
        try:
            for cells in reader:
                if _width(cells):
                    rows.append(_Row(start + consumed + 1, cells))
                consumed = reader.line_num
            break
        except csv.Error as exc:
            detected = start + reader.line_num
            opened = _quote_line(lines, start + consumed, detected, delimiter)
            _report_quote(reading, opened, detected, str(exc))
            start = opened + 1
    return rows


def _quote_line(lines: Sequence[str], start: int, stop: int, delimiter: str) -> int:
    """The 0-based line on which the last quoted field in ``lines[start:stop]`` opened."""
    opened, in_quote = start, False
    for index in range(start, min(stop, len(lines))):
        line, at_field_start, position = lines[index], not in_quote, 0
        while position < len(line):
            char = line[position]
            if in_quote and char == '"':
                doubled = line.startswith('"', position + 1)
                position += doubled
                in_quote = doubled
            elif in_quote:
                pass
            elif char == delimiter:
                at_field_start = True
            elif char == '"' and at_field_start:
                in_quote, opened, at_field_start = True, index, False
            elif not char.isspace():
                at_field_start = False
            position += 1
    return opened


def _report_quote(reading: _Reading, opened: int, detected: int, error: str) -> None:
    hint = 'write a quote inside a quoted field as two quotes ("")'
    if "expected after" in error and detected == opened + 1:
        message = "text after the closing quote of a quoted field"
    elif "expected after" in error:
        message = f"the quoted field opened here ends on line {detected} with text after its quote"
        hint = f"is a closing quote missing on this line? {hint}"
    elif "field limit" in error:
        message, hint = too_long_message()
    elif "end of data" in error:
        message = "unterminated quote: the quoted field opened on this line is never closed"
        hint = f'end it with a quote ("); {hint}'
    else:
        message, hint = f"cannot read this row: {error}", ""
    reading.report(opened + 1, Severity.ERROR, message, hint)
    reading.cards_seen += 1  # a row lost to the bad quote


def _roles(
    reading: _Reading, rows: list[_Row], columns: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The role of each column (``None`` after an error); drops a header row from ``rows``."""
    header = rows.pop(0) if rows and looks_like_header(rows[0].cells) else None
    reading.named = header is not None or columns is not None
    if columns is not None:
        unknown = [name for name in columns if column_role(name) is None]
        if unknown:
            message = f"unknown column name {unknown[0]!r} in --columns"
            hint = f"name columns {_ACCEPTED}; skip (or nothing) ignores a column"
            reading.report(None, Severity.ERROR, message, hint)
            return None
        if header is not None:
            reading.report(header.line, Severity.NOTE, "header row ignored: --columns names them")
        return _checked(reading, tuple(column_role(n) or _SKIP for n in columns), None, "--columns")
    if header is not None:
        named = header.cells[: _width(header.cells)]
        roles = tuple(column_role(cell) or _SKIP for cell in named)
        return _checked(reading, roles, header.line, "the header row")
    if not rows:
        return ("question", "answer")
    usual = Counter(len(row.cells) for row in rows).most_common()
    width = min(count for count, seen in usual if seen == usual[0][1])  # narrower of equals
    width = max(2, min(width, max(_width(row.cells) for row in rows)))
    if width <= 3:
        return ("question", "answer", "tags")[:width]
    # The width counts cells, padding too (q,a,,): the first row as wide in text, or wider.
    line = next((row.line for row in rows if _width(row.cells) >= width), rows[0].line)
    hint = "name them in a first row (question,answer,tags,deck) or with --columns"
    reading.report(line, Severity.ERROR, f"{width} columns and no header row naming them", hint)
    return None


def _checked(
    reading: _Reading, roles: tuple[str, ...], line: int | None, where: str
) -> tuple[str, ...] | None:
    """``roles`` if they name a question and an answer, each role at most once."""
    named = [role for role in roles if role != _SKIP]
    repeated = sorted({role for role in named if named.count(role) > 1})
    missing = [role for role in ("question", "answer") if role not in named]
    if not repeated and not missing:
        return roles
    problem = f"names {repeated[0]} twice" if repeated else f"names no {missing[0]} column"
    reading.report(line, Severity.ERROR, f"{where} {problem}", f"name columns {_ACCEPTED}")
    return None


def _fitted(reading: _Reading, row: _Row, roles: tuple[str, ...], delimiter: str) -> list[str]:
    """The row's cells, one per role; empty after reporting a wrong column count."""
    expected, found = len(roles), _width(row.cells)
    if found <= expected and not {"question", "answer"} & set(roles[len(row.cells) :]):
        return [*row.cells[:expected], *[""] * (expected - len(row.cells))]
    if found > expected:
        what = f"{_NAMES[delimiter]}s" if delimiter in _NAMES else repr(delimiter)
        hint = f"quote fields that contain {what}"
        hint += "" if reading.named else ", or name the columns in a header row"
    else:
        found, hint = len(row.cells), "every row needs its question and answer"
    message = f"expected {expected} columns ({', '.join(roles)}), found {found}"
    reading.report(row.line, Severity.ERROR, message, hint)
    return []


def _note(
    reading: _Reading, row: _Row, roles: tuple[str, ...], delimiter: str, default_deck: str
) -> None:
    """Add the row's note, or report why it makes none."""
    fitted = _fitted(reading, row, roles, delimiter)
    if not fitted:
        return
    cells = dict(zip(roles, fitted, strict=True))
    # A cloze's answer is its extra text, often empty (what the CSV writer writes then).
    cloze = _CLOZE.search(cells["question"]) is not None
    empty = [
        role
        for role in ("question", "answer")
        if not cells[role].strip() and not (role == "answer" and cloze)
    ]
    if empty:
        message = f"the {' and the '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty"
        columns = " and ".join(f"column {roles.index(role) + 1}" for role in empty)
        reading.report(row.line, Severity.ERROR, message, f"fill in {columns}, or delete the row")
        return
    # Line breaks live only inside quoted fields, each one a physical line break.
    answer_line = row.line + sum(cell.count("\n") for cell in fitted[: roles.index("answer")])
    path = reading.source.path
    reading.notes.append(
        Note(
            question=cells["question"],
            answer=cells["answer"],
            deck=cells.get("deck", "").strip() or default_deck,
            location=SourceLocation(path, row.line),
            tags=tuple(cells.get("tags", "").split()),
            guid=cells.get("guid", "").strip() or None,
            answer_location=SourceLocation(path, answer_line),
        )
    )
