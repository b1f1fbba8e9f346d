"""Reader for CSV and TSV tables: a question and an answer per row, further columns as fields.

* Rows: the delimiter and RFC 4180 quoting are :mod:`ankipress.readers.csvrows`'s (the
  delimiter given, Excel's ``sep=``, the extension's, or detected; a bad quote reported at
  the line it opened on, the rows after it still read).
* Columns map to fields. ``--columns question,answer,notes,tags`` names them (``skip`` or
  nothing ignores one, and says so); else a first row is a header when it names the
  question column (``front``/``question``/``term``/``q``, any case) or its cells are short
  labels unlike the rows below (:mod:`ankipress.readers.csvheader`; an info line says
  which). A column named ``tags``/``tag``, ``deck``, ``guid``/``id`` or ``notetype`` keeps
  that meaning; ``question``/``answer`` and their aliases pick those columns; any other
  name is a field of that name. Unnamed, the first content column is the question, the
  next the answer, and further ones are ``Field 3``, ``Field 4`` … (by position).
* A table with fields besides question and answer becomes notes of
  :func:`ankipress.notetypes.table` (the extra fields shown labelled under the answer);
  one with only question and answer stays Basic. A further column empty in every row
  makes no field (an info line says so).
* Width: every column that holds text somewhere is kept. A row with text past the header
  or the usual width is kept whole, with a warning (an unquoted comma is the usual cause);
  past ``--columns`` it is an error. Missing cells are empty.
* Empty cells: a row without a question is skipped with a warning (Anki skips a note
  whose first field is empty); one without an answer is kept with a warning.
* HTML: when a field of the table holds a tag (Anki's own test,
  :mod:`ankipress.readers.htmlguess`), the whole table is read as HTML, as Anki's importer
  reads it, and an info line says so; else it is plain text.
* Blank rows (``,,,`` too) are skipped. Tags split on white space; an empty deck cell means
  the file's deck; an id is kept as written but for surrounding white space (an Anki GUID
  has none); an empty one means "derive one".
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePath

from ankipress import notetypes, rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteStream,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers import csvrows
from ankipress.readers.csvheader import SAMPLE_ROWS, header_reason
from ankipress.readers.csvrows import Row
from ankipress.readers.htmlguess import looks_like_html
from ankipress.readers.reporting import Reporting
from ankipress.readers.tagcolumn import tags_last
from ankipress.sources import LineSource, Source

_ALIASES = {
    **dict.fromkeys(("question", "front", "term", "q"), "question"),
    **dict.fromkeys(("answer", "back", "definition", "a"), "answer"),
    **dict.fromkeys(("tags", "tag"), "tags"),
    "deck": "deck",
    **dict.fromkeys(("guid", "id"), "guid"),
    **dict.fromkeys(("notetype", "note type"), "notetype"),
}
_SKIP = "skip"
_FIELD = "field"
_CONTENT = ("question", "answer", _FIELD)
_SINGLE = ("deck", "guid", "notetype")
"""Roles one column at most may have."""
_NAME_HINT = (
    "name the columns question (front, term, q), answer (back, definition, a), tags, deck, "
    "guid (id), notetype, or a field name"
)
_KINDS = {
    "basic": NoteKind.BASIC,
    "basic (and reversed card)": NoteKind.REVERSED,
    "reversed": NoteKind.REVERSED,
    "cloze": NoteKind.CLOZE,
    "basic (type in the answer)": NoteKind.TYPE_ANSWER,
    "type": NoteKind.TYPE_ANSWER,
}
_ANKI_HEADER = re.compile(r"#(separator|html|columns|notetype|deck|tags)\b.*:", re.IGNORECASE)
_CLOZE = re.compile(r"\{\{c\d+::")
_KEEP_ROWS = 4096
"""A table of no more rows is read once: its rows are kept for the notes."""
_WIDE_SHARE = 0.2
"""A delimiter giving this share of rows one width (two or more) surely fits."""


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a row names columns: every non-empty cell a known name, question and answer."""
    roles = [_ALIASES.get(cell.strip().casefold()) for cell in cells if cell.strip()]
    return None not in roles and {"question", "answer"} <= set(roles)


