r"""Reader for Quizlet's "Export" text: a term, a separator, a definition; card after card.

Quizlet lets the user choose both separators when exporting: between term and definition
Tab (the default), Comma or any custom text (`` - ``); between cards New line (the
default), Semicolon or any custom text (a blank line, ``\n\n``, ``;;``). It never quotes or
escapes anything, and writes a definition's line breaks as they are. So:

* Only the first term separator of a card splits it; later ones belong to the definition.
* Cards on new lines: a line without the term separator continues the definition above it
  (blank lines inside a definition are kept). Text before the first card is an error.
* A card separator made only of line breaks (``\n\n``, ``\n\n\n``) means "that many line
  breaks": cards part at runs of at least that many minus one blank lines (lines of white
  space count as blank), so a definition may hold shorter gaps, and its term may span lines.
* Any other card separator is split on exactly; every card must then hold a term separator.
* What Quizlet's format cannot tell apart stays ambiguous: with cards on new lines, a
  definition's later line holding the term separator (a comma, say) starts a new card.
* ``--sep``/``--card-sep`` as typed: if the text does not hold ``\n`` or ``\t`` written
  with a backslash, they mean a line break and a tab.

Guessing the separators (an info line says what was guessed). A tab after a term anywhere
means Tab. Otherwise each of ``::``, `` - `` (or an en or em dash), `` = ``, ``,``, ``;``,
``:``, ``|`` is tried with each card separator the file could use (New line; blank lines
when the file has some; Semicolon when a line holds one; Semicolon and a line break when
every line ends with one), and each reading is judged by the share of its cards holding a
term and a definition (of its lines, for New line: continued definitions count against it;
of the lines holding a term, for the others: cards run together count against it) plus the
share that the separator splits into exactly two non-empty parts. Of the readings finding
terms in most cards (60%), the best wins: so `` - `` beats a comma that some definitions
also hold, and a Semicolon export on one line beats reading it as one card. Two separators
reading different cards about as well is an error showing a card of each reading, never a
silent guess.

Files of Flashcards Deluxe, which people export for Quizlet too, open with setting lines
(``*`` Tab name Tab value) and a row of its column names (``Text 1``, ``Text 2``...): these
are not cards, and an info line says so.

HTML: when a field holds a tag (Anki's own test, :mod:`ankipress.readers.htmlguess`) the
file is read as HTML, as Anki's text importer would read it, with an info line; a line break
inside a definition becomes ``<br>``, as it shows in Quizlet.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import chain, islice
from pathlib import PurePath

from ankipress import rules
from ankipress.model import (
    Diagnostic,
    Note,
    NoteStream,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.csv import looks_like_header
from ankipress.readers.htmlguess import looks_like_html
from ankipress.sources import LineSource, Source

_NEWLINE = "\n"
_BLANK_LINE = "\n\n"
_TAB = "\t"
# In the order a tie between readings that read the same cards is settled: a longer
# separator before the one it holds (``::`` before ``:``).
_TERM_CANDIDATES = ("::", " - ", " \u2013 ", " \u2014 ", " = ", ",", ";", ":", "|")
_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "\n": "line break", "\n\n": "blank line"}
# A reading must find a term in at least this share of the lines (of the cards, when cards
# are not one a line); continued definitions' lines lower it, hence not higher.
_COVERAGE = 0.6
# A reading scoring this much less than the best one (found and exact shares summed) is no
# rival.
_LEAD = 0.15
_SAMPLE_LINES = 500
# Separators are guessed from the file's start: enough to tell, and quick on any size.
_GUESS_LINES = 5000
# Flashcards Deluxe: "*<Tab>setting<Tab>value" lines, then optionally a row of its field names.
_FD_SETTING = re.compile(r"\*\t")
_FD_FIELD = re.compile(
    r"(text|picture|sound|category|statistics) ?\d+|notes|card ?id", re.IGNORECASE
)

Report = Callable[[int | None, Severity, str, str | None], None]
"""Records a diagnostic: line (``None``: the whole file), severity, message, hint."""


def _describe(separator: str) -> str:
    return _NAMES.get(separator) or repr(separator)


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One card's text and the 1-based physical line its first character is on."""

    text: str
    line: int

    def trimmed(self, separator: str) -> _Chunk | None:
        """The chunk without surrounding white space (but a ``separator`` at either end, so
        that an empty term or definition is reported as such); ``None`` if nothing is left."""
        text = self.text
        start, end = 0, len(text)
        while start < end and text[start].isspace() and not text.startswith(separator, start):
            start += 1
        while end > start and text[end - 1].isspace() and not text.endswith(separator, 0, end):
            end -= 1
        if start == end:
            return None
        return _Chunk(text[start:end], self.line + text.count("\n", 0, start))


