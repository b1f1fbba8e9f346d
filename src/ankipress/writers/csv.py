"""Writer of CSV tables: ``question,answer,tags,deck``, RFC 4180, with a header row.

What :mod:`ankipress.readers.csv` reads back: a question and an answer per row, tags
separated by spaces, the deck's full name. A field is quoted when it holds a comma, a
double quote or a line break, or starts or ends with white space (the reader skips white
space before a field). Lines end with ``\\n``.

A table has two text columns, so a note of a note type of its own fits only when no field
past the second holds text; otherwise the note is an error, never dropped. A cloze fits
(the question holds the deletions, the answer the extra text). What the table loses (note
types, reversed cards, GUIDs, HTML and Markdown as such) is said in warnings.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to a spreadsheet, which runs it when the file is opened (``=HYPERLINK(…)``, ``=cmd|…``,
"CSV injection"): such a cell is written with a ``'`` in front, which spreadsheets take as
"text follows", and one warning counts them. ``raw_formulas`` (``--keep-formulas``) writes
them as they are, for a file only ankipress or Anki will read.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ankipress import rules
from ankipress.model import Diagnostic, Media, Note, NoteKind, Severity, SourceLocation, TextFormat
from ankipress.writers.common import MediaLinker, refuse
from ankipress.writers.losses import Losses, label

__all__ = ["CsvWriter"]

_HEADER = ("question", "answer", "tags", "deck")
# Also their full-width forms, which some spreadsheets read as the same, and after spaces.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _formula(cell: str) -> bool:
    """Whether a spreadsheet would take the cell for a formula."""
    return cell.lstrip(" ").startswith(_FORMULA_STARTS)


def csv_field(text: str) -> str:
    """A field of an RFC 4180 row, quoted when it must be."""
    if any(char in text for char in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


class CsvWriter:
    """CSV table: question, answer, tags, deck (with a header row)."""

    name: str = "csv"
    extensions: tuple[str, ...] = (".csv",)
    description: str = "CSV table: question, answer, tags, deck (RFC 4180, header row)"

    def __init__(self, raw_formulas: bool = False) -> None:
        self.raw_formulas = raw_formulas
        """Write cells a spreadsheet takes as formulas as they are (no ``'`` in front)."""

    def write(
        self, notes: Sequence[Note], media: Sequence[Media], output: Path, media_dir: Path
    ) -> list[Diagnostic]:
        """Write ``notes`` to ``output`` and ``media`` into ``media_dir``; say what was lost."""
        linker = MediaLinker(media, output, media_dir)
        losses = Losses("csv")
        rows: list[tuple[str, ...]] = [_HEADER]
        for note in notes:
            fields = self._fields(note, losses)
            if fields is None:
                continue
            text_format = TextFormat.HTML if note.kind is NoteKind.CUSTOM else note.text_format
            question, answer = (linker.link(text, text_format, note) for text in fields)
            rows.append((question, answer, " ".join(note.tags), note.deck))
        diagnostics = [*linker.diagnostics, *losses.diagnostics()]
        formulas = sum(1 for row in rows for cell in row if _formula(cell))
        if formulas and not self.raw_formulas:
            rows = [tuple(f"'{cell}" if _formula(cell) else cell for cell in row) for row in rows]
            cells = "cell starts" if formulas == 1 else "cells start"
            message = f"{formulas} {cells} with =, +, -, @ or a tab, which a spreadsheet runs "
            message += "as a formula: written with a ' in front"
            hint = "--keep-formulas writes them as they are, for a file no spreadsheet opens"
            diagnostics.append(
                Diagnostic(
                    SourceLocation(str(output)), Severity.WARNING, message, hint, rules.LOSSY_OUTPUT
                )
            )
        refuse(diagnostics, output)
        linker.write_with(output, "".join(",".join(map(csv_field, r)) + "\n" for r in rows))
        return diagnostics

    @staticmethod
    def _fields(note: Note, losses: Losses) -> tuple[str, str] | None:
        """The question and answer of a note, with what writing it loses noted."""
        losses.guid(note)
        losses.kind(note)
        if note.kind is NoteKind.CUSTOM and note.notetype is not None:
            name = note.notetype.name
            extra = [
                field_name
                for field_name, text in zip(note.notetype.fields[2:], note.fields[2:], strict=False)
                if text.strip()
            ]
            if extra:
                message = (
                    f"csv holds a question and an answer: {label(note)} of note type {name!r} "
                    f"has text in the field {extra[0]!r} too"
                )
                losses.error(note, message, "write markdown, which keeps every field")
                return None
            message = f"csv keeps question, answer, tags and deck: the note type {name!r} is "
            message += "not kept ({notes})"
            losses.add(("notetype", name), note, message, "write markdown to keep it")
            padded = (*note.fields, "", "")
            return padded[0], padded[1]
        if note.text_format is TextFormat.HTML:
            message = "csv holds plain text: HTML is written as it is ({notes})"
            hint = "read the file back with --markdown --allow-html to keep the HTML"
            losses.add(("format", "html"), note, message, hint)
        elif note.text_format is TextFormat.MARKDOWN:
            message = "csv holds plain text: Markdown is written as it is ({notes})"
            losses.add(("format", "md"), note, message, "read the file back with --markdown")
        losses.cards(note, (note.question, note.answer))
        return note.question, note.answer
