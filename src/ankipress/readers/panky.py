"""Reader for anki-panky decks: Pandoc Markdown whose ``# `` headings are cards.

The grammar, as anki-panky reads it::

    # What is the capital of France?   a card: the heading is its front,
    Paris                              everything up to the next "# " heading its back
    # A front over several lines       an extended card: the heading and the text under it,
    more of the front                  up to a line ". . ." (Pandoc's slide pause), are the
    . . .                              front; the rest the back
    the back
    <AnkiTags a b c/>                  the card's last paragraph: its tags
    ---                                a rule, then text, ". . .", text: a card without a
    The front                          heading (the front is the text before the pause)
    . . .
    The back

Lines inside fenced code are never headings, pauses or tags. HTML comments are not shown;
Pandoc attributes after a picture (``{ width=50% }``) are dropped with a note, and an inline
footnote ``^[text]`` shows as ``(text)``. The deck: front matter ``deck`` (or anki-panky's
``name``), else the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ankipress import rules
from ankipress.model import (
    Diagnostic,
    Note,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.frontmatter import read_front_matter
from ankipress.readers.mdmedia import with_media_folder
from ankipress.readers.mdsyntax import fenced
from ankipress.sources import Source

__all__ = ["PankyReader"]

_HEADING = re.compile(r"#[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_PAUSE = re.compile(r"\.[ \t]+\.[ \t]+\.[ \t]*")
_RULE = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
_TAGS = re.compile(r"<AnkiTags\b([^<>]*?)/?>\s*(?:</AnkiTags>)?", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ATTRIBUTES = re.compile(r"(!\[[^\]\n]*\]\([^)\n]*\))\{[^}\n]*\}")
_FOOTNOTE = re.compile(r"\^\[([^\[\]\n]*)\]")
_NAME = re.compile(r"name:[ \t]*(.+?)[ \t]*")


class PankyReader:
    """anki-panky deck: ``# front``, the back below, ``. . .`` splitting longer fronts."""

    name: str = "anki-panky"
    extensions: tuple[str, ...] = (".md", ".markdown")
    description: str = "anki-panky deck (# front, back below; '. . .' ends a longer front)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """Sure when ``# `` headings come with ``. . .`` pauses or ``<AnkiTags/>`` lines."""
        lines = source.lines[:2000]
        code = fenced(lines).code
        outside = [line.strip() for index, line in enumerate(lines) if index not in code]
        if not any(_HEADING.fullmatch(line) for line in outside):
            return 0.0
        if any(_TAGS.fullmatch(line) for line in outside):
            return 1.0
        if not any(_PAUSE.fullmatch(line) for line in outside):
            return 0.0
        # Pandoc slides under an mdanki deck's "## " cards are the Markdown reader's.
        return 0.6 if any(line.startswith("## ") for line in outside) else 1.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every card of ``source``; problems become diagnostics, never exceptions."""
        front = read_front_matter(source)
        name = _front_name(source, front.body)
        # anki-panky's "name" is read here, so the front matter's warning about it is moot.
        diagnostics = [
            d for d in front.diagnostics if not (name and "front matter key 'name'" in d.message)
        ]
        deck = front.deck or name or options.default_deck
        lines = source.lines
        code = fenced(lines, front.body).code
        # Card starts: (index, heading text or None for a rule-started card).
        starts: list[tuple[int, str | None]] = []
        for index in range(front.body, len(lines)):
            if index in code:
                continue
            line = lines[index].rstrip()
            if match := _HEADING.fullmatch(line):
                starts.append((index, match.group(1).strip()))
            elif _RULE.fullmatch(line) and _pause_before_next(lines, code, index):
                starts.append((index, None))
        notes: list[Note] = []
        if starts and any(lines[i].strip() for i in range(front.body, starts[0][0])):
            first = next(i for i in range(front.body, starts[0][0]) if lines[i].strip())
            diagnostics.append(
                Diagnostic(
                    source.location(first + 1),
                    Severity.WARNING,
                    "ignored text before the first card",
                    "a card starts with a '# ' heading",
                )
            )
        # A file without cards has no sections (zipping [len] to nothing would fail).
        ends = [index for index, _ in starts[1:]] + [len(lines)] * bool(starts)
        for (start, heading), end in zip(starts, ends, strict=True):
            note = _card(source, code, start, heading, end, deck, front.tags, diagnostics)
            if note is not None:
                notes.append(note)
        if not starts:
            diagnostics.append(
                Diagnostic(
                    source.location(None),
                    Severity.ERROR,
                    "no cards found",
                    "an anki-panky card starts with a '# ' heading holding its front, "
                    "the back below (a line '. . .' ends a longer front)",
                    rules.NO_CARDS,
                )
            )
        diagnostics.sort(key=lambda d: d.location.line or 0)
        result = ReadResult(tuple(notes), tuple(diagnostics), len(starts), (deck,))
        return with_media_folder(result, source, front)


def _front_name(source: Source, body: int) -> str | None:
    """anki-panky's own deck name key, ``name:``, in the front matter."""
    for line in source.lines[1 : max(body - 1, 1)]:
        if match := _NAME.fullmatch(line.rstrip()):
            return match.group(1).strip("'\"") or None
    return None