def _grouped(lines: Sequence[str], opens: Callable[[str, int], bool]) -> list[_Chunk]:
    """Lines grouped into cards; ``opens(line, blank lines before it)`` says a line opens one.
    A first non-blank line always does, so text before the first card is reported."""
    groups: list[tuple[int, list[str]]] = []
    blanks = 0
    for index, line in enumerate(lines):
        if line.strip() and (not groups or opens(line, blanks)):
            groups.append((index + 1, [line]))
        elif groups:
            groups[-1][1].append(line)
        blanks = 0 if line.strip() else blanks + 1
    return [_Chunk("\n".join(body), first) for first, body in groups]


def _split_chunks(text: str, separator: str) -> list[_Chunk]:
    """Cards parted by exactly ``separator``, each with the physical line it starts on."""
    chunks: list[_Chunk] = []
    line = 1
    position = 0
    while True:
        end = text.find(separator, position)
        piece = text[position:] if end < 0 else text[position:end]
        chunks.append(_Chunk(piece, line))
        if end < 0:
            return chunks
        line += piece.count("\n") + separator.count("\n")
        position = end + len(separator)


def _chunks(lines: Sequence[str], term: str, card: str) -> list[_Chunk]:
    """The non-empty cards of ``lines``, trimmed."""
    if card == _NEWLINE:  # a line without the term separator continues the card above
        raw = _grouped(lines, lambda line, _: term in line)
    elif set(card) == {_NEWLINE}:
        raw = _grouped(lines, lambda _, blanks: blanks >= len(card) - 1)
    else:
        text = "\n".join(lines)
        end = card.rstrip("\n")  # a separator after the last card, its line break dropped
        if end and text.rstrip().endswith(end):
            text = text.rstrip()[: -len(end)]
        raw = _split_chunks(text, card)
    return [chunk for chunk in (c.trimmed(term) for c in raw) if chunk is not None]


def _starts_card(text: str, separator: str) -> bool:
    """Whether ``text`` holds ``separator`` with a term before it."""
    index = text.find(separator)
    return index > 0 and bool(text[:index].strip())


def _resolve(given: str, holds: Callable[[str], bool]) -> str:
    """A separator as the user meant it: backslash escapes unless the file holds them
    (``holds(text)``: whether it does)."""
    given = _typed(given)
    escaped = _escaped(given)
    if escaped == given or holds(given):
        return given
    return escaped


def _typed(given: str) -> str:
    """A separator as typed, its line breaks as the file's lines are joined."""
    return given.replace("\r\n", "\n").replace("\r", "\n")


def _escaped(given: str) -> str:
    """A separator's backslash escapes ``\\n`` and ``\\t`` as the characters they name."""
    return given.replace("\\n", "\n").replace("\\t", "\t")


def _pair(text: str, term: str) -> tuple[str, str] | None:
    """The term and definition of a card's text, if both are there."""
    index = text.find(term)
    if index < 0:
        return None
    question, answer = text[:index].strip(), text[index + len(term) :].strip()
    return (question, answer) if question and answer else None


def _parts(text: str, term: str) -> int:
    """How many non-empty parts ``term`` splits ``text`` into (0 if one of them is empty);
    empty parts at the end (a row padded with tabs) do not count."""
    parts = [part.strip() for part in text.split(term)]
    while len(parts) > 2 and not parts[-1]:
        parts.pop()
    return len(parts) if all(parts) else 0


