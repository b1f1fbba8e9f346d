"""Anki's stock note types as readers of other apps' notes meet them by name.

anki-editor (org) and Obsidian_to_Anki name a note's type as the user's Anki shows it; a
stock one becomes the note kind of ours that makes the same cards, its fields in order.
"""

from __future__ import annotations

from ankipress.model import NoteKind

__all__ = ["FIELD_ALIASES", "STOCK"]

STOCK: dict[str, tuple[NoteKind, tuple[str, ...]]] = {
    "basic": (NoteKind.BASIC, ("Front", "Back")),
    "basic (and reversed card)": (NoteKind.REVERSED, ("Front", "Back")),
    "basic (optional reversed card)": (NoteKind.BASIC, ("Front", "Back", "Add Reverse")),
    "basic (type in the answer)": (NoteKind.TYPE_ANSWER, ("Front", "Back")),
    "cloze": (NoteKind.CLOZE, ("Text", "Back Extra")),
}
"""Each stock note type by its name in lower case: the kind of ours, and its field names."""

FIELD_ALIASES: dict[str, tuple[str, ...]] = {"Back Extra": ("Extra",)}
"""Other names a stock field has had: Anki called the Cloze note type's second field "Extra"
before it was "Back Extra", and a note type made then keeps the old name in the user's
collection, where these apps take the field names from."""
