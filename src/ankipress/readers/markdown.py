"""Reader for Markdown decks: a ``## `` heading per card, as mdanki writes them.

The grammar, line by line::

    ---                            optional front matter (YAML), only at the very top:
    deck: Biology::Cells           the deck name (text)
    tags: [cells, bio]             tags of every card: a list, or "a b" / "a, b"
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
tags from lines of ``[#tag](…)`` links.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import PurePath

from ankipress.model import (
    Diagnostic,
    Note,
    NoteKind,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.frontmatter import read_front_matter
from ankipress.sources import Source

# Level 1 or 2 only: "### " and deeper headings are part of an answer.
_HEADING = re.compile(r"(#{1,2})(?:[ \t]+(.*))?")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
# Python-Markdown's fences: three or more backticks or tildes at the start of a line, closed
# by a line holding the same fence.
_FENCE = re.compile(r"`{3,}|~{3,}")
_TAG_LINK = r"\[#([^\]]+)\](?:\([^)]*\))?"
_TAG_LINE = re.compile(rf"[ \t]*{_TAG_LINK}(?:[ \t]+{_TAG_LINK})*[ \t]*")
_CLOZE = re.compile(r"\{\{c\d+::")


def _excerpt(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _trim(lines: list[str]) -> list[str]:
    """``lines`` without leading and trailing blank lines."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _fenced(lines: tuple[str, ...], start: int) -> tuple[set[int], list[tuple[int, str]]]:
    """Indices of the lines in fenced code (fences included), and the unclosed fences."""
    bare: dict[str, list[int]] = {}
    for index in range(start, len(lines)):
        fence = lines[index].rstrip()
        if _FENCE.fullmatch(fence):
            bare.setdefault(fence, []).append(index)
    code: set[int] = set()
    unclosed: list[tuple[int, str]] = []
    index = start
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        closers = bare.get(match.group(0), [])
        found = bisect_right(closers, index)
        if found == len(closers):
            # Python-Markdown renders an unclosed fence as text, so it is no fence here either.
            unclosed.append((index, match.group(0)))
            index += 1
            continue
        code.update(range(index, closers[found] + 1))
        index = closers[found] + 1
    return code, unclosed


class MarkdownReader:
    """Markdown deck: ``## question``, the answer below it; front matter ``deck``/``tags``."""

    name: str = "markdown"
    extensions: tuple[str, ...] = (".md", ".markdown")
    description: str = "Markdown deck (## question, answer below; front matter deck/tags)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a Markdown deck, from 0 to 1."""
        lines = source.lines[:2000]
        code, _ = _fenced(lines, 0)
        levels = {
            len(match.group(1))
            for index, line in enumerate(lines)
            if index not in code and (match := _HEADING.fullmatch(line.rstrip()))
        }
        markdown_file = PurePath(source.path).suffix.lower() in self.extensions
        if 2 in levels:
            return 0.8 if markdown_file else (0.5 if 1 in levels else 0.0)
        # A .md file without cards is still ours: "no cards found" beats "unknown format".
        return 0.4 if markdown_file else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every card of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck).run()


