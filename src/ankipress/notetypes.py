"""The card templates ankipress ships, read from package data."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from ankipress import ids

BASIC = "basic"


@dataclass(frozen=True, slots=True)
class NoteType:
    """A note type as ankipress defines it: name, fields, card templates and CSS."""

    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, question format, answer format) for each card the note makes."""
    css: str

    @property
    def id(self) -> int:
        """Stable id, derived from the name."""
        return ids.notetype_id(self.name)


def _read(folder: str, name: str) -> str:
    return resources.files("ankipress.templates").joinpath(folder, name).read_text("utf-8")


def basic() -> NoteType:
    """Our Basic note type: a Front and a Back field, one card."""
    return NoteType(
        name="ankipress Basic",
        fields=("Front", "Back"),
        templates=(("Card 1", _read(BASIC, "front.html"), _read(BASIC, "back.html")),),
        css=_read(BASIC, "style.css"),
    )