@dataclass
class _Survey:
    """What the first pass over a table's rows found: what deciding its layout needs."""

    header: Row | None
    """The first row, when it names the columns."""
    reason: str | None
    """Why it is a header."""
    widest: int = 0
    """The most columns holding text in a row (below the header)."""
    lengths: dict[int, int] = field(default_factory=dict)
    """How many rows have each number of cells, in the order the numbers are met."""
    filled: set[int] = field(default_factory=set)
    """The columns holding text in some row."""
    full: int = 0
    """The columns before this one all hold text in some row."""
    html: dict[int, int] = field(default_factory=dict)
    """Each column holding HTML somewhere: the line of its first row that does."""
    rows: list[Row] | None = None
    """The rows below the header, when there are few enough to keep."""

    def add(self, row: Row) -> None:
        line, cells, _ = row
        lengths = self.lengths
        count = len(cells)
        lengths[count] = lengths.get(count, 0) + 1
        found = row.width
        if found > self.widest:
            self.widest = found
        if found > self.full:
            filled = self.filled
            filled.update(i for i, cell in enumerate(cells) if cell and not cell.isspace())
            while self.full in filled:
                self.full += 1
        html = self.html
        for index, cell in enumerate(cells):
            if "<" in cell and index not in html and looks_like_html(cell):
                html[index] = line

    def usual(self) -> int:
        """The most common number of cells in a row (the first met of equals)."""
        return max(self.lengths, key=self.lengths.__getitem__)


class _Reading(Reporting[LineSource]):
    """One read of a table: the survey of its rows, then its notes a row at a time."""

    def __init__(self, source: LineSource, options: ReadOptions) -> None:
        self.source = source
        self.path = source.path
        self.options = options
        self.cards_seen = 0
        self.named = False
        """Whether a header row or ``--columns`` names the columns."""
        self.delimiter = ","
        self.unknown_notetypes: set[str] = set()
        """Note type names already reported as unknown."""
        self.header: tuple[str, ...] = ()
        """The cells of a header row that ``--columns`` overrides."""
        self.cloze_reported = False
        self.notes_made = 0
        # What is said, in the groups a whole-table read said it in (they are merged by
        # line at the end, the order within a line kept): splitting rows and the layout,
        # rows wider than the others, the table's text format, each note.
        self.said: list[Diagnostic] = []
        self.wide: list[Diagnostic] = []
        self.html_said: list[Diagnostic] = []
        self.note_said: list[Diagnostic] = []
        self.diagnostics = self.said
        """Where :meth:`report` files what is said now: one of the groups above."""

    def notes(self) -> Iterator[Note]:
        """The table's notes: a first pass over the rows decides the layout, a second makes
        the notes (the lines are read again, or kept when they cannot be)."""
        second = self.source.again()
        lines: Iterable[str] = self.source
        kept: list[str] = []
        if second is None:
            lines = _keeping(self.source, kept)
        found = self._survey(iter(lines))
        if found is None:
            return
        first, survey = found
        layout = _layout(self, survey, self.options.columns)
        if layout is None:
            return
        self.cards_seen += sum(survey.lengths.values())
        text_format = _text_format(self, survey, layout)
        if survey.rows is not None:  # a small table: its rows were kept
            rows: Iterator[Row] = iter(survey.rows)
        else:
            muted = _Muted(self.path)
            again = itertools.islice(kept if second is None else second, first, None)
            rows = csvrows.rows(muted, again, first, self.delimiter)
            if survey.header is not None:
                next(rows, None)
        self.diagnostics = self.note_said
        deck = self.options.default_deck
        for row in rows:
            if layout.wide and row.width > layout.wide:
                _report_wide_row(self, row, layout)
            note = _note(self, row, layout, deck, text_format)
            if note is not None:
                self.notes_made += 1
                yield note

    def _survey(self, lines: Iterator[str]) -> tuple[int, _Survey] | None:
        """The first pass: the delimiter, the header, and what the rows hold."""
        head = list(itertools.islice(lines, csvrows.SAMPLE_LINES + 1))
        empty = all(not line.strip() for line in head)
        while empty:  # (a file of many blank lines: the first that is not)
            line = next(lines, None)
            if line is None:
                break
            head.append(line)
            empty = not line.strip()
        first, delimiter = csvrows.choose_delimiter(self, self.options.separator, head, empty)
        if delimiter is None:
            return None
        self.delimiter = delimiter
        rows = csvrows.rows(self, itertools.chain(head[first:], lines), first, delimiter)
        del head
        lead = list(itertools.islice(rows, 1 + SAMPLE_ROWS))
        if not lead:
            return None
        cells = lead[0].cells
        reason = header_reason(cells[: lead[0].width], [row.cells for row in lead[1:]])
        survey = _Survey(lead[0] if reason is not None else None, reason)
        kept: list[Row] | None = []
        for row in itertools.chain(lead[1:] if reason is not None else lead, rows):
            survey.add(row)
            if kept is not None:
                kept.append(row)
                if len(kept) > _KEEP_ROWS:
                    kept = None
        survey.rows = kept
        return first, survey

    def result(self) -> ReadResult:
        """The diagnostics in the order of the file, and the count of rows."""
        said = [*self.said, *self.wide, *self.html_said, *self.note_said]
        if not self.notes_made and all(d.severity is not Severity.ERROR for d in said):
            where, hint = SourceLocation(self.path, None), "a row holds a question and answer"
            said.append(Diagnostic(where, Severity.ERROR, "no cards found", hint, rules.NO_CARDS))
        found = sorted(said, key=lambda d: d.location.line or 0)
        return ReadResult((), tuple(found), self.cards_seen)


