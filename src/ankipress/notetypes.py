"""The note types ankipress writes, built from the templates shipped as package data.

Names and ids are stable: the id is a hash of the name, and fields and templates carry ids
of their own, so a new release of ankipress updates the note type in a user's collection
(it is newer) instead of forking it into ``Name+``. Never rename a released note type's
fields or templates.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from ankipress.model import NoteKind, NoteType

TEMPLATES_CHANGED = 1795715804
"""When our templates or CSS last changed (seconds). Written as the note types' time, so a
release with new templates updates them in users' collections (Anki takes a note type only
when it is newer). A test fails when the files change and this is not moved forward."""

TEMPLATES_DIGEST = "92dba4bd1c1cb3574d8586b514cafe1b7d2e236bd048656c08f5882362061d93"
"""The digest of the template files (:func:`templates_digest`) when TEMPLATES_CHANGED was set."""

_TEMPLATE_FILES = (
    "basic/back.html",
    "basic/front.html",
    "cloze/back.html",
    "cloze/front.html",
    "highlight.css",
    "reversed/back.html",
    "reversed/front.html",
    "style.css",
    "type/back.html",
    "type/front.html",
)


def templates_digest() -> str:
    """A digest of every template and stylesheet of our note types."""
    digest = hashlib.sha256()
    for name in _TEMPLATE_FILES:
        digest.update(name.encode() + b"\0" + _read(*name.split("/")).encode() + b"\0")
    return digest.hexdigest()


def _read(*parts: str) -> str:
    return resources.files("ankipress.templates").joinpath(*parts).read_text("utf-8")


def stylesheet() -> str:
    """The CSS of every note type of ours: the card's style, then code highlighting colours."""
    return _read("style.css") + "\n" + _read("highlight.css")


def basic() -> NoteType:
    """Our Basic note type: a Front and a Back field, one card."""
    return NoteType(
        name="ankipress Basic",
        fields=("Front", "Back"),
        templates=(("Card 1", _read("basic", "front.html"), _read("basic", "back.html")),),
        css=stylesheet(),
    )


def reversed_() -> NoteType:
    """Basic and reversed: the same fields, a second card asking the other way round."""
    return NoteType(
        name="ankipress Basic (and reversed card)",
        fields=("Front", "Back"),
        templates=(
            ("Card 1", _read("basic", "front.html"), _read("basic", "back.html")),
            ("Card 2", _read("reversed", "front.html"), _read("reversed", "back.html")),
        ),
        css=stylesheet(),
    )


def cloze() -> NoteType:
    """Cloze: a Text field with ``{{c1::…}}`` deletions, one card each, and Back Extra."""
    return NoteType(
        name="ankipress Cloze",
        fields=("Text", "Back Extra"),
        templates=(("Cloze", _read("cloze", "front.html"), _read("cloze", "back.html")),),
        css=stylesheet(),
        cloze=True,
    )


def type_answer() -> NoteType:
    """Type the answer: the Back is typed in on the front and compared on the back."""
    return NoteType(
        name="ankipress Basic (type in the answer)",
        fields=("Front", "Back"),
        templates=(("Card 1", _read("type", "front.html"), _read("type", "back.html")),),
        css=stylesheet(),
    )


def for_kind(kind: NoteKind) -> NoteType:
    """The note type that notes of ``kind`` are written with."""
    if kind is NoteKind.REVERSED:
        return reversed_()
    if kind is NoteKind.CLOZE:
        return cloze()
    if kind is NoteKind.TYPE_ANSWER:
        return type_answer()
    return basic()
