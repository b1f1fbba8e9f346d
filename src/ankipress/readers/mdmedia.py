"""A Markdown deck's media folder: references into it name media files that keep their names.

A deck converted from a package keeps the package's media in a folder beside it (front
matter ``media: deck.media``) and refers to them through it (``<img src="deck.media/cat.jpg">``).
Reading it back, each reference into the folder becomes the bare name again and its file
one of the deck's media, by that name: the names are Anki's, and the notes' fields are as
they were in the package.

Files whose names start with ``_`` or ``latex-`` are kept by Anki even when no field names
them (templates use ``_`` files: ``_font.woff``, ``_highlight.js``). Such a file comes along
when a note type of the deck names it (its templates or CSS, or a ``_`` file taken so:
``_style.css`` naming ``_font.woff``), or when the folder is a media folder of its own
(``deck.media``, as a package's media are written) and the file is not a program. From the
deck's own folder (``media: .``), which holds whatever else its owner keeps there
(``_secrets.env``, ``_deploy.sh``), only the files something names are taken. Every file
left out is listed in one diagnostic.

A reference into the folder whose file is missing is left as it is, so that packing reports
it with the path the user wrote.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

from ankipress import rules
from ankipress.model import Diagnostic, Media, Note, ReadResult, Severity, SourceLocation
from ankipress.readers.frontmatter import FrontMatter
from ankipress.render.media import (
    Reference,
    find_media_file,
    find_references,
    is_executable,
    name_candidates,
)
from ankipress.sources import Source

__all__ = ["encoded_prefix", "with_media_folder"]

# Anki keeps these without a reference: template assets, and LaTeX it rendered.
_KEPT_PREFIXES = ("_", "latex-")
# Taken files that may name other kept files (a style sheet naming its font).
_TEXT_SUFFIXES = (".css", ".js", ".html", ".htm", ".svg", ".json", ".txt")
_SHOWN = 3


def encoded_prefix(folder: str, ref: Reference) -> str:
    """The folder as a reference of ``ref``'s kind writes it: ``folder/``, HTML-escaped."""
    prefix = folder.rstrip("/") + "/"
    return html.escape(prefix) if ref.kind == "html" else prefix


class _Folder:
    def __init__(self, folder: Path, written: str) -> None:
        self.folder = folder
        self.written = written
        self.media: dict[str, Media] = {}
        self.problem: str | None = None
        """Why the last file asked for was not taken, if it exists but was refused."""

    def file(self, name: str, location: SourceLocation) -> bool:
        """Whether ``name`` is a file of the folder; taken as a medium if so."""
        if name in self.media:
            return True
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            return False
        if not name.isascii() and any("\ud800" <= char <= "\udfff" for char in name):
            # A file name that is not UTF-8 (Python keeps its bytes as surrogates): no
            # package can name it.
            self.problem = "its name is not valid UTF-8"
            return False
        # Not through a symbolic link out of the folder, nor from a FIFO: see find_media_file.
        data, self.problem = find_media_file(self.folder, name)
        if data is not None:
            self.media[name] = Media(name, data, location)
        return data is not None

    def field(self, text: str, note: Note) -> str:
        pieces: list[str] = []
        done = 0
        for ref in find_references(text, note.text_format):
            prefix = encoded_prefix(self.written, ref)
            if not ref.value.startswith(prefix):
                continue
            rest = replace(ref, value=ref.value[len(prefix) :])
            if not any(self.file(name, note.location) for name in name_candidates(rest)[1]):
                continue
            value = rest.value
            if ref.kind == "markdown" and ref.bracketed and not any(c in value for c in " ()<>"):
                pieces.append(text[done : ref.start - 1])
                done = ref.end + 1
            else:
                pieces.append(text[done : ref.start])
                done = ref.end
            pieces.append(value)
        return "".join(pieces) + text[done:] if pieces else text

    def note(self, note: Note) -> Note:
        if note.fields:
            fields = tuple(self.field(text, note) for text in note.fields)
            if fields == note.fields:
                return note
            answer = fields[1] if len(fields) > 1 else ""
            return replace(note, fields=fields, question=fields[0], answer=answer)
        question, answer = self.field(note.question, note), self.field(note.answer, note)
        if (question, answer) == (note.question, note.answer):
            return note
        return replace(note, question=question, answer=answer)