class _Muted:
    """Splitting rows a second time: what it finds was said the first time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.cards_seen = 0

    def report(
        self,
        line: int | None,
        severity: Severity,
        message: str,
        hint: str | None = None,
        rule: rules.Rule = rules.UNCLASSIFIED,
    ) -> None:
        """Nothing: said already."""


def _keeping(lines: Iterable[str], kept: list[str]) -> Iterator[str]:
    """``lines``, each kept in ``kept`` too (lines that cannot be read twice)."""
    for line in lines:
        kept.append(line)
        yield line


class CsvReader:
    """CSV or TSV table (question, answer, further fields; header optional)."""

    name: str = "csv"
    extensions: tuple[str, ...] = (".csv", ".tsv")
    description: str = "CSV or TSV table (question, answer, further fields; header optional)"
    options: tuple[str, ...] = ("--sep", "--columns")

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a table, from 0 to 1.

        The extension is the strongest sign; else, in evenly split rows: three columns or
        more, the third holding text in a fifth of the rows (1.0), or a quoted field holding
        a line break (0.8), which a Quizlet export (term and definition, never quoted)
        cannot make; a header row (0.7); quoted fields (0.6). Rows merely split in two on
        tabs (0.4) are as likely a Quizlet export.
        """
        if PurePath(source.path).suffix.lower() in self.extensions:
            return 0.8
        sample = source.lines[: csvrows.SAMPLE_LINES]
        if any(_ANKI_HEADER.match(line) for line in sample[:10]):
            return 0.0
        if sample and sample[0].startswith("*\t"):
            return 0.3  # Flashcards Deluxe's setting lines: the quizlet reader knows them
        if tags_last(source):
            return 0.3  # Anki's own export, tags last: the ankitext reader knows it
        text, best = "\n".join(sample), 0.0
        for delimiter in csvrows.CANDIDATES[:3]:  # rows split on pipes are more often Markdown
            fit, rows = csvrows.fit(sample, delimiter)
            # One row is no table: a Quizlet export with ";" between cards is one line.
            if fit >= csvrows.SURE_FIT and len(rows) > 1:
                quoted = re.search(rf'(^|{re.escape(delimiter)}) *"', text, re.MULTILINE)
                width = Counter(len(cells) for cells in rows).most_common(1)[0][0]
                # A third column with text in a fifth of the rows at least: padding cells
                # (Flashcards Deluxe ends every line with a tab) make no table.
                wide = sum(csvrows.width(cells) >= 3 for cells in rows)
                if width >= 3 and wide >= len(rows) * _WIDE_SHARE:
                    score = 1.0
                elif quoted and any("\n" in cell for cells in rows for cell in cells):
                    score = 0.8
                else:
                    score = 0.7 if looks_like_header(rows[0]) else 0.6 if quoted else 0.4
                best = max(best, score)
        return best

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every row of ``source`` as a note; problems become diagnostics, never exceptions."""
        return self.stream(LineSource.of(source), options).collect()

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        """The notes of ``source`` a row at a time (see :meth:`read`).

        Two passes: the layout (header, the columns that hold text, the usual width) and
        the text format (HTML anywhere in the table) depend on every row, so a first pass
        surveys the rows and a second makes the notes; neither holds more than a row.
        """
        reading = _Reading(source, options)
        return NoteStream(reading.notes(), reading.result)


def _text_format(reading: _Reading, survey: _Survey, layout: _Layout) -> TextFormat:
    """HTML when a field of the table holds a tag, as Anki's importer decides; else plain."""
    columns = [index for index in layout.field_columns() if index in survey.html]
    if not columns:
        return TextFormat.PLAIN
    line = min(survey.html[index] for index in columns)
    index = next(index for index in columns if survey.html[index] == line)
    message = (
        f"column {index + 1} of this row holds HTML: the table's fields are read as "
        "HTML, as Anki's importer reads them"
    )
    reading.diagnostics = reading.html_said
    reading.report(line, Severity.INFO, message)
    reading.diagnostics = reading.said
    return TextFormat.HTML


