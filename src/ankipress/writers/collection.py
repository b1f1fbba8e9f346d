"""The collection inside a package, written by genanki: the one module that imports it.

genanki writes the schema, the ``col`` row, note types and decks
(:func:`write_collection`); what genanki leaves out of a note type or deck that Anki keeps
(a note type carried from a package, a CrowdAnki deck's options) is carried over after it.
The notes and cards rows are :mod:`ankipress.writers.apkg`'s.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import sqlite3
import sys
import warnings
from typing import TYPE_CHECKING, Any

from ankipress import ids
from ankipress.model import Diagnostic, NoteType, Severity, SourceLocation
from ankipress.ondemand import stand_ins

if TYPE_CHECKING:  # genanki (and the asyncio it pulls in) is loaded to write, not to import
    import genanki

__all__ = ["deck_id", "load_genanki", "write_collection"]


def deck_id(name: str) -> int:
    """The id a deck is written with: 1 for ``Default`` (Anki's own deck 1, which every
    package holds: a second deck of that name would be renamed on import), else a hash of
    the name."""
    return 1 if name.casefold() == "default" else ids.deck_id(name)


def load_genanki() -> None:
    """Import genanki (once), without the asyncio and PyYAML it imports and we do not use.

    genanki's modules import PyYAML, for note types given as YAML text (ours are lists), and
    the ``cached_property`` package, which imports asyncio (and with it ssl, logging and
    concurrent.futures) for properties that are coroutines (genanki's are not): together
    most of the time it takes to import genanki. While genanki is imported, stand-ins take
    their place: ``cached_property`` as the standard library's ``functools.cached_property``
    (the same caching, for genanki's plain properties) and PyYAML imported when genanki first
    reads it. ``sys.modules`` is then as it was: a program that imports asyncio, PyYAML or
    ``cached_property`` itself gets the real ones, and if it has them already when this runs,
    genanki gets them too (tests/test_imports.py).
    """
    if "genanki" in sys.modules:
        return
    with stand_ins({"cached_property": {"cached_property": functools.cached_property}, "yaml": {}}):
        import genanki  # noqa: F401


def _genanki_model(note_type: NoteType, derive_ids: bool) -> genanki.Model:
    # Stable ids on fields and templates let Anki match them across releases; genanki
    # passes extra keys through. A fresh Model each time: genanki's to_json mutates it.
    # A note type carried over from a package (or a Markdown deck) has the ids it came with,
    # and none where it had none: Anki then matches its fields by name, as it did before.
    def part(kind: str, name: str, kept: tuple[int | None, ...], index: int) -> dict[str, int]:
        given = kept[index] if index < len(kept) else None
        if given is None and derive_ids:
            given = ids.notetype_part_id(note_type.name, kind, name)
        return {} if given is None else {"id": given}

    import genanki

    return genanki.Model(
        model_id=note_type.id,
        name=note_type.name,
        fields=[
            {"name": name, **part("field", name, note_type.field_ids, i)}
            for i, name in enumerate(note_type.fields)
        ],
        templates=[
            {
                "name": name,
                "qfmt": qfmt,
                "afmt": afmt,
                **part("template", name, note_type.template_ids, i),
            }
            for i, (name, qfmt, afmt) in enumerate(note_type.templates)
        ],
        css=note_type.css,
        model_type=genanki.Model.CLOZE if note_type.cloze else genanki.Model.FRONT_BACK,
        sort_field_index=note_type.sort_field,
        **(
            {}
            if note_type.latex is None
            else {"latex_pre": note_type.latex[0], "latex_post": note_type.latex[1]}
        ),
    )


def write_collection(
    cursor: sqlite3.Cursor,
    unique: dict[int, tuple[NoteType, bool]],
    deck_ids: dict[str, int],
    chains: dict[str, tuple[str, ...]],
    notetype_time: int,
) -> list[Diagnostic]:
    """genanki writes the schema and the collection: ``unique`` note types (by id, each with
    whether it is ours) and ``deck_ids``, both in the order the notes first named them;
    ``chains``: decks carried with more than a name. Returns genanki's complaints."""
    import genanki

    models = {
        type_id: _genanki_model(note_type, ours) for type_id, (note_type, ours) in unique.items()
    }
    names: dict[int, str] = {}
    for name, deck in deck_ids.items():
        names.setdefault(deck, name)  # the first spelling
    decks = [genanki.Deck(deck, name) for deck, name in names.items()]
    for model in models.values():
        decks[0].add_model(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # genanki stamps note types (and nothing else of ours) with this time.
        genanki.Package(decks).write_to_db(cursor, notetype_time, itertools.count(1))
    _carry(cursor, {type_id: note_type for type_id, (note_type, _) in unique.items()})
    _carry_decks(cursor, chains, deck_ids)
    return [
        Diagnostic(SourceLocation("genanki"), Severity.WARNING, str(warning.message))
        for warning in caught
    ]


# The keys of a field that Anki's import of a package requires (a note model needs none but
# "did", a template none).
_FIELD_KEYS = ("font", "rtl", "size", "sticky")


def _required(entry: dict[str, object], keys: tuple[str, ...]) -> dict[str, object]:
    return {key: entry[key] for key in keys if key in entry}


def _kind(value: object) -> str:
    """A JSON value's kind, as Anki's import tells them apart (a whole number is a number)."""
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _sound(carried: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    """``carried`` (a hand-edited folder's model, say) with genanki's value wherever its own
    is of another kind than Anki takes, so that the package always imports: its fields and
    templates only when they are as many objects as genanki's."""
    sound: dict[str, Any] = {}
    for key, value in carried.items():
        good = made.get(key)
        if key in ("flds", "tmpls"):
            goods = good if isinstance(good, list) else []
            fits = (
                isinstance(value, list)
                and len(value) == len(goods)
                and all(isinstance(e, dict) for e in value)
            )
            sound[key] = [_sound(e, g) for e, g in zip(value, goods, strict=True)] if fits else good
        elif good is not None and value is not None and _kind(value) != _kind(good):
            sound[key] = good
        else:
            sound[key] = value
    return sound


def _carry(cursor: sqlite3.Cursor, note_types: dict[int, NoteType]) -> None:
    """Note types carried whole (CrowdAnki's note models) take their own keys in
    ``col.models``, beside the collection's ``id``, ``mod`` and ``usn``, as CrowdAnki keeps
    them in a collection. Nothing changes for the others."""
    carried = {key: t.carried for key, t in note_types.items() if t.carried is not None}
    if not carried:
        return
    (text,) = cursor.execute("SELECT models FROM col").fetchone()
    models = json.loads(text)
    for key, kept in carried.items():
        model = models[str(key)]
        own = {name: model[name] for name in ("id", "mod", "usn") if name in model}
        whole = json.loads(kept)
        # The deck it was last used with, which Anki wants, if only as null: none where the
        # folder has none (the reader drops a null one again).
        whole.setdefault("did", None)
        # Of genanki's keys only those Anki will not import without (each field's), so that
        # the folder written back from the package has none the folder did not have.
        given = {e.get("ord"): e for e in model.get("flds", []) if isinstance(e, dict)}
        entries = whole.get("flds")
        if isinstance(entries, list):
            whole["flds"] = [
                {**_required(given.get(e.get("ord"), {}), _FIELD_KEYS), **e}
                if isinstance(e, dict)
                else e
                for e in entries
            ]
        models[str(key)] = {**_sound(whole, model), **own}
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models),))


def _carry_decks(
    cursor: sqlite3.Cursor, chains: dict[str, tuple[str, ...]], deck_ids: dict[str, int]
) -> None:
    """Decks carried with more than a name (CrowdAnki's: :attr:`Note.deck_carried`) take their
    own keys in ``col.decks`` (a deck above with no notes of its own is written too) and their
    options group in ``col.dconf``, as CrowdAnki keeps them in a collection. Nothing changes
    for other decks."""
    if not chains:
        return
    deck_text, conf_text = cursor.execute("SELECT decks, dconf FROM col").fetchone()
    decks, configs = json.loads(deck_text), json.loads(conf_text)
    template = decks[str(next(iter(deck_ids.values())))]
    for name, chain in chains.items():
        parts = name.split("::")
        for depth, text in enumerate(chain[: len(parts)]):
            full = "::".join(parts[: depth + 1])
            entry = json.loads(text)
            number = deck_ids.get(full, deck_id(full))
            deck = decks.get(str(number)) or {**template, "id": number}
            conf = deck.get("conf", 1)
            config = entry.get("config")
            if isinstance(config, dict):
                kept = json.dumps(config, sort_keys=True, ensure_ascii=False)
                digest = hashlib.sha256(f"deck config {kept}".encode()).digest()
                conf = 2 + int.from_bytes(digest[:6], "big")  # 1 is Anki's own default group
                sound = _sound(config, configs.get("1", {}))
                configs[str(conf)] = {**sound, "id": conf, "mod": 0, "usn": -1}
            own = entry.get("deck") if isinstance(entry.get("deck"), dict) else {}
            if entry.get("notes"):  # which of flags and data its notes had (in the columns)
                own = {**own, "crowdanki_note_keys": entry["notes"]}
            own = _sound(own, deck)
            decks[str(number)] = {**deck, **own, "name": full, "id": number, "conf": conf}
    cursor.execute("UPDATE col SET decks = ?, dconf = ?", (json.dumps(decks), json.dumps(configs)))
