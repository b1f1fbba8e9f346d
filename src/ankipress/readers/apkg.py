"""Anki packages (``.apkg``, ``.colpkg``) as input: their notes, note types, decks and media.

Every generation of package is read (``ANKI-FACTS.md``, "Package generations"):

==================  ======================  ==========================  =====================
generation          collection              media list                  media files
==================  ======================  ==========================  =====================
legacy 1 (genanki)  ``collection.anki2``    JSON ``{"0": "x.png"}``     as they are
legacy 2            ``collection.anki21``   JSON                        as they are
latest (default)    ``collection.anki21b``  zstd protobuf entries       zstd-compressed
==================  ======================  ==========================  =====================

The protobuf ``meta`` entry, when present, names the generation, as Anki's importer reads it;
without it the newest database present wins. (A latest package also holds a dummy
``collection.anki2`` whose one note asks old clients to upgrade: it is never read.)

Choices:

* zstd is ``zstandard`` (PyPI), streamed with bounded output; protobuf is the ``protobuf``
  package with a generated module (``anki_package_pb2``) for the few messages read, copied
  by field number from Anki's ``import_export.proto`` and ``notetypes.proto``. The ``anki``
  package is never imported: it is a test dependency.
* The package is untrusted (:mod:`.apkg_zip`, :mod:`.apkg_db`): sizes, counts and ratios are
  bounded before anything is unpacked, entry names are never paths, media names are checked
  as Anki checks them (:mod:`.apkg_media`), and the database is opened read-only, immutable,
  and never runs SQL of its own. It is unpacked into a temporary folder that is removed.
* Note types are mapped by :mod:`.apkg_notes`: each is carried over with its ids, Anki's
  stock ones included; only ankipress's own become ours again. Fields are HTML and pass
  through untouched; GUIDs, tags, the cards' template ordinals and every media file of the
  package are kept. A note goes to the deck of its first card.
* A package has no lines: diagnostics carry the package's path without a line, and name the
  note they concern (``note 1712345678901 (guid 'kJTo(12V-D')``). Whatever makes the whole
  package unreadable is one error (:class:`~ankipress.errors.InputError`).
"""

from __future__ import annotations

import hashlib
import html
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from ankipress import rules
from ankipress.errors import InputError
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
)
from ankipress.readers.apkg_media import (
    MediaRef,
    anki_media_name,
    latest_media_list,
    legacy_media_map,
    unsafe_reason,
)
from ankipress.readers.apkg_zip import Limits, PackageError, SafeZip
from ankipress.render.media import find_references, name_candidates

__all__ = ["ApkgReader", "Limits"]

_DATABASES = ("collection.anki21b", "collection.anki21", "collection.anki2")
_MAX_META = 1 << 16
_MAX_MEDIA_LIST = 64 << 20
_SHOWN_IGNORED = 3


@dataclass(frozen=True, slots=True)
class _Generation:
    database: str
    """The zip entry of the collection database."""
    latest: bool
    """zstd-compressed database and media, protobuf media list."""


def _generation(archive: SafeZip) -> _Generation:
    if "meta" in archive.entries:
        # protobuf is imported when a package is read, not when the reader is listed.
        from google.protobuf.message import DecodeError

        from ankipress.readers.anki_package_pb2 import PackageMetadata

        by_version = {
            PackageMetadata.VERSION_LEGACY_1: "collection.anki2",
            PackageMetadata.VERSION_LEGACY_2: "collection.anki21",
            PackageMetadata.VERSION_LATEST: "collection.anki21b",
        }
        try:
            version = PackageMetadata.FromString(archive.read("meta", _MAX_META)).version
        except DecodeError:
            raise PackageError("the package's 'meta' entry is damaged") from None
        database = by_version.get(version)
        if database is None:
            raise PackageError(
                f"the package is of a newer kind than ankipress reads (version {version})",
                "export it from Anki with 'Support older Anki versions'",
            )
        if database not in archive.entries:
            raise PackageError(f"the package names {database} as its collection, but lacks it")
        return _Generation(database, version == PackageMetadata.VERSION_LATEST)
    for database in _DATABASES:
        if database in archive.entries:
            return _Generation(database, database == "collection.anki21b")
    raise PackageError(
        "the archive holds no Anki collection (collection.anki21b, .anki21 or .anki2)",
        "export the deck from Anki as an .apkg",
    )


