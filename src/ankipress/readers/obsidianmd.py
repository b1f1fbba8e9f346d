"""What the Obsidian readers share: Obsidian's own Markdown, and where its code is.

Obsidian notes are Markdown with a few additions that no Markdown renderer knows:
``[[note]]`` and ``[[note|text]]`` links (shown as their text: the note they point to is
not in the deck), ``#tags`` (Obsidian's, which become Anki tags where a plugin says so) and
``<!-- -->`` comments, which Obsidian hides. Code spans and fenced code are left alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from ankipress.model import Diagnostic, Media, Note, ReadResult, Severity
from ankipress.readers.reporting import Reporting
from ankipress.render.media import find_media_file
from ankipress.sources import Source

__all__ = [
    "Embeds",
    "code_lines",
    "hide_comments",
    "outside_code",
    "pop_tags",
    "show_links",
    "vault_root",
]

_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1)[^\n])*?\1")
_CALLOUT = re.compile(r"^([ \t]*(?:>[ \t]*)+)\[!([\w-]+)\][+-]?[ \t]*(.*)$", re.M)
_LINK = re.compile(r"(?<!!)\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]*?))?\]\]")
# Obsidian's tags: '#' after white space or at the start, then a name that is not a number
# (#2 is not a tag); '/' nests them.
_TAG = re.compile(r"(?<![^\s(])#([\w/-]*[^\W\d][\w/-]*)")


def code_lines(lines: Sequence[str]) -> set[int]:
    """Indexes of the lines of fenced code, fences included (an unclosed fence runs on)."""
    code: set[int] = set()
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                code.add(index)
            continue
        code.add(index)
        marker = match.group(1) if match else ""
        if (
            marker[:1] == fence[0]
            and len(marker) >= len(fence)
            and not line.strip(" \t" + fence[0])
        ):
            fence = None
    return code


def hide_comments(lines: Sequence[str]) -> list[str]:
    """``lines`` without Obsidian's comments (``%%hidden%%``, on a line or over several),
    which Obsidian never shows: each line kept (blank where all of it was comment), so
    that line numbers stay; ``%%`` in code is code."""
    out: list[str] = []
    hidden = False
    fence: str | None = None
    for line in lines:
        if not hidden:
            match = _FENCE.match(line)
            if fence is not None:
                marker = match.group(1) if match else ""
                if (
                    marker[:1] == fence[0]
                    and len(marker) >= len(fence)
                    and not line.strip(" \t" + fence[0])
                ):
                    fence = None
                out.append(line)
                continue
            if match and "%%" not in line[: match.start(1)]:
                fence = match.group(1)
                out.append(line)
                continue
        if "%%" not in line and not hidden:
            out.append(line)
            continue
        spans = [m.span() for m in _CODE_SPAN.finditer(line)] if not hidden else []
        kept: list[str] = []
        position = 0
        while position <= len(line):
            found = line.find("%%", position)
            while found != -1 and any(a <= found < b for a, b in spans):
                found = line.find("%%", found + 2)
            end = len(line) if found == -1 else found
            if not hidden:
                kept.append(line[position:end])
            if found == -1:
                break
            hidden = not hidden
            position = found + 2
        text = "".join(kept)
        out.append(text if text.strip() else "")
    return out


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to every part that is not code (spans, fences)."""
    lines = text.split("\n")
    code = code_lines(lines)
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            prose = "\n".join(run)
            pieces: list[str] = []
            position = 0
            for match in _CODE_SPAN.finditer(prose):
                pieces.append(change(prose[position : match.start()]))
                pieces.append(match.group(0))
                position = match.end()
            pieces.append(change(prose[position:]))
            out.append("".join(pieces))
            run.clear()

    for index, line in enumerate(lines):
        if index in code:
            flush()
            out.append(line)
        else:
            run.append(line)
    flush()
    return "\n".join(out)


def _link_text(match: re.Match[str]) -> str:
    target, alias = match.group(1), match.group(2)
    if alias is not None and alias.strip():
        return alias.strip()
    # [[note#heading]] shows as "note > heading"; [[#heading]] as "heading".
    parts = [part.strip() for part in target.split("#") if part.strip()]
    return " > ".join(parts) if parts else target