def _delimiters(reading: _Reading) -> str:
    """The delimiter in a hint's words: "commas", "tabs" ..., or "it"."""
    name = csvrows.NAMES.get(reading.delimiter)
    return f"{name}s" if name else "it"


@dataclass(frozen=True, slots=True)
class _Layout:
    """What each column of a table is."""

    roles: tuple[str, ...]
    """Per column: question, answer, field, tags, deck, guid, notetype or skip."""
    names: tuple[str, ...]
    """Per column: the name of the field it fills (empty where it fills none)."""
    strict: bool = False
    """Named by ``--columns``: a row with text past the named columns is an error."""
    notetype: NoteType | None = None
    """The table's note type when it has fields besides question and answer."""
    wide: int = 0
    """The usual width: a row with text past it is said (0: none is)."""
    order: list[int] = field(init=False)
    """The columns filling fields, in the note type's order (:meth:`field_columns`)."""
    singles: tuple[tuple[str, int], ...] = field(init=False)
    """The deck, GUID and note type columns there are: (role, column)."""
    tags: tuple[int, ...] = field(init=False)
    """The tags columns."""

    def __post_init__(self) -> None:
        rank = {"question": 0, "answer": 1, _FIELD: 2}
        columns = [i for i, role in enumerate(self.roles) if role in rank]
        order = sorted(columns, key=lambda i: rank[self.roles[i]])
        singles = tuple((role, self.roles.index(role)) for role in _SINGLE if role in self.roles)
        tags = tuple(i for i, role in enumerate(self.roles) if role == "tags")
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "singles", singles)
        object.__setattr__(self, "tags", tags)

    def field_columns(self) -> list[int]:
        """The columns filling fields, in the note type's order: question, answer, the rest."""
        return list(self.order)


def _layout(reading: _Reading, survey: _Survey, columns: tuple[str, ...] | None) -> _Layout | None:
    """What each column is (``None`` after an error)."""
    header, reason = survey.header, survey.reason
    reading.named = header is not None or columns is not None
    if columns is not None:
        if header is not None:
            message = "header row ignored: --columns names them"
            reading.report(header.line, Severity.NOTE, message, "", rules.HEADER)
            reading.header = tuple(cell.strip() for cell in header.cells)
        return _assigned(reading, survey, columns, None, "--columns")
    if header is not None:
        cells = header.cells[: header.width]
        message = f"the first row is a header naming the columns: {reason}"
        # A row of nothing but known column names (what our CSV writer writes) is no news.
        if not looks_like_header(cells):
            hint = "name them with --columns otherwise"
            reading.report(header.line, Severity.INFO, message, hint, rules.HEADER)
        return _assigned(reading, survey, tuple(cell.strip() for cell in cells), header.line, "")
    return _assigned(reading, survey, (), None, "")


