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

Without ``--sep`` a tab after a term anywhere means Tab. Otherwise the one separator of
``,``, ``;``, `` - ``, `` = ``, ``:``, ``|`` that starts the first card and most others (60%
of the lines: the rest may be continued definitions) is taken, with an info line; none or
several is an error asking for ``--sep``, never a silent guess. Without
``--card-sep``: Semicolon when every ``;``-piece holds a term and cards start mid-line (or
every line ends with ``;``); blank lines when they part the file into cards whose terms
span lines; else New line. A guess other than New line is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from ankipress.model import Diagnostic, Note, ReadOptions, ReadResult, Severity, SourceLocation
from ankipress.readers.csv import looks_like_header
from ankipress.sources import Source

_NEWLINE = "\n"
_TERM_CANDIDATES = (",", ";", " - ", " = ", ":", "|")
_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "\n": "line break"}
# A guessed separator must start at least this share of the lines (of the cards, when cards
# are not one a line); continued definitions' lines lower it, hence not higher.
_COVERAGE = 0.6
_SAMPLE_LINES = 500
# Separators are guessed from the file's start: enough to tell, and quick on any size.
_GUESS_LINES = 5000

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
        raw = _split_chunks("\n".join(lines), card)
    return [chunk for chunk in (c.trimmed(term) for c in raw) if chunk is not None]


def _starts_card(text: str, separator: str) -> bool:
    """Whether ``text`` holds ``separator`` with a term before it."""
    index = text.find(separator)
    return index > 0 and bool(text[:index].strip())


def _first_line_splits(chunk: _Chunk, term: str) -> bool:
    """Whether the chunk's first line holds its term and separator."""
    return _starts_card(chunk.text.split("\n", 1)[0], term)


def _resolve(given: str, text: str) -> str:
    """A separator as the user meant it: backslash escapes unless the text holds them."""
    given = given.replace("\r\n", "\n").replace("\r", "\n")
    if given in text:
        return given
    return given.replace("\\n", "\n").replace("\\t", "\t")


def _semicolon_cards(lines: Sequence[str], term: str) -> bool:
    """Whether cards are parted by semicolons: every ``;``-piece opens with a term, and cards
    start in mid-line (or every line ends with ``;``) as no New line export would have it."""
    if ";" in term:
        return False
    pieces = _chunks(lines, term, ";")
    after = _split_chunks("\n".join(lines), ";")[1:]
    mid_line = any(p.text.strip() and not p.text.lstrip(" \t").startswith("\n") for p in after)
    filled = [line.rstrip() for line in lines if line.strip()]
    return (
        len(pieces) >= 2
        and all(_first_line_splits(piece, term) for piece in pieces)
        and (mid_line or all(line.endswith(";") for line in filled))
    )


def _blank_line_cards(lines: Sequence[str], term: str) -> bool:
    """Whether blank lines part the cards and some term spans lines (so New line would not do)."""
    blocks = _chunks(lines, term, "\n\n")
    return (
        len(blocks) >= 2
        and all(sum(term in line for line in b.text.split("\n")) == 1 for b in blocks)
        and all(_starts_card(b.text, term) for b in blocks)
        and not all(_first_line_splits(b, term) for b in blocks)
    )


def _guess_card(lines: Sequence[str], term: str) -> tuple[str, str | None]:
    """The card separator for ``term``, and what to say about the guess."""
    if _semicolon_cards(lines, term):
        return ";", "cards read as separated by semicolons"
    if _blank_line_cards(lines, term):
        return "\n\n", "cards read as separated by blank lines (terms span lines)"
    return _NEWLINE, None


def _coverage(lines: Sequence[str], term: str, card: str | None) -> float:
    """The share of cards ``term`` splits (of lines, for cards on new lines: a guess must
    not rest on reading most lines as continued definitions), the first card among them."""
    card = card if card is not None else _guess_card(lines, term)[0]
    chunks = _chunks(lines, term, card)
    if not chunks or not _starts_card(chunks[0].text, term):
        return 0.0
    total = sum(1 for line in lines if line.strip()) if card == _NEWLINE else len(chunks)
    return sum(_starts_card(chunk.text, term) for chunk in chunks) / total


def _guess_term(lines: Sequence[str], card: str | None) -> tuple[str | None, dict[str, float]]:
    """Tab if any line holds one after a term; else the one candidate that starts most cards.
    Also returns how well each candidate does, for a message."""
    if any(_starts_card(line, "\t") for line in lines):
        return "\t", {}
    scores = {sep: _coverage(lines, sep, card) for sep in _TERM_CANDIDATES if sep != card}
    fitting = [sep for sep, score in scores.items() if score >= _COVERAGE]
    return (fitting[0] if len(fitting) == 1 else None), scores


