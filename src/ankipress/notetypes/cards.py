"""Which cards Anki makes for a note: the template ordinals, by Anki's own rules.

A card of a standard note type exists when its front shows a field with text (sections
followed); a cloze note has a card per deletion number. Writers count and write cards by this,
the preview shows them, and the Markdown writer says which cards a note has only where these
rules would make others.
"""

from __future__ import annotations

import re

from ankipress.model import NoteKind, NoteType, RenderedNote

__all__ = ["card_ords"]

# A deletion counts only when closed, as Anki counts it ({{c4::… left open makes no card).
_CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::.*?\}\}", re.IGNORECASE | re.DOTALL)

# Anki's test for an empty field: nothing but white space, <br> and <div> tags.
_EMPTY_FIELD = re.compile(r"(?:\s|&nbsp;|</?(?:br|div) ?/?>)*", re.IGNORECASE)
_SECTION = re.compile(r"\{\{([#^])\s*([^{}]+?)\s*\}\}(.*?)\{\{/\s*\2\s*\}\}", re.DOTALL)
_REFERENCE = re.compile(r"\{\{(?![#^/!])([^{}]+)\}\}")


def _filled(text: str) -> bool:
    return _EMPTY_FIELD.fullmatch(text) is None


def _shown(template: str, values: dict[str, str]) -> str:
    """``template`` without the sections its fields leave out (``{{#Field}}…{{/Field}}``)."""

    def section(match: re.Match[str]) -> str:
        filled = _filled(values.get(match[2], ""))
        return _shown(match[3], values) if filled == (match[1] == "#") else ""

    return _SECTION.sub(section, template)


def _own_cards(note_type: NoteType, fields: tuple[str, ...]) -> list[int]:
    """The cards Anki makes for a note of a note type of its own.

    A cloze note type: one per deletion number in the fields its template cloze-filters. Any
    other: each template whose front shows a field with text (sections followed).
    """
    values = dict(zip(note_type.fields, fields, strict=False))
    if note_type.cloze:
        numbers: set[int] = set()
        for _, front, _ in note_type.templates:
            for reference in _REFERENCE.findall(front):
                *filters, name = reference.split(":")
                if "cloze" in (f.strip() for f in filters):
                    found = _CLOZE_NUMBER.findall(values.get(name.strip(), ""))
                    numbers.update(int(n) for n in found if 0 < int(n) <= 1 << 15)
        return sorted(number - 1 for number in numbers) or [0]
    ords = []
    for index, (_, front, _) in enumerate(note_type.templates):
        names = [ref.split(":")[-1].strip() for ref in _REFERENCE.findall(_shown(front, values))]
        if any(_filled(values.get(name, "")) for name in names):
            ords.append(index)
    return ords or [0]


def card_ords(note: RenderedNote) -> list[int]:
    """The template ordinals of the cards a note makes, as Anki would generate them."""
    if note.card_ords:
        return list(note.card_ords)
    if note.kind is NoteKind.CUSTOM and note.notetype is not None:
        return _own_cards(note.notetype, note.fields)
    if note.kind is NoteKind.CLOZE:
        cut = note.fields[0].rfind("}}") + 2  # no deletion past the last "}}": not scanned
        numbers = {int(n) for n in _CLOZE_NUMBER.findall(note.fields[0][:cut]) if int(n) > 0}
        return sorted(number - 1 for number in numbers) or [0]
    if note.kind is NoteKind.REVERSED:
        return [0, 1] if note.fields[1].strip() else [0]
    return [0]
