"""What a text format cannot keep, said once per kind of loss rather than once per note.

A deck of 2,000 reversed notes written to CSV gets one warning naming the first note and the
count, not 2,000 lines; what cannot be written at all is an error per note.
"""

from __future__ import annotations

from dataclasses import dataclass

from ankipress import ids, rules
from ankipress.model import Diagnostic, Note, NoteKind, RenderedNote, Severity, TextFormat
from ankipress.notetypes.cards import card_ords

__all__ = ["Losses", "label"]


def label(note: Note) -> str:
    """A note as messages name it: its GUID and the start of its question."""
    text = note.question.replace("\n", " ")
    shown = text if len(text) <= 40 else text[:37] + "..."
    return f"the note {shown!r}" + (f" (guid {note.guid!r})" if note.guid else "")


@dataclass
class _Loss:
    first: Note
    count: int
    severity: Severity
    message: str
    """With ``{count}`` and ``{notes}`` ("1 note", "3 notes") to fill in."""
    hint: str


class Losses:
    """Collects what one writer loses, grouped; :meth:`diagnostics` says it."""

    def __init__(self, format_name: str) -> None:
        self.format = format_name
        self.groups: dict[tuple[str, str], _Loss] = {}
        self.errors: list[Diagnostic] = []

    def add(
        self, key: tuple[str, str], note: Note, message: str, hint: str = "", *, info: bool = False
    ) -> None:
        """Count ``note`` under ``key``; the first one names the message's location."""
        group = self.groups.get(key)
        if group is None:
            severity = Severity.INFO if info else Severity.WARNING
            self.groups[key] = _Loss(note, 1, severity, message, hint)
        else:
            group.count += 1

    def error(self, note: Note, message: str, hint: str) -> None:
        """A note the format cannot hold at all."""
        self.errors.append(
            Diagnostic(note.location, Severity.ERROR, message, hint, rules.LOSSY_OUTPUT)
        )

    def definition(self, note: Note) -> None:
        """A note type of its own, kept by name only (Anki's text format)."""
        name = note.notetype.name if note.notetype else "?"
        message = (
            f"{self.format} keeps a note type's name, not its definition: Anki's text import "
            f"takes notes of {name!r} into a collection that has that note type, such as the "
            "one they came from ({notes})"
        )
        hint = "write markdown to keep the note type"
        self.add(("definition", name), note, message, hint, info=True)

    def ours(self, note: Note, name: str) -> None:
        """A note of one of our note types, which a collection has only from our packages."""
        message = (
            "Anki's text import skips notes whose note type the collection lacks: ankipress's "
            f"own ({name!r} …) are in a collection only once it imported a package from "
            "ankipress ({notes})"
        )
        hint = "import the deck as a package (ankipress convert ... -o deck.apkg) first"
        self.add(("ours", ""), note, message, hint)

    def cards(self, note: Note, fields: tuple[str, ...]) -> None:
        """A note of ours that has only some of the cards its kind would make.

        (Which cards a note type of its own makes depends on its templates, which Anki
        evaluates on import; its loss is said with the note type's.)
        """
        if note.kind is NoteKind.CUSTOM:
            return
        rendered = RenderedNote("", "", fields, (), note.location, note.kind, None, note.notetype)
        if note.card_ords and list(note.card_ords) != card_ords(rendered):
            message = f"{self.format} does not keep which cards a note has: Anki makes every "
            message += "card of the note type ({notes})"
            self.add(("cards", ""), note, message, "write markdown to keep them")

    def guid(self, note: Note) -> None:
        """A note whose GUID is not the one its deck and question would give it."""
        if note.guid is not None and note.guid != ids.note_guid(note.deck, note.question):
            message = f"{self.format} keeps no ids: the notes get new GUIDs, so Anki adds them "
            message += "as new notes instead of updating its own ({notes})"
            self.add(("guid", ""), note, message, "write ankitext or markdown to keep GUIDs")

    def diagnostics(self) -> list[Diagnostic]:
        """Every error, then one diagnostic per kind of loss."""
        said = list(self.errors)
        for group in self.groups.values():
            notes = f"{group.count} note{'' if group.count == 1 else 's'}"
            message = group.message.format(notes=notes, count=group.count)
            said.append(
                Diagnostic(
                    group.first.location,
                    group.severity,
                    message,
                    group.hint or None,
                    rules.LOSSY_OUTPUT,
                )
            )
        return said

    def rendered(self, note: Note) -> None:
        """A Markdown or plain-text note written as the HTML a package would hold."""
        shown = "Markdown" if note.text_format is TextFormat.MARKDOWN else "plain text"
        message = f"{self.format} holds HTML: {shown} is written rendered ({{notes}})"
        self.add(("rendered", shown), note, message, info=True)

    def kind(self, note: Note) -> None:
        """A reversed or type-in note that the format can only hold as a basic one."""
        if note.kind in (NoteKind.REVERSED, NoteKind.TYPE_ANSWER):
            what = "reversed" if note.kind is NoteKind.REVERSED else "type-in-the-answer"
            option = "--reverse" if note.kind is NoteKind.REVERSED else "--type-answer"
            message = f"{self.format} keeps question, answer, tags and deck: {what} notes "
            message += "become basic ({notes})"
            self.add(("kind", what), note, message, f"read the file back with {option}")
