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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ankipress import rules
from ankipress.model import Diagnostic, Note, ReadOptions, ReadResult, Severity, SourceLocation
from ankipress.readers.reporting import Reporting
from ankipress.sources import Source

# A space in the count stands between digits ("1 234"), so the spaces before "cards" are
# not split between the two in every way (quadratic in a long run of spaces).
_COUNT = re.compile(r"\((\d(?:[\d,.]|[\u00a0\u202f ]\d)*)\s+cards?\)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_TITLE_SUFFIX = re.compile(r"(?<!\s)\s+flashcards$", re.IGNORECASE)
_TRAILER_START = "how well did you know this?"
# The rating buttons, in the order the page lists them; a line may hold one or several.
_RATING_TOKENS = ("1", "not at all", "2", "3", "4", "5", "perfectly")
_CANONICAL_TRAILER = ["1", "Not at all", "2", "3", "4", "5", "Perfectly"]
_RATING_TOKEN = re.compile(r"not at all|perfectly|[1-5]", re.IGNORECASE)
_RATING_LINE = re.compile(r"(?:(?:not at all|perfectly|[1-5])\s*)+", re.IGNORECASE)
# How many blank lines may stand between a card's number and its Q line.
_MAX_GAP = 3


@dataclass
class _Section:
    """One deck of the page: its title and count lines, and what was found under it."""

    deck: str
    count: int | None = None
    count_line: int | None = None
    cards: int = 0
    last_card_line: int | None = None
    last_card_has_trailer: bool = True


@dataclass
class _State(Reporting):
    source: Source
    default_deck: str
    notes: list[Note] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cards_seen: int = 0
    titles: list[str] = field(default_factory=list)


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
        return _Parser(source, options.default_deck).run()


class _Parser:
    def __init__(self, source: Source, default_deck: str) -> None:
        self.state = _State(source, default_deck)
        self.lines = source.lines
        self.stripped = [line.strip() for line in source.lines]
        self.trailers = self._find_trailers()
        self.headers = self._find_headers()

    # -- structure found before parsing cards ------------------------------------------

    def _find_trailers(self) -> dict[int, int]:
        """Map the first line of every rating trailer to the line after it."""
        stripped = self.stripped
        length = len(_TRAILER_START)
        # Comprehensions and exact comparisons first: this runs on every line of decks of
        # 100k cards; the general token matching only for trailers that are not canonical.
        starts = [
            i
            for i, line in enumerate(stripped)
            if len(line) == length and line.casefold() == _TRAILER_START
        ]
        trailers: dict[int, int] = {}
        size = len(_CANONICAL_TRAILER)
        for start in starts:
            if stripped[start + 1 : start + 1 + size] == _CANONICAL_TRAILER:
                trailers[start] = start + 1 + size
            else:
                trailers[start] = self._trailer_end(start)
        return trailers

    def _trailer_end(self, start: int) -> int:
        """The line after a trailer written unusually: tokens across lines, blank lines."""
        total = len(self.stripped)
        expected = 0
        end = scan = start + 1
        while scan < total and expected < len(_RATING_TOKENS):
            text = self.stripped[scan].casefold()
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

    def _find_headers(self) -> dict[int, tuple[int, str, int | None]]:
        """Map each deck title line to (line after the header, deck name, card count)."""
        headers: dict[int, tuple[int, str, int | None]] = {}
        # A byte a line, not a set of line numbers: 100k cards have 800k trailer lines.
        in_trailer = bytearray(len(self.stripped))
        for start, end in self.trailers.items():
            in_trailer[start:end] = b"\x01" * (end - start)
        first = self._next_nonblank(0)
        for index, line in enumerate(self.stripped):
            if not line.endswith(")"):  # cheap test before the pattern, on every line
                continue
            match = _COUNT.fullmatch(line)
            if not match:
                continue
            title = self._previous_nonblank(index - 1)
            if title is None or in_trailer[title] or _COUNT.fullmatch(self.stripped[title]):
                continue
            headers[title] = (index + 1, self._deck_name(title), _parse_count(match.group(1)))
        # A first line "<Title> Flashcards" is a title even without a count line under it.
        if (
            first is not None
            and first not in headers
            and _TITLE_SUFFIX.search(self.stripped[first])
            and not self._is_card_start(first)
        ):
            headers[first] = (first + 1, self._deck_name(first), None)
        return headers

    def _deck_name(self, line: int) -> str:
        title = _TITLE_SUFFIX.sub("", self.stripped[line]).strip()
        return title or self.state.default_deck

    # -- helpers -----------------------------------------------------------------------

    def _next_nonblank(self, index: int, limit: int | None = None) -> int | None:
        stop = len(self.stripped) if limit is None else min(len(self.stripped), limit)
        while index < stop:
            if self.stripped[index]:
                return index
            index += 1
        return None

    def _previous_nonblank(self, index: int) -> int | None:
        while index >= 0:
            if self.stripped[index]:
                return index
            index -= 1
        return None

    def _q_line_after_number(self, index: int) -> int | None:
        """If ``index`` is a card number line followed by ``Q``, the index of the Q line."""
        line = self.stripped[index]
        if not (line.isascii() and line.isdigit()):
            return None
        following = self._next_nonblank(index + 1, index + 2 + _MAX_GAP)
        if following is not None and self.stripped[following] == "Q":
            return following
        return None

    def _is_card_start(self, index: int) -> bool:
        return self.stripped[index] == "Q" or self._q_line_after_number(index) is not None

    # -- parsing -----------------------------------------------------------------------

    def run(self) -> ReadResult:
        state = self.state
        sections: list[_Section] = []
        section = _Section(state.default_deck)
        index = 0
        total = len(self.lines)
        seen_card = False
        while index < total:
            if not self.stripped[index]:
                index += 1
                continue
            if index in self.headers:
                end, deck, count = self.headers[index]
                if seen_card or section.count is not None or sections:
                    sections.append(section)
                count_line = end if count is not None else None
                section = _Section(deck, count, count_line)
                state.titles.append(deck)
                index = end
                continue
            if index in self.trailers:
                # A trailer with no card before it: nothing to keep, nothing lost.
                index = self.trailers[index]
                continue
            if self._is_card_start(index):
                index = self._read_card(index, section)
                seen_card = True
                continue
            index = self._stray_text(index, seen_card)
        sections.append(section)
        for done in sections:
            self._check_count(done)
        if not state.notes and not any(d.severity is Severity.ERROR for d in state.diagnostics):
            state.report(
                None,
                Severity.ERROR,
                "no cards found",
                "a Brainscape export holds numbered cards, each a 'Q' line with its "
                "question and an 'A' line with its answer",
                rules.NO_CARDS,
            )
        return ReadResult(
            tuple(state.notes), tuple(state.diagnostics), state.cards_seen, tuple(state.titles)
        )

    def _card_end(self, start: int, number: int | None) -> tuple[int, bool]:
        """The line after a card starting at ``start``, and whether a trailer ends it."""
        index = start + 1
        total = len(self.lines)
        trailers, headers, stripped = self.trailers, self.headers, self.stripped
        following = str(number + 1) if number is not None else None
        # Cheap tests in the loop: it visits every line of the deck.
        while index < total:
            if index in trailers:
                return index, True
            if index in headers:
                return index, False
            if stripped[index] == following and self._q_line_after_number(index) is not None:
                return index, False
            index += 1
        return total, False

    def _read_card(self, start: int, section: _Section) -> int:
        state = self.state
        q_line = self._q_line_after_number(start)
        number: int | None = None
        if q_line is None:
            q_line = start
        else:
            number = int(self.stripped[start])
        end, has_trailer = self._card_end(q_line, number)
        state.cards_seen += 1
        section.cards += 1
        section.last_card_line = start + 1
        section.last_card_has_trailer = has_trailer
        expected = section.cards
        label = f"card {number}" if number is not None else f"card {expected}"
        if number is None:
            state.report(start + 1, Severity.WARNING, f"{label} has no number line before 'Q'")
        elif number != expected:
            state.report(
                start + 1,
                Severity.WARNING,
                f"card numbered {number} where {expected} was expected",
                "a card may be missing from the export",
            )
        a_line = self._answer_marker(q_line + 1, end)
        if a_line is None:
            state.report(
                q_line + 1,
                Severity.ERROR,
                f"{label} has a 'Q' but no 'A'",
                "add a line 'A' followed by the answer, or delete the card",
                rules.EMPTY_ANSWER,
            )
            return self.trailers[end] if has_trailer else end
        question, q_first = self._block(q_line + 1, a_line)
        answer, a_first = self._block(a_line + 1, end)
        if not question:
            # Anki skips a note whose first field is empty; an empty answer is kept (and
            # reported) where every note is checked.
            state.report(
                q_line + 1,
                Severity.WARNING,
                f"{label} has an empty question: skipped",
                "write the question on the lines after 'Q'",
                rules.EMPTY_QUESTION,
            )
        else:
            state.notes.append(
                Note(
                    question=question,
                    answer=answer,
                    deck=section.deck,
                    location=SourceLocation(state.source.path, q_first),
                    answer_location=SourceLocation(
                        state.source.path, a_first if answer else a_line + 1
                    ),
                )
            )
        return self.trailers[end] if has_trailer else end

    def _answer_marker(self, start: int, end: int) -> int | None:
        """The line of a card's ``A`` marker between ``start`` and ``end``, if any.

        The page sets the marker apart with blank lines, so an ``A`` line with blank lines
        (or the card's end) on both sides wins over a bare ``A`` inside a question's lines.
        """
        candidates = [i for i in range(start, end) if self.stripped[i] == "A"]
        for index in candidates:
            before = index == start or not self.stripped[index - 1]
            after = index + 1 >= end or not self.stripped[index + 1]
            if before and after:
                return index
        return candidates[0] if candidates else None

    def _block(self, start: int, end: int) -> tuple[str, int]:
        """Lines ``start:end`` without leading and trailing blank lines, and the first's number."""
        while start < end and not self.stripped[start]:
            start += 1
        while end > start and not self.stripped[end - 1]:
            end -= 1
        return "\n".join(self.lines[start:end]), start + 1

    def _stray_text(self, index: int, seen_card: bool) -> int:
        """Report text that belongs to no card, and return the line after it."""
        start = index
        total = len(self.lines)
        while (
            index < total
            and index not in self.headers
            and index not in self.trailers
            and not (self.stripped[index] and self._is_card_start(index))
        ):
            index += 1
        last = self._previous_nonblank(index - 1)
        excerpt = self.stripped[start]
        if len(excerpt) > 40:
            excerpt = excerpt[:37] + "..."
        where = (
            "before the first card"
            if not seen_card
            else ("after the last card" if index >= total else "between cards")
        )
        count = (last if last is not None and last > start else start) - start + 1
        what = f"{count} lines of text" if count > 1 else "a line of text"
        if where == "between cards":
            self.state.report(
                start + 1,
                Severity.ERROR,
                f"{what} outside any card: {excerpt!r}",
                "a card starts with its number and a 'Q' line",
            )
        else:
            self.state.report(start + 1, Severity.WARNING, f"ignored {what} {where}: {excerpt!r}")
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
        self.state.report(section.count_line, Severity.WARNING, message, hint, rules.CARD_COUNT)


def _parse_count(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))