@dataclass(frozen=True, slots=True)
class _Reading:
    """The cards one choice of separators makes of a file, and how well they split."""

    term: str
    card: str
    found: float
    """The share of cards (of lines, for cards on new lines) holding a term and definition."""
    exact: float
    """The share of them that the term separator splits into exactly two non-empty parts."""
    wide: float
    """The share of cards split into one number (three or more) of non-empty parts, as a
    table's rows are."""
    pairs: tuple[tuple[int, tuple[str, str] | None], ...]
    """Each card's line and (term, definition), for comparing readings and for messages."""


def _read_as(lines: Sequence[str], term: str, card: str) -> _Reading:
    """How the cards of ``lines`` split with these separators.

    Each card counts once, and so does each line a wrong choice has put in a card that
    should have started one: a line without a term on a card of its own (New line), or
    another line holding a term inside a card (other card separators).
    """
    chunks = _chunks(lines, term, card)
    pairs = tuple((chunk.line, _pair(chunk.text, term)) for chunk in chunks)
    # A guess must read the first card (text before it is Quizlet's only with a tab).
    if not chunks or (pairs[0][1] is None and term != _TAB):
        return _Reading(term, card, 0.0, 0.0, 0.0, pairs)
    if card == _NEWLINE:
        total = sum(1 for line in lines if line.strip())
    else:
        total = sum(
            max(1, sum(_starts_card(line, term) for line in chunk.text.split("\n")))
            for chunk in chunks
        )
    parts = [_parts(chunk.text, term) for chunk in chunks]
    found = sum(pair is not None for _, pair in pairs)
    exact = sum(count == 2 for count in parts)
    # Rows of one width of three or more, as a table has them.
    width, rows = Counter(parts).most_common(1)[0]
    wide = rows if width > 2 else 0
    return _Reading(term, card, found / total, exact / total, wide / len(chunks), pairs)


def _card_candidates(lines: Sequence[str]) -> list[str]:
    """The card separators a file could have been exported with, New line first."""
    filled = [line.rstrip() for line in lines if line.strip()]
    # Every line but the last ending with ";": Semicolon, or ";" and a line break (custom).
    every_end = len(filled) > 1 and all(line.endswith(";") for line in filled[:-1])
    candidates = [] if every_end else [_NEWLINE]
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    last = max((i for i, line in enumerate(lines) if line.strip()), default=0)
    if any(not line.strip() for line in lines[first:last]):
        candidates.append(_BLANK_LINE)
    if any(";" in line for line in filled):
        candidates.append(";")
    if every_end:
        candidates.append(";\n")
    return candidates


def _readings(lines: Sequence[str], card: str | None) -> list[_Reading]:
    """Every reading worth weighing: Tab alone if a tab follows a term anywhere."""
    terms: Iterable[str]
    if any(_starts_card(line, _TAB) for line in lines):
        terms = (_TAB,)
    else:
        text = "\n".join(lines)
        terms = [term for term in _TERM_CANDIDATES if term in text]
    cards = [card] if card is not None else _card_candidates(lines)
    return [_read_as(lines, term, c) for term in terms for c in cards if c != term]


def _choose(readings: Sequence[_Reading]) -> tuple[_Reading | None, _Reading | None]:
    """The best reading, and a rival reading other cards as well (then neither is sure).

    Of the readings finding terms in most cards, the one finding the most and splitting the
    most exactly in two (the sum of both shares) wins; of equals, the first (New line before
    other card separators). A rival must use another term separator: the card separator is
    settled by that order.
    """
    # Tab is Quizlet's default: however many definitions span lines, it is the separator.
    fitting = [r for r in readings if r.found >= _COVERAGE or (r.term == _TAB and r.found)]
    if not fitting:
        return None, None
    best = max(fitting, key=_score)
    rival = next(
        (
            r
            for r in fitting
            if r.term != best.term and _score(r) >= _score(best) - _LEAD and r.pairs != best.pairs
        ),
        None,
    )
    return best, rival


def _score(reading: _Reading) -> float:
    return reading.found + reading.exact


