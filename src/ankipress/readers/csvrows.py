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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import PurePath
from typing import TYPE_CHECKING, NamedTuple, Protocol

from ankipress import rules
from ankipress.model import Severity
from ankipress.sources import MAX_FIELD_CHARS

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
    "rows",
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
    """What splitting rows needs of a read: the file's name, a place to report, a row count."""

    path: str
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


class Row(NamedTuple):
    """A row of a table (a tuple: one is made for each row, twice)."""

    line: int
    """1-based physical line the row starts on."""
    cells: list[str]
    width: int
    """The number of cells up to the last one holding text (:func:`width`): not 0."""


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
    count = len(cells)
    while count and (not cells[count - 1] or cells[count - 1].isspace()):
        count -= 1
    return count


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


def choose_delimiter(
    reading: TableReading, given: str | None, head: Sequence[str], empty: bool
) -> tuple[int, str | None]:
    """The 0-based first line of the table and its delimiter (``None`` after an error).

    ``head``: the first lines of the file, :data:`SAMPLE_LINES` past the table's first at
    least (all of them in a shorter file); ``empty``: the file holds only white space.
    """
    if empty:
        reading.report(
            None, Severity.ERROR, "the file is empty: no cards found", "", rules.NO_CARDS
        )
        return 0, None
    excel = _EXCEL_SEP.fullmatch(head[0].strip())
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
    suffix = PurePath(reading.path).suffix.lower()
    if suffix == ".tsv":
        return first, "\t"
    default = "," if suffix == ".csv" else None
    return first, _sniff(reading, head[first : first + SAMPLE_LINES], default)


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


class _Feed:
    """Lines for :mod:`csv`, each kept until its row is read: a bad quote reads them again."""

    __slots__ = ("base", "kept", "pending", "rest")

    def __init__(self, lines: Iterator[str], base: int) -> None:
        self.rest = lines
        self.pending: list[str] = []
        """Lines to read again before the rest, the next last."""
        self.kept: list[str] = []
        """The lines read since the row being read began."""
        self.base = base
        """The 0-based line of ``kept[0]``: where the row being read began."""

    def lines(self) -> Iterator[str]:
        kept, pending = self.kept, self.pending
        while pending:
            line = pending.pop()
            kept.append(line)
            yield line + "\n"
        for line in self.rest:
            kept.append(line)
            yield line + "\n"

    def done(self, count: int) -> None:
        """The first ``count`` kept lines are read; the others are read again."""
        if count < len(self.kept):
            self.pending.extend(reversed(self.kept[count:]))
        self.base += count
        self.kept.clear()


def rows(reading: TableReading, lines: Iterable[str], first: int, delimiter: str) -> Iterator[Row]:
    """Every non-blank row of ``lines`` (from 0-based line ``first`` of the file on), resuming
    after a bad quote; a line at a time, holding the lines of one row."""
    allow_long_fields()
    feed = _Feed(iter(lines), first)
    while True:
        reader = csv.reader(feed.lines(), delimiter=delimiter, strict=True, skipinitialspace=True)
        kept = feed.kept
        try:
            for cells in reader:
                found = width(cells)
                if found:
                    yield Row(feed.base + 1, cells, found)
                feed.base += len(kept)
                kept.clear()
            return
        except csv.Error as exc:
            record, detected = feed.base, feed.base + len(feed.kept)
            opened = record + _quote_line(feed.kept, delimiter)
            if "expected after" in str(exc) and detected == opened + 1:
                feed.done(0)
                yield from _read_as_anki(reading, feed, opened, delimiter)
                continue
            _report_quote(reading, opened, detected, str(exc))
            feed.done(opened + 1 - record)


def _read_as_anki(reading: TableReading, feed: _Feed, opened: int, delimiter: str) -> Iterator[Row]:
    """Read the row at ``feed.base`` whose quoted field closes before more text on its line.

    Anki's importer keeps that text, without the quotes (``"Big" cat`` reads ``Big cat``):
    the row is kept so, with a warning.
    """
    record = feed.base
    reader = csv.reader(feed.lines(), delimiter=delimiter, strict=False, skipinitialspace=True)
    cells = next(reader, [])
    feed.done(max(reader.line_num, 1))
    found = width(cells)
    if found:
        yield Row(record + 1, cells, found)
    message = "text after the closing quote of a quoted field is kept as Anki keeps it, "
    message += "without the quotes"
    hint = 'to show the quotes, quote the whole field and double its quotes: """Big"" cat"'
    reading.report(opened + 1, Severity.WARNING, message, hint, rules.MALFORMED_ROW)


def _quote_line(lines: Sequence[str], delimiter: str) -> int:
    """The 0-based index in ``lines`` of the line on which the last quoted field opened."""
    opened, in_quote = 0, False
    for index, line in enumerate(lines):
        at_field_start, position = not in_quote, 0
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