class QuizletReader:
    """Quizlet export (term, definition; separators as chosen on export)."""

    name: str = "quizlet"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Quizlet export (term, definition; separators as chosen on export)"
    options: tuple[str, ...] = ("--sep", "--card-sep")

    def sniff(self, source: Source) -> float:
        """How sure we are that ``source`` is a Quizlet export, from 0 to 1.

        Tab-separated lines in a ``.txt`` file are Quizlet's default export (0.7); tables
        (``.csv``, ``.tsv``, a header row, quoted fields) and Anki's ``#`` headers are not.
        """
        if PurePath(source.path).suffix.lower() in (".csv", ".tsv"):
            return 0.2
        sample = source.lines[:_SAMPLE_LINES]
        lines = [line for line in sample if line.strip()]
        if not lines or (lines[0].startswith("#") and ":" in lines[0]):
            return 0.0
        if any(looks_like_header(lines[0].split(sep)) for sep in ("\t", ",", ";")):
            return 0.4
        starting = sum(_starts_card(line, "\t") for line in lines)
        if starting:
            return 0.7 if _starts_card(lines[0], "\t") and starting * 2 >= len(lines) else 0.4
        term, _ = _guess_term(sample, None)
        if term is None:
            return 0.0
        # Quizlet never quotes; quoted fields are a CSV file's.
        quoted = any(line.startswith('"') or f'{term}"' in line for line in lines)
        return 0.3 if quoted else 0.55

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every card of ``source``; problems become diagnostics, never exceptions."""
        diagnostics: list[Diagnostic] = []

        def report(line: int | None, severity: Severity, message: str, hint: str | None) -> None:
            where = SourceLocation(source.path, line)
            diagnostics.append(Diagnostic(where, severity, message, hint))

        layout = _layout(source.lines, options, report)
        if layout is None:
            return ReadResult((), tuple(diagnostics), 0)
        term, card = layout
        chunks = _chunks(source.lines, term, card)
        deck, path = options.default_deck, source.path
        notes = [note for c in chunks if (note := _card(c, term, card, deck, path, report))]
        if not chunks:
            report(None, Severity.ERROR, "no cards found", "the file holds only white space")
        return ReadResult(tuple(notes), tuple(diagnostics), len(chunks))


def _layout(lines: Sequence[str], options: ReadOptions, report: Report) -> tuple[str, str] | None:
    """The term and card separators, given or guessed; ``None`` after an error."""
    text = "\n".join(lines)
    card = _resolve(options.card_separator, text) if options.card_separator else None
    if options.separator:
        term = _resolve(options.separator, text)
        if term not in text:
            message = f"no {_describe(term)} anywhere in the file to part terms from definitions"
            report(None, Severity.ERROR, message, "name the separator your export used with --sep")
            return None
    else:
        guessed, scores = _guess_term(lines[:_GUESS_LINES], card)
        if guessed is None:
            _cannot_guess(scores, report)
            return None
        term = guessed
        if term != "\t":
            message = (
                f"no tab found; read {_describe(term)} as the separator of term and definition"
            )
            report(None, Severity.INFO, message, "if that is wrong, name the separator with --sep")
    if card is None:
        card, said = _guess_card(lines[:_GUESS_LINES], term)
        if said:
            report(None, Severity.INFO, said, "if that is wrong, name it with --card-sep")
    elif card != _NEWLINE and card not in text and text.count(term) > 1:
        message = f"the card separator {card!r} is not in the file: read as one card"
        report(None, Severity.WARNING, message, "name the one your export used with --card-sep")
    if term == card or (card == _NEWLINE and _NEWLINE in term):
        report(None, Severity.ERROR, "the term and card separators must differ", None)
        return None
    return term, card


def _cannot_guess(scores: dict[str, float], report: Report) -> None:
    fitting = [_describe(sep) for sep, score in scores.items() if score >= _COVERAGE]
    best = max(scores, key=lambda sep: scores[sep], default=None)
    if fitting:
        what = f"{' and '.join(fitting)} both split the cards"
    elif best is not None and scores[best] > 0:
        what = f"no tab, and {_describe(best)} splits only {scores[best]:.0%} of the lines"
    else:
        what = "no tab, nor " + ", ".join(_describe(sep) for sep in _TERM_CANDIDATES)
    message = f"cannot tell the separator of term and definition: {what}"
    report(None, Severity.ERROR, message, "name it with --sep (and --card-sep if need be)")


def _card(chunk: _Chunk, term: str, card: str, deck: str, path: str, report: Report) -> Note | None:
    """The note a card makes, or ``None`` after reporting why it makes none."""
    index = chunk.text.find(term)
    name = _describe(term)
    if index < 0:
        if card == _NEWLINE:  # only text before the first card lacks one
            message = f"text before the first card: no {name} between term and definition"
            hint = "delete that text, or name the separator your export used with --sep"
        else:
            first = chunk.text.split("\n", 1)[0]
            excerpt = first if len(first) <= 40 else first[:37] + "..."
            message = f"no {name} between term and definition in {excerpt!r}"
            hint = f"a definition holding {card!r} is split there; name your card separator"
            hint += " with --card-sep, or export with another one"
        report(chunk.line, Severity.ERROR, message, hint)
        return None
    tail = chunk.text[index + len(term) :]
    question, answer = chunk.text[:index].strip(), tail.strip()
    if not question:
        report(chunk.line, Severity.ERROR, "the term is empty", f"write it before the {name}")
        return None
    if not answer:
        message, hint = f"the term {question!r} has an empty definition", "or delete the card"
        report(chunk.line, Severity.ERROR, message, f"write it after the {name}, {hint}")
        return None
    lead = len(tail) - len(tail.lstrip())
    answer_line = chunk.line + chunk.text.count("\n", 0, index + len(term) + lead)
    return Note(
        question=question,
        answer=answer,
        deck=deck,
        location=SourceLocation(path, chunk.line),
        answer_location=SourceLocation(path, answer_line),
    )