def _quoted(lines: Sequence[str], term: str) -> bool:
    """Whether a field is quoted as in a table: ``"..."`` whole, or opening a quote that a
    later line closes (a quoted line break). ``"Quoted" words`` in a definition are not."""
    for line in lines:
        for cell in line.split(term):
            cell = cell.strip()
            if cell.startswith('"') and (
                cell.count('"') % 2 or (len(cell) > 1 and cell.endswith('"'))
            ):
                return True
    return False


def _preamble(lines: Sequence[str]) -> tuple[int, str]:
    """How many leading lines are Flashcards Deluxe settings and column names, not cards,
    and what they are (``""`` when there are none)."""
    index, settings = 0, False
    while index < len(lines) and (_FD_SETTING.match(lines[index]) or not lines[index].strip()):
        settings = settings or lines[index].startswith("*")
        index += 1
    if index < len(lines):
        cells = [cell.strip() for cell in lines[index].split(_TAB) if cell.strip()]
        if len(cells) >= 2 and all(_FD_FIELD.fullmatch(cell) for cell in cells):
            return index + 1, "settings and column names" if settings else "column names"
    return (index, "settings") if settings else (0, "")


def _without_preamble(lines: Sequence[str]) -> tuple[list[str], int, str]:
    """``lines`` with the preamble blanked (line numbers stay), its length, what it is."""
    skipped, what = _preamble(lines)
    return ["" if i < skipped else line for i, line in enumerate(lines)], skipped, what


def _shown(pair: tuple[str, str] | None, limit: int = 30) -> str:
    if pair is None:
        return "no card"
    return " \u2192 ".join(
        '"' + (text if len(text) <= limit else text[: limit - 3] + "...") + '"' for text in pair
    )


def _difference(best: _Reading, rival: _Reading) -> str:
    """One card of each reading, the first where they differ."""
    mine: tuple[str, str] | None = None
    theirs: tuple[str, str] | None = None
    for index in range(max(len(best.pairs), len(rival.pairs))):
        mine = best.pairs[index][1] if index < len(best.pairs) else None
        theirs = rival.pairs[index][1] if index < len(rival.pairs) else None
        if mine != theirs:
            break
    return (
        f"as {_describe(best.term)}: {_shown(mine)}; as {_describe(rival.term)}: {_shown(theirs)}"
    )


class QuizletReader:
    """Quizlet export (term, definition; separators as chosen on export)."""

    name: str = "quizlet"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Quizlet export (term, definition; separators as chosen on export)"
    options: tuple[str, ...] = ("--sep", "--card-sep")

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a Quizlet export, from 0 to 1.

        Flashcards Deluxe setting lines say so (0.8); tab-separated lines in a ``.txt``
        file are Quizlet's default export (0.7), other separators less sure (0.55). Not
        Quizlet's (0.4 or less): tables (``.csv``, ``.tsv``, a header row, quoted fields,
        rows that split into three or more parts), and ``#`` lines (Anki's headers and
        comments; Quizlet writes none).
        """
        if PurePath(source.path).suffix.lower() in (".csv", ".tsv"):
            return 0.2
        sample, skipped, _ = _without_preamble(source.lines[:_SAMPLE_LINES])
        if skipped:
            return 0.8
        lines = [line for line in sample if line.strip()]
        if not lines or lines[0].startswith("#"):
            return 0.0
        if any(looks_like_header(lines[0].split(sep)) for sep in ("\t", ",", ";")):
            return 0.4
        best, rival = _choose(_readings(sample, None))
        if best is not None and best.wide >= 0.9:  # rows of three or more parts: a table
            return 0.3
        if _quoted(lines, best.term if best is not None else _TAB):
            return 0.3  # Quizlet never quotes; quoted fields are a table's
        starting = sum(_starts_card(line, _TAB) for line in lines)
        if starting:  # text before the first card is still Quizlet's, and an error
            return 0.7 if _starts_card(lines[0], _TAB) and starting * 2 >= len(lines) else 0.4
        if best is None:
            return 0.0
        if rival is not None:  # ours to say so, showing a card of each reading
            return 0.5
        return 0.3 if _quoted(lines, best.term) else 0.55

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every card of ``source``; problems become diagnostics, never exceptions."""
        return self.stream(LineSource.of(source), options).collect()

    def stream(self, source: LineSource, options: ReadOptions) -> NoteStream:
        """The cards of ``source`` as they are read (see :class:`_Streamer`)."""
        streamer = _Streamer(source, options)
        return NoteStream(streamer.notes(), streamer.result)


