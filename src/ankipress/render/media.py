"""Media in source cards: files a field refers to (``<img src>``, ``[sound:…]``), packed.

:func:`pack_references` finds the references in rendered fields, resolves each relative to
the note's source file, gives each file a name from its content (``<stem>-<8 hex>.<ext>``,
so two different ``image.png`` of two chapters never clash in Anki's flat media folder,
and one file referred to twice is stored once), and rewrites the field to use it.

What is left alone: URLs (``http:``, ``https:``: a warning, since Anki needs the network
to show them; ``data:`` silently), and names the inputs already provide as media (a
package's own media, a Markdown deck's media folder: their names are Anki's already).

A note read from a package (:attr:`~ankipress.model.RenderedNote.sealed`) has the package's
media and no others: its references are never resolved on disk, so that converting a
stranger's package never packs the files lying beside it.

A reference that resolves to nothing is an error in a Markdown source, where it can only
be a mistake; in an HTML source (an Anki export) it names a file of the user's collection,
so it is a warning. Executables are never packed.

Only files in the source file's folder or below it are packed (:func:`find_media_file`):
a reference that leads elsewhere (``../../.ssh/id_rsa``, ``/etc/passwd``, the same
percent-encoded, a symbolic link pointing out) is an error, so that a deck from someone
else cannot pack your files into the package you then share. A FIFO, a device or a
folder is refused too, never waited on.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePath
from urllib.parse import unquote

from ankipress import rules
from ankipress.model import Diagnostic, Media, RenderedNote, Severity, TextFormat
from ankipress.paths import path_problem
from ankipress.sources import NotRegularFileError, read_regular_file

__all__ = [
    "MediaPacker",
    "Reference",
    "find_media_file",
    "find_references",
    "is_executable",
    "name_candidates",
    "pack_references",
    "packed_name",
    "read_media_file",
    "url_scheme",
]

# Attribute values of the tags Anki looks for media in; the value's span is group "q"/"a"/"u".
# No part of a reference crosses a "[" or a "<" where another could start: the scans from
# "<img " or "[sound:" repeated stop at the next one instead of running to the end (quadratic).
_HTML_REF = re.compile(
    r"""<(?:img|audio|video|source)\b[^<>]*?\ssrc\s*=\s*(?:"(?P<q>[^"]*)"|'(?P<a>[^']*)'|(?P<u>[^\s"'>]+))""",
    re.IGNORECASE,
)
_SOUND_REF = re.compile(r"\[sound:(?P<s>[^\[\]\n]+)\]")
# ![alt](dest "title"), dest bare or in <…>; the alt text may not hold brackets.
_MARKDOWN_REF = re.compile(
    r"!\[[^\[\]\n]*\]\([ \t]*(?:<(?P<b>[^>\n]*)>|(?P<m>[^\s()<>]+))(?:[ \t]+\"[^\"\n]*\")?[ \t]*\)"
)
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]+):")
# Anki strips these from media names on import; the rest make names awkward in HTML,
# URLs, [sound:…] tags and Markdown, so a packed name never holds them either.
_UNSAFE = re.compile(r"[\[\]<>:\"/?*^\\|\x00-\x1f\x7f\s#%&'`{};!$]")
_MAX_NAME_BYTES = 120
_EXECUTABLE = frozenset(
    (
        *("apk", "app", "bat", "bash", "bin", "cmd", "com", "cpl", "dll", "dylib", "exe"),
        *("hta", "jar", "js", "lnk", "mjs", "msi", "pl", "ps1", "psm1", "py", "rb", "reg"),
        *("run", "scr", "sh", "so", "vbs", "wsf", "zsh"),
    )
)


@dataclass(frozen=True, slots=True)
class Reference:
    """One media reference in a field's text: the span of its value, and the value."""

    start: int
    end: int
    value: str
    """The value exactly as written (still HTML-escaped or percent-encoded)."""
    kind: str
    """``html`` (an attribute), ``sound`` (``[sound:…]``) or ``markdown`` (``![](…)``)."""
    bracketed: bool = False
    """A Markdown destination written as ``<…>``."""


def find_references(text: str, text_format: TextFormat = TextFormat.HTML) -> list[Reference]:
    """The media references in ``text``, in order, as its format writes them.

    HTML: ``src`` of ``img``/``audio``/``video``/``source`` and ``[sound:…]``. Markdown:
    ``![alt](path)`` too. Plain text shows tags as text, so only ``[sound:…]`` counts.
    """
    refs: list[Reference] = []
    if text_format is not TextFormat.PLAIN:
        for match in _HTML_REF.finditer(text):
            group = next(g for g in ("q", "a", "u") if match.group(g) is not None)
            refs.append(Reference(match.start(group), match.end(group), match[group], "html"))
    if text_format is TextFormat.MARKDOWN:
        for match in _MARKDOWN_REF.finditer(text):
            group = "b" if match.group("b") is not None else "m"
            ref = Reference(match.start(group), match.end(group), match[group], "markdown")
            refs.append(replace(ref, bracketed=group == "b"))
    for match in _SOUND_REF.finditer(text):
        refs.append(Reference(match.start("s"), match.end("s"), match["s"], "sound"))
    return sorted(refs, key=lambda ref: ref.start)