def _names(text: str, name: str) -> bool:
    """Whether ``text`` names the file ``name`` (as a whole name, not inside a longer one)."""
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", text) is not None


def _named_by_note_types(notes: tuple[Note, ...]) -> str:
    """The text of every note type the notes use: templates and CSS, where names appear."""
    texts: list[str] = []
    for note_type in dict.fromkeys(note.notetype for note in notes if note.notetype):
        assert note_type is not None
        texts.append(note_type.css)
        texts.extend(part for template in note_type.templates for part in template)
    return "\n".join(texts)


def _kept_files(
    reader: _Folder, notes: tuple[Note, ...], where: SourceLocation, own_folder: bool
) -> list[Diagnostic]:
    """Take the folder's ``_`` and ``latex-`` files that belong to the deck; say which not."""
    said: list[Diagnostic] = []
    candidates = sorted(
        path.name
        for path in reader.folder.iterdir()
        if path.name.startswith(_KEPT_PREFIXES) and path.name not in reader.media
    )
    named = _named_by_note_types(notes)
    left = list(candidates)
    while True:  # until no taken file names another
        taken = [name for name in left if _names(named, name)]
        if not taken:
            break
        for name in taken:
            left.remove(name)
            if reader.file(name, where):
                if name.lower().endswith(_TEXT_SUFFIXES):
                    named += "\n" + reader.media[name].data.decode("utf-8", "replace")
            elif reader.problem is not None:
                message = f"media file {name!r} is not taken: {reader.problem}"
                said.append(Diagnostic(where, Severity.WARNING, message, rule=rules.MEDIA_FOLDER))
    unnamed = []
    for name in left:
        if own_folder or is_executable(name):
            unnamed.append(name)
        elif not reader.file(name, where) and reader.problem is not None:
            message = f"media file {name!r} is not taken: {reader.problem}"
            said.append(Diagnostic(where, Severity.WARNING, message, rule=rules.MEDIA_FOLDER))
    if unnamed:
        shown = ", ".join(map(repr, unnamed[:_SHOWN]))
        if len(unnamed) > _SHOWN:
            shown += f" and {len(unnamed) - _SHOWN} more"
        files = "file" if len(unnamed) == 1 else "files"
        why = (
            "the deck's own folder holds more than its media"
            if own_folder
            else "programs come along only when a note type names them"
        )
        message = f"{len(unnamed)} {files} of the media folder not taken, as no card or note "
        message += f"type names them: {shown}"
        said.append(Diagnostic(where, Severity.WARNING, message, why, rules.MEDIA_FOLDER))
    return said


def with_media_folder(result: ReadResult, source: Source, front: FrontMatter) -> ReadResult:
    """``result`` with references into the front matter's media folder resolved."""
    if front.media is None:
        return result
    folder = Path(source.path).parent / front.media
    where = SourceLocation(source.path, front.media_line + 1)
    deck_folder = Path(source.path).parent.resolve()
    if folder.is_dir() and not folder.resolve().is_relative_to(deck_folder):
        # A deck from someone else must not make a folder of yours its media (".ssh").
        message = f"the media folder {front.media!r} is outside the deck's folder"
        hint = "keep the media folder beside the Markdown file, or below its folder"
        problem = Diagnostic(where, Severity.ERROR, message, hint, rules.MEDIA_FOLDER)
        return replace(result, diagnostics=(*result.diagnostics, problem))
    if not folder.is_dir():
        looked = str(folder).replace("\x00", "\\0")
        message = f"the media folder {front.media!r} is not there (looked for {looked})"
        hint = "the folder is relative to the Markdown file"
        problem = Diagnostic(where, Severity.ERROR, message, hint, rules.MEDIA_FOLDER)
        return replace(result, diagnostics=(*result.diagnostics, problem))
    reader = _Folder(folder, front.media)
    notes = tuple(reader.note(note) for note in result.notes)
    own_folder = folder.resolve() == deck_folder
    said = _kept_files(reader, notes, where, own_folder)
    media = tuple(reader.media[name] for name in sorted(reader.media))
    diagnostics = (*result.diagnostics, *said)
    return replace(result, notes=notes, media=(*result.media, *media), diagnostics=diagnostics)