class _MediaReader:
    """Every media file the package lists, checked; problems as diagnostics."""

    def __init__(self, archive: SafeZip, latest: bool, where: SourceLocation) -> None:
        self.archive = archive
        self.latest = latest
        self.where = where
        self.diagnostics: list[Diagnostic] = []
        self.media: dict[str, Media] = {}
        self.entries: set[str] = set()
        self.renamed: dict[str, str] = {}
        """Old name → the name Anki would give it, for the media renamed."""

    def say(self, severity: Severity, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(
            Diagnostic(self.where, severity, message, hint, rules.PACKAGE_CONTENT)
        )

    def read(self) -> None:
        if "media" not in self.archive.entries:
            return  # Anki allows it: old AnkiDroid versions wrote packages without one
        data = self.archive.read("media", _MAX_MEDIA_LIST, zstd=self.latest)
        refs = latest_media_list(data) if self.latest else legacy_media_map(data)
        for ref in refs:
            self.entries.add(ref.entry)
            self._one(ref)

    def _one(self, ref: MediaRef) -> None:
        problem = unsafe_reason(ref.name)
        if problem is not None:
            self.say(Severity.ERROR, f"media file {ref.name!r} is refused: {problem}")
            return
        if ref.entry not in self.archive.entries:
            self.say(
                Severity.ERROR,
                f"media file {ref.name!r} should be zip entry {ref.entry!r}, "
                "which the package lacks",
            )
            return
        data = self.archive.read(ref.entry, ref.size if self.latest else None, zstd=self.latest)
        if ref.size is not None and len(data) != ref.size:
            self.say(
                Severity.ERROR,
                f"media file {ref.name!r} is {len(data)} bytes; the package says {ref.size}",
            )
            return
        if ref.sha1 and hashlib.sha1(data).digest() != ref.sha1:
            self.say(Severity.ERROR, f"media file {ref.name!r} is damaged: its SHA-1 differs")
            return
        name = anki_media_name(ref.name)
        if not name:
            self.say(Severity.ERROR, f"media file {ref.name!r} has no character Anki keeps")
            return
        if name != ref.name:
            self.say(
                Severity.WARNING,
                f"media file {ref.name!r} is renamed {name!r}, as Anki's import renames it",
                "the fields that show it are changed to match",
            )
            self.renamed[ref.name] = name
        earlier = self.media.get(name)
        if earlier is not None and earlier.data != data:
            self.say(Severity.ERROR, f"two different media files are both named {name!r}")
            return
        self.media[name] = Media(name, data, self.where)


def _rename_in(text: str, renamed: dict[str, str]) -> str:
    """``text`` (HTML) with each reference to a renamed medium naming its new name."""
    pieces: list[str] = []
    done = 0
    for ref in find_references(text):
        new = next((renamed[n] for n in name_candidates(ref)[1] if n in renamed), None)
        if new is not None:
            pieces.extend((text[done : ref.start], html.escape(new) if ref.kind == "html" else new))
            done = ref.end
    return "".join(pieces) + text[done:] if pieces else text


def _renamed_references(note: Note, renamed: dict[str, str]) -> Note:
    """The note with its references to renamed media following them, as Anki's import
    rewrites them, so that a picture still shows."""
    question, answer = _rename_in(note.question, renamed), _rename_in(note.answer, renamed)
    fields = tuple(_rename_in(text, renamed) for text in note.fields)
    if (question, answer, fields) == (note.question, note.answer, note.fields):
        return note
    return replace(note, question=question, answer=answer, fields=fields)


class ApkgReader:
    """Anki packages of every generation: notes, note types, decks, media."""

    name: str = "apkg"
    extensions: tuple[str, ...] = (".apkg", ".colpkg")
    description: str = "an Anki package (.apkg/.colpkg of any Anki version, or genanki's)"
    options: tuple[str, ...] = ()

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def matches(self, path: Path, head: bytes) -> bool:
        """Files named as packages, whatever they hold: reading says clearly what is wrong."""
        return path.suffix.lower() in self.extensions

    def read_file(self, path: Path, display: str, options: ReadOptions) -> ReadResult:
        """Every note of the package; a package that cannot be read raises InputError."""
        where = SourceLocation(display)
        try:
            return self._read(path, where, options)
        except PackageError as exc:
            diagnostic = Diagnostic(
                where, Severity.ERROR, exc.message, exc.hint, rules.PACKAGE_CONTENT
            )
            raise InputError(str(diagnostic), [diagnostic]) from None

    def _read(self, path: Path, where: SourceLocation, options: ReadOptions) -> ReadResult:
        from ankipress.readers.apkg_db import read_collection
        from ankipress.readers.apkg_notes import convert_notes

        with SafeZip(path, self.limits) as archive:
            generation = _generation(archive)
            try:
                with tempfile.TemporaryDirectory(prefix="ankipress-apkg-") as work:
                    database = Path(work) / "collection.sqlite"
                    with database.open("wb") as target:
                        archive.copy(generation.database, target, zstd=generation.latest)
                    collection = read_collection(database, generation.database)
            except OSError as exc:
                raise PackageError(f"cannot unpack the collection: {exc}") from None
            media = _MediaReader(archive, generation.latest, where)
            media.read()
            known = {"meta", "media", *_DATABASES, *media.entries}
            ignored = sorted(name for name in archive.entries if name not in known)
        notes, diagnostics = convert_notes(collection, where, options.default_deck)
        if media.renamed:
            notes = [_renamed_references(note, media.renamed) for note in notes]
        if ignored:
            shown = ", ".join(map(repr, ignored[:_SHOWN_IGNORED]))
            if len(ignored) > _SHOWN_IGNORED:
                shown += f" and {len(ignored) - _SHOWN_IGNORED} more"
            what = "zip entry that is" if len(ignored) == 1 else "zip entries that are"
            message = f"ignored {len(ignored)} {what} not part of an Anki package: {shown}"
            diagnostics.append(Diagnostic(where, Severity.WARNING, message))
        return ReadResult(
            notes=tuple(notes),
            diagnostics=(*media.diagnostics, *diagnostics),
            cards_seen=len(collection.notes),
            deck_titles=tuple(dict.fromkeys(note.deck for note in notes)),
            media=tuple(media.media[name] for name in sorted(media.media)),
        )