class _Parser:
    def __init__(self, source: Source, default_deck: str) -> None:
        self.source = source
        self.lines = source.lines
        self.default_deck = default_deck
        front = read_front_matter(source)
        self.diagnostics: list[Diagnostic] = list(front.diagnostics)
        self.deck = front.deck
        self.tags = front.tags
        self.body = front.body
        self.code, unclosed = _fenced(self.lines, self.body)
        for index, fence in unclosed:
            hint = f"close it with a line '{fence}'"
            self.report(index, Severity.WARNING, "this code fence is never closed", hint)

    def report(self, index: int | None, severity: Severity, message: str, hint: str = "") -> None:
        """A diagnostic at 0-based line ``index`` (``None``: the whole file)."""
        line = None if index is None else index + 1
        location = SourceLocation(self.source.path, line)
        self.diagnostics.append(Diagnostic(location, severity, message, hint or None))

    # -- the body ------------------------------------------------------------------------

    def run(self) -> ReadResult:
        """Every card of the source, with what was wrong or left out along the way."""
        headings: list[tuple[int, int, str]] = []
        for index in range(self.body, len(self.lines)):
            match = _HEADING.fullmatch(self.lines[index].rstrip())
            if match and index not in self.code:
                text = _CLOSING_HASHES.sub("", (match.group(2) or "").strip()).strip()
                headings.append((index, len(match.group(1)), text))
        ends = [index for index, _, _ in headings[1:]] + [len(self.lines)]
        # Without a single card, "no cards found" says it all: no warnings about every line.
        has_cards = any(level == 2 for _, level, _ in headings)
        if has_cards:
            self._stray(self.body, headings[0][0], False)
        title: str | None = None
        cards: list[tuple[int, str, int]] = []
        for (index, level, text), end in zip(headings, ends, strict=True):
            if level == 2:
                cards.append((index, text, end))
                continue
            if title is None and text:
                title = text
            else:
                what = "an empty title" if not text else f"a second title {_excerpt(text)!r}"
                hint = "the first '# ' title names the deck"
                self.report(index, Severity.WARNING, f"ignored {what}", hint)
            if has_cards:
                self._stray(index + 1, end, bool(cards))
        deck = self.deck or title or self.default_deck
        notes = [note for card in cards if (note := self._card(*card, deck))]
        if not cards:
            hint = "each card starts with a '## ' heading holding its question, the answer below"
            self.report(None, Severity.ERROR, "no cards found", hint)
        declared = tuple(name for name in (self.deck or title,) if name)
        # In the order of the file, whichever pass found them.
        diagnostics = sorted(self.diagnostics, key=lambda d: d.location.line or 0)
        return ReadResult(tuple(notes), tuple(diagnostics), len(cards), declared)

    def _stray(self, start: int, end: int, seen_card: bool) -> None:
        """Warn about text between ``start`` and ``end`` that belongs to no card."""
        text = [i for i in range(start, end) if self.lines[i].strip()]
        if not text:
            return
        where = "outside any card" if seen_card else "before the first card"
        what = f"{len(text)} lines of text" if len(text) > 1 else "a line of text"
        excerpt = _excerpt(self.lines[text[0]].strip())
        hint = "a card starts with a '## ' heading"
        self.report(text[0], Severity.WARNING, f"ignored {what} {where}: {excerpt!r}", hint)

    def _card(self, heading: int, text: str, end: int, deck: str) -> Note | None:
        """The note of the card whose heading is at ``heading``; ``None`` if it has errors."""
        body = range(heading + 1, end)
        splits = [i for i in body if i not in self.code and self.lines[i].rstrip() == "%"]
        ok = True
        if len(splits) > 1:
            hint = "a card has one '%' line at most, between its question and its answer"
            self.report(splits[1], Severity.ERROR, "a second '%' line in the card", hint)
            ok = False
        answer_start = splits[0] + 1 if splits else heading + 1
        question = _trim([text, *self.lines[heading + 1 : answer_start - 1]])
        tags: list[str] = []
        answer_lines: list[tuple[int, str]] = []
        for index in range(answer_start, end):
            line = self.lines[index]
            if index not in self.code and _TAG_LINE.fullmatch(line):
                tags.extend(tag.strip() for tag in re.findall(_TAG_LINK, line))
            else:
                answer_lines.append((index, line))
        answer = _trim([line for _, line in answer_lines])
        first = next((i for i, line in answer_lines if line.strip()), answer_start)
        cloze = bool(_CLOZE.search("\n".join(question)))
        if not text:
            hint = "write the question after '## '"
            self.report(heading, Severity.ERROR, "a card heading with no question", hint)
            ok = False
        elif not answer and not cloze:
            hint = "write the answer under the heading, or make the card a cloze with {{c1::…}}"
            if splits:
                hint = "write the answer under the '%' line"
            message = f"the card {_excerpt(text)!r} has an empty answer"
            self.report(heading, Severity.ERROR, message, hint)
            ok = False
        if not ok:
            return None
        return Note(
            question="\n".join(question),
            answer="\n".join(answer),
            deck=deck,
            location=self.source.location(heading + 1),
            tags=(*self.tags, *tags),
            text_format=TextFormat.MARKDOWN,
            answer_location=self.source.location(first + 1),
            kind=NoteKind.CLOZE if cloze else NoteKind.BASIC,
        )
