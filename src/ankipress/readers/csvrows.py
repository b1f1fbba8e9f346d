"""Splitting a table's text into rows: its delimiter and RFC 4180 quoting, as Anki reads them.

* Delimiter: ``--sep``; else Excel's ``sep=;`` first line; else ``.tsv`` tab and ``.csv``
  comma unless the rows clearly split on another (Excel writes ``;`` in many locales: an
  info line says so); else whichever of comma, tab, semicolon, pipe splits the rows most
  evenly. Two splitting them equally well get a warning naming both.
* Quoting is RFC 4180. A row's line is the physical line it starts on. A quote never closed
  is an error naming the line the quote opened on; text after a closing quote on that same
  line is kept as Anki keeps it, with a warning. Reading resumes after a bad quote, so a
  stray quote cannot swallow the rest of the file.

Mapping the rows' columns to fields is :mod:`ankipress.readers.csv`'s.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Protocol

from ankipress import rules
from ankipress.model import Severity
from ankipress.sources import MAX_FIELD_CHARS, Source

if TYPE_CHECKING:
    from _csv import Reader

__all__ = [
    "CANDIDATES",
    "NAMES",
    "SAMPLE_LINES",
    "SURE_FIT",
    "Row",
    "TableReading",
    "allow_long_fields",
    "choose_delimiter",
    "fit",
    "parse",
    "split_rows",
    "too_long_message",
    "width",
]

CANDIDATES = (",", "\t", ";", "|")
NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
_EXCEL_SEP = re.compile(r"sep=(.)")
SAMPLE_LINES = 200
SURE_FIT = 0.9
_SEP_HINT = "if that is wrong, name the delimiter with --sep"


class TableReading(Protocol):
    """What splitting rows needs of a read: its source, a place to report, a row count."""

    source: Source
    cards_seen: int

    def report(
        self,
        line: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """Record a problem at 1-based ``line``."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    """1-based physical line the row starts on."""
    cells: list[str]


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


def parse(lines: Iterable[str], delimiter: str) -> Reader:
    """A strict RFC 4180 reader fed physical lines, so ``line_num`` counts physical lines."""
    allow_long_fields()
    feed = (line + "\n" for line in lines)
    return csv.reader(feed, delimiter=delimiter, strict=True, skipinitialspace=True)


def width(cells: Sequence[str]) -> int:
    """The number of cells up to the last one holding text."""
    return max((i + 1 for i, cell in enumerate(cells) if cell.strip()), default=0)


def fit(lines: Sequence[str], delimiter: str) -> tuple[float, list[list[str]]]:
    """The share of rows of the usual width (0 if under two columns), and the rows."""
    rows: list[list[str]] = []
    start = 0
    while start < len(lines):
        reader = parse(itertools.islice(lines, start, None), delimiter)
        try:
            rows.extend(cells for cells in reader if width(cells))
            break
        except csv.Error:
            # A stray quote (which the read reports) must not hide the rows after it; a
            # sample that ends inside a quoted field ends here too.
            start += max(reader.line_num, 1)
    if not rows:
        return 0.0, rows
    usual, count = Counter(len(cells) for cells in rows).most_common(1)[0]
    return (count / len(rows) if usual >= 2 else 0.0), rows


def _name(delimiter: str) -> str:
    return NAMES.get(delimiter, repr(delimiter))


def choose_delimiter(reading: TableReading, given: str | None) -> tuple[int, str | None]:
    """The 0-based first line of the table and its delimiter (``None`` after an error)."""
    lines = reading.source.lines
    if not reading.source.text.strip():
        reading.report(
            None, Severity.ERROR, "the file is empty: no cards found", "", rules.NO_CARDS
        )
        return 0, None
    excel = _EXCEL_SEP.fullmatch(lines[0].strip())
    first = 1 if excel else 0
    if given is not None:
        if len(given) == 1 and given not in '\r\n"':
            return first, given
        message = f"a CSV delimiter is one character other than a quote, not {given!r}"
        hint = "name it with --sep, for example --sep ';'"
        reading.report(None, Severity.ERROR, message, hint, rules.SEPARATOR)
        return first, None
    if excel:
        return first, excel.group(1)
    suffix = PurePath(reading.source.path).suffix.lower()
    if suffix == ".tsv":
        return first, "\t"
    default = "," if suffix == ".csv" else None
    return first, _sniff(reading, lines[first : first + SAMPLE_LINES], default)


def _sniff(reading: TableReading, sample: Sequence[str], default: str | None) -> str | None:
    """The delimiter that splits ``sample`` most evenly, ``default`` first among equals."""
    order = sorted(CANDIDATES, key=lambda d: d != default)
    fits = {d: fit(sample, d) for d in order}
    best = max(order, key=lambda d: fits[d][0])  # max keeps the first of equals
    score = fits[best][0]
    if score == 0.0:
        if default or any(len(cells) > 1 for d in order for cells in fits[d][1]):
            return default or ","  # rows of uneven widths: each will be reported
        hint = "a row holds a question and an answer; name the delimiter with --sep"
        reading.report(None, Severity.ERROR, "no row has two columns", hint, rules.SEPARATOR)
        return None
    rivals = [d for d in order if d != best and fits[d][0] == score >= SURE_FIT]
    if rivals:
        message = (
            f"the rows split as evenly on {_name(rivals[0])} as on {_name(best)}; "
            f"read as {_name(best)}-separated"
        )
        reading.report(None, Severity.WARNING, message, _SEP_HINT, rules.SEPARATOR)
    elif best != default:
        message = f"read as {_name(best)}-separated (detected)"
        reading.report(None, Severity.INFO, message, _SEP_HINT, rules.SEPARATOR)
    return best


def split_rows(reading: TableReading, first: int, delimiter: str) -> list[Row]:
    """Every non-blank row from line ``first`` (0-based) on, resuming after a bad quote."""
    lines = reading.source.lines
    rows: list[Row] = []
    start = first
    while start < len(lines):
        # Not lines[start:]: a copy of every line's reference (8 MiB a million lines).
        reader = parse(itertools.islice(lines, start, None), delimiter)
        consumed = 0
        try:
            for cells in reader:
                if width(cells):
                    rows.append(Row(start + consumed + 1, cells))
                consumed = reader.line_num
            break
        except csv.Error as exc:
            detected = start + reader.line_num
            record = start + consumed
            opened = _quote_line(lines, record, detected, delimiter)
            if "expected after" in str(exc) and detected == opened + 1:
                start = _read_as_anki(reading, rows, record, opened, delimiter)
                continue
            _report_quote(reading, opened, detected, str(exc))
            start = opened + 1
    return rows


def _read_as_anki(
    reading: TableReading, rows: list[Row], record: int, opened: int, delimiter: str
) -> int:
    """Read the row at ``record`` whose quoted field closes before more text on its line.

    Anki's importer keeps that text, without the quotes (``"Big" cat`` reads ``Big cat``):
    the row is kept so, with a warning. Returns the 0-based line after the row.
    """
    lines = reading.source.lines
    feed = (line + "\n" for line in itertools.islice(lines, record, None))
    reader = csv.reader(feed, delimiter=delimiter, strict=False, skipinitialspace=True)
    cells = next(reader, [])
    if width(cells):
        rows.append(Row(record + 1, cells))
    message = "text after the closing quote of a quoted field is kept as Anki keeps it, "
    message += "without the quotes"
    hint = 'to show the quotes, quote the whole field and double its quotes: """Big"" cat"'
    reading.report(opened + 1, Severity.WARNING, message, hint, rules.MALFORMED_ROW)
    return record + max(reader.line_num, 1)


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


def _report_quote(reading: TableReading, opened: int, detected: int, error: str) -> None:
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
    reading.report(opened + 1, Severity.ERROR, message, hint, rules.MALFORMED_ROW)
    reading.cards_seen += 1  # a row lost to the bad quote
