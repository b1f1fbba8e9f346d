"""When each note last changed, so a release updates in Anki only the notes that changed.

Anki updates a note it already has when the package's note is newer, and counts every newer
note as updated even when nothing in it changed. One time for the whole package would touch
every note of every user on every release (and sync them all), so each note gets the time its
own content last changed:

1. from git, when its source file is in a work tree: the commit time of the last change to
   the note's own lines (``git blame``);
2. else from the previous build, for a note whose content is unchanged (its hash);
3. else the package's time (``SOURCE_DATE_EPOCH``, or the newest modification time of the
   inputs).

``SOURCE_DATE_EPOCH``, when set, caps every time. Same inputs and history, same times.
``--note-times mtime`` skips step 1, ``fixed`` gives every note the package's time.

A shallow clone (CI's default checkout) has no history to blame: every line would take the
time of its newest commit and every note would update in every user's collection, so a build
that would take times from one is refused (:func:`shallow_history`) unless
``SOURCE_DATE_EPOCH`` or ``--note-times`` says otherwise.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import cast

from ankipress.model import Diagnostic, RenderedNote, Severity, SourceLocation
from ankipress.options import NoteTimes

_GIT_TIMEOUT = 120
# What is read of `git blame --incremental`: a group's "<commit> <old line> <line> <count>"
# (a SHA-1 or SHA-256 name), and the commit's "committer-time", given once, after its first
# group. Lines not committed yet are in groups of the commit named all zeros.
_BLAME_RECORD = re.compile(
    rb"^([0-9a-f]{40}(?:[0-9a-f]{24})?) \d+ (\d+) (\d+)$|^committer-time (\d+)$", re.MULTILINE
)


def content_hash(note: RenderedNote) -> str:
    """A hash of everything of a note that Anki stores: a changed hash means a changed note."""
    notetype = note.notetype.name if note.notetype else note.kind.value
    parts = [note.guid, notetype, note.deck, " ".join(note.tags), *note.fields]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def git_line_times(path: Path) -> list[int | None] | None:
    """The commit time of each line of ``path`` (index 0 is line 1); ``None`` outside git.

    Lines not committed yet get ``None``. Read from ``git blame --incremental``: a record
    per run of lines from one commit, each commit's details once (``--porcelain`` repeats
    the hash and the text of every line, and costs a deck tracked in git seconds to parse).
    """
    git = shutil.which("git")
    if git is None or not path.is_file():
        return None
    try:
        completed = subprocess.run(
            [git, "blame", "--incremental", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if completed.returncode != 0:
        return None  # not in a work tree, or a file git does not track
    times: dict[bytes, int] = {}
    groups: list[tuple[bytes, int, int]] = []
    commit = b""
    for match in _BLAME_RECORD.finditer(completed.stdout):
        if match[1] is not None:
            commit = match[1]
            groups.append((commit, int(match[2]), int(match[3])))
        else:
            times[commit] = int(match[4])
    lines: list[int | None] = [None] * max(
        (start + count - 1 for _, start, count in groups), default=0
    )
    for commit, start, count in groups:
        if commit.strip(b"0"):
            lines[start - 1 : start - 1 + count] = [times.get(commit)] * count
    return lines


def _is_shallow(folder: Path) -> bool:
    """Whether ``folder`` is in a shallow clone of git (``False`` outside git, or without it)."""
    git = shutil.which("git")
    if git is None:
        return False
    try:
        completed = subprocess.run(
            [git, "rev-parse", "--is-shallow-repository"],
            cwd=folder,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0 and completed.stdout.strip() == b"true"


def shallow_history(notes: Sequence[RenderedNote]) -> Diagnostic | None:
    """An error at the first note whose file is in a shallow clone; ``None`` when none is.

    Only files with located notes count: those are the ones :func:`assign_times` blames.
    """
    seen: dict[Path, bool] = {}
    for note in notes:
        if note.location.line is None:
            continue
        folder = Path(note.location.path).parent
        if folder not in seen:
            seen[folder] = folder.is_dir() and _is_shallow(folder)
        if seen[folder]:
            return Diagnostic(
                SourceLocation(note.location.path),
                Severity.ERROR,
                "this file is in a shallow git clone: its history is cut, so every note would "
                "take the time of the newest commit and update in every user's collection",
                "fetch the whole history (actions/checkout: 'fetch-depth: 0'; elsewhere "
                "'git fetch --unshallow'), or choose --note-times mtime or fixed, or set "
                "SOURCE_DATE_EPOCH",
            )
    return None


def _spans(notes: Sequence[RenderedNote]) -> dict[int, tuple[str, int, int]]:
    """For each note with a line: (file, first line, last line) of its own lines.

    A note runs from its line to the line before the next note of the same file (the last
    one to the end of the file): whatever belongs to a card in any of our formats.
    """
    by_file: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for index, note in enumerate(notes):
        if note.location.line is not None:
            by_file[note.location.path].append((note.location.line, index))
    spans: dict[int, tuple[str, int, int]] = {}
    for path, starts in by_file.items():
        starts.sort()
        for position, (line, index) in enumerate(starts):
            following = starts[position + 1][0] if position + 1 < len(starts) else None
            end = following - 1 if following is not None and following > line else 1 << 30
            spans[index] = (path, line, end)
    return spans


def assign_times(
    notes: Sequence[RenderedNote],
    fallback: int,
    previous: Mapping[str, tuple[str, int]] | None = None,
    cap: int | None = None,
    source: NoteTimes = NoteTimes.GIT,
) -> tuple[RenderedNote, ...]:
    """The notes, each with :attr:`RenderedNote.mod` set to when its content last changed.

    ``previous`` maps a GUID to (content hash, time) from the last build; ``fallback`` is the
    package's time; ``cap`` (``SOURCE_DATE_EPOCH``) bounds every time; ``source`` says which
    of the steps above are taken.
    """
    previous = previous or {}
    spans = _spans(notes)
    blame: dict[str, list[int | None] | None] = {}
    timed = []
    for index, note in enumerate(notes):
        when: int | None = None
        span = spans.get(index) if source is NoteTimes.GIT else None
        if span is not None:
            path, first, last = span
            if path not in blame:
                blame[path] = git_line_times(Path(path))
            lines = blame[path]
            if lines is not None:
                own = lines[first - 1 : min(last, len(lines))]
                if own and None not in own:
                    when = max(cast("list[int]", own))
        if when is None and source is not NoteTimes.FIXED:
            earlier = previous.get(note.guid)
            if earlier is not None and earlier[0] == content_hash(note):
                when = earlier[1]
        if when is None:
            when = fallback
        if cap is not None:
            when = min(when, cap)
        # Built directly: dataclasses.replace costs as much as the rest of this loop.
        timed.append(
            RenderedNote(
                note.guid,
                note.deck,
                note.fields,
                note.tags,
                note.location,
                note.kind,
                when,
                note.notetype,
                note.card_ords,
                deck_carried=note.deck_carried,
                columns=note.columns,
            )
        )
    return tuple(timed)