def _layout(
    lines: Sequence[str], options: ReadOptions, report: Report, holds: Callable[[str], bool]
) -> tuple[str, str] | None:
    """The term and card separators, given or guessed from ``lines`` (the file's first
    lines); ``None`` after an error. ``holds(text)``: whether the whole file holds ``text``.
    (Whether the card separator is in the file at all is for the caller to say.)"""
    card = _resolve(options.card_separator, holds) if options.card_separator else None
    if options.separator:
        term = _resolve(options.separator, holds)
        if not holds(term):
            message = f"no {_describe(term)} anywhere in the file to part terms from definitions"
            report(None, Severity.ERROR, message, "name the separator your export used with --sep")
            return None
        if card is None:
            best, _ = _choose([_read_as(lines[:_GUESS_LINES], term, c) for c in _cards(lines)])
            card = best.card if best is not None else _NEWLINE
            _say_card(card, report)
    else:
        sample = lines[:_GUESS_LINES]
        readings = _readings(sample, card)
        best, rival = _choose(readings)
        if best is None or rival is not None:
            _cannot_guess(readings, best, rival, report)
            return None
        term = best.term
        if term != _TAB:
            message = (
                f"no tab found; read {_describe(term)} as the separator of term and definition"
            )
            report(None, Severity.INFO, message, "if that is wrong, name the separator with --sep")
        if card is None:
            card = best.card
            _say_card(card, report)
    if term == card or (card == _NEWLINE and _NEWLINE in term):
        report(None, Severity.ERROR, "the term and card separators must differ", None)
        return None
    return term, card


def _cards(lines: Sequence[str]) -> list[str]:
    return _card_candidates(lines[:_GUESS_LINES]) or [_NEWLINE]


def _say_card(card: str, report: Report) -> None:
    if card == _NEWLINE:
        return
    what = {";": "semicolons", ";\n": "semicolons at line ends"}.get(card, "blank lines")
    report(
        None,
        Severity.INFO,
        f"cards read as separated by {what}",
        "if that is wrong, name it with --card-sep",
    )


def _cannot_guess(
    readings: Sequence[_Reading], best: _Reading | None, rival: _Reading | None, report: Report
) -> None:
    hint = "name it with --sep (and --card-sep if need be)"
    if best is not None and rival is not None:
        what = f"{_describe(best.term)} and {_describe(rival.term)} both split the cards"
        message = (
            f"cannot tell the separator of term and definition: {what} ({_difference(best, rival)})"
        )
        report(None, Severity.ERROR, message, hint)
        return
    most = max(readings, key=lambda r: r.found, default=None)
    if most is not None and most.found > 0:
        unit = "lines" if most.card == _NEWLINE else "cards"
        what = f"no tab, and {_describe(most.term)} splits only {most.found:.0%} of the {unit}"
    else:
        what = "no tab, nor " + ", ".join(_describe(sep) for sep in _TERM_CANDIDATES)
    message = f"cannot tell the separator of term and definition: {what}"
    report(None, Severity.ERROR, message, hint)


def _card(
    text: str, line: int, term: str, card: str, deck: str, path: str, report: Report
) -> Note | None:
    """The note a card makes (its text trimmed, starting on ``line``), or ``None`` after
    reporting why it makes none."""
    index = text.find(term)
    if index < 0:
        name = _describe(term)
        if card == _NEWLINE:  # only text before the first card lacks one
            message = f"text before the first card: no {name} between term and definition"
            hint = "delete that text, or name the separator your export used with --sep"
        else:
            first = text.split("\n", 1)[0]
            excerpt = first if len(first) <= 40 else first[:37] + "..."
            message = f"no {name} between term and definition in {excerpt!r}"
            hint = f"a definition holding {card!r} is split there; name your card separator"
            hint += " with --card-sep, or export with another one"
        report(line, Severity.ERROR, message, hint)
        return None
    tail = text[index + len(term) :]
    question, answer = text[:index].strip(), tail.strip()
    if not question:
        # Anki skips a note whose first field is empty; an empty definition is kept, and
        # reported where every format's empty answer is.
        message = "the term is empty: card skipped, as Anki skips it"
        report(line, Severity.WARNING, message, f"write it before the {_describe(term)}")
        return None
    answer_line = line
    if "\n" in text:
        lead = len(tail) - len(tail.lstrip())
        answer_line += text.count("\n", 0, index + len(term) + lead)
    return Note(
        question=question,
        answer=answer,
        deck=deck,
        location=SourceLocation(path, line),
        answer_location=SourceLocation(path, answer_line),
    )