def name_candidates(ref: Reference) -> tuple[str, list[str]]:
    """How to show a reference's value, and what it may name: as written, unescaped, decoded."""
    shown = (html.unescape(ref.value) if ref.kind == "html" else ref.value).strip()
    return shown, list(dict.fromkeys((ref.value, shown, unquote(shown))))


def url_scheme(value: str) -> str | None:
    """The scheme of a URL (``https``, ``data``), lower case; ``None`` for a path."""
    match = _SCHEME.match(value.strip())
    return match.group(1).lower() if match else None


def is_executable(name: str) -> bool:
    """Whether a file name has the extension of a program or script."""
    return PurePath(name).suffix.lower().lstrip(".") in _EXECUTABLE


def packed_name(original: str, data: bytes) -> str:
    """A safe media name for a file from its content: ``<stem>-<8 hex of sha256>.<ext>``.

    One path component, NFC, none of the characters Anki strips (nor white space and the
    few that need escaping in HTML, URLs or Markdown), at most 120 bytes. A name that
    already ends in its own hash keeps it, so packing a packed file changes nothing.
    """
    digest = hashlib.sha256(data).hexdigest()[:8]
    path = PurePath(unicodedata.normalize("NFC", original.replace("\\", "/")))
    suffix = re.sub(r"[^a-z0-9]", "", path.suffix.lower())
    ext = f".{suffix}" if suffix else ""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    stem = re.sub(r"_+", "_", _UNSAFE.sub("_", stem)).strip("._-")
    stem = stem.removesuffix(f"-{digest}").rstrip("._-") or "media"
    room = _MAX_NAME_BYTES - len(f"-{digest}{ext}".encode())
    while len(stem.encode("utf-8")) > room:
        stem = stem[:-1]
    return f"{stem}-{digest}{ext}"


def read_media_file(path: Path) -> bytes | None:
    """The content of a media file, or ``None`` when it is not a readable regular file."""
    try:
        return read_regular_file(path)
    except OSError:
        return None


def find_media_file(folder: Path, name: str) -> tuple[bytes | None, str | None]:
    """The content of the file ``name`` (a relative path) names in ``folder``, or why not.

    ``(None, None)``: there is no such file. ``(None, reason)``: there is, but it is not
    taken: it lies outside ``folder`` once symbolic links and ``..`` are resolved, or it is
    not a regular file (a FIFO, a device), or it cannot be read.
    """
    if not name:
        return None, None
    problem = path_problem(name)
    if problem is not None:  # a NUL (percent-encoded), a name too long for any disk
        return None, f"it names no file a disk can hold: {problem}"
    try:
        real = (folder / name).resolve(strict=True)
        root = folder.resolve()
    except (OSError, RuntimeError, ValueError):  # no such file, or a loop of links
        return None, None
    if not real.is_relative_to(root):
        return None, "it leads out of the folder it must be in"
    try:
        return read_regular_file(real), None
    except NotRegularFileError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot read it: {exc.strerror or exc}"


def _source_format(note: RenderedNote) -> TextFormat:
    # Proposed: RenderedNote.text_format, set by the pipeline from the note. Until then
    # a Markdown deck is told by its file's extension, and anything else counts as HTML.
    given = getattr(note, "text_format", None)
    if isinstance(given, TextFormat):
        return given
    suffix = PurePath(note.location.path).suffix.lower()
    return TextFormat.MARKDOWN if suffix in (".md", ".markdown") else TextFormat.HTML