def _callout_title(match: re.Match[str]) -> str:
    title = match.group(3).strip() or match.group(2).replace("-", " ").capitalize()
    return f"{match.group(1)}**{title}**"


def show_links(text: str) -> str:
    """``text`` with ``[[links]]`` (outside code) written as the text Obsidian shows, and a
    callout's ``> [!note] Title`` line as its title in bold."""
    if "[[" not in text and "[!" not in text:
        return text
    return outside_code(
        text, lambda prose: _CALLOUT.sub(_callout_title, _LINK.sub(_link_text, prose))
    )


def pop_tags(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without its Obsidian ``#tags`` (outside code), and the tags as Anki's
    (``#a/b`` is ``a::b``)."""
    if "#" not in text:
        return text, ()
    found: list[str] = []

    def take(match: re.Match[str]) -> str:
        found.append(match.group(1).strip("/").replace("/", "::"))
        return ""

    def strip_tags(prose: str) -> str:
        changed = _TAG.sub(take, prose)
        if changed == prose:
            return prose
        # Spaces a tag leaves at the end of a line are not content.
        return "\n".join(line.rstrip() for line in changed.split("\n"))

    stripped = outside_code(text, strip_tags)
    return stripped.strip(), tuple(dict.fromkeys(tag for tag in found if tag))


_EMBED = re.compile(r"!\[\[([^\[\]|#\n]+?)(?:#[^\[\]|\n]*)?(?:\|([^\[\]\n]*))?\]\]")
# A Markdown picture, ![alt](path) or ![alt](<path with spaces>), with an optional title.
_MARKDOWN_IMAGE = re.compile(r'!\[([^\[\]\n]*)\]\((<[^<>\n]+>|[^()\s<>]+)(?:[ \t]+"[^"\n]*")?\)')
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
# An embed of a section or a block of a note (this one: ![[#Heading]], ![[#^block-id]]).
_SECTION_EMBED = re.compile(r"!\[\[([^\[\]|#\n]*)#([^\[\]|\n]+)(?:\|[^\[\]\n]*)?\]\]")
_HEADING = re.compile(r"[ \t]{0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_BLOCK_ID = re.compile(r"(?:^|[ \t])\^([\w-]+)[ \t]*$")
_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")
_SECTION_LIMIT = 200  # lines of a section shown at most
_PICTURES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".avif", ".tiff"})
_SOUNDS = frozenset({".mp3", ".wav", ".m4a", ".ogg", ".flac", ".webm", ".aac", ".3gp"})


def vault_root(path: Path, given: str | None = None) -> Path:
    """The vault a note lies in: the nearest folder above it holding ``.obsidian/``, else
    the folder the user gave that holds it (``ankipress build vault/``), else the note's own
    folder."""
    folder = path.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".obsidian").is_dir():
            return candidate
    if given is not None:
        try:
            if path.resolve().is_relative_to(Path(given).resolve()):
                return Path(given)
        except OSError:
            pass
    return folder


