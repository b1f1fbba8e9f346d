"""Reader for Obsidian notes written for the Spaced Repetition plugin, with its defaults.

The cards, in a note that is otherwise prose (which is not a card)::

    #flashcards/biology/cells        a tag on a line of its own: the deck of the cards after
                                       it (here "biology::cells"; a bare #flashcards: the file's)
    What is a cell::The unit of life                one card
    mitochondrion:::powerhouse of the cell          two cards, both ways
    What does the nucleus hold?      a card over several lines: the question, a line "?",
    ?                                  the answer; the card ends at a blank line
    DNA, the cell's genes
    <!--SR:!2024-01-01,3,250-->      the plugin's scheduling: not content
    Which organelles make energy?
    ??                               "??": both ways
    Mitochondria
    The ==nucleus== holds the ==DNA==.        a cloze card: each ==highlight== is a
                                                deletion of its own (==x==^[hint] gives it a hint)

``{{text}}`` is a cloze too (the plugin's curly-brackets setting); Anki's own ``{{c1::text}}``
makes a cloze card as written. ``**bold**`` stays bold: the plugin reads it as a cloze only when
told to, and says so in its settings. A ``#flashcards/...`` tag at a card's start is that card's
deck. ``[[links]]`` show as their text. Code (spans and fenced blocks) is never a card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from ankipress.model import (
    Note,
    NoteKind,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.obsidianmd import NoteParser, code_lines, outside_code, show_links
from ankipress.sources import Source

__all__ = ["ObsidianSrReader"]

_SR_COMMENT = re.compile(r"[ \t]*<!--SR:.*?-->", re.S)
_DECK_TAG = re.compile(r"(?<![^\s(])#flashcards(?:/([^\s#]+))?(?![\w/-])", re.IGNORECASE)
_TAG_ONLY = re.compile(r"(?:\s*(?:[-*+]|\d+[.)])[ \t]+)?(?:\s*#[^\s#]+)+\s*")
_FRONT_DECK = re.compile(r"(?<![\w/])#?flashcards(?:/([^\s,\]\"'#]+))?", re.IGNORECASE)
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1)[^\n])*?\1")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==(?:\^\[([^\]\n]*)\])?")
_CURLY = re.compile(r"\{\{(?!c\d+::)([^{}\n]+?)\}\}")
_ANKI_CLOZE = re.compile(r"\{\{c\d+::")


def _uncoded(line: str) -> str:
    """``line`` with its code spans blanked (same length), to look for separators."""
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def _tag_line(line: str) -> bool:
    """Whether ``line`` only holds tags (a list item's too), or holds the plugin's tag inside
    other text (``**Tags:** #maths #flashcards``): a line of tags, not a card's text."""
    if _TAG_ONLY.fullmatch(line):
        return True
    return _DECK_TAG.search(_uncoded(line)) is not None and not _DECK_TAG.match(line.lstrip())


def _separator(line: str) -> tuple[int, str] | None:
    """Where a one-line card's ``:::`` or ``::`` is (outside code and Anki clozes)."""
    bare = _uncoded(line)
    if _ANKI_CLOZE.search(bare):
        return None
    for mark in (":::", "::"):
        at = bare.find(mark)
        if at > 0:
            return at, mark
    return None


def sniff_text(lines: Sequence[str], markdown_file: bool = True) -> float:
    """How sure we are that ``lines`` are a note of Spaced Repetition cards (the lines of a
    ``.md`` file, or of another file: a Quizlet list of ``term::definition`` lines)."""
    sample = [line.rstrip() for line in lines[:5000]]
    code = code_lines(sample)
    prose = [line for index, line in enumerate(sample) if index not in code and line.strip()]
    if not prose:
        return 0.0
    front: list[str] = []
    if sample and sample[0].strip() == "---":
        end = next((i for i in range(1, len(sample)) if sample[i].strip() in ("---", "...")), 0)
        front = sample[1:end]
    tagged = any(_DECK_TAG.search(_uncoded(line)) for line in prose) or any(
        _FRONT_DECK.search(line) for line in front
    )
    cards = sum(1 for line in prose if line.strip() in ("?", "??") or _separator(line))
    loose = sum(1 for line in prose if "::" in _uncoded(line) and not _ANKI_CLOZE.search(line))
    if tagged:
        return 0.95 if loose or cards or any(_HIGHLIGHT.search(line) for line in prose) else 0.7
    # Without the plugin's tag, only a note made mostly of "Q::A" lines is taken for one.
    if markdown_file and cards >= 2 and cards >= 0.3 * len(prose):
        return 0.6
    return 0.0


class ObsidianSrReader:
    """Obsidian notes for the Spaced Repetition plugin: ``Q::A``, ``?`` cards, ``==clozes==``."""

    name: str = "obsidian-sr"
    extensions: tuple[str, ...] = (".md",)
    description: str = "Obsidian notes for the Spaced Repetition plugin (Q::A, ?, ==cloze==)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a note of Spaced Repetition cards, from 0 to 1."""
        return sniff_text(source.lines, PurePath(source.path).suffix.lower() in self.extensions)

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every card of ``source``; problems become diagnostics, never exceptions."""
        return _Parser(source, options.default_deck, options.root).run()


class _Parser(NoteParser):
    def __init__(self, source: Source, default_deck: str, root: str | None = None) -> None:
        super().__init__(source, default_deck, root)
        self.body_start = 0
        if self.lines and self.lines[0].strip() == "---":
            end = next(
                (i for i in range(1, len(self.lines)) if self.lines[i].strip() in ("---", "...")),
                None,
            )
            if end is not None:
                self.body_start = end + 1

    def _deck_of(self, match: re.Match[str]) -> str:
        path = match.group(1)
        if not path:
            return self.default_deck
        deck = "::".join(part for part in path.split("/") if part)
        if deck not in self.titles:
            self.titles.append(deck)
        return deck or self.default_deck

    def run(self) -> ReadResult:
        blocks = self._blocks()
        # In a note tagged for the plugin, a tag covers the cards after it: text above the
        # first tag (an introduction mentioning std::vector) is prose.
        tagged = any(_DECK_TAG.search(_uncoded(line)) for _, block in blocks for line in block)
        whole = any(_FRONT_DECK.search(line) for line in self.lines[: self.body_start])
        covered = not tagged or whole
        if whole:
            # tags: [flashcards/biology] in the front matter: the deck of the whole note.
            for line in self.lines[: self.body_start]:
                found = _FRONT_DECK.search(line)
                if found and found.group(1):
                    self.deck = self._deck_of(found)
                    break
        for start, block in blocks:
            if not covered:
                first = next(
                    (i for i, line in enumerate(block) if _DECK_TAG.search(_uncoded(line))), None
                )
                if first is None:
                    continue
                covered = True
                separator = next(
                    (i for i, line in enumerate(block) if line.strip() in ("?", "??")), None
                )
                if separator is not None and separator > first:
                    # The tag inside a card over several lines: the lines above it are the
                    # question's, as the plugin reads them (its tag lines are left out).
                    self._block(start, block)
                    continue
                start, block = start + first, block[first:]
                if not _TAG_ONLY.fullmatch(block[0]) and not _DECK_TAG.match(block[0].lstrip()):
                    # A tag inside a line of prose: it covers the cards after that line, in
                    # its deck.
                    found = _DECK_TAG.search(_uncoded(block[0]))
                    if found:
                        self.deck = self._deck_of(found)
                    start, block = start + 1, block[1:]
            self._block(start, block)
        return self.result(
            "a Spaced Repetition card is 'question::answer' on a line, a question, a line "
            "'?' and the answer, or a paragraph with ==highlighted== deletions",
        )

    def _blocks(self) -> list[tuple[int, list[str]]]:
        """Paragraphs outside code and front matter: (index of the first line, lines)."""
        lines = self.lines
        start = self.body_start
        blocks: list[tuple[int, list[str]]] = []
        current: list[str] = []
        first = start
        for index in range(start, len(lines)):
            line = lines[index]
            # Fenced code belongs to the paragraph it is in (a card's question or answer may
            # hold code, blank lines and all, as the plugin reads it); never a card of its own.
            # A heading ends a paragraph, but never a card's answer: after a line "?" only a
            # blank line ends the card, as the plugin reads it (an answer may hold headings).
            answering = any(text.strip() in ("?", "??") for text in current)
            breaks = index not in self.code and (
                not line.strip() or (not answering and bool(_HEADING.match(line.lstrip())))
            )
            if breaks:
                if current:
                    blocks.append((first, current))
                    current = []
                continue
            if not current:
                first = index
            current.append(line)
        if current:
            blocks.append((first, current))
        return blocks

    def _block(self, start: int, block: list[str]) -> None:
        # Tag lines at the block's start ("#flashcards/x", "1. #flashcards", "Tags: #a
        # #flashcards") set the deck of the cards after them; a tag opening a card's text is
        # that card's own (_card_deck).
        while block and start not in self.code and _tag_line(block[0]):
            found = _DECK_TAG.search(_uncoded(block[0]))
            if found:
                self.deck = self._deck_of(found)
            block = block[1:]
            start += 1
        if not block:
            return
        prose = [(i, line) for i, line in enumerate(block) if start + i not in self.code]
        separator = next((i for i, line in prose if line.strip() in ("?", "??")), None)
        if separator is not None:
            self._multi_line(start, block, separator)
            return
        single = [(i, split) for i, line in prose if (split := _separator(line))]
        if single:
            for offset, (at, mark) in single:
                self._single_line(start + offset, block[offset], at, mark)
            return
        bare = _uncoded("\n".join(line for _, line in prose))
        if _HIGHLIGHT.search(bare) or _CURLY.search(bare) or _ANKI_CLOZE.search(bare):
            self._cloze(start, "\n".join(block))

    def _card_deck(self, text: str) -> tuple[str, str]:
        """The deck of a card whose text may open with a ``#flashcards/...`` tag, and its text."""
        found = _DECK_TAG.match(text.lstrip())
        if found is None:
            return self.deck, text
        return self._deck_of(found), text.lstrip()[found.end() :].lstrip()

    def _clean(self, text: str) -> str:
        text = _SR_COMMENT.sub("", text)
        text = show_links(text)
        return text.strip()

    def _add(
        self, line: int, answer_line: int, deck: str, question: str, answer: str, kind: NoteKind
    ) -> None:
        self.seen += 1
        question = self.embeds.replace(self._clean(question), line + 1, self.report)
        answer = self.embeds.replace(self._clean(answer), answer_line + 1, self.report)
        if not question:
            self.report(
                line + 1,
                Severity.WARNING,
                "a card with an empty question: skipped",
                "write the question before the separator",
            )
            return
        if not answer and kind is not NoteKind.CLOZE:
            self.report(
                line + 1,
                Severity.WARNING,
                "a card with an empty answer: skipped",
                "write the answer after the separator",
            )
            return
        path = self.source.path
        self.notes.append(
            Note(
                question=question,
                answer=answer,
                deck=deck,
                location=SourceLocation(path, line + 1),
                text_format=TextFormat.MARKDOWN,
                answer_location=SourceLocation(path, answer_line + 1),
                kind=kind,
            )
        )

    def _single_line(self, index: int, line: str, at: int, mark: str) -> None:
        deck, _ = self._card_deck(line)
        question, answer = line[:at], line[at + len(mark) :]
        _, question = self._card_deck(question)
        kind = NoteKind.REVERSED if mark == ":::" else NoteKind.BASIC
        self._add(index, index, deck, question, answer, kind)

    def _multi_line(self, start: int, block: list[str], separator: int) -> None:
        mark = block[separator].strip()
        # A line of tags inside the question (a heading, then "Tags: #maths #flashcards") is
        # the note's, not the question's text; the deck it names is the card's.
        for index in range(1, separator):
            line = block[index]
            if start + index not in self.code and _tag_line(line):
                found = _DECK_TAG.search(_uncoded(line))
                if found:
                    self.deck = self._deck_of(found)
        question = "\n".join(
            line
            for index, line in enumerate(block[:separator])
            if index == 0 or start + index in self.code or not _tag_line(line)
        )
        answer = "\n".join(block[separator + 1 :])
        deck, question = self._card_deck(question)
        kind = NoteKind.REVERSED if mark == "??" else NoteKind.BASIC
        self._add(start, start + separator + 1, deck, question, answer, kind)

    def _cloze(self, start: int, text: str) -> None:
        deck, text = self._card_deck(text)
        counter = 0

        def deletion(match: re.Match[str]) -> str:
            nonlocal counter
            counter += 1
            hint = match.group(2) if match.re is _HIGHLIGHT else None
            inner = match.group(1)
            return "{{c" + str(counter) + "::" + inner + ("::" + hint if hint else "") + "}}"

        def change(prose: str) -> str:
            if _ANKI_CLOZE.search(prose):
                return prose
            return _CURLY.sub(deletion, _HIGHLIGHT.sub(deletion, prose))

        written = bool(_ANKI_CLOZE.search(_uncoded(text)))
        question = text if written else outside_code(text, change)
        self._add(start, start, deck, question, "", NoteKind.CLOZE)
