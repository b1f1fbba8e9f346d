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

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import PurePath
from typing import TYPE_CHECKING

from ankipress import notetypes, rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers import csvrows
from ankipress.readers.csvheader import header_reason
from ankipress.readers.csvrows import Row
from ankipress.readers.htmlguess import looks_like_html
from ankipress.readers.reporting import Reporting
from ankipress.readers.tagcolumn import tags_last
from ankipress.sources import Source

if TYPE_CHECKING:
    pass

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
_WIDE_SHARE = 0.2
"""A delimiter giving this share of rows one width (two or more) surely fits."""


def looks_like_header(cells: Sequence[str]) -> bool:
    """Whether a row names columns: every non-empty cell a known name, question and answer."""
    roles = [_ALIASES.get(cell.strip().casefold()) for cell in cells if cell.strip()]
    return None not in roles and {"question", "answer"} <= set(roles)


@dataclass
class _Reading(Reporting):
    """What one read has found so far."""

    source: Source
    notes: list[Note] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cards_seen: int = 0
    named: bool = False
    """Whether a header row or ``--columns`` names the columns."""
    delimiter: str = ","
    unknown_notetypes: set[str] = field(default_factory=set)
    """Note type names already reported as unknown."""
    header: tuple[str, ...] = ()
    """The cells of a header row that ``--columns`` overrides."""
    cloze_reported: bool = False


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
        reading = _Reading(source)
        first, delimiter = csvrows.choose_delimiter(reading, options.separator)
        if delimiter is not None:
            reading.delimiter = delimiter
            rows = csvrows.split_rows(reading, first, delimiter)
            layout = _layout(reading, rows, options.columns) if rows else None
            if layout is not None:
                reading.cards_seen += len(rows)
                text_format = _text_format(reading, rows, layout)
                for row in rows:
                    _note(reading, row, layout, options.default_deck, text_format)
        if not reading.notes and all(d.severity is not Severity.ERROR for d in reading.diagnostics):
            reading.report(
                None,
                Severity.ERROR,
                "no cards found",
                "a row holds a question and answer",
                rules.NO_CARDS,
            )
        # Quote errors are found while splitting rows, the rest later: show them in order.
        found = sorted(reading.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(reading.notes), tuple(found), reading.cards_seen)


def _text_format(reading: _Reading, rows: Sequence[Row], layout: _Layout) -> TextFormat:
    """HTML when a field of the table holds a tag, as Anki's importer decides; else plain."""
    columns = layout.field_columns()
    for row in rows:
        for index in columns:
            if index < len(row.cells) and looks_like_html(row.cells[index]):
                message = (
                    f"column {index + 1} of this row holds HTML: the table's fields are read as "
                    "HTML, as Anki's importer reads them"
                )
                reading.report(row.line, Severity.INFO, message)
                return TextFormat.HTML
    return TextFormat.PLAIN


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

    def field_columns(self) -> list[int]:
        """The columns filling fields, in the note type's order: question, answer, the rest."""
        order = {"question": 0, "answer": 1, _FIELD: 2}
        columns = [i for i, role in enumerate(self.roles) if role in order]
        return sorted(columns, key=lambda i: order[self.roles[i]])


def _layout(reading: _Reading, rows: list[Row], columns: tuple[str, ...] | None) -> _Layout | None:
    """What each column is (``None`` after an error); drops a header row from ``rows``."""
    reason = None
    if rows:
        first = rows[0].cells
        reason = header_reason(first[: csvrows.width(first)], [row.cells for row in rows[1:]])
    header = rows.pop(0) if reason is not None else None
    reading.named = header is not None or columns is not None
    if columns is not None:
        if header is not None:
            message = "header row ignored: --columns names them"
            reading.report(header.line, Severity.NOTE, message, "", rules.HEADER)
            reading.header = tuple(cell.strip() for cell in header.cells)
        return _assigned(reading, rows, columns, None, "--columns")
    if header is not None:
        cells = header.cells[: csvrows.width(header.cells)]
        message = f"the first row is a header naming the columns: {reason}"
        # A row of nothing but known column names (what our CSV writer writes) is no news.
        if not looks_like_header(cells):
            hint = "name them with --columns otherwise"
            reading.report(header.line, Severity.INFO, message, hint, rules.HEADER)
        return _assigned(reading, rows, tuple(cell.strip() for cell in cells), header.line, "")
    return _assigned(reading, rows, (), None, "")