def _pause_before_next(lines: Sequence[str], code: set[int] | frozenset[int], start: int) -> bool:
    """Whether a ``. . .`` pause follows the rule at ``start`` before the next card heading."""
    for index in range(start + 1, len(lines)):
        if index in code:
            continue
        line = lines[index].rstrip()
        if _HEADING.fullmatch(line):
            return False
        if _PAUSE.fullmatch(line):
            return True
    return False


def _card(
    source: Source,
    code: set[int] | frozenset[int],
    start: int,
    heading: str | None,
    end: int,
    deck: str,
    deck_tags: tuple[str, ...],
    diagnostics: list[Diagnostic],
) -> Note | None:
    lines = source.lines
    pause = next(
        (i for i in range(start + 1, end) if i not in code and _PAUSE.fullmatch(lines[i])), None
    )
    front_lines = [heading] if heading else []
    answer_start = start + 1
    if pause is not None:
        front_lines += lines[start + 1 : pause]
        answer_start = pause + 1
    back_lines = list(lines[answer_start:end])
    tags: tuple[str, ...] = ()
    # The tags: the card's last paragraph, a line <AnkiTags a b/>.
    last = next((i for i in range(len(back_lines) - 1, -1, -1) if back_lines[i].strip()), None)
    if (
        last is not None
        and answer_start + last not in code
        and (match := _TAGS.fullmatch(back_lines[last].strip()))
    ):
        tags = tuple(match.group(1).split())
        back_lines = back_lines[:last]

    def clean(text_lines: list[str], first: int) -> str:
        text = _COMMENT.sub("", "\n".join(text_lines))
        if _ATTRIBUTES.search(text):
            diagnostics.append(
                Diagnostic(
                    source.location(first + 1),
                    Severity.NOTE,
                    "Pandoc attributes after a picture ('{ width=… }') are not kept",
                    "size pictures in the note type's CSS",
                )
            )
            text = _ATTRIBUTES.sub(r"\1", text)
        text = _FOOTNOTE.sub(r" (\1)", text)
        return text.strip()

    question = clean(front_lines, start)
    answer = clean(back_lines, answer_start)
    shown = heading or (front_lines[0].strip() if front_lines else "")
    if not question:
        diagnostics.append(
            Diagnostic(
                source.location(start + 1),
                Severity.WARNING,
                "a card with an empty front: skipped",
                "write the front after the '---' line, before '. . .'",
            )
        )
        return None
    if not answer:
        diagnostics.append(
            Diagnostic(
                source.location(start + 1),
                Severity.WARNING,
                f"the card {shown[:40]!r} has no back: skipped",
                "write the back under the heading (after '. . .' if the card has one)",
            )
        )
        return None
    return Note(
        question=question,
        answer=answer,
        deck=deck,
        location=SourceLocation(source.path, start + 1),
        tags=tuple(dict.fromkeys((*deck_tags, *tags))),
        text_format=TextFormat.MARKDOWN,
        answer_location=SourceLocation(source.path, answer_start + 1),
    )
