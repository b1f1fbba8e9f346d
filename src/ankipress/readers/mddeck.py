"""The Markdown deck's grammar over a whole text: headings into cards, the note types section,
md2apkg's comments (the grammar itself is described in :mod:`ankipress.readers.markdown`).

Shared by the reader and by the Markdown writer, which reads back each card it writes with
:func:`parse_cards` to be sure it reads as written; neither imports the other.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from ankipress import rules
from ankipress.model import NoteType, ReadResult, Severity
from ankipress.notetypes.yamlform import read_note_types
from ankipress.readers.frontmatter import FrontMatter
from ankipress.readers.mdcards import HEADING, CardReader, excerpt
from ankipress.readers.mdsyntax import FENCE_OR_HEADING, fenced
from ankipress.safeyaml import compose
from ankipress.sources import Source

__all__ = ["DeckParser", "parse_cards"]

_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
# Decks written for md2apkg, whose comments are "<!-- md2apkg split -->" and the like, make a
# card of every heading, whatever its level.
_MD2APKG_COMMENT = re.compile(r"<!--[ \t]*md2apkg[ \t]")
_ANY_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*))?")
_NOTE_TYPES_TITLE = "Note types"
_YAML_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*yaml[ \t]*")


def parse_cards(
    text: str, deck: str, tags: tuple[str, ...], note_types: dict[str, NoteType]
) -> ReadResult:
    """The cards of ``text`` (no front matter), as a deck with this deck, tags and note types.

    The writer reads back each card it writes with this, to be sure it reads as written.
    """
    source = Source.from_text("<card>", text)
    return DeckParser(source, deck, FrontMatter(0, deck, tags), note_types).run()


class DeckParser(CardReader):
    def __init__(
        self,
        source: Source,
        default_deck: str,
        front: FrontMatter,
        note_types: dict[str, NoteType] | None = None,
    ) -> None:
        # The lines that may be fences or headings, found in one search (None: a "\r").
        marked = FENCE_OR_HEADING.find(source.text, source.lines)
        fences = fenced(source.lines, front.body, marked)
        super().__init__(source, fences, note_types or {})
        self.hashes = None if marked is None else [i for i in marked if source.lines[i][:1] == "#"]
        self.default_deck = default_deck
        self.diagnostics.extend(front.diagnostics)
        self.deck = front.deck
        self.tags = front.tags
        self.body = front.body
        for index, fence in self.fences.unclosed:
            hint = f"close it with a line '{fence}'"
            self.report(index, Severity.WARNING, "this code fence is never closed", hint)

    def _is_md2apkg(self) -> bool:
        """Whether the deck is written for md2apkg: one of its comments, outside code."""
        if "md2apkg" not in self.source.text:
            return False
        return any(
            "md2apkg" in line and index not in self.code and _MD2APKG_COMMENT.search(line)
            for index, line in enumerate(self.lines[self.body :], self.body)
        )

    def run(self) -> ReadResult:
        """Every card of the source, with what was wrong or left out along the way."""
        md2apkg = self._is_md2apkg()
        heading_pattern = _ANY_HEADING if md2apkg else HEADING
        headings: list[tuple[int, int, str]] = []
        # Every heading starts with "#": only those lines, when they are known.
        rows: Sequence[int] = range(self.body, len(self.lines))
        if self.hashes is not None:
            rows = self.hashes[bisect_left(self.hashes, self.body) :]
        for index in rows:
            match = heading_pattern.fullmatch(self.lines[index].rstrip())
            if match and index not in self.code:
                text = (match.group(2) or "").strip()
                if text.endswith("#"):  # the pattern is tried at every position: not in vain
                    text = _CLOSING_HASHES.sub("", text).strip()
                headings.append((index, len(match.group(1)), text))
        # A file without headings has no sections (zipping [len] to nothing would fail).
        ends = [index for index, _, _ in headings[1:]] + [len(self.lines)] * bool(headings)
        # Note types first: cards anywhere in the file may name them.
        sections: set[int] = set()
        for (index, level, text), end in zip(headings, ends, strict=True):
            if level == 1 and text == _NOTE_TYPES_TITLE and self._note_types(index + 1, end):
                sections.add(index)
        # Without a single card, "no cards found" says it all: no warnings about every line.
        has_cards = md2apkg or any(level == 2 for _, level, _ in headings)
        if has_cards and headings:
            self._stray(self.body, headings[0][0], False)
        title: str | None = None
        cards: list[tuple[int, str, int]] = []
        if md2apkg:
            title = self._md2apkg_cards(headings, ends, sections, cards)
            headings, ends = [], []
        for (index, level, text), end in zip(headings, ends, strict=True):
            if level == 2:
                cards.append((index, text, end))
                continue
            if index in sections:
                continue
            if title is None and text:
                title = text
            else:
                what = "an empty title" if not text else f"a second title {excerpt(text)!r}"
                hint = "the first '# ' title names the deck"
                self.report(index, Severity.WARNING, f"ignored {what}", hint)
            if has_cards:
                self._stray(index + 1, end, bool(cards))
        deck = self.deck or title or self.default_deck
        notes = [note for card in cards if (note := self.card(*card, deck, self.tags))]
        if not cards:
            hint = "each card starts with a '## ' heading holding its question, the answer below"
            self.report(None, Severity.ERROR, "no cards found", hint, rules.NO_CARDS)
        declared = tuple(name for name in (self.deck or title,) if name)
        known = (*declared, deck)
        declared += tuple(dict.fromkeys(n.deck for n in notes if n.deck not in known))
        # In the order of the file, whichever pass found them.
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(notes), tuple(diagnostics), len(cards), declared)

    def _md2apkg_cards(
        self,
        headings: list[tuple[int, int, str]],
        ends: list[int],
        sections: set[int],
        cards: list[tuple[int, str, int]],
    ) -> str | None:
        """md2apkg's cards: every heading, of any level, with text under it; the deck title.

        md2apkg names the deck after the first heading and leaves out headings with nothing
        under them (section titles); each is said in a ``note``.
        """
        title: str | None = None
        for position, ((index, _, text), end) in enumerate(zip(headings, ends, strict=True)):
            if index in sections:
                continue
            if title is None and text:
                title = text
            if any(self.lines[i].strip() for i in range(index + 1, end)):
                cards.append((index, text, end))
            elif position:
                message = f"the heading {excerpt(text)!r} has nothing under it: a section title"
                self.report(index, Severity.NOTE, message + ", not a card (as md2apkg reads it)")
        return title

    def _note_types(self, start: int, end: int) -> bool:
        """Read a ``# Note types`` section, if it is one: a fenced ``yaml`` block, only."""
        text = [i for i in range(start, end) if self.lines[i].strip()]
        if not text or self.fences.closes.get(text[0]) != text[-1]:
            return False
        if not _YAML_FENCE.fullmatch(self.lines[text[0]].rstrip()):
            return False

        def report(index: int, message: str, hint: str) -> None:
            self.report(index, Severity.ERROR, message, hint)

        yaml_text = "".join(f"{line}\n" for line in self.lines[text[0] + 1 : text[-1]])
        root = compose(yaml_text, text[0] + 1, report, "the note types")
        if root is not None:
            for note_type in read_note_types(root, text[0] + 1, report) or ():
                self.add_note_type(note_type)
        return True

    def _stray(self, start: int, end: int, seen_card: bool) -> None:
        """Warn about text between ``start`` and ``end`` that belongs to no card."""
        text = [i for i in range(start, end) if self.lines[i].strip()]
        if not text:
            return
        where = "outside any card" if seen_card else "before the first card"
        what = f"{len(text)} lines of text" if len(text) > 1 else "a line of text"
        shown = excerpt(self.lines[text[0]].strip())
        hint = "a card starts with a '## ' heading"
        self.report(text[0], Severity.WARNING, f"ignored {what} {where}: {shown!r}", hint)
