"""Writer of CrowdAnki folders: ``deck.json`` and ``media/``, as CrowdAnki itself writes them.

CrowdAnki's export (``crowd_anki/export/anki_exporter.py``) dumps the deck with
``json.dumps(sort_keys=True, indent=4, ensure_ascii=False)``: keys sorted, four spaces, text
as it is. The top deck holds ``children`` (subdecks by their last name), ``note_models``,
``deck_configurations``, ``notes`` and ``media_files`` (sorted); a subdeck holds its own
``children``, ``notes`` and ``media_files``. Notes keep their order (a package's: the order
of its note ids, as CrowdAnki lists a collection's), so that a folder built into a package
and written back is the same folder.

Each note type is a note model with its fields and templates (with their Anki ``id`` where
they have one), CSS, cloze type and sort field; its ``crowdanki_uuid`` holds the note type's
id (:func:`ankipress.readers.crowdankiformat.model_uuid`), so a package built from the folder again
matches the collection the notes came from. Decks and the one deck configuration get
UUIDs derived from their names. Fields are HTML (Markdown and plain-text notes are written
rendered, as a package holds them).

The folder is written beside its target and renamed into place: an existing CrowdAnki
folder is replaced whole, anything else at the target is refused, and a failure leaves
nothing half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ankipress import ids, notetypes
from ankipress.errors import WriteError
from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    NoteType,
    Severity,
    SourceLocation,
    TextFormat,
)
from ankipress.readers.crowdankiformat import (
    DECK_FILE,
    MEDIA_FOLDER,
    carried_uuid,
    model_uuid,
    name_uuid,
)
from ankipress.render import FieldRenderer
from ankipress.render.media import find_references, name_candidates
from ankipress.writers.common import interrupts_deferred, refuse
from ankipress.writers.losses import Losses

__all__ = ["CrowdAnkiWriter", "deck_json"]

_DECK_CONFIG = "Default"


def _deck_config() -> dict[str, Any]:
    """Anki's default options group, as CrowdAnki writes a deck configuration."""
    return {
        "__type__": "DeckConfig",
        "autoplay": True,
        "crowdanki_uuid": name_uuid("deck config", _DECK_CONFIG),
        "dyn": False,
        "lapse": {"delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0},
        "maxTaken": 60,
        "name": _DECK_CONFIG,
        "new": {
            "bury": False,
            "delays": [1.0, 10.0],
            "initialFactor": 2500,
            "ints": [1, 4, 0],
            "order": 1,
            "perDay": 20,
        },
        "replayq": True,
        "rev": {
            "bury": False,
            "ease4": 1.3,
            "hardFactor": 1.2,
            "ivlFct": 1.0,
            "maxIvl": 36500,
            "perDay": 200,
        },
        "timer": 0,
    }


def _uuid(notetype: NoteType) -> str:
    """The ``crowdanki_uuid`` of a note type: its own where it came from a CrowdAnki folder."""
    return carried_uuid(notetype.carried) or model_uuid(notetype.id)


def _carried(notetype: NoteType, model: dict[str, Any]) -> dict[str, Any]:
    """A note model carried whole, with what ankipress models of it as the note type has it."""
    model["__type__"] = "NoteModel"
    model.update(name=notetype.name, css=notetype.css, sortf=notetype.sort_field)
    model["type"] = 1 if notetype.cloze else 0
    if notetype.latex is not None:
        model["latexPre"], model["latexPost"] = notetype.latex
    for key, given in (("flds", notetype.fields), ("tmpls", notetype.templates)):
        entries = model.get(key)
        for entry in entries if isinstance(entries, list) else []:
            index = entry.get("ord") if isinstance(entry, dict) else None
            if isinstance(index, int) and 0 <= index < len(given):
                value = given[index]
                if isinstance(value, str):
                    entry["name"] = value
                else:
                    entry["name"], entry["qfmt"], entry["afmt"] = value
    return model


def _model(notetype: NoteType) -> dict[str, Any]:
    """A note type as CrowdAnki writes a note model (Anki's own keys, without ``id``)."""
    if notetype.carried is not None:
        return _carried(notetype, json.loads(notetype.carried))
    ours = notetype.fixed_id is None  # ours: ids derived as the package writer derives them

    def part(kind: str, name: str, kept: tuple[int | None, ...], index: int) -> dict[str, int]:
        given = kept[index] if index < len(kept) else None
        if given is None and ours:
            given = ids.notetype_part_id(notetype.name, kind, name)
        return {} if given is None else {"id": given}

    return {
        "__type__": "NoteModel",
        "crowdanki_uuid": _uuid(notetype),
        "css": notetype.css,
        "flds": [
            {
                "font": "Arial",
                "name": name,
                "ord": index,
                "rtl": False,
                "size": 20,
                "sticky": False,
                **part("field", name, notetype.field_ids, index),
            }
            for index, name in enumerate(notetype.fields)
        ],
        **(
            {}
            if notetype.latex is None
            else {"latexPost": notetype.latex[1], "latexPre": notetype.latex[0]}
        ),
        "name": notetype.name,
        "sortf": notetype.sort_field,
        "tags": [],
        "tmpls": [
            {
                "afmt": afmt,
                "bafmt": "",
                "bqfmt": "",
                "did": None,
                "name": name,
                "ord": index,
                "qfmt": qfmt,
                **part("template", name, notetype.template_ids, index),
            }
            for index, (name, qfmt, afmt) in enumerate(notetype.templates)
        ],
        "type": 1 if notetype.cloze else 0,
    }


class _Deck:
    def __init__(self, name: str, full: str) -> None:
        self.name = name
        self.full = full
        self.children: dict[str, _Deck] = {}
        self.notes: list[dict[str, Any]] = []
        self.media: set[str] = set()
        self.carried: dict[str, Any] | None = None
        """The deck's own keys and options group, as its source kept them."""

    def child(self, name: str) -> _Deck:
        if name not in self.children:
            self.children[name] = _Deck(name, f"{self.full}::{name}")
        return self.children[name]

    def carry(self, text: str) -> None:
        """Keep the deck as its source kept it (the first note's word for it)."""
        if self.carried is None:
            self.carried = _entry(text)

    def walk(self) -> Iterator[_Deck]:
        """This deck and those below it, as CrowdAnki meets them: each before its children,
        children by name."""
        yield self
        for name in sorted(self.children):
            yield from self.children[name].walk()

    def config(self) -> dict[str, Any]:
        """Its options group as CrowdAnki writes a deck configuration."""
        config = self.carried.get("config") if self.carried is not None else None
        return {"__type__": "DeckConfig", **config} if isinstance(config, dict) else _deck_config()

    def json(self, top: bool, models: list[dict[str, Any]]) -> dict[str, Any]:
        own = self.carried.get("deck") if self.carried is not None else None
        deck: dict[str, Any] = (
            {**own, "__type__": "Deck"}
            if isinstance(own, dict)
            else {
                "__type__": "Deck",
                "crowdanki_uuid": name_uuid("deck", self.full),
                "deck_config_uuid": name_uuid("deck config", _DECK_CONFIG),
                "desc": "",
                "dyn": 0,
                "extendNew": 0,
                "extendRev": 0,
                "name": self.name,
            }
        )
        deck["children"] = [self.children[n].json(False, models) for n in sorted(self.children)]
        deck["media_files"] = sorted(self.media)
        deck["notes"] = self.notes
        if top:
            configs: dict[str, dict[str, Any]] = {}
            for each in self.walk():
                config = each.config()
                configs.setdefault(str(config.get("crowdanki_uuid")), config)
            deck["deck_configurations"] = list(configs.values())
            deck["note_models"] = models
        return deck


def _entry(text: str) -> dict[str, Any] | None:
    """A deck carried from its source (:func:`ankipress.readers.crowdankiformat.carried_deck`)."""
    value = json.loads(text)
    return value if isinstance(value, dict) else None


def _model_uuids(deck: _Deck) -> list[str]:
    return [str(note["note_model_uuid"]) for note in deck.notes]


def _named(text: str, known: set[str]) -> set[str]:
    """The media of ``known`` that ``text`` (HTML) refers to."""
    return {
        name for ref in find_references(text) for name in name_candidates(ref)[1] if name in known
    }


def deck_json(deck: dict[str, Any]) -> str:
    """The text of ``deck.json`` as CrowdAnki writes it."""
    return json.dumps(deck, sort_keys=True, indent=4, ensure_ascii=False)


def _is_crowdanki_folder(path: Path) -> bool:
    """Whether ``path`` is a folder we may replace: empty, or a CrowdAnki folder."""
    if path.is_symlink() or not path.is_dir():
        return False
    names = {entry.name for entry in path.iterdir()}
    return not names or DECK_FILE in names


class CrowdAnkiWriter:
    """CrowdAnki folders: deck.json and media/, as CrowdAnki writes them."""

    name: str = "crowdanki"
    extensions: tuple[str, ...] = ()
    description: str = "a CrowdAnki folder (deck.json and media/), as CrowdAnki writes it"
    folder: bool = True
    """It writes a folder: ``output`` names it."""

    def write(
        self, notes: Sequence[Note], media: Sequence[Media], output: Path, media_dir: Path
    ) -> list[Diagnostic]:
        """Write ``notes`` into the folder ``output`` with ``media`` in its ``media/``."""
        losses = Losses("crowdanki")
        renderer = FieldRenderer()
        where = SourceLocation(str(output))
        diagnostics: list[Diagnostic] = []
        models: dict[int, NoteType] = {}
        tops = sorted({note.deck.split("::")[0] for note in notes}) or [output.name]
        if len(tops) == 1:
            root = _Deck(tops[0], tops[0])
        else:
            root = _Deck(output.name, output.name)
            message = (
                f"a CrowdAnki folder holds one deck: decks {', '.join(map(repr, tops))} become "
                f"subdecks of {output.name!r}"
            )
            hint = "convert each deck into a folder of its own (--deck names one)"
            diagnostics.append(Diagnostic(where, Severity.WARNING, message, hint))
        known = {item.name for item in media}
        for note in notes:
            if note.kind is NoteKind.CUSTOM and note.notetype is not None:
                notetype, fields = note.notetype, note.fields
            else:
                notetype = notetypes.for_kind(note.kind)
                fields = (note.question, note.answer)
                if note.text_format is not TextFormat.HTML:
                    losses.rendered(note)
                    fields = tuple(
                        renderer.render(text, note.text_format, note.location) for text in fields
                    )
            losses.cards(note, fields)
            models.setdefault(notetype.id, notetype)
            parts = note.deck.split("::")
            deck = root
            chain = list(note.deck_carried or ())
            if len(tops) == 1 and chain:
                root.carry(chain.pop(0))
            for part in parts[1:] if len(tops) == 1 else parts:
                deck = deck.child(part)
                if chain:
                    deck.carry(chain.pop(0))
            for text in fields:
                deck.media.update(_named(text, known))
            written: dict[str, Any] = {
                "__type__": "Note",
                "fields": list(fields),
                "guid": note.guid or ids.note_guid(note.deck, note.question),
                "note_model_uuid": _uuid(notetype),
                "tags": list(note.tags),
            }
            keys = deck.carried.get("notes") if deck.carried is not None else None
            if isinstance(keys, list):  # older CrowdAnki: Anki's flags and data columns too
                flags, data = note.columns or (0, "")
                written.update({k: v for k, v in (("data", data), ("flags", flags)) if k in keys})
            deck.notes.append(written)
        for notetype in models.values():
            for text in (notetype.css, *(t for shape in notetype.templates for t in shape[1:])):
                root.media.update(_named(text, known))
        # Anki keeps "_" files for note types, and CrowdAnki lists in every deck (subdecks
        # too) each one that a note model's CSS or templates name.
        model_texts = [
            text
            for notetype in models.values()
            for text in (notetype.css, *(t for shape in notetype.templates for t in shape[1:]))
        ]
        for name in known:
            if name.startswith("_"):
                root.media.add(name)
                if any(name in text for text in model_texts):
                    for deck in root.walk():
                        deck.media.add(name)
        diagnostics.extend(losses.diagnostics())
        refuse(diagnostics, output)
        # Note models as CrowdAnki meets them: by the notes of each deck, top deck first.
        met = {uuid: None for deck in root.walk() for uuid in _model_uuids(deck)}
        by_uuid = {_uuid(notetype): notetype for notetype in models.values()}
        ordered = [by_uuid[uuid] for uuid in met if uuid in by_uuid]
        text = deck_json(root.json(True, [_model(notetype) for notetype in ordered]))
        _write_folder(output, text, {item.name: item.data for item in media})
        return diagnostics


def _write_folder(output: Path, text: str, files: dict[str, bytes]) -> None:
    """Write the folder beside ``output`` and rename it into place (see the module doc)."""
    where = SourceLocation(str(output))

    def fail(message: str) -> WriteError:
        diagnostic = Diagnostic(where, Severity.ERROR, message)
        return WriteError(str(diagnostic), [diagnostic])

    if os.path.lexists(output) and not _is_crowdanki_folder(output):
        raise fail(
            "cannot write the CrowdAnki folder: it exists and is not one (no deck.json); "
            "only a CrowdAnki folder is replaced"
        )
    parent = output.parent
    work: Path | None = None
    aside: Path | None = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
        (work / DECK_FILE).write_bytes(text.encode("utf-8"))
        folder = work / MEDIA_FOLDER
        folder.mkdir()
        for name in sorted(files):
            (folder / name).write_bytes(files[name])
        os.chmod(work, 0o755)
        with interrupts_deferred():
            if output.exists():
                aside = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".old", dir=parent))
                os.replace(output, aside / "old")
            os.replace(work, output)
            work = None
    except OSError as exc:
        if aside is not None and not output.exists():
            os.replace(aside / "old", output)  # put the old folder back
        raise fail(f"cannot write the CrowdAnki folder: {exc.strerror or exc}") from None
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
