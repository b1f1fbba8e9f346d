"""``ankipress pin``: write each Markdown card's GUID into its source, as ``<!-- guid: ... -->``.

For users who prefer ids in the files to a lock file (:mod:`ankipress.building.lock`): a card whose
heading has a metadata line with a ``guid`` keeps that id whatever is edited. Pinning writes
the GUID the next build would give (the lock's, when it has one) under each card heading that
has none, or into the card's metadata line. Every file is read back before anything is
written: the cards must read the same but for their ids, or no file is written; each file is
replaced whole (a temporary file renamed into place), never half-written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ankipress import rules
from ankipress.building.plan import PackagePlan
from ankipress.errors import InputError
from ankipress.model import Diagnostic, Note, ReadOptions, Severity, SourceLocation
from ankipress.readers.markdown import MarkdownReader
from ankipress.readers.mdsyntax import MetaError, format_meta, parse_meta
from ankipress.sources import Source, load

__all__ = ["Pinned", "pin"]

MARKDOWN_SUFFIXES = (".md", ".markdown")
_BREAK = re.compile(r"(\r\n|\n|\r)")


@dataclass(frozen=True, slots=True)
class Pinned:
    """What pinning did (or would do): files and how many cards each got an id."""

    files: tuple[tuple[Path, int], ...]
    diagnostics: tuple[Diagnostic, ...]


def _error(location: SourceLocation, message: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic(location, Severity.ERROR, message, hint, rules.PIN)


def _identity(note: Note) -> tuple[object, ...]:
    return (note.question, note.answer, note.deck, note.tags, note.kind, note.fields)


def _pinned_text(source: Source, guids: dict[int, str]) -> tuple[str, list[Diagnostic]]:
    """The source's text with a GUID under each card heading at a line of ``guids``."""
    parts = _BREAK.split(source.text)
    lines, breaks = parts[0::2], [*parts[1::2], ""]
    default_break = breaks[0] if breaks[0] else "\n"
    problems: list[Diagnostic] = []
    inserted: dict[int, str] = {}
    for line, guid in sorted(guids.items()):
        index = line - 1
        if index >= len(lines) or not lines[index].startswith("## "):
            # Read by another reader than the Markdown deck's: not ours to write into.
            message = "not pinned: the file is not read as a Markdown deck (no '## ' card here)"
            return source.text, [
                Diagnostic(source.location(line), Severity.WARNING, message, rule=rules.PIN)
            ]
        following = lines[index + 1] if index + 1 < len(lines) else ""
        try:
            meta = parse_meta(following)
        except MetaError:
            meta = None  # the build reports it; this card is left alone
            problems.append(_error(source.location(line + 1), "bad card metadata: not pinned"))
            continue
        if meta is not None:
            lines[index + 1] = format_meta({"guid": guid, **meta})
        else:
            inserted[index] = format_meta({"guid": guid})
    out: list[str] = []
    for index, (text, end) in enumerate(zip(lines, breaks, strict=True)):
        out.append(text)
        if index in inserted:
            out.append(end or default_break)
            out.append(inserted[index])
        out.append(end)
    return "".join(out), problems


def _read(source: Source) -> list[Note]:
    options = ReadOptions(default_deck=Path(source.path).stem)
    return list(MarkdownReader().read(source, options).notes)


def pin(plans: Sequence[PackagePlan], write: bool = True) -> Pinned:
    """Pin the GUIDs of the Markdown cards of ``plans`` into their files.

    The plans carry the GUIDs a build would write (with the lock file's applied). Raises
    :class:`InputError` (nothing written) when a plan has errors or a file would not read
    back the same.
    """
    errors = [d for plan in plans for d in plan.diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise InputError(f"{len(errors)} error(s); no file was pinned", errors)
    final: dict[tuple[str, int | None], str] = {}
    for plan in plans:
        for rendered in plan.notes:
            final[(rendered.location.path, rendered.location.line)] = rendered.guid
    wanted: dict[str, dict[int, str]] = defaultdict(dict)
    for plan in plans:
        for note, natural in plan.sources:
            where = note.location
            if note.guid is not None or where.line is None:
                continue
            if Path(where.path).suffix.lower() not in MARKDOWN_SUFFIXES:
                continue
            wanted[where.path][where.line] = final.get((where.path, where.line), natural)
    diagnostics: list[Diagnostic] = []
    texts: list[tuple[Path, str, int]] = []
    for path_text in sorted(wanted):
        path = Path(path_text)
        source = load(path, path_text)
        if source.encoding.replace("-sig", "") != "utf-8":
            diagnostics.append(
                Diagnostic(
                    source.location(),
                    Severity.WARNING,
                    f"not pinned: the file is {source.encoding}, and pin writes UTF-8 only",
                    rule=rules.PIN,
                )
            )
            continue
        text, problems = _pinned_text(source, wanted[path_text])
        diagnostics.extend(problems)
        if problems or text == source.text:
            continue
        before, after = _read(source), _read(Source.from_text(path_text, text))
        expected = wanted[path_text]
        ok = len(before) == len(after) and all(
            _identity(old) == _identity(new)
            and new.guid == (expected.get(old.location.line or 0) or old.guid)
            for old, new in zip(before, after, strict=False)
        )
        if not ok:
            diagnostics.append(
                _error(
                    source.location(),
                    "the cards would not read back the same with their ids; not pinned",
                    "please report this file",
                )
            )
            continue
        texts.append((path, text, len(expected)))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise InputError("no file was pinned", diagnostics)
    if write:
        from ankipress.writers.common import write_text_atomically

        for path, text, _ in texts:
            # A byte-order mark the file began with stays (decoding dropped it).
            with path.open("rb") as stream:
                bom = "\ufeff" if stream.read(3) == b"\xef\xbb\xbf" else ""
            write_text_atomically(path, bom + text)
    return Pinned(tuple((path, count) for path, _, count in texts), tuple(diagnostics))
