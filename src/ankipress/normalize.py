"""Cleaning notes before they are rendered: one place, each rule a small function.

Every change is reported as a diagnostic (``note`` for a change, ``warning`` for a drop,
``error`` for a conflict), so nothing a user wrote disappears without a word.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ankipress import rules
from ankipress.duplicates import OnDuplicate, drop_duplicates
from ankipress.model import Diagnostic, Note, NoteKind, Severity, TextFormat

# Control characters Anki strips from fields; \x1f would even split a field in two.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Trailing white space of a line: spaces, tabs, no-break and other Unicode spaces.
# (Only from the start of a run: from each space of a long run not at a line's end, the
# scan would run to the run's end again, quadratic.)
_TRAILING_SPACE = re.compile(r"(?<![^\S\n])[^\S\n]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(frozen=True, slots=True)
class Normalized:
    """Notes after normalization, with what was changed or dropped and why."""

    notes: tuple[Note, ...]
    guids: tuple[str, ...]
    """The GUID each note is written with, in the order of :attr:`notes`."""
    diagnostics: tuple[Diagnostic, ...]
    changed: int
    """Notes whose text, tags or deck were changed."""
    dropped: int
    """Notes dropped as exact duplicates of an earlier one."""


def clean_text(text: str) -> tuple[str, list[str]]:
    """Normalize one field's text; returns the text and a description of each change."""
    # Each rule tests before it rewrites: most fields need none of them, and this runs
    # twice per note on decks of 100k notes.
    if text.isascii() and text.isprintable():
        # One line of printable ASCII (most questions): no line breaks, tabs, control
        # characters or other white space than " ", and nothing to compose.
        if not text.endswith(" "):
            return text, []
        return text.rstrip(" "), ["trailing spaces removed"]
    changes: list[str] = []
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        changes.append("Unicode composed to NFC")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isprintable() and _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        changes.append("control characters removed")
    if _has_trailing_space(text):
        text = _TRAILING_SPACE.sub("", text)
        changes.append("trailing spaces removed")
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
        changes.append("runs of blank lines collapsed")
    if text.startswith("\n") or text.endswith("\n"):
        text = text.strip("\n")
        changes.append("leading or trailing blank lines removed")
    return text, changes


def _has_trailing_space(text: str) -> bool:
    """Whether :data:`_TRAILING_SPACE` finds anything: a line ending in white space."""
    if text.isascii():
        # Control characters are gone: the only white space left is " ", "\t" and "\n".
        return text.endswith((" ", "\t")) or " \n" in text or "\t\n" in text
    # \s is exactly what str.isspace() calls white space.
    return any(line[-1:].isspace() for line in text.split("\n"))


def clean_html(text: str) -> tuple[str, list[str]]:
    """Normalize a field that is HTML already: only what Anki itself would not store.

    HTML sources pass through untouched but for control characters, which Anki strips
    (``\x1f`` would even split the field in two).
    """
    if not _CONTROL.search(text):
        return text, []
    return _CONTROL.sub("", text), ["control characters removed"]


_SPACE = re.compile(r"\s")
_SPACE_RUN = re.compile(r"\s+")


def clean_tag(tag: str) -> tuple[str, list[str]]:
    """One tag by Anki's rules: no spaces, ``::`` hierarchy with no empty parts."""
    if tag.isascii() and tag.isprintable() and " " not in tag and "::" not in tag:
        return tag, []  # no white space, nothing to compose, one part (most tags)
    changes: list[str] = []
    text = unicodedata.normalize("NFC", tag).strip()
    if _SPACE.search(text):
        text = _SPACE_RUN.sub("_", text)
        changes.append(f"tag {tag!r} held spaces, joined with '_'")
    parts = [part for part in text.split("::") if part]
    joined = "::".join(parts)
    if joined != text:
        changes.append(f"tag {tag!r}: empty '::' parts dropped")
    return joined, changes


def clean_tags(tags: Iterable[str]) -> tuple[tuple[str, ...], list[str]]:
    """Tags cleaned one by one, then empty ones and case-insensitive repeats dropped."""
    tags = tuple(tags)
    if not tags:
        return (), []
    cleaned, changes = _clean_tags(tags)
    return cleaned, list(changes)