def _assigned(
    reading: _Reading,
    rows: list[Row],
    names: tuple[str, ...],
    line: int | None,
    option: str,
) -> _Layout | None:
    """The layout ``names`` give (a header's cells, ``--columns``, or none), or ``None``."""
    strict = bool(option)
    where = option or "the header row"
    widths = [csvrows.width(row.cells) for row in rows]
    named_width = len(names)
    if not strict:
        names = (*names, *[""] * (max([2, *widths]) - len(names)))
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
        _skip_empty(reading, rows, names, roles, line)
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
    if not strict:
        usual = Counter(len(row.cells) for row in rows).most_common(1)[0][0]
        _report_wide_rows(reading, rows, max(named_width, usual, 2), field_names)
    return _Layout(tuple(roles), field_names, strict, notetype)


def _skip_empty(
    reading: _Reading,
    rows: Sequence[Row],
    names: tuple[str, ...],
    roles: list[str],
    line: int | None,
) -> None:
    """Make a further column that is empty in every row no field at all (and say so)."""
    for index, role in enumerate(roles):
        if role == _FIELD and not any(
            index < len(row.cells) and row.cells[index].strip() for row in rows
        ):
            roles[index] = _SKIP
            named = f" ({names[index].strip()!r})" if names[index].strip() else ""
            message = f"column {index + 1}{named} is empty in every row: no field is made for it"
            reading.report(line, Severity.INFO, message)


def _field_name(name: str, role: str, index: int, strict: bool) -> str:
    """The field a content column fills: its header cell, else Front, Back or Field N."""
    if name.strip() and not (strict and _ALIASES.get(name.strip().casefold()) == role):
        return name.strip()
    return {"question": "Front", "answer": "Back"}.get(role, f"Field {index + 1}")


def _report_wide_rows(
    reading: _Reading, rows: Sequence[Row], width: int, names: tuple[str, ...]
) -> None:
    """A warning for each row with text past the usual columns, naming where it went."""
    for row in rows:
        found = csvrows.width(row.cells)
        if found > width:
            kept = ", ".join(names[width:found])
            message = (
                f"this row has {found} columns where the others have {width}; "
                f"the cells past column {width} are kept as {kept}"
            )
            hint = f"quote fields that contain {_delimiters(reading)}"
            reading.report(row.line, Severity.WARNING, message, hint, rules.MALFORMED_ROW)


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
    expected, found = len(layout.roles), csvrows.width(row.cells)
    if found <= expected:
        return [*row.cells[:expected], *[""] * (expected - len(row.cells))]
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
) -> None:
    """Add the row's note, or report why it makes none."""
    fitted = _fitted(reading, row, layout)
    if not fitted:
        return
    roles = layout.roles
    cells = {role: fitted[roles.index(role)] for role in _SINGLE if role in roles}
    order = layout.field_columns()
    question, answer = fitted[order[0]], fitted[order[1]]
    if not question.strip():
        message = f"the question (column {order[0] + 1}) is empty: row skipped"
        hint = f"Anki skips a note whose first field is empty; fill in column {order[0] + 1}"
        reading.report(row.line, Severity.WARNING, message, hint, rules.EMPTY_QUESTION)
        return
    table = layout.notetype is not None
    # A Basic note's empty answer is reported where every format's is (plan); a table's
    # note type is ours alone, so its reader says it.
    if table and not answer.strip() and not _CLOZE.search(question):
        message = f"the answer (column {order[1] + 1}) is empty: the note is kept without one"
        hint = f"fill in column {order[1] + 1}"
        reading.report(row.line, Severity.WARNING, message, hint, rules.EMPTY_ANSWER)
    # Line breaks live only inside quoted fields, each one a physical line break.
    answer_line = row.line + sum(cell.count("\n") for cell in fitted[: order[1]])
    path = reading.source.path
    tags = [tag for i, role in enumerate(roles) if role == "tags" for tag in fitted[i].split()]
    kind = _kind(reading, row, cells.get("notetype", ""), table)
    if table and _CLOZE.search(question):
        # A cloze needs a cloze note type: the further fields go to its Back Extra, labelled.
        answer = _with_extras(reading, row, layout, fitted, text_format)
        table = False
    reading.notes.append(
        Note(
            question=question,
            answer=answer,
            deck=cells.get("deck", "").strip() or default_deck,
            location=SourceLocation(path, row.line),
            tags=tuple(tags),
            guid=cells.get("guid", "").strip() or None,
            text_format=text_format,
            answer_location=SourceLocation(path, answer_line),
            kind=NoteKind.CUSTOM if table else kind,
            notetype=layout.notetype if table else None,
            fields=tuple(fitted[i] for i in order) if table else (),
        )
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
