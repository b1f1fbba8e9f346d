"""Reader for the text of a Brainscape deck page (select all, copy, paste into a file).

The grammar, line by line (blank lines between the parts are optional)::

    <Deck title> Flashcards          title; " Flashcards" is dropped from the deck name
    (17 cards)                       how many cards the page says it holds
    1                                the card's number
    Q
    <question: one or more lines>
    A
    <answer: one or more lines, blank lines inside allowed>
    How well did you know this?      the rating trailer, after every card but a cut-off last one
    1 / Not at all / 2 / 3 / 4 / 5 / Perfectly
    2                                the next card's number
    Q
    ...

Where an answer ends is the hard part: answers may hold bare numbers, numbered lines, and
lines that are exactly ``Q`` or ``A``. A card ends at the first of: its rating trailer; a
deck title and count (a page of several decks); the next card's number followed by ``Q``
when no trailer came between; the end of the file. Within a card the first ``A`` line set
apart by blank lines (else the first ``A`` line) starts the answer, so ``A`` or ``Q`` lines
inside an answer stay in the answer, and a question may list choices ``A``, ``B``, ``C``.

The page is read in one pass, a line at a time (:meth:`BrainscapeReader.stream`): the
parser holds a window of lines, the card it is reading and what it must look ahead at (the
next line with text after a title, the few lines after a card's number, a trailer), and
drops the lines it has done with, so memory does not grow with the deck.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from ankipress import rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteStream,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
)
from ankipress.readers.reporting import Reporting
from ankipress.sources import LineSource, Source

# A space in the count stands between digits ("1 234"), so the spaces before "cards" are
# not split between the two in every way (quadratic in a long run of spaces).
_COUNT = re.compile(r"\((\d(?:[\d,.]|[\u00a0\u202f ]\d)*)\s+cards?\)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_TITLE_SUFFIX = re.compile(r"(?<!\s)\s+flashcards$", re.IGNORECASE)
_TRAILER_START = "how well did you know this?"
_TRAILER_LENGTH = len(_TRAILER_START)
# The rating buttons, in the order the page lists them; a line may hold one or several.
_RATING_TOKENS = ("1", "not at all", "2", "3", "4", "5", "perfectly")
_CANONICAL_TRAILER = ["1", "Not at all", "2", "3", "4", "5", "Perfectly"]
_RATING_TOKEN = re.compile(r"not at all|perfectly|[1-5]", re.IGNORECASE)
_RATING_LINE = re.compile(r"(?:(?:not at all|perfectly|[1-5])\s*)+", re.IGNORECASE)
# How many blank lines may stand between a card's number and its Q line.
_MAX_GAP = 3
# Lines are read from the source this many at a time (and stripped in one call).
_BLOCK = 1024
# Lines already parsed are dropped from the window once there are this many.
_KEEP = 4096


@dataclass
class _Section:
    """One deck of the page: its title and count lines, and what was found under it."""

    deck: str
    count: int | None = None
    count_line: int | None = None
    cards: int = 0
    last_card_line: int | None = None
    last_card_has_trailer: bool = True


class BrainscapeReader:
    """Brainscape deck page text: title, ``(N cards)``, numbered ``Q``/``A`` cards."""

    name: str = "brainscape"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Brainscape deck page text (title, (N cards), numbered Q/A cards)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is Brainscape page text, from 0 to 1."""
        stripped = [line.strip() for line in source.lines[:2000]]
        lowered = {line.casefold() for line in stripped}
        has_q = "q" in lowered
        if _TRAILER_START in lowered and has_q:
            return 1.0
        if any(_COUNT.fullmatch(line) for line in stripped[:20]) and has_q:
            return 0.9
        starts = sum(
            1
            for i, line in enumerate(stripped[:-1])
            if _NUMBER.fullmatch(line) and stripped[i + 1] == "Q"
        )
        return 0.6 if starts else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Read every card of ``source``; problems become diagnostics, never exceptions."""
        return self.stream(LineSource.of(source), options).collect()

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        """The cards of ``source`` as they are read, a line at a time."""
        parser = _Parser(source, options.default_deck)
        return NoteStream(parser.notes(), parser.result)


class _Parser(Reporting[LineSource]):
    """The page's cards, read through a window of its lines.

    ``lines`` and ``stripped`` hold the window: the source's physical lines from the one
    numbered ``offset + 1``, as read and stripped. Indexes into them are relative to the
    window; :meth:`_more` reads the next block at its end, and the run loop drops the lines
    before the one it stands on once there are enough of them.
    """

    def __init__(self, source: LineSource, default_deck: str) -> None:
        self.source = source
        self.path = source.path
        self.default_deck = default_deck
        self.diagnostics: list[Diagnostic] = []
        self.cards_seen = 0
        self.titles: list[str] = []
        self.found_note = False
        self.lines: list[str] = []
        self.stripped: list[str] = []
        self.offset = 0
        self.first: int | None = None
        """The absolute index of the first line with text, once met."""
        self._source = iter(source)
        self._ended = False

    # -- the window ----------------------------------------------------------------------

    def _more(self) -> bool:
        """Read the next block of lines into the window; ``False`` at the end of the file."""
        if self._ended:
            return False
        block = list(islice(self._source, _BLOCK))
        if not block:
            self._ended = True
            return False
        self.lines += block
        self.stripped += map(str.strip, block)
        return True

    def _has(self, index: int) -> bool:
        """Whether the file has a line at window index ``index`` (reading up to it)."""
        while index >= len(self.stripped):
            if not self._more():
                return False
        return True

    def _drop_before(self, index: int) -> int:
        """Drop the window's lines before ``index``; the index of the same line after."""
        del self.lines[:index]
        del self.stripped[:index]
        self.offset += index
        return 0

    # -- what a line starts --------------------------------------------------------------

    def _next_nonblank(self, index: int, limit: int | None = None) -> int | None:
        stripped = self.stripped
        while (limit is None or index < limit) and self._has(index):
            if stripped[index]:
                return index
            index += 1
        return None

    def _trailer_end(self, start: int) -> int | None:
        """If a rating trailer starts at ``start``, the index of the line after it."""
        line = self.stripped[start]
        if len(line) != _TRAILER_LENGTH or line.casefold() != _TRAILER_START:
            return None
        return self._after_trailer(start)

    def _after_trailer(self, start: int) -> int:
        """The index of the line after the rating trailer starting at ``start``."""
        size = len(_CANONICAL_TRAILER)
        stripped = self.stripped
        if start + size >= len(stripped):
            self._has(start + size)
        if stripped[start + 1 : start + 1 + size] == _CANONICAL_TRAILER:
            return start + 1 + size
        # Written unusually: tokens across lines, blank lines.
        expected = 0
        end = scan = start + 1
        while expected < len(_RATING_TOKENS) and self._has(scan):
            text = stripped[scan].casefold()
            if not text:
                scan += 1
                continue
            if not _RATING_LINE.fullmatch(text):
                break
            tokens = tuple(_RATING_TOKEN.findall(text))
            if tokens != _RATING_TOKENS[expected : expected + len(tokens)]:
                break
            expected += len(tokens)
            scan += 1
            end = scan
        return end

    def _header(self, index: int) -> tuple[int, str, int | None] | None:
        """If a deck title is at ``index`` (a line with text): the index of the line after
        its header, the deck's name and its card count."""
        line = self.stripped[index]
        # The title of a count line is the line with text before it, unless that is a
        # count line too or part of a trailer (whose lines are never parsed but as one).
        if (len(line) == _TRAILER_LENGTH and line.casefold() == _TRAILER_START) or (
            line.endswith(")") and _COUNT.fullmatch(line)
        ):
            return None
        following = self._next_nonblank(index + 1)
        if following is not None:
            match = _COUNT.fullmatch(self.stripped[following])
            if match:
                return following + 1, self._deck_name(index), _parse_count(match.group(1))
        # A first line "<Title> Flashcards" is a title even without a count line under it.
        if (
            self.offset + index == self.first
            and _TITLE_SUFFIX.search(line)
            and not self._is_card_start(index)
        ):
            return index + 1, self._deck_name(index), None
        return None

    def _deck_name(self, index: int) -> str:
        title = _TITLE_SUFFIX.sub("", self.stripped[index]).strip()
        return title or self.default_deck

    def _q_line_after_number(self, index: int) -> int | None:
        """If ``index`` is a card number line followed by ``Q``, the index of the Q line."""
        stripped = self.stripped
        line = stripped[index]
        if not (line.isascii() and line.isdigit()):
            return None
        if index + 1 < len(stripped) and stripped[index + 1] == "Q":
            return index + 1
        following = self._next_nonblank(index + 1, index + 2 + _MAX_GAP)
        if following is not None and self.stripped[following] == "Q":
            return following
        return None

    def _is_card_start(self, index: int) -> bool:
        return self.stripped[index] == "Q" or self._q_line_after_number(index) is not None

    # -- parsing -------------------------------------------------------------------------

    def notes(self) -> Iterator[Note]:
        """Every note of the page, as its card ends; diagnostics go to :meth:`result`."""
        sections: list[_Section] = []
        section = _Section(self.default_deck)
        index = 0
        seen_card = False
        stripped = self.stripped
        while index < len(stripped) or self._more():
            if index >= _KEEP:
                index = self._drop_before(index)
            line = stripped[index]
            if not line:
                index += 1
                continue
            if self.first is None:
                self.first = self.offset + index
            # A card's number with its Q under it: no title (a count line would be under
            # it) and no trailer. The common case first.
            q_line = self._q_line_after_number(index)
            if q_line is not None:
                index, note = self._read_card(index, q_line, int(line), section)
                if note is not None:
                    self.found_note = True
                    yield note
                seen_card = True
                continue
            header = self._header(index)
            if header is not None:
                end, deck, count = header
                if seen_card or section.count is not None or sections:
                    sections.append(section)
                count_line = self.offset + end if count is not None else None
                section = _Section(deck, count, count_line)
                self.titles.append(deck)
                index = end
                continue
            trailer_end = self._trailer_end(index)
            if trailer_end is not None:
                # A trailer with no card before it: nothing to keep, nothing lost.
                index = trailer_end
                continue
            if line == "Q":
                index, note = self._read_card(index, index, None, section)
                if note is not None:
                    self.found_note = True
                    yield note
                seen_card = True
                continue
            index = self._stray_text(index, seen_card)
        sections.append(section)
        for done in sections:
            self._check_count(done)
        if not self.found_note and not any(d.severity is Severity.ERROR for d in self.diagnostics):
            self.report(
                None,
                Severity.ERROR,
                "no cards found",
                "a Brainscape export holds numbered cards, each a 'Q' line with its "
                "question and an 'A' line with its answer",
                rules.NO_CARDS,
            )

    def result(self) -> ReadResult:
        """What was read besides the notes (complete once they are all read)."""
        return ReadResult((), tuple(self.diagnostics), self.cards_seen, tuple(self.titles))

    def _card_end(self, q_line: int, number: int | None) -> tuple[int, bool]:
        """The line after a card whose ``Q`` is at ``q_line``, and whether a trailer ends it.

        A card ends at a trailer, at a deck title (found from its count line: the line with
        text before it, if that is in the card), at the next card's number followed by
        ``Q``, or at the end of the file.
        """
        stripped = self.stripped
        following = str(number + 1) if number is not None else None
        last = q_line  # the last line with text seen in the card
        index = q_line + 1
        # Cheap tests first: this loop visits most lines of the deck.
        while True:
            size = len(stripped)
            while index < size:
                line = stripped[index]
                if line:
                    tail = line[-1]
                    if tail == "?":
                        if len(line) == _TRAILER_LENGTH and line.casefold() == _TRAILER_START:
                            return index, True
                    elif tail == ")":
                        if (
                            last != q_line
                            and _COUNT.fullmatch(line)
                            and not _COUNT.fullmatch(stripped[last])
                        ):
                            return last, False
                    elif line == following and self._q_line_after_number(index) is not None:
                        return index, False
                    last = index
                index += 1
            # (The tests above may have read further than ``size``.)
            if index >= len(stripped) and not self._more():
                return index, False

    def _read_card(
        self, start: int, q_line: int, number: int | None, section: _Section
    ) -> tuple[int, Note | None]:
        """The line after the card at ``start`` (its Q at ``q_line``, after its number if
        it has one), and its note if it makes one."""
        end, has_trailer = self._card_end(q_line, number)
        after = self._after_trailer(end) if has_trailer else end
        offset = self.offset
        self.cards_seen += 1
        section.cards += 1
        section.last_card_line = offset + start + 1
        section.last_card_has_trailer = has_trailer
        expected = section.cards
        if number != expected:
            label = f"card {number}" if number is not None else f"card {expected}"
            if number is None:
                self.report(
                    offset + start + 1, Severity.WARNING, f"{label} has no number line before 'Q'"
                )
            else:
                self.report(
                    offset + start + 1,
                    Severity.WARNING,
                    f"card numbered {number} where {expected} was expected",
                    "a card may be missing from the export",
                )
        a_line = self._answer_marker(q_line + 1, end)
        if a_line is None:
            label = f"card {number}" if number is not None else f"card {expected}"
            self.report(
                offset + q_line + 1,
                Severity.ERROR,
                f"{label} has a 'Q' but no 'A'",
                "add a line 'A' followed by the answer, or delete the card",
                rules.EMPTY_ANSWER,
            )
            return after, None
        question, q_first = self._block(q_line + 1, a_line)
        answer, a_first = self._block(a_line + 1, end)
        if not question:
            # Anki skips a note whose first field is empty; an empty answer is kept (and
            # reported) where every note is checked.
            label = f"card {number}" if number is not None else f"card {expected}"
            self.report(
                offset + q_line + 1,
                Severity.WARNING,
                f"{label} has an empty question: skipped",
                "write the question on the lines after 'Q'",
                rules.EMPTY_QUESTION,
            )
            return after, None
        note = Note(
            question=question,
            answer=answer,
            deck=section.deck,
            location=SourceLocation(self.path, q_first),
            answer_location=SourceLocation(self.path, a_first if answer else offset + a_line + 1),
        )
        return after, note

    def _answer_marker(self, start: int, end: int) -> int | None:
        """The line of a card's ``A`` marker between ``start`` and ``end``, if any.

        The page sets the marker apart with blank lines, so an ``A`` line with blank lines
        (or the card's end) on both sides wins over a bare ``A`` inside a question's lines.
        """
        stripped = self.stripped
        first: int | None = None
        index = start
        while True:
            try:
                index = stripped.index("A", index, end)
            except ValueError:
                return first
            before = index == start or not stripped[index - 1]
            after = index + 1 >= end or not stripped[index + 1]
            if before and after:
                return index
            if first is None:
                first = index
            index += 1

    def _block(self, start: int, end: int) -> tuple[str, int]:
        """Lines ``start:end`` without leading and trailing blank lines, and the first's
        absolute line number."""
        stripped = self.stripped
        while start < end and not stripped[start]:
            start += 1
        while end > start and not stripped[end - 1]:
            end -= 1
        if end - start == 1:
            return self.lines[start], self.offset + start + 1
        return "\n".join(self.lines[start:end]), self.offset + start + 1

    def _stray_text(self, index: int, seen_card: bool) -> int:
        """Report text that belongs to no card, and return the line after it."""
        stripped = self.stripped
        start = self.offset + index
        excerpt = stripped[index]
        last = start  # the last line with text, absolute
        while self._has(index):
            line = stripped[index]
            if line:
                if (
                    self._header(index) is not None
                    or self._trailer_end(index) is not None
                    or self._is_card_start(index)
                ):
                    break
                last = self.offset + index
            index += 1
            if index >= 4 * _KEEP:  # a long stretch of text: keep only what is needed
                index = self._drop_before(index)
        ended = not self._has(index)
        if len(excerpt) > 40:
            excerpt = excerpt[:37] + "..."
        where = (
            "before the first card"
            if not seen_card
            else ("after the last card" if ended else "between cards")
        )
        count = last - start + 1
        what = f"{count} lines of text" if count > 1 else "a line of text"
        if where == "between cards":
            self.report(
                start + 1,
                Severity.ERROR,
                f"{what} outside any card: {excerpt!r}",
                "a card starts with its number and a 'Q' line",
            )
        else:
            self.report(start + 1, Severity.WARNING, f"ignored {what} {where}: {excerpt!r}")
        return index

    def _check_count(self, section: _Section) -> None:
        if section.count is None or section.count == section.cards:
            return
        message = (
            f"the deck '{section.deck}' says it has {section.count} cards, "
            f"but {section.cards} were found"
        )
        hint = None
        if section.cards < section.count and not section.last_card_has_trailer:
            hint = (
                f"the export looks cut off: the last card (line {section.last_card_line}) "
                "ends without its rating trailer"
            )
        self.report(section.count_line, Severity.WARNING, message, hint, rules.CARD_COUNT)


def _parse_count(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))
