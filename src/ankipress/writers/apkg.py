"""Writing ``.apkg`` packages: the one module that imports genanki.

genanki fills an in-memory collection database (``write_to_db``); we zip it ourselves,
deflated, with fixed entry times and order, so the same notes and time give the same bytes.
The package is written to a temporary file beside the target and renamed into place, so a
failed write never leaves a partial package behind.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import genanki

from ankipress import ids
from ankipress.errors import WriteError
from ankipress.model import Diagnostic, NoteKind, RenderedNote, Severity, SourceLocation
from ankipress.notetypes import NoteType, for_kind

# Zip entries carry this time instead of the clock (the earliest a zip can hold).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _genanki_model(note_type: NoteType) -> genanki.Model:
    # Stable ids on fields and templates let Anki match them across releases; genanki
    # passes extra keys through. A fresh Model each time: genanki's to_json mutates it.
    return genanki.Model(
        model_id=note_type.id,
        name=note_type.name,
        fields=[
            {"name": name, "id": ids.notetype_part_id(note_type.name, "field", name)}
            for name in note_type.fields
        ],
        templates=[
            {
                "name": name,
                "qfmt": qfmt,
                "afmt": afmt,
                "id": ids.notetype_part_id(note_type.name, "template", name),
            }
            for name, qfmt, afmt in note_type.templates
        ],
        css=note_type.css,
        model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
        sort_field_index=0,
    )


def _collection_bytes(
    notes: Sequence[RenderedNote], note_types: Callable[[NoteKind], NoteType], timestamp: int
) -> tuple[bytes, list[Diagnostic]]:
    models: dict[NoteKind, genanki.Model] = {}
    decks: dict[str, genanki.Deck] = {}
    for position, note in enumerate(notes):
        model = models.get(note.kind)
        if model is None:
            model = models[note.kind] = _genanki_model(note_types(note.kind))
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(ids.deck_id(note.deck), note.deck)
        deck.add_note(
            genanki.Note(
                model=model,
                fields=list(note.fields),
                tags=list(note.tags),
                guid=note.guid,
                due=position,
            )
        )
    package = genanki.Package(list(decks.values()))
    diagnostics: list[Diagnostic] = []
    connection = sqlite3.connect(":memory:")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            package.write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
        connection.commit()
        data = connection.serialize()
    finally:
        connection.close()
    diagnostics.extend(
        Diagnostic(SourceLocation("genanki"), Severity.WARNING, str(warning.message))
        for warning in caught
    )
    return data, diagnostics


def _zip_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, on every platform, so the bytes do not depend on it
    info.external_attr = 0o644 << 16
    return info


def write_apkg(
    path: Path,
    notes: Sequence[RenderedNote],
    timestamp: int,
    note_types: Callable[[NoteKind], NoteType] = for_kind,
) -> list[Diagnostic]:
    """Write ``notes`` to the package at ``path``; returns genanki's complaints, if any.

    ``timestamp`` (seconds) becomes every note's and card's modification time: Anki updates
    a note it already has only when the package's note is newer.
    """
    database, diagnostics = _collection_bytes(notes, note_types, timestamp)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            archive.writestr(_zip_entry("collection.anki2"), database, zipfile.ZIP_DEFLATED, 6)
            archive.writestr(_zip_entry("media"), json.dumps({}), zipfile.ZIP_DEFLATED, 6)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        location = SourceLocation(str(path))
        diagnostic = Diagnostic(
            location, Severity.ERROR, f"cannot write the package: {exc.strerror or exc}"
        )
        raise WriteError(str(diagnostic), [diagnostic]) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return diagnostics
