"""Reader for Markdown decks: a ``## `` heading per card, as mdanki writes them.

The grammar, line by line (read by :mod:`ankipress.readers.mddeck`, which the writer shares)::

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

from pathlib import PurePath

from ankipress.model import ReadOptions, ReadResult
from ankipress.readers.frontmatter import read_front_matter
from ankipress.readers.mdcards import HEADING
from ankipress.readers.mddeck import DeckParser
from ankipress.readers.mdmedia import with_media_folder
from ankipress.readers.mdsyntax import fenced
from ankipress.sources import Source

__all__ = ["MarkdownReader"]


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
        result = DeckParser(source, options.default_deck, front).run()
        return with_media_folder(result, source, front)