class _Found:
    """Whether ``needle`` occurs ``wanted`` times (not overlapping, counted from the left as
    :meth:`str.count` counts) in text given a piece at a time."""

    __slots__ = ("count", "needle", "tail", "wanted")

    def __init__(self, needle: str, wanted: int = 1) -> None:
        self.needle = needle
        self.wanted = wanted
        self.count = 0
        self.tail = ""

    @property
    def done(self) -> bool:
        return self.count >= self.wanted

    def feed(self, piece: str) -> bool:
        """Take the next piece of the text; whether the needle was found often enough."""
        needle = self.needle
        text = self.tail + piece
        at = 0
        while self.count < self.wanted:
            found = text.find(needle, at)
            if found < 0:
                break
            self.count += 1
            at = found + len(needle)
        # A match may start in what is left, but never before ``at``.
        self.tail = text[max(at, len(text) - len(needle) + 1) :]
        return self.count >= self.wanted


class _Streamer:
    """A Quizlet export read in one pass over its lines, after a look at the whole file.

    The separators are guessed from the first lines (as they always were). What only the
    whole file tells (whether it holds a separator typed with backslash escapes, a term
    separator given with ``--sep``, a tag anywhere) is settled by the first lines when they
    can, else by a first pass over the lines that only looks for those strings (the source
    read :meth:`~ankipress.sources.LineSource.again`, or held in memory when it cannot be).
    The notes are then made as the lines are read; only when the file holds something
    tag-shaped (a ``<`` with a ``>`` after it) are they held back until one of them proves
    to be HTML (then all are, as Anki reads them) or the file ends.
    """

    def __init__(self, source: LineSource, options: ReadOptions) -> None:
        self.source = source
        self.options = options
        self.path = source.path
        self.before: list[Diagnostic] = []
        """The preamble's and the separators' diagnostics: said first."""
        self.diagnostics: list[Diagnostic] = []
        """The cards' diagnostics, said after those."""
        self.cards_seen = 0

    def _report(self, into: list[Diagnostic], rule: rules.Rule = rules.UNCLASSIFIED) -> Report:
        path = self.path

        def report(line: int | None, severity: Severity, message: str, hint: str | None) -> None:
            into.append(Diagnostic(SourceLocation(path, line), severity, message, hint, rule))

        return report

    def result(self) -> ReadResult:
        """What was read besides the notes (complete once they are all read)."""
        return ReadResult((), (*self.before, *self.diagnostics), self.cards_seen)

    # -- the whole file ------------------------------------------------------------------

    def _head(self, lines: Iterator[str]) -> tuple[list[str], bool]:
        """The first lines, the Flashcards Deluxe preamble blanked, and whether they are the
        whole file. They run past the preamble, however long, and one line more."""
        head = list(islice(lines, _GUESS_LINES))
        while head and all(_FD_SETTING.match(line) or not line.strip() for line in head):
            more = list(islice(lines, _GUESS_LINES))
            if not more:
                break
            head += more
        # One more line tells whether the head is the whole file.
        extra = list(islice(lines, 1))
        skipped, what = _preamble(head)
        if skipped:
            span = "line 1" if skipped == 1 else f"lines 1-{skipped}"
            message = f"{span} read as Flashcards Deluxe {what}, not as cards"
            self._report(self.before)(None, Severity.INFO, message, None)
            head[:skipped] = [""] * skipped
        return head + extra, not extra

    def _first_pass(
        self, head_text: str, rest: Iterable[str], needles: list[str]
    ) -> tuple[set[str], bool]:
        """Which of ``needles`` the file holds (none is in its first lines, ``head_text``),
        and whether it holds a ``<`` with a ``>`` after it; ``rest``: the lines after the
        first ones. Stops as soon as it knows."""
        pending = [_Found(needle) for needle in needles]
        for finder in pending:
            finder.feed(head_text)
        found: set[str] = set()
        at = head_text.find("<")
        opened = at >= 0
        closed = opened and head_text.find(">", at + 1) >= 0
        for line in rest:
            if pending:
                piece = "\n" + line
                for finder in pending:
                    if finder.feed(piece):
                        found.add(finder.needle)
                pending = [finder for finder in pending if not finder.done]
            if not opened:
                at = line.find("<")
                if at >= 0:
                    opened = True
                    closed = line.find(">", at + 1) >= 0
            elif not closed:
                closed = ">" in line
            if closed and not pending:
                break
        return found, closed

    # -- the notes -----------------------------------------------------------------------

    def notes(self) -> Iterator[Note]:
        """Every note, as it is read (or, for a file holding tags, as soon as it is known
        whether it is HTML); the diagnostics go to :meth:`result`."""
        lines = iter(self.source)
        head, whole = self._head(lines)
        head_text = "\n".join(head)
        options = self.options
        given = [_typed(sep) for sep in (options.card_separator, options.separator) if sep]
        needles = [
            needle
            for sep in given
            for needle in dict.fromkeys((sep, _escaped(sep)))
            if needle not in head_text
        ]
        rest: Iterable[str] = ()
        found: set[str] = set()
        if whole:
            tagged = looks_like_html(head_text)
        else:
            again = self.source.again()
            if again is None:  # lines read once: the rest is held, to be read twice
                kept = list(lines)
                found, tagged = self._first_pass(head_text, kept, needles)
                rest = kept
            else:
                found, tagged = self._first_pass(head_text, lines, needles)
                rest = islice(again, len(head), None)

        def holds(text: str) -> bool:
            return text in head_text or text in found

        layout = _layout(head, options, self._report(self.before, rules.SEPARATOR), holds)
        if layout is None:
            return
        term, card = layout
        yield from self._notes(head, rest, term, card, head_text, tagged)

    def _notes(
        self,
        head: list[str],
        rest: Iterable[str],
        term: str,
        card: str,
        head_text: str,
        tagged: bool,
    ) -> Iterator[Note]:
        report = self._report(self.diagnostics)
        lines: Iterable[str] = chain(head, rest)
        watched: tuple[_Found, _Found] | None = None
        if card != _NEWLINE and card not in head_text:
            # Whether to say that the card separator is nowhere: watch the rest for it.
            watched = (_Found(card), _Found(term, 2))
            for finder in watched:
                finder.feed(head_text)
            lines = chain(head, _watching(rest, watched))
        if card == _NEWLINE:
            chunks = _line_cards(lines, term)
        elif set(card) == {_NEWLINE}:
            chunks = _blank_cards(lines, len(card) - 1)
        else:
            chunks = _split_cards(lines, card)
        deck, path = self.options.default_deck, self.path
        held: list[Note] = []
        html_line: int | None = None
        seen = 0
        for text, line in chunks:
            if not text:
                continue
            if text[0].isspace() or text[-1].isspace():
                trimmed = _Chunk(text, line).trimmed(term)
                if trimmed is None:
                    continue
                text, line = trimmed.text, trimmed.line
            seen += 1
            note = _card(text, line, term, card, deck, path, report)
            if note is None:
                continue
            if not tagged:
                yield note
            elif html_line is not None:
                yield _html(note)
            elif looks_like_html(note.question) or looks_like_html(note.answer):
                html_line = line
                yield from map(_html, held)
                held = []
                yield _html(note)
            else:
                held.append(note)
        yield from held
        self.cards_seen = seen
        if watched is not None and not watched[0].done and watched[1].done:
            message = f"the card separator {card!r} is not in the file: read as one card"
            hint = "name the one your export used with --card-sep"
            self._report(self.before, rules.SEPARATOR)(None, Severity.WARNING, message, hint)
        if not seen:
            hint = "the file holds only white space"
            self.diagnostics.append(
                Diagnostic(
                    SourceLocation(path), Severity.ERROR, "no cards found", hint, rules.NO_CARDS
                )
            )
        if html_line is not None:
            message = (
                "fields hold HTML tags: every field is read as HTML, as Anki's importer reads it"
            )
            hint = "write &lt; for a < that is not a tag"
            report(html_line, Severity.INFO, message, hint)