def _assigned(
    reading: _Reading,
    survey: _Survey,
    names: tuple[str, ...],
    line: int | None,
    option: str,
) -> _Layout | None:
    """The layout ``names`` give (a header's cells, ``--columns``, or none), or ``None``."""
    strict = bool(option)
    where = option or "the header row"
    named_width = len(names)
    if not strict:
        names = (*names, *[""] * (max(2, survey.widest) - len(names)))
    roles: list[str] = []
    for name in names:
        key = name.strip().casefold()
        role = _SKIP if strict and key in ("", _SKIP) else _ALIASES.get(key, _FIELD)
        if role in ("question", "answer") and role in roles:
            role = _FIELD  # a second question column is a field of its own
        elif role in _SINGLE and role in roles:
            reading.report(line, Severity.ERROR, f"{where} names {role} twice", _NAME_HINT)
            return None
        roles.append(role)
    # Unnamed content columns: the first is the question, the next the answer.
    for role in ("question", "answer"):
        if role not in roles and _FIELD in roles:
            roles[roles.index(_FIELD)] = role
    if not strict:
        _skip_empty(reading, survey, names, roles, line)
    if "answer" not in roles:
        reading.report(line, Severity.ERROR, f"{where} names no answer column", _NAME_HINT)
        return None
    field_names = tuple(
        _field_name(name, role, index, strict) if role in _CONTENT else ""
        for index, (name, role) in enumerate(zip(names, roles, strict=True))
    )
    for index, role in enumerate(roles):
        if role == _SKIP and strict:
            header = reading.header[index] if index < len(reading.header) else ""
            named = f" ({header!r} in the header row)" if header else ""
            message = f"column {index + 1}{named} is skipped as {option} says: its text is not read"
            reading.report(None, Severity.INFO, message)
    layout = _Layout(tuple(roles), field_names, strict)
    if _FIELD not in roles:
        return layout
    order = layout.field_columns()
    notetype = notetypes.table(tuple(field_names[i] for i in order))
    cleaned = dict(zip(order, notetype.fields, strict=True))
    field_names = tuple(cleaned.get(i, "") for i in range(len(roles)))
    # Rows with text past the usual width are said as the notes are made.
    wide = 0 if strict else max(named_width, survey.usual(), 2)
    return _Layout(tuple(roles), field_names, strict, notetype, wide)


def _skip_empty(
    reading: _Reading,
    survey: _Survey,
    names: tuple[str, ...],
    roles: list[str],
    line: int | None,
) -> None:
    """Make a further column that is empty in every row no field at all (and say so)."""
    for index, role in enumerate(roles):
        if role == _FIELD and index not in survey.filled:
            roles[index] = _SKIP
            named = f" ({names[index].strip()!r})" if names[index].strip() else ""
            message = f"column {index + 1}{named} is empty in every row: no field is made for it"
            reading.report(line, Severity.INFO, message)


def _field_name(name: str, role: str, index: int, strict: bool) -> str:
    """The field a content column fills: its header cell, else Front, Back or Field N."""
    if name.strip() and not (strict and _ALIASES.get(name.strip().casefold()) == role):
        return name.strip()
    return {"question": "Front", "answer": "Back"}.get(role, f"Field {index + 1}")


def _report_wide_row(reading: _Reading, row: Row, layout: _Layout) -> None:
    """A warning for a row with text past the usual columns, naming where it went."""
    width, found = layout.wide, row.width
    kept = ", ".join(layout.names[width:found])
    message = (
        f"this row has {found} columns where the others have {width}; "
        f"the cells past column {width} are kept as {kept}"
    )
    hint = f"quote fields that contain {_delimiters(reading)}"
    location = SourceLocation(reading.path, row.line)
    reading.wide.append(Diagnostic(location, Severity.WARNING, message, hint, rules.MALFORMED_ROW))


def _kind(reading: _Reading, row: Row, named: str, table: bool) -> NoteKind:
    """The kind a notetype cell names; unknown names are reported and read as Basic."""
    key = named.strip().casefold().removeprefix("ankipress ")
    if not key:
        return NoteKind.BASIC
    if table:
        if not reading.unknown_notetypes:  # said once for the whole table
            message = (
                f"the notetype column (here {named.strip()!r}) is not used: a table with "
                "further columns makes notes of its own note type"
            )
            hint = "leave out the further columns to choose basic, reversed, cloze or type"
            reading.report(row.line, Severity.WARNING, message, hint)
        reading.unknown_notetypes.add(key)
        return NoteKind.BASIC
    kind = _KINDS.get(key)
    if kind is None and key not in reading.unknown_notetypes:
        reading.unknown_notetypes.add(key)
        message = f"note type {named.strip()!r} is not one of ankipress's: read as Basic"
        reading.report(row.line, Severity.WARNING, message, "name basic, reversed, cloze or type")
    return kind or NoteKind.BASIC