@functools.lru_cache(maxsize=1024)
def _clean_tags(tags: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """:func:`clean_tags` of a tuple, remembered: most notes of a deck share a few sets."""
    changes: list[str] = []
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned, tag_changes = clean_tag(tag)
        changes.extend(tag_changes)
        if not cleaned:
            continue
        key = cleaned.casefold()
        if key in seen:
            if seen[key] != cleaned:
                changes.append(f"tag {cleaned!r} merged into {seen[key]!r}")
            continue
        seen[key] = cleaned
    return tuple(seen.values()), tuple(changes)


# Anki's import takes a deck name of at most this many "::" parts ("deck nesting level too
# deep" past it, checked against the engine) and removes control characters, line breaks
# and tabs included, from it.
MAX_DECK_PARTS = 11
_DECK_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DECK_BREAK = re.compile(r"\r\n?|[\n\t\v\f]")


def clean_deck(deck: str) -> tuple[str, str | None]:
    """A deck name with its ``::`` parts trimmed; the second value is an error, if any.

    Line breaks and tabs become spaces and other control characters go (Anki would remove
    them all, gluing words together).
    """
    return _clean_deck(deck)


@functools.lru_cache(maxsize=256)
def _clean_deck(deck: str) -> tuple[str, str | None]:
    """:func:`clean_deck`, remembered: a deck's notes all name it."""
    text = unicodedata.normalize("NFC", deck)
    if _DECK_CONTROL.search(text):
        text = _DECK_CONTROL.sub("", _DECK_BREAK.sub(" ", text))
    parts = [part.strip() for part in text.split("::")]
    if any(not part for part in parts):
        return deck, f"deck name {deck!r} has an empty part between '::'"
    if len(parts) > MAX_DECK_PARTS:
        shown = repr(deck) if len(deck) <= 60 else f"{deck[:60]!r}…"
        return deck, (
            f"deck name {shown} is nested {len(parts)} levels deep; Anki takes at most "
            f"{MAX_DECK_PARTS}"
        )
    # A deck a source names "Default" lands in Anki's own Default deck on import, matched
    # by name: what an export of notes kept there asks for. Only a deck named after a file
    # called "default" is refused (in the pipeline), as that one would be an accident.
    return "::".join(parts), None


class Cleaner:
    """:func:`normalize`'s cleaning, a note at a time: text, tags and deck of each note.

    :attr:`changed` counts the notes changed so far; what is changed is said in the
    diagnostics list :meth:`clean` is given.
    """

    def __init__(self, extra_tags: Sequence[str] = ()) -> None:
        self.extra_tags = tuple(extra_tags)
        self.changed = 0
        self.decks: dict[str, tuple[str, str | None]] = {}
        self.warned: set[str] = set()

    def clean(self, note: Note, diagnostics: list[Diagnostic]) -> Note:
        """``note`` cleaned; what changed (or is wrong with its deck) goes to ``diagnostics``."""
        html = note.text_format is TextFormat.HTML or note.kind is NoteKind.CUSTOM
        clean = clean_html if html else clean_text
        question, q_changes = clean(note.question)
        answer, a_changes = clean(note.answer)
        fields = note.fields
        # A table's plain fields are cleaned as plain text; a package's are HTML.
        clean_field = clean_html if note.text_format is TextFormat.HTML else clean_text
        for index, value in enumerate(note.fields):
            cleaned_field, field_changes = clean_field(value)
            if field_changes:
                fields = (*fields[:index], cleaned_field, *fields[index + 1 :])
                q_changes.extend(f"field {index + 1}: {c}" for c in field_changes)
        tags, tag_changes = clean_tags((*note.tags, *self.extra_tags))
        known = self.decks.get(note.deck)
        if known is None:
            known = self.decks[note.deck] = clean_deck(note.deck)
        deck, deck_error = known
        if deck_error:
            diagnostics.append(
                Diagnostic(note.location, Severity.ERROR, deck_error, rule=rules.DECK_NAME)
            )
        changes = (
            [f"question: {c}" for c in q_changes]
            + [f"answer: {c}" for c in a_changes]
            + tag_changes
        )
        controls = deck != note.deck and _DECK_CONTROL.search(note.deck) is not None
        if controls and note.deck not in self.warned:
            self.warned.add(note.deck)
            message = f"deck name {note.deck!r} holds line breaks, tabs or control characters, "
            message += f"which Anki removes; written as {deck!r}"
            diagnostics.append(
                Diagnostic(note.location, Severity.WARNING, message, rule=rules.DECK_NAME)
            )
        elif deck != note.deck and not controls:
            changes.append(f"deck name {note.deck!r} trimmed to {deck!r}")
        if changes:
            self.changed += 1
            diagnostics.append(
                Diagnostic(note.location, Severity.NOTE, "; ".join(changes), rule=rules.NORMALIZED)
            )
        if (question, answer, tags, deck, fields) != (
            note.question,
            note.answer,
            note.tags,
            note.deck,
            note.fields,
        ):
            note = dataclasses.replace(
                note, question=question, answer=answer, tags=tags, deck=deck, fields=fields
            )
        return note


def normalize(
    notes: Sequence[Note],
    extra_tags: Sequence[str] = (),
    on_duplicate: OnDuplicate = OnDuplicate.AUTO,
) -> Normalized:
    """Clean every note's text, tags and deck, and drop exact duplicates."""
    diagnostics: list[Diagnostic] = []
    cleaner = Cleaner(extra_tags)
    cleaned = [cleaner.clean(note, diagnostics) for note in notes]
    kept, duplicate_diagnostics = drop_duplicates(cleaned, on_duplicate)
    diagnostics.extend(duplicate_diagnostics)
    return Normalized(
        tuple(note for note, _ in kept),
        tuple(guid for _, guid in kept),
        tuple(diagnostics),
        cleaner.changed,
        len(cleaned) - len(kept),
    )
