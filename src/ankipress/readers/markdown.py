"""Reader for Markdown decks: a ``## `` heading per card, as mdanki writes them.

The grammar, line by line::

    ---                            optional front matter (YAML), only at the very top:
    deck: Biology::Cells           the deck name (text)
    tags: [cells, bio]             tags of every card: a list, or "a b" / "a, b"
    media: cells.media             the deck's media folder (see below)
    ---
    # Cells                        the first level-1 title: the deck, unless front matter says
    ## What is a ribosome?         a card: the heading is its question
    A molecular machine that ...   the answer: everything up to the next "## " or "# " heading
    [#biology]() [#organelles]()   optional, mdanki's tag line: links whose text starts with #
    ## Name the parts              a card whose question runs over several lines:
    of a cell.                     the heading and the lines under it, up to a line "%"
    %
    Nucleus, ...                   and the answer after it

Lines inside fenced code (````` ``` ````` or ``~~~``) are code, never headings, ``%`` or tag
lines. Deck: front matter, else the first ``# `` title, else the file's name. mdanki files
read as they are: mdanki splits cards at ``## ``, front and back at a line ``%``, and takes
tags from lines of ``[#tag](…)`` links. A card without an answer is skipped with a warning,
as mdanki skips it.

md2apkg decks read as md2apkg reads them, once a line ``<!-- md2apkg … -->`` says the deck is
one: every heading of any level with text under it is a card (headings with nothing under
them are section titles), the first heading names the deck, ``<!-- md2apkg split -->`` is a
``%`` line, ``<!-- md2apkg tags a b -->`` adds tags, and ``<!-- md2apkg ignore-card -->``
leaves its card out. Any other HTML comment is a comment, never shown.

What a package needs beyond that (``ankipress convert deck.apkg -o deck.md`` writes it):

* A metadata line right under a card's heading (:mod:`ankipress.readers.mdsyntax`) gives the card's
  ``guid``, ``deck``, ``tags`` (added to the front matter's), ``kind`` (``reversed``,
  ``type``, ``basic``, ``cloze``), ``cards`` (which cards it has: 1-based template or
  cloze numbers), ``format`` (``markdown``, the default; ``html``; ``plain``), or
  ``notetype``: a note type of the section ``# Note types`` (a fenced ``yaml`` block,
  :mod:`ankipress.notetypes.yamlform`). Such a card's first field is its heading and the lines
  up to the first ``### <field name>`` line; each further field follows its ``### `` line.
* In a card with a metadata line, a field that is one fenced block with the info string
  ``verbatim`` is the block's lines, exactly. A card without one reads as it always did.
* References into the front matter's ``media`` folder name the deck's media files, whose
  names are kept (:mod:`.mdmedia`).
"""

from __future__ import annotations

import re
from pathlib import PurePath

from ankipress import rules
from ankipress.model import NoteType, ReadOptions, ReadResult, Severity
from ankipress.notetypes.yamlform import read_note_types
from ankipress.readers.frontmatter import FrontMatter, read_front_matter
from ankipress.readers.mdcards import HEADING, CardReader, excerpt
from ankipress.readers.mdmedia import with_media_folder
from ankipress.readers.mdsyntax import fenced
from ankipress.safeyaml import compose
from ankipress.sources import Source

__all__ = ["MarkdownReader", "parse_cards"]

_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
# Decks written for md2apkg, whose comments are "<!-- md2apkg split -->" and the like, make a
# card of every heading, whatever its level.
_MD2APKG_COMMENT = re.compile(r"<!--[ \t]*md2apkg[ \t]")
_ANY_HEADING = re.compile(r"(#{1,6})(?:[ \t]+(.*))?")
_NOTE_TYPES_TITLE = "Note types"
_YAML_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*yaml[ \t]*")


class MarkdownReader:
    """Markdown deck: ``## question``, the answer below it; front matter ``deck``/``tags``."""

    name: str = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")
    description: str = "Markdown deck (## question, answer below; front matter deck/tags)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a Markdown deck, from 0 to 1."""
        lines = source.lines[:2000]
        code = fenced(lines).code
        levels = {
            len(match.group(1))
            for index, line in enumerate(lines)
            if index not in code and (match := HEADING.fullmatch(line.rstrip()))
        }
        markdown_file = PurePath(source.path).suffix.lower() in self.extensions
        if 2 in levels:
            return 0.8 if markdown_file else (0.5 if 1 in levels else 0.0)
        # A .md file without cards is still ours: "no cards found" beats "unknown format".
        return 0.4 if markdown_file else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every card of ``source``; problems become diagnostics, never exceptions."""
        front = read_front_matter(source)
        result = _Parser(source, options.default_deck, front).run()
        return with_media_folder(result, source, front)


def parse_cards(
    text: str, deck: str, tags: tuple[str, ...], note_types: dict[str, NoteType]
) -> ReadResult:
    """The cards of ``text`` (no front matter), as a deck with this deck, tags and note types.

    The writer reads back each card it writes with this, to be sure it reads as written.
    """
    source = Source.from_text("<card>", text)
    return _Parser(source, deck, FrontMatter(0, deck, tags), note_types).run()


class _Parser(CardReader):
    def __init__(
        self,
        source: Source,
        default_deck: str,
        front: FrontMatter,
        note_types: dict[str, NoteType] | None = None,
    ) -> None:
        super().__init__(source, fenced(source.lines, front.body), note_types or {})
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
        return any(
            "md2apkg" in line and index not in self.code and _MD2APKG_COMMENT.search(line)
            for index, line in enumerate(self.lines[self.body :], self.body)
        )

    def run(self) -> ReadResult:
        """Every card of the source, with what was wrong or left out along the way."""
        md2apkg = self._is_md2apkg()
        heading_pattern = _ANY_HEADING if md2apkg else HEADING
        headings: list[tuple[int, int, str]] = []
        for index in range(self.body, len(self.lines)):
            match = heading_pattern.fullmatch(self.lines[index].rstrip())
            if match and index not in self.code:
                text = _CLOSING_HASHES.sub("", (match.group(2) or "").strip()).strip()
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
        declared += tuple(dict.fromkeys(n.deck for n in notes if n.deck not in (*declared, deck)))
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