class MediaPacker:
    """Packs the files of every note, each file once, and says what went wrong."""

    def __init__(self, known: Collection[str]) -> None:
        self.known = known
        self.by_digest: dict[str, str] = {}
        self.media: list[Media] = []
        self.diagnostics: list[Diagnostic] = []
        self.files: dict[tuple[Path, str], tuple[bytes | None, str | None]] = {}
        self.kept: set[str] = set()

    def note(self, note: RenderedNote) -> RenderedNote:
        for text in note.fields:
            if "=" in text or "[sound:" in text:
                break
        else:
            return note  # no src= and no [sound:…] in any field: nothing to look for
        fields = tuple(self.field(note, text) for text in note.fields)
        return note if fields == note.fields else replace(note, fields=fields)

    def field(self, note: RenderedNote, text: str) -> str:
        if "=" not in text and "[sound:" not in text:
            return text  # no src= and no [sound:…]: nothing to look for (most fields)
        pieces: list[str] = []
        done = 0
        for ref in find_references(text):
            name = self.reference(note, ref)
            if name is not None:
                shown = html.escape(name) if ref.kind == "html" else name
                pieces.extend((text[done : ref.start], shown))
                done = ref.end
        return "".join(pieces) + text[done:] if pieces else text

    def say(
        self,
        note: RenderedNote,
        severity: Severity,
        message: str,
        hint: str = "",
        rule: rules.Rule = rules.MEDIA_NOT_PACKED,
    ) -> None:
        self.diagnostics.append(Diagnostic(note.location, severity, message, hint or None, rule))

    def reference(self, note: RenderedNote, ref: Reference) -> str | None:
        """The packed name for a reference, or ``None`` to leave it as it is."""
        shown, candidates = name_candidates(ref)
        scheme = url_scheme(shown)
        if scheme is not None and len(scheme) > 1:
            if scheme != "data":
                message = f"{shown!r} is on the network: Anki will need the network to show it"
                hint = "save the file beside the source"
                self.say(note, Severity.WARNING, message, hint, rules.REMOTE_MEDIA)
            return None
        if any(name in self.known for name in candidates) or shown.startswith("ankipress-"):
            return None  # media the inputs provide, or that ankipress made (SVG formulas)
        if note.sealed:
            # A package's media are the files inside it: the folder it lies in may hold
            # anything of anyone's (``tax-return.pdf``), and is never searched.
            message = f"media file {shown!r} is not in the package"
            hint = "Anki will show it only if your collection has a file of that name"
            self.say(note, Severity.WARNING, message, hint)
            return None
        base = Path(note.location.path).parent
        for name in candidates:
            data, problem = self.read(base, name)
            if problem is not None:
                message = f"media file {shown!r} is refused: {problem}"
                hint = "media files must be in the source file's folder or below it"
                self.say(note, Severity.ERROR, message, hint, rules.MEDIA_REFUSED)
                return None
            if data is not None:
                if is_executable(name):
                    hint = "media are pictures, sounds and videos"
                    message = f"{shown!r} is a program, not media"
                    self.say(note, Severity.ERROR, message, hint, rules.MEDIA_REFUSED)
                    return None
                return self.pack(name, data, note)
        if _source_format(note) is not TextFormat.MARKDOWN and self.in_media_folder(
            note, candidates
        ):
            return None
        if _source_format(note) is TextFormat.MARKDOWN:
            message = f"media file {shown!r} not found (looked for {base / shown})"
            hint = "paths are relative to the Markdown file"
            self.say(note, Severity.ERROR, message, hint, rules.MEDIA_MISSING)
        else:
            message = f"media file {shown!r} is not beside the source"
            hint = "Anki will show it only if your collection has a file of that name"
            self.say(note, Severity.WARNING, message, hint)
        return None

    def in_media_folder(self, note: RenderedNote, candidates: list[str]) -> bool:
        """Whether a name is in the media folder ankipress writes beside a text file.

        Anki's text format names media as Anki does (``cat.jpg``), and the text writers put
        the files into ``<stem>.media/`` beside the file: found there, a name is Anki's own and
        is kept, as in a Markdown deck's media folder.
        """
        source = Path(note.location.path)
        folder = source.parent / f"{source.stem}.media"
        for name in candidates:
            if "/" in name or "\\" in name or is_executable(name):
                continue
            data, _ = self.read(folder, name)
            if data is not None:
                if name not in self.kept:
                    self.kept.add(name)
                    self.media.append(Media(name, data, note.location))
                return True
        return False

    def read(self, base: Path, name: str) -> tuple[bytes | None, str | None]:
        if (base, name) not in self.files:
            self.files[base, name] = find_media_file(base, name)
        return self.files[base, name]

    def pack(self, original: str, data: bytes, note: RenderedNote) -> str:
        digest = hashlib.sha256(data).hexdigest()
        name = self.by_digest.get(digest)
        if name is None:
            name = packed_name(original, data)
            self.by_digest[digest] = name
            self.media.append(Media(name, data, note.location))
        return name


def pack_references(
    notes: Sequence[RenderedNote], known: Collection[str] = frozenset()
) -> tuple[tuple[RenderedNote, ...], list[Media], list[Diagnostic]]:
    """The notes with references rewritten to packed names, the media, and any problems.

    ``known``: media names the inputs already provide; references to them stay as they are.
    """
    packer = MediaPacker(known)
    packed = tuple(packer.note(note) for note in notes)
    return packed, packer.media, packer.diagnostics