def _html(note: Note) -> Note:
    """A note read as HTML: its line breaks as ``<br>``, as they show in Quizlet."""
    return replace(
        note,
        question=note.question.replace("\n", "<br>"),
        answer=note.answer.replace("\n", "<br>"),
        text_format=TextFormat.HTML,
    )


def _watching(lines: Iterable[str], finders: Sequence[_Found]) -> Iterator[str]:
    """``lines`` (the lines after the first ones), each fed to ``finders`` as it goes."""
    for line in lines:
        piece = "\n" + line
        for finder in finders:
            if not finder.done:
                finder.feed(piece)
        yield line


def _line_cards(lines: Iterable[str], term: str) -> Iterator[tuple[str, int]]:
    """Cards on new lines: a line holding ``term`` starts one, others continue it (and text
    before the first card is a card of its own, to be reported). Each card's text and line."""
    body: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        if body:
            if term in line and not line.isspace():
                yield (body[0] if len(body) == 1 else "\n".join(body)), first
                body = [line]
                first = number
            else:
                body.append(line)
        elif line and not line.isspace():
            body = [line]
            first = number
    if body:
        yield (body[0] if len(body) == 1 else "\n".join(body)), first


def _blank_cards(lines: Iterable[str], gap: int) -> Iterator[tuple[str, int]]:
    """Cards parted by at least ``gap`` blank lines. Each card's text and line."""
    body: list[str] = []
    first = blanks = 0
    for number, line in enumerate(lines, 1):
        if line and not line.isspace():
            if body and blanks < gap:
                body.append(line)
            else:
                if body:
                    yield "\n".join(body), first
                body = [line]
                first = number
            blanks = 0
        else:
            if body:
                body.append(line)
            blanks += 1
    if body:
        yield "\n".join(body), first