class Embeds:
    """Resolves ``![[file]]`` embeds by name inside one vault, reading each file once."""

    def __init__(self, note_path: str, given: str | None = None) -> None:
        self.note = Path(note_path)
        self.root = vault_root(self.note, given)
        self.by_name: dict[str, list[str]] | None = None
        self.media: dict[str, Media] = {}

    def _vault(self) -> str:
        """The vault's folder as the note's messages name it: from the note's folder."""
        up = os.path.relpath(self.root, self.note.parent)
        if up == ".":
            return "the note's folder"
        return f"the folder {up!r} above the note" if up.startswith("..") else up

    def _index(self) -> dict[str, list[str]]:
        if self.by_name is None:
            self.by_name = {}
            for folder, subfolders, files in os.walk(self.root):
                subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
                for name in sorted(files):
                    relative = (Path(folder) / name).relative_to(self.root).as_posix()
                    self.by_name.setdefault(name.casefold(), []).append(relative)
        return self.by_name

    def _find(self, target: str) -> str | None:
        """The vault-relative path Obsidian resolves ``target`` to: a path from the vault's
        root or the note's folder, else the file of that name (nearest the note first)."""
        target = target.strip().lstrip("/")
        here = self.note.parent.resolve().relative_to(self.root.resolve())
        for relative in ((here / target).as_posix(), target):
            if (self.root / relative).is_file():
                return relative
        found = self._index().get(PurePosixPath(target).name.casefold(), [])
        if not found:
            return None
        return min(found, key=lambda rel: (not rel.startswith(here.as_posix()), len(rel), rel))

    def _leaves(self, target: str) -> bool:
        """Whether ``target``, read from the note's folder, points outside the vault."""
        if PurePosixPath(target).is_absolute() or re.match(r"[a-zA-Z]:[\\/]", target):
            return True
        try:
            here = self.note.parent.resolve().relative_to(self.root.resolve())
        except (OSError, ValueError):
            return True
        return os.path.normpath(here / target).split(os.sep)[0] == ".."

    def _section(self, note: str, anchor: str) -> tuple[str | None, str]:
        """The Markdown of a section (``Heading``, or ``A#B`` for B under A) or a block
        (``^id``) of a note of the vault (``""``: this one), as an embed shows it; else
        ``None`` and why."""
        if note.strip():
            relative = self._find(note) or self._find(f"{note.strip()}.md")
            if relative is None or self._leaves(note):
                return None, f"no note {note.strip()!r} in the vault"
            path = self.root / relative
        else:
            path = self.note
        try:
            lines = hide_comments(path.read_text("utf-8", errors="replace").splitlines())
        except OSError as exc:
            return None, f"cannot read {path.name}: {exc.strerror or exc}"
        code = code_lines(lines)
        anchor = anchor.strip()
        if anchor.startswith("^"):
            wanted = anchor[1:].casefold()
            for index, text in enumerate(lines):
                found = None if index in code else _BLOCK_ID.search(text)
                if found is None or found.group(1).casefold() != wanted:
                    continue
                if not text[: found.start()].strip() and index > 0:
                    index, text = index - 1, lines[index - 1]  # the id on a line of its own
                else:
                    text = text[: found.start()]
                if _ITEM.match(text):
                    return _ITEM.sub("", text, count=1).strip(), ""
                start = index
                while start > 0 and lines[start - 1].strip() and start - 1 not in code:
                    if _HEADING.match(lines[start - 1]) or _ITEM.match(lines[start - 1]):
                        break
                    start -= 1
                return "\n".join([*lines[start:index], text]).strip(), ""
            return None, f"no block ^{anchor[1:]} in {path.name}"
        wanted = anchor.split("#")[-1].strip().casefold()
        for index, text in enumerate(lines):
            heading = None if index in code else _HEADING.match(text)
            if heading is None or heading.group(2).strip().casefold() != wanted:
                continue
            level, end = len(heading.group(1)), index + 1
            while end < len(lines) and end - index <= _SECTION_LIMIT:
                other = None if end in code else _HEADING.match(lines[end])
                if other is not None and len(other.group(1)) <= level:
                    break
                end += 1
            return "\n".join(lines[index:end]).strip(), ""
        return None, f"no heading {anchor.split('#')[-1].strip()!r} in {path.name}"

    def replace(
        self, text: str, line: int, report: Callable[[int, Severity, str, str | None], None]
    ) -> str:
        """``text`` with its embeds of pictures and sounds (``![[x.png]]``, and Markdown's
        ``![alt](x.png)`` as Obsidian resolves it) made references to packed media, and its
        embeds of a section or block of this note (``![[#Heading]]``, ``![[#^id]]``) shown."""
        if ("![[" not in text and "![" not in text) or not self.note.exists():
            return text

        def section(match: re.Match[str]) -> str:
            shown, problem = self._section(match.group(1), match.group(2))
            if shown is None and problem.startswith("no note"):
                return match.group(0)  # a note not in the vault: said below, as a note is
            if shown is None:
                report(
                    line,
                    Severity.WARNING,
                    f"embed {match.group(0)} shows nothing: {problem}; left as its name",
                    "embed a heading or ^block of the note, as Obsidian finds it",
                )
                return _LINK.sub(_link_text, match.group(0)[1:])
            # An embed inside the section is not followed (it could embed itself again).
            shown = _SECTION_EMBED.sub(lambda m: _LINK.sub(_link_text, m.group(0)[1:]), shown)
            return show_links(shown)

        if "#" in text:
            text = outside_code(text, lambda prose: _SECTION_EMBED.sub(section, prose))

        def image(match: re.Match[str]) -> str:
            target = unquote(match.group(2).strip("<>").strip())
            suffix = PurePosixPath(target).suffix.lower()
            if _SCHEME.match(target) or (suffix not in _PICTURES and suffix not in _SOUNDS):
                return match.group(0)  # a web address, or not a picture or sound
            packed = pack(target, match.group(1))
            # Reported here when not packed: not again as a missing file by the build.
            return match.group(1) if packed is None else packed

        def embed(match: re.Match[str]) -> str:
            target = match.group(1).strip()
            suffix = PurePosixPath(target).suffix.lower()
            if suffix in ("", ".md"):
                # Another note (or a section of one) shown inside this one: its text is not
                # in the deck, so the card names it, as a link would.
                shown = _LINK.sub(_link_text, match.group(0)[1:])
                report(
                    line,
                    Severity.WARNING,
                    f"embed ![[{target}]] shows another note: the card names it ({shown!r}) "
                    "instead of showing its text",
                    "write the text into the card, or embed pictures and sounds only",
                )
                return shown
            if suffix not in _PICTURES and suffix not in _SOUNDS:
                report(
                    line,
                    Severity.WARNING,
                    f"embed ![[{target}]] is not a picture or sound: left as written",
                    "embed pictures and sounds only",
                )
                return match.group(0)
            alt = (match.group(2) or "").strip()
            alt = "" if alt.isdigit() or re.fullmatch(r"\d+x\d+", alt) else alt
            packed = pack(target, alt)
            return match.group(0) if packed is None else packed

        def pack(target: str, alt: str) -> str | None:
            """The reference to the packed file, or ``None`` (said) where it is none."""
            suffix = PurePosixPath(target).suffix.lower()
            relative = self._find(target)
            data, problem = (
                (None, None) if relative is None else find_media_file(self.root, relative)
            )
            if data is None and self._leaves(target):
                problem = "it leads out of the vault"
            if data is None:
                message = (
                    f"embedded file {target!r} not found: in the vault ({self._vault()})"
                    if problem is None
                    else f"embedded file {target!r} is refused: {problem}"
                )
                report(
                    line,
                    Severity.ERROR,
                    message,
                    "embeds are resolved by name inside the vault (the folder holding "
                    ".obsidian/, the folder given, or the note's folder)",
                )
                return None
            name = PurePosixPath(relative or target).name
            self.media.setdefault(name, Media(name, data))
            if suffix in _SOUNDS:
                return f"[sound:{name}]"
            return f"![{alt}](<{name}>)"

        # Markdown's pictures first: the embeds become Markdown pictures of packed files.
        return outside_code(
            text, lambda prose: _EMBED.sub(embed, _MARKDOWN_IMAGE.sub(image, prose))
        )


class NoteParser(Reporting[Source]):
    """What the parsers of Obsidian notes share: the lines, their code, what was read so far.

    A subclass reads ``lines`` into ``notes`` and ``diagnostics`` and ends with :meth:`result`.
    """

    def __init__(self, source: Source, default_deck: str, root: str | None = None) -> None:
        self.source = source
        self.lines = hide_comments([line.rstrip("\r") for line in source.lines])
        self.code = code_lines(self.lines)
        self.default_deck = default_deck
        self.deck = default_deck
        self.notes: list[Note] = []
        self.diagnostics: list[Diagnostic] = []
        self.seen = 0
        self.titles: list[str] = []
        self.embeds = Embeds(source.path, root)

    def result(self, no_cards_hint: str) -> ReadResult:
        """What was read; a file without cards (and without another error) is an error."""
        if not self.notes and not any(d.severity is Severity.ERROR for d in self.diagnostics):
            self.report(None, Severity.ERROR, "no cards found", no_cards_hint)
        media = tuple(self.embeds.media.values())
        return ReadResult(
            tuple(self.notes), tuple(self.diagnostics), self.seen, tuple(self.titles), media
        )
