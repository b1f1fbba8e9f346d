"""A package's notes as ankipress notes: every note keeps the note type it came with.

A note type read from a package is carried over as it is (:attr:`NoteKind.CUSTOM`): its id,
name, fields and templates with their ids, CSS and sort field. Anki's stock note types
(``Basic``, ``Basic (and reversed card)``, ``Cloze`` …) are no exception: the collection the
deck came from has them under those ids, and a note written back with another note type of
the same GUID would be skipped by Anki as "conflicting", never updated.

Only ankipress's own note types (``ankipress Basic`` …, from a package ankipress wrote)
become ours again, when their name *and* shape say so (fields in order, templates that show
those fields where ours do): writing them back gives the same ids, with the templates of
this release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ankipress import rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    NoteType,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.apkg_db import AnkiNote, AnkiNotetype, Collection

__all__ = ["convert_notes"]
_MAX_ORD = 0xFFFF
"""The largest card ordinal (template or cloze number - 1) Anki stores."""


def _shows(template: str, field: str, prefix: str = "") -> bool:
    """Whether ``template`` shows ``field`` (``{{Front}}``, ``{{text:Front}}``, ``{{ Front }}``)."""
    filters = re.escape(prefix) if prefix else r"(?:[^{}:#^/]*:)*"
    return (
        re.search(r"\{\{\s*" + filters + r"\s*" + re.escape(field) + r"\s*\}\}", template)
        is not None
    )


@dataclass(frozen=True, slots=True)
class _Ours:
    names: tuple[str, ...]
    fields: tuple[str, ...]
    cloze: bool
    fits: Callable[[tuple[tuple[str, str, str], ...]], bool]
    kind: NoteKind


_OURS = (
    _Ours(
        ("ankipress Basic",),
        ("Front", "Back"),
        False,
        lambda t: len(t) == 1 and _shows(t[0][1], "Front") and _shows(t[0][2], "Back"),
        NoteKind.BASIC,
    ),
    _Ours(
        ("ankipress Basic (and reversed card)",),
        ("Front", "Back"),
        False,
        lambda t: len(t) == 2 and _shows(t[0][1], "Front") and _shows(t[1][1], "Back"),
        NoteKind.REVERSED,
    ),
    _Ours(
        ("ankipress Basic (type in the answer)",),
        ("Front", "Back"),
        False,
        lambda t: len(t) == 1 and _shows(t[0][1], "Back", "type:"),
        NoteKind.TYPE_ANSWER,
    ),
    _Ours(
        ("ankipress Cloze",),
        ("Text", "Back Extra"),
        True,
        lambda t: len(t) == 1 and _shows(t[0][1], "Text", "cloze:"),
        NoteKind.CLOZE,
    ),
)
# The cards each of our kinds can make (cloze: any number).
_ORDS = {NoteKind.BASIC: {0}, NoteKind.TYPE_ANSWER: {0}, NoteKind.REVERSED: {0, 1}}


def _our_kind(notetype: AnkiNotetype) -> NoteKind | None:
    for stock in _OURS:
        if (
            notetype.name in stock.names
            and notetype.fields == stock.fields
            and notetype.cloze == stock.cloze
            and stock.fits(notetype.templates)
        ):
            return stock.kind
    return None


def _carried(notetype: AnkiNotetype) -> NoteType:
    return NoteType(
        name=notetype.name,
        fields=notetype.fields,
        templates=notetype.templates,
        css=notetype.css,
        cloze=notetype.cloze,
        fixed_id=notetype.id,
        field_ids=notetype.field_ids,
        template_ids=notetype.template_ids,
        sort_field=notetype.sort_field if 0 <= notetype.sort_field < len(notetype.fields) else 0,
        latex=notetype.latex,
        carried=notetype.carried,
    )


# Tags of Anki's scheduler and browser, which its package import without scheduling removes
# (any case; their children, such as marked::x, stay).
_SYSTEM_TAGS = frozenset({"leech", "marked"})


class _Converter:
    def __init__(self, collection: Collection, where: SourceLocation, default_deck: str) -> None:
        self.collection = collection
        self.where = where
        self.default_deck = default_deck
        self.diagnostics: list[Diagnostic] = []
        self.kinds = {ntid: _our_kind(nt) for ntid, nt in collection.notetypes.items()}
        self.system_tags = 0  # notes whose leech or marked tag was left out
        self.carried = {
            ntid: _carried(nt)
            for ntid, nt in collection.notetypes.items()
            if self.kinds[ntid] is None and nt.fields and nt.templates
        }

    def say(self, severity: Severity, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(self.where, severity, message, hint, rules.PACKAGE_CONTENT)
        )

    def _deck(self, note: AnkiNote, label: str) -> str:
        decks = self.collection.decks
        names = list(dict.fromkeys(decks.get(deck_id, "") for _, deck_id in note.cards))
        if "" in names:
            self.say(
                Severity.WARNING,
                f"{label}: a card is in a deck the package does not have; "
                f"it goes to deck {self.default_deck!r}",
            )
            names = [name or self.default_deck for name in names]
        if len(set(names)) > 1:
            self.say(
                Severity.WARNING,
                f"{label}: its cards are in decks {', '.join(map(repr, dict.fromkeys(names)))}; "
                f"all go to {names[0]!r}",
            )
        return names[0]

    def note(self, note: AnkiNote) -> Note | None:
        label = f"note {note.id} (guid {note.guid!r})" if note.guid else f"note {note.id}"
        notetype = self.collection.notetypes.get(note.mid)
        if notetype is None:
            self.say(Severity.ERROR, f"{label}: its note type {note.mid} is not in the package")
            return None
        if not notetype.fields or not notetype.templates:
            self.say(
                Severity.ERROR,
                f"{label}: its note type {notetype.name!r} has no fields or no templates",
            )
            return None
        if not note.cards:
            self.say(Severity.WARNING, f"{label} has no cards in the package; skipped")
            return None
        fields = note.fields
        width = len(notetype.fields)
        if len(fields) > width and any(field.strip() for field in fields[width:]):
            self.say(
                Severity.ERROR,
                f"{label} has {len(fields)} fields; its note type {notetype.name!r} has {width}",
            )
            return None
        fields = (*fields[:width], *("" for _ in range(width - len(fields))))
        kind = self.kinds.get(note.mid)
        ords = tuple(dict.fromkeys(ord_ for ord_, _ in note.cards))
        if any(not 0 <= ord_ <= _MAX_ORD for ord_ in ords):
            # Anki stores a card's template number in 16 bits: it refuses the package.
            bad = ", ".join(str(ord_) for ord_ in ords if not 0 <= ord_ <= _MAX_ORD)
            self.say(
                Severity.WARNING,
                f"{label}: card ordinal {bad} is out of the range Anki takes (0 to "
                f"{_MAX_ORD}); dropped",
            )
            ords = tuple(ord_ for ord_ in ords if 0 <= ord_ <= _MAX_ORD)
        # A card needs a template to show it (a cloze note type's one template shows them all).
        fitting = _ORDS.get(kind) if kind is not None else None
        if fitting is None and kind is None and not notetype.cloze:
            fitting = set(range(len(notetype.templates)))
        if fitting is not None:
            kept = tuple(ord_ for ord_ in ords if ord_ in fitting)
            if kept != ords:
                dropped = ", ".join(str(ord_ + 1) for ord_ in ords if ord_ not in kept)
                message = f"card {dropped} does not fit its note type {notetype.name!r}; dropped"
                self.say(Severity.WARNING, f"{label}: {message}")
            ords = kept
        if not note.guid:
            self.say(
                Severity.WARNING,
                f"{label} has no guid; ankipress derives one from its deck and question",
            )
        deck = self._deck(note, label)
        carried = self.collection.deck_carried.get(deck)
        tags = note.tags
        if carried is None and any(tag.casefold() in _SYSTEM_TAGS for tag in tags):
            # Anki's own import without scheduling leaves these out (the scheduler's marks);
            # a CrowdAnki deck's notes keep them, as CrowdAnki's import does.
            tags = tuple(tag for tag in tags if tag.casefold() not in _SYSTEM_TAGS)
            self.system_tags += 1
        return Note(
            question=fields[0],
            answer=fields[1] if width > 1 else "",
            deck=deck,
            location=self.where,
            tags=tags,
            guid=note.guid or None,
            text_format=TextFormat.HTML,
            kind=NoteKind.CUSTOM if kind is None else kind,
            notetype=self.carried[note.mid] if kind is None else None,
            fields=fields if kind is None else (),
            card_ords=ords,
            sealed=True,
            deck_carried=carried,
            columns=note.columns if carried else None,
        )


def convert_notes(
    collection: Collection, where: SourceLocation, default_deck: str
) -> tuple[list[Note], list[Diagnostic]]:
    """The collection's notes as ankipress notes, and what was wrong with any of them."""
    converter = _Converter(collection, where, default_deck)
    for problem in collection.problems:
        converter.say(Severity.ERROR, problem)
    notes = [note for note in map(converter.note, collection.notes) if note is not None]
    if converter.system_tags:
        converter.say(
            Severity.NOTE,
            f"{converter.system_tags} note(s) tagged leech or marked: those tags are left out, "
            "as Anki's import of a package without its scheduling leaves them out",
        )
    return notes, converter.diagnostics
