"""The note types ankipress writes, built from the templates shipped as package data.

Names and ids are stable: the id is a hash of the name, and fields and templates carry ids
of their own, so a new release of ankipress updates the note type in a user's collection
(it is newer) instead of forking it into ``Name+``. Never rename a released note type's
fields or templates.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from string import Template

from ankipress import ids
from ankipress.model import NoteKind, NoteType

TEMPLATES_CHANGED = 1796673060
"""When our templates or CSS last changed (seconds). Written as the note types' time, so a
release with new templates updates them in users' collections (Anki takes a note type only
when it is newer). A test fails when the files change and this is not moved forward."""

TEMPLATES_DIGEST = "3746212fc8c16908ef5006af65eb261b07f81cc2e80b37b9d7021f77ca0656f5"
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
    "table/back.html",
    "table/extra.html",
    "table/front.html",
    "type/back.html",
    "type/front.html",
)


def templates_digest() -> str:
    """A digest of every template and stylesheet of our note types."""
    digest = hashlib.sha256()
    for name in _TEMPLATE_FILES:
        digest.update(name.encode() + b"\0" + _read(*name.split("/")).encode() + b"\0")
    return digest.hexdigest()


# Plain files beside this module (as render/mathjax, which Node reads): importlib.resources
# would cost every package written more to import than the reading of them does.
_TEMPLATES = Path(__file__).with_name("templates")


def _read(*parts: str) -> str:
    return _TEMPLATES.joinpath(*parts).read_text("utf-8")


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


# Anki removes these from field names (and the leading ones from their start): a template
# could not name the field otherwise.
_FIELD_NAME_BAD = re.compile(r'[:{}"\x00-\x1f\x7f]')
_FIELD_NAME_BAD_START = "#/^"
# Names a template reads as Anki's own values, not as fields.
_RESERVED = frozenset(
    name.casefold() for name in ("FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag")
)
_TABLE_NAME_MAX = 100
"""Characters of a table note type's derived name; its id covers every field regardless."""


def field_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` made usable as Anki field names: cleaned, non-empty, distinct.

    Characters Anki would strip (``: { } "`` and a leading ``# / ^``) are removed, an empty
    name becomes ``Field N`` (its 1-based position), a name Anki's templates reserve
    (``Tags``, ``FrontSide`` …) or one already taken gets `` 2``, `` 3`` … appended.
    """
    taken: set[str] = set()
    fixed = []
    for position, name in enumerate(names, 1):
        clean = _FIELD_NAME_BAD.sub("", name).strip().lstrip(_FIELD_NAME_BAD_START).strip()
        clean = " ".join(clean.split()) or f"Field {position}"
        candidate, number = clean, 1
        while candidate.casefold() in taken or candidate.casefold() in _RESERVED:
            number += 1
            candidate = f"{clean} {number}"
        taken.add(candidate.casefold())
        fixed.append(candidate)
    return tuple(fixed)


def table(fields: tuple[str, ...], name: str | None = None) -> NoteType:
    """A note type for a table: the first field asked, the second answered, and every
    further non-empty field shown under the answer, labelled with its name.

    ``fields`` are cleaned with :func:`field_names` (pass them cleaned to know the names
    the note type ends up with). Without ``name`` the note type is named after its fields.
    Its id is derived from its name and fields, and its fields' and templates' ids from
    their names, so the same table rebuilt updates the note type instead of forking it; a
    table with other columns is another note type.
    """
    if not fields:
        raise ValueError("a table note type needs at least one field")
    fields = field_names(fields)
    if len(fields) == 1:
        fields = field_names((*fields, "Back"))
    if name is None:
        name = f"ankipress Table ({', '.join(fields)})"
        if len(name) > _TABLE_NAME_MAX:
            name = name[: _TABLE_NAME_MAX - 2].rstrip(", ") + "…)"
    extra = Template(_read("table", "extra.html"))
    extras = "".join(
        extra.substitute(field=field, label=html.escape(field)) for field in fields[2:]
    )
    front = Template(_read("table", "front.html")).substitute(question=fields[0])
    back = Template(_read("table", "back.html")).substitute(answer=fields[1], extras=extras)
    return NoteType(
        name=name,
        fields=fields,
        templates=(("Card 1", front, back.rstrip("\n") + "\n"),),
        css=stylesheet(),
        fixed_id=ids.notetype_id("\x1f".join(("table", name, *fields))),
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