def _split_cards(lines: Iterable[str], card: str) -> Iterator[tuple[str, int]]:
    """Cards parted by exactly ``card`` in the lines joined (a separator after the last card
    dropped, as ``_chunks`` drops it). Each card's text and the line it starts on.

    Separators are found from the left as the text comes; a card is given once text follows
    its separator far enough that dropping a last separator cannot move it.
    """
    end = card.rstrip("\n")
    width = len(card)
    parts: list[str] = []  # the text from ``start`` on, in pieces
    start = 0  # where the card not yet given starts, in the whole text
    total = 0  # the length of the text so far
    window = ""  # the text from ``window_at`` on: what a separator found next may start in
    window_at = 0
    found: deque[int] = deque()  # separators found, their cards not yet given
    filled = 0  # the end of the last character that is not white space
    line = 1  # the line of ``start``
    begun = False
    for raw in lines:
        piece = "\n" + raw if begun else raw
        begun = True
        parts.append(piece)
        total += len(piece)
        window += piece
        at = 0
        while (sep := window.find(card, at)) >= 0:
            found.append(window_at + sep)
            at = sep + width
        # A separator found next starts after the last one, and ends in text yet to come.
        scan = max(window_at + at, total - width + 1)
        window = window[scan - window_at :]
        window_at = scan
        visible = len(raw.rstrip())
        if visible:
            filled = total - len(raw) + visible
        if found and found[0] + width + len(end) <= filled:
            text = "".join(parts)
            base = start
            while found and found[0] + width + len(end) <= filled:
                sep = found.popleft()
                chunk = text[start - base : sep - base]
                yield chunk, line
                line += chunk.count("\n") + card.count("\n")
                start = sep + width
            parts = [text[start - base :]]
    text = "".join(parts)
    if end and text.rstrip().endswith(end):
        text = text.rstrip()[: -len(end)]
    for last in _split_chunks(text, card):
        yield last.text, last.line + line - 1