def _fitted(reading: _Reading, row: Row, layout: _Layout) -> list[str]:
    """The row's cells, one per column; empty after reporting text past ``--columns``."""
    cells, expected, found = row.cells, len(layout.roles), row.width
    if found <= expected:
        if len(cells) == expected:
            return cells
        return [*cells[:expected], *[""] * (expected - len(cells))]
    what = _delimiters(reading)
    names = ", ".join(
        layout.names[i] if layout.roles[i] == _FIELD else layout.roles[i] for i in range(expected)
    )
    message = f"expected {expected} columns ({names}), found {found}"
    hint = f"quote fields that contain {what}"
    reading.report(row.line, Severity.ERROR, message, hint, rules.MALFORMED_ROW)
    return []


def _note(
    reading: _Reading, row: Row, layout: _Layout, default_deck: str, text_format: TextFormat
) -> Note | None:
    """The row's note, or ``None`` after reporting why it makes none."""
    fitted = _fitted(reading, row, layout)
    if not fitted:
        return None
    cells = {role: fitted[index] for role, index in layout.singles} if layout.singles else {}
    order = layout.order
    question, answer = fitted[order[0]], fitted[order[1]]
    if not question or question.isspace():
        message = f"the question (column {order[0] + 1}) is empty: row skipped"
        hint = f"Anki skips a note whose first field is empty; fill in column {order[0] + 1}"
        reading.report(row.line, Severity.WARNING, message, hint, rules.EMPTY_QUESTION)
        return None
    table = layout.notetype is not None
    # A Basic note's empty answer is reported where every format's is (plan); a table's
    # note type is ours alone, so its reader says it.
    if table and (not answer or answer.isspace()) and not _CLOZE.search(question):
        message = f"the answer (column {order[1] + 1}) is empty: the note is kept without one"
        hint = f"fill in column {order[1] + 1}"
        reading.report(row.line, Severity.WARNING, message, hint, rules.EMPTY_ANSWER)
    # Line breaks live only inside quoted fields, each one a physical line break.
    answer_line = row.line + sum(cell.count("\n") for cell in fitted[: order[1]])
    location = SourceLocation(reading.path, row.line)
    answer_location = location
    if answer_line != row.line:
        answer_location = SourceLocation(reading.path, answer_line)
    tags = [tag for i in layout.tags for tag in fitted[i].split()]
    named = cells.get("notetype", "")
    kind = _kind(reading, row, named, table) if named else NoteKind.BASIC
    if table and _CLOZE.search(question):
        # A cloze needs a cloze note type: the further fields go to its Back Extra, labelled.
        answer = _with_extras(reading, row, layout, fitted, text_format)
        table = False
    return Note(
        question=question,
        answer=answer,
        deck=cells.get("deck", "").strip() or default_deck,
        location=location,
        tags=tuple(tags),
        guid=cells.get("guid", "").strip() or None,
        text_format=text_format,
        answer_location=answer_location,
        kind=NoteKind.CUSTOM if table else kind,
        notetype=layout.notetype if table else None,
        fields=tuple(fitted[i] for i in order) if table else (),
    )


def _with_extras(
    reading: _Reading, row: Row, layout: _Layout, cells: list[str], text_format: TextFormat
) -> str:
    """The answer of a cloze row, followed by each further non-empty field and its name."""
    order = layout.field_columns()
    html = text_format is TextFormat.HTML
    parts = [cells[order[1]].strip()]
    for index in order[2:]:
        if cells[index].strip():
            name = escape(layout.names[index]) if html else layout.names[index]
            parts.append(f"{name}: {cells[index].strip()}")
    if not reading.cloze_reported:
        reading.cloze_reported = True
        message = (
            "a cloze in a table with further columns: its note is a cloze, the further fields "
            "follow the answer in its Back Extra, each with its name"
        )
        reading.report(row.line, Severity.INFO, message)
    return ("<br>" if html else "\n").join(part for part in parts if part)
