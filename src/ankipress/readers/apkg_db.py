"""A package's collection database, read without trusting it.

The database was unpacked into a file of ours; it is opened read-only and immutable
(``file:…?mode=ro&immutable=1``), with ``trusted_schema=OFF`` and ``query_only=ON``. Nothing
the package brings computes on read:

* Only plain tables are read, each with one plain ``SELECT``: a table that turns out to be a
  view or a virtual table is missing as far as we are concerned, and a table we read that
  has a hidden or generated column (``PRAGMA table_xinfo``; SQLite computes a ``GENERATED
  ALWAYS AS (…)`` column on every read) is refused: Anki never writes one.
* An authorizer allows the ``SELECT`` statements and reads of the plain columns of the
  tables we know, and denies everything else: function calls, pragmas, other tables.
* Triggers only fire on writes, which never happen; defaults and checks only on writes.

Two layouts (Anki's ``rslib/src/storage/upgrades``): schema 11 to 14 keep note types and
decks as JSON in the ``col`` row (``collection.anki2``, ``collection.anki21``, and what
genanki writes); schema 15 to 18 keep them in ``notetypes``, ``fields``, ``templates`` and
``decks`` tables whose configs are protobuf messages, and deck names there separate their
parts with ``\\x1f`` instead of ``::`` (``collection.anki21b``).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError, Message

from ankipress.model import latex_of
from ankipress.readers.anki_package_pb2 import FieldConfig, NotetypeConfig, TemplateConfig
from ankipress.readers.apkg_zip import PackageError
from ankipress.readers.crowdankiformat import carried_model, collection_deck, model_id

__all__ = ["AnkiNote", "AnkiNotetype", "Collection", "read_collection"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_OLDEST, _NEWEST, _TABLES_FROM = 11, 18, 15
_MAX_ID = (1 << 63) - 1  # Anki's ids are signed 64-bit; a note type's is positive
# The tables ankipress reads; of the others nothing is ever touched.
_KNOWN_TABLES = ("col", "notes", "cards", "notetypes", "fields", "templates", "decks")
_SCHEMA_COLUMNS = frozenset({"type", "name", "sql"})


def _latex(model: Any) -> tuple[str, str] | None:
    return latex_of(model.get("latexPre"), model.get("latexPost"))


@dataclass(frozen=True, slots=True)
class AnkiNotetype:
    """A note type as the collection holds it."""

    id: int
    name: str
    fields: tuple[str, ...]
    field_ids: tuple[int | None, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, question format, answer format) in card order."""
    template_ids: tuple[int | None, ...]
    css: str
    cloze: bool
    sort_field: int
    latex: tuple[str, str] | None = None
    """latexPre and latexPost, where the collection holds them as JSON."""
    carried: str | None = None
    """The CrowdAnki note model it was built from (:func:`carried_model`), if it was."""


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """A note and its cards as the collection holds them."""

    id: int
    guid: str
    mid: int
    tags: tuple[str, ...]
    fields: tuple[str, ...]
    cards: tuple[tuple[int, int], ...]
    """(ord, deck id) of each card, by ord; the original deck of cards in a filtered deck."""
    columns: tuple[int, str] = (0, "")
    """Its flags and data."""


@dataclass(frozen=True, slots=True)
class Collection:
    """What ankipress needs from a collection, and what was wrong with parts of it."""

    schema: int
    notetypes: dict[int, AnkiNotetype]
    decks: dict[int, str]
    notes: tuple[AnkiNote, ...]
    problems: tuple[str, ...]
    """Messages about note types or decks that could not be read (their notes are skipped)."""
    deck_carried: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """CrowdAnki's decks by name: each deck of the name, top first (``Note.deck_carried``)."""


_STEPS_PER_BYTE = 64
_STEPS_FLOOR = 10_000_000
_STEPS_CHECKED = 100_000


class _Budget:
    """A progress handler that stops SQLite after a number of steps (checked in batches)."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def __call__(self) -> int:
        self.left -= _STEPS_CHECKED
        return 1 if self.left < 0 else 0


class _Authorizer:
    """Allows ``SELECT`` and reads of :attr:`columns`; denies every other action.

    Before the tables are known, reads of the schema's ``type``, ``name`` and ``sql`` and
    ``PRAGMA table_xinfo`` of a known table are allowed too (:meth:`inspecting`).
    """

    def __init__(self) -> None:
        self.columns: dict[str, frozenset[str]] = {}
        self.inspecting = True

    def __call__(self, action: int, first: str | None, second: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_SELECT:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_READ and first is not None and second is not None:
            if second in self.columns.get(first, ()):
                return sqlite3.SQLITE_OK
            if self.inspecting and first in ("sqlite_master", "sqlite_schema"):
                return sqlite3.SQLITE_OK if second in _SCHEMA_COLUMNS else sqlite3.SQLITE_DENY
        if (
            action == sqlite3.SQLITE_PRAGMA
            and self.inspecting
            and first == "table_xinfo"
            and second in _KNOWN_TABLES
        ):
            return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY


def _prepare(path: Path, entry: str) -> None:
    """Check the file is SQLite, and make a WAL-mode database openable without its -wal file."""
    with path.open("r+b") as stream:
        header = stream.read(100)
        if not header.startswith(_SQLITE_MAGIC):
            raise PackageError(f"{entry} is not an SQLite database, so not an Anki collection")
        # Bytes 18 and 19 are 2 in WAL mode (as Anki writes collection.anki21b); the file
        # alone is the whole database, so mark it as a rollback-journal one (1), as
        # `PRAGMA journal_mode=DELETE` would.
        if header[18:20] == b"\x02\x02":
            stream.seek(18)
            stream.write(b"\x01\x01")


def _plain_tables(connection: sqlite3.Connection, entry: str) -> dict[str, frozenset[str]]:
    """The known tables that are plain tables, with their columns.

    A known table with a hidden column (a virtual table's) or a generated one is an error:
    SQLite would compute the column's expression, which the package wrote, on every read.
    """
    tables: dict[str, frozenset[str]] = {}
    for kind, name, sql in connection.execute("SELECT type, name, sql FROM sqlite_master"):
        if (
            kind == "table"
            and name in _KNOWN_TABLES
            and isinstance(sql, str)
            and not sql.lstrip().upper().startswith("CREATE VIRTUAL")
        ):
            columns = []
            for row in connection.execute(f'PRAGMA table_xinfo("{name}")'):
                column, hidden = row[1], row[6]
                if hidden:
                    what = "a generated" if hidden in (2, 3) else "a hidden"
                    raise PackageError(
                        f"{entry} is refused: its {name!r} table has {what} column "
                        f"{column!r}, computed by SQL the package brings",
                        "Anki never writes one; export the deck from Anki again",
                    )
                columns.append(str(column))
            tables[name] = frozenset(columns)
    return tables


def read_collection(path: Path, entry: str) -> Collection:
    """The note types, decks and notes of the collection database at ``path``.

    ``entry`` names the database in messages (``collection.anki21b``).
    """
    _prepare(path, entry)
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise PackageError(f"{entry} cannot be opened: {exc}") from None
    budget = _Budget(_STEPS_PER_BYTE * path.stat().st_size + _STEPS_FLOOR)
    try:
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA query_only = ON")
        authorizer = _Authorizer()
        connection.set_authorizer(authorizer)
        # A watchdog besides: plain reads of a file take a few steps of SQLite's machine per
        # row, so a read that takes far more than the file's size in steps is computing
        # something, and is stopped (an error, not a hang).
        connection.set_progress_handler(budget, _STEPS_CHECKED)
        tables = _plain_tables(connection, entry)
        authorizer.columns, authorizer.inspecting = tables, False
        return _Reader(connection, entry).read(set(tables))
    except sqlite3.DatabaseError as exc:
        if budget.left < 0:
            raise PackageError(
                f"{entry} is refused: reading it takes far longer than a collection of its "
                "size can, so something in it computes"
            ) from None
        raise PackageError(f"{entry} is not a readable Anki collection: {exc}") from None
    except UnicodeDecodeError:
        # Anki stores UTF-8 only; anything else is a damaged database, as Anki would say.
        raise PackageError(f"{entry} is damaged: it holds text that is not UTF-8") from None
    finally:
        connection.close()


def _unknown(message: Message) -> dict[int, Any]:
    """The fields of ``message`` our messages leave out (protobuf keeps them), by number:
    an int for a number, bytes for text; the last one of each number."""
    found = unknown_fields.UnknownFieldSet(message)
    return {found[i].field_number: found[i].data for i in range(len(found))}


def _varints(data: bytes) -> list[tuple[int, int | bytes]]:
    """The (field number, value) pairs of a small protobuf message of varints and packed
    varints (a length-delimited value is its bytes)."""
    found: list[tuple[int, int | bytes]] = []
    position = 0

    def varint() -> int:
        nonlocal position
        value = shift = 0
        while position < len(data) and shift < 64:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
        raise DecodeError("a truncated varint")

    while position < len(data):
        key = varint()
        if key & 7 == 0:
            found.append((key >> 3, varint()))
        elif key & 7 == 2:
            size = varint()
            found.append((key >> 3, data[position : position + size]))
            position += size
        else:
            raise DecodeError(f"an unexpected wire type {key & 7}")
    return found


def _requirement(data: Any) -> list[Any] | None:
    """A card requirement (``Notetype.Config.CardRequirement``) as Anki's JSON gives it:
    ``[card ord, "none" | "any" | "all", [field ords]]``."""
    if not isinstance(data, bytes):
        return None
    try:
        values = _varints(data)
        ords: list[int] = []
        for number, value in values:
            if number == 3 and isinstance(value, int):
                ords.append(value)
            elif number == 3:  # packed, as proto3 writes repeated numbers
                ords.extend(v for _, v in _varints(_keyed(bytes(value))) if isinstance(v, int))
    except DecodeError:
        return None
    card = next((v for n, v in values if n == 1 and isinstance(v, int)), 0)
    kind = next((v for n, v in values if n == 2 and isinstance(v, int)), 0)
    return [card, ("none", "any", "all")[kind] if 0 <= kind <= 2 else "none", ords]


def _keyed(packed: bytes) -> bytes:
    """Packed varints, each given a key (field 1, a varint), as :func:`_varints` reads them."""
    out = bytearray()
    start = 0
    for index, byte in enumerate(packed):
        if not byte & 0x80:
            out += b"\x08" + packed[start : index + 1]
            start = index + 1
    return bytes(out)


def _all(message: Message, number: int) -> list[Any]:
    """Every value of a repeated field our messages leave out."""
    found = unknown_fields.UnknownFieldSet(message)
    return [found[i].data for i in range(len(found)) if found[i].field_number == number]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else ""


def _other(value: Any) -> dict[str, Any]:
    """A config's ``other`` bytes: the JSON of the keys Anki does not know (CrowdAnki's)."""
    try:
        found = json.loads(value) if isinstance(value, bytes) and value else {}
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _legacy_model(
    ntid: int,
    name: str,
    config: NotetypeConfig,
    fields: list[tuple[str, FieldConfig]],
    templates: list[tuple[str, TemplateConfig]],
) -> dict[str, Any] | None:
    """The note type as Anki gives it in its older JSON form (``col.models``), which CrowdAnki
    exports, if the keys Anki keeps for it (its config's ``other``) name a CrowdAnki model
    whose UUID gives this id (:func:`model_id`): one built from a CrowdAnki folder."""
    unknown = _unknown(config)
    other = _other(unknown.get(255))
    key = other.get("crowdanki_uuid")
    if not isinstance(key, str) or model_id(key) != ntid:
        return None
    flds = []
    for index, (field_name, config_of_field) in enumerate(fields):
        extra = _unknown(config_of_field)
        entry: dict[str, Any] = {
            "name": field_name,
            "ord": index,
            "sticky": bool(extra.get(1, 0)),
            "rtl": bool(extra.get(2, 0)),
            "font": _text(extra.get(3)),
            "size": extra.get(4, 0) if isinstance(extra.get(4), int) else 0,
            "description": _text(extra.get(5)),
            "plainText": bool(extra.get(6, 0)),
            "collapsed": bool(extra.get(7, 0)),
            "excludeFromSearch": bool(extra.get(8, 0)),
        }
        if config_of_field.HasField("id"):
            entry["id"] = config_of_field.id
        entry["tag"] = extra.get(10) if isinstance(extra.get(10), int) else None
        entry["preventDeletion"] = bool(extra.get(11, 0))
        flds.append({**entry, **_other(extra.get(255))})
    tmpls = []
    for index, (template_name, template) in enumerate(templates):
        extra = _unknown(template)
        deck = extra.get(5)
        entry = {
            "name": template_name,
            "ord": index,
            "qfmt": template.q_format,
            "afmt": template.a_format,
            "bqfmt": _text(extra.get(3)),
            "bafmt": _text(extra.get(4)),
            "did": deck if isinstance(deck, int) and deck else None,
            "bfont": _text(extra.get(6)),
            "bsize": extra.get(7, 0) if isinstance(extra.get(7), int) else 0,
        }
        if template.HasField("id"):
            entry["id"] = template.id
        tmpls.append({**entry, **_other(extra.get(255))})
    model: dict[str, Any] = {
        "id": ntid,
        "name": name,
        "type": 1 if config.kind == NotetypeConfig.KIND_CLOZE else 0,
        "sortf": config.sort_field_idx,
        "did": None,
        "tmpls": tmpls,
        "flds": flds,
        "css": config.css,
        "latexPre": _text(unknown.get(5)),
        "latexPost": _text(unknown.get(6)),
        "latexsvg": bool(unknown.get(7, 0)),
        "req": [req for data in _all(config, 8) if (req := _requirement(data)) is not None],
    }
    if isinstance(unknown.get(9), int):
        model["originalStockKind"] = unknown[9]
    return {**model, **other}


def _config_latex(config: NotetypeConfig) -> tuple[str, str] | None:
    """A schema-18 note type's LaTeX preamble and postamble, where it has them."""
    unknown = _unknown(config)
    if 5 not in unknown and 6 not in unknown:
        return None
    return latex_of(_text(unknown.get(5)), _text(unknown.get(6)))


class _Bad(Exception):
    """A part of the collection (a note type, a deck) that is not as Anki writes it."""


def _get(mapping: Any, key: str, kind: type, what: str) -> Any:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _Bad(f"{what} has no valid {key!r}")
    return value


def _blob(value: Any) -> bytes:
    if not isinstance(value, bytes):
        raise DecodeError(f"expected a protobuf blob, found {type(value).__name__}")
    return value


def _optional_id(value: Any) -> int | None:
    """A field's or template's id, if it is one Anki could have written."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value if -_MAX_ID - 1 <= value <= _MAX_ID else None


class _Reader:
    def __init__(self, connection: sqlite3.Connection, entry: str) -> None:
        self.connection = connection
        self.entry = entry
        self.problems: list[str] = []

    def _require(self, tables: set[str], *names: str) -> None:
        for name in names:
            if name not in tables:
                raise PackageError(
                    f"{self.entry} is not an Anki collection: it has no {name!r} table"
                )

    def read(self, tables: set[str]) -> Collection:
        self._require(tables, "col", "notes", "cards")
        row = self.connection.execute("SELECT ver FROM col").fetchone()
        schema = row[0] if row else None
        if not isinstance(schema, int) or not _OLDEST <= schema <= _NEWEST:
            newer = isinstance(schema, int) and schema > _NEWEST
            raise PackageError(
                f"{self.entry} has collection schema {schema!r}; Anki opens {_OLDEST} to {_NEWEST}",
                "export it with 'Support older Anki versions'" if newer else None,
            )
        if schema >= _TABLES_FROM:
            self._require(tables, "notetypes", "fields", "templates", "decks")
            notetypes, decks = self._notetypes_tables(), self._decks_table()
        else:
            models, deck_json = self.connection.execute("SELECT models, decks FROM col").fetchone()
            notetypes = self._json_objects(models, "note type", self._notetype_json)
            decks = self._json_objects(deck_json, "deck", self._deck_json)
            carried = self._carried_decks(deck_json)
            return Collection(
                schema, notetypes, decks, self._notes(), tuple(self.problems), carried
            )
        return Collection(schema, notetypes, decks, self._notes(), tuple(self.problems))

    def _carried_decks(self, deck_json: Any) -> dict[str, tuple[str, ...]]:
        """CrowdAnki's decks (:func:`collection_deck`) with their options groups, by name."""
        try:
            (conf_json,) = self.connection.execute("SELECT dconf FROM col").fetchone()
            decks, configs = json.loads(deck_json), json.loads(conf_json)
        except (ValueError, RecursionError, TypeError, sqlite3.Error):
            return {}
        if not isinstance(decks, dict) or not isinstance(configs, dict):
            return {}
        entries: dict[str, str] = {}
        for deck in decks.values():
            config = configs.get(str(deck.get("conf"))) if isinstance(deck, dict) else None
            entry = (
                collection_deck(deck, config if isinstance(config, dict) else None)
                if isinstance(deck, dict)
                else None
            )
            if entry is not None:
                entries.setdefault(deck["name"], entry)
        chains: dict[str, tuple[str, ...]] = {}
        for name in entries:
            parts = name.split("::")
            above = ["::".join(parts[: depth + 1]) for depth in range(len(parts))]
            if all(prefix in entries for prefix in above):
                chains[name] = tuple(entries[prefix] for prefix in above)
        return chains

    def _json_objects(
        self, text: Any, what: str, parse: Callable[[Any], tuple[int, Any]]
    ) -> dict[int, Any]:
        try:
            objects = json.loads(text) if isinstance(text, str | bytes) else None
        except (ValueError, RecursionError) as exc:
            raise PackageError(f"{self.entry}: the {what}s are not valid JSON: {exc}") from None
        if not isinstance(objects, dict):
            raise PackageError(f"{self.entry}: the {what}s are not a JSON object")
        parsed = {}
        for key, value in objects.items():
            try:
                object_id, item = parse(value)
            except _Bad as exc:
                self.problems.append(f"{what} {key}: {exc}")
                continue
            parsed[object_id] = item
        return parsed

    @staticmethod
    def _deck_json(deck: Any) -> tuple[int, str]:
        return _get(deck, "id", int, "the deck"), _get(deck, "name", str, "the deck")

    @staticmethod
    def _notetype_json(model: Any) -> tuple[int, AnkiNotetype]:
        name = _get(model, "name", str, "the note type")
        model_id = model.get("id")
        if isinstance(model_id, str) and model_id.isascii() and model_id.isdigit():
            model_id = int(model_id)  # some writers store it as a string
        if not isinstance(model_id, int) or isinstance(model_id, bool):
            raise _Bad(f"note type {name!r} has no valid 'id'")
        if not 1 <= model_id <= _MAX_ID:
            raise _Bad(f"note type {name!r} has the id {model_id}, which Anki does not take")
        what = f"note type {name!r}"
        fields = sorted(_get(model, "flds", list, what), key=lambda f: _get(f, "ord", int, what))
        templates = sorted(
            _get(model, "tmpls", list, what), key=lambda t: _get(t, "ord", int, what)
        )
        kind = model.get("type", 0)
        sort_field = model.get("sortf", 0)
        return model_id, AnkiNotetype(
            id=model_id,
            name=name,
            fields=tuple(_get(f, "name", str, what) for f in fields),
            field_ids=tuple(_optional_id(f.get("id")) for f in fields),
            templates=tuple(
                (
                    _get(t, "name", str, what),
                    _get(t, "qfmt", str, what),
                    _get(t, "afmt", str, what),
                )
                for t in templates
            ),
            template_ids=tuple(_optional_id(t.get("id")) for t in templates),
            css=model.get("css") if isinstance(model.get("css"), str) else "",
            cloze=kind == 1,
            sort_field=sort_field if isinstance(sort_field, int) else 0,
            latex=_latex(model),
            carried=carried_model(model, model_id),
        )

    def _notetypes_tables(self) -> dict[int, AnkiNotetype]:
        fields: dict[Any, list[tuple[str, int | None]]] = defaultdict(list)
        templates: dict[Any, list[tuple[tuple[str, str, str], int | None]]] = defaultdict(list)
        field_configs: dict[Any, list[tuple[str, FieldConfig]]] = defaultdict(list)
        template_configs: dict[Any, list[tuple[str, TemplateConfig]]] = defaultdict(list)
        try:
            for ntid, name, blob in self.connection.execute(
                "SELECT ntid, name, config FROM fields ORDER BY ntid, ord"
            ):
                field = FieldConfig.FromString(_blob(blob))
                fields[ntid].append((str(name), field.id if field.HasField("id") else None))
                field_configs[ntid].append((str(name), field))
            for ntid, name, blob in self.connection.execute(
                "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
            ):
                template = TemplateConfig.FromString(_blob(blob))
                formats = (str(name), template.q_format, template.a_format)
                templates[ntid].append((formats, template.id if template.HasField("id") else None))
                template_configs[ntid].append((str(name), template))
            rows = self.connection.execute("SELECT id, name, config FROM notetypes").fetchall()
            configs = [
                (ntid, name, NotetypeConfig.FromString(_blob(blob))) for ntid, name, blob in rows
            ]
        except DecodeError as exc:
            raise PackageError(f"{self.entry}: a note type's settings are damaged: {exc}") from None
        notetypes = {}
        for ntid, name, config in configs:
            if not isinstance(ntid, int) or not isinstance(name, str) or ntid < 1:
                self.problems.append(f"note type {ntid!r} has no valid id or name")
                continue
            legacy = _legacy_model(ntid, name, config, field_configs[ntid], template_configs[ntid])
            notetypes[ntid] = AnkiNotetype(
                id=ntid,
                name=name,
                fields=tuple(field for field, _ in fields[ntid]),
                field_ids=tuple(field_id for _, field_id in fields[ntid]),
                templates=tuple(template for template, _ in templates[ntid]),
                template_ids=tuple(template_id for _, template_id in templates[ntid]),
                css=config.css,
                cloze=config.kind == NotetypeConfig.KIND_CLOZE,
                sort_field=config.sort_field_idx,
                latex=_latex(legacy) if legacy is not None else _config_latex(config),
                carried=None if legacy is None else carried_model(legacy, ntid),
            )
        return notetypes

    def _decks_table(self) -> dict[int, str]:
        decks = {}
        for deck_id, name in self.connection.execute("SELECT id, name FROM decks"):
            if isinstance(deck_id, int) and isinstance(name, str):
                decks[deck_id] = name.replace("\x1f", "::")
            else:
                self.problems.append(f"deck {deck_id!r} has no valid id or name")
        return decks

    def _notes(self) -> tuple[AnkiNote, ...]:
        cards: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for nid, did, odid, ord_ in self.connection.execute(
            "SELECT nid, did, odid, ord FROM cards ORDER BY nid, ord, id"
        ):
            if all(isinstance(value, int) for value in (nid, did, odid, ord_)):
                # A card in a filtered deck belongs to its original deck.
                cards[nid].append((ord_, odid or did))
        notes = []
        for nid, guid, mid, tags, flds, flags, data in self.connection.execute(
            "SELECT id, guid, mid, tags, flds, flags, data FROM notes ORDER BY id"
        ):
            if not (isinstance(nid, int) and isinstance(mid, int) and isinstance(flds, str)):
                self.problems.append(f"note {nid!r} has no valid id, note type id or fields")
                continue
            notes.append(
                AnkiNote(
                    id=nid,
                    guid=guid if isinstance(guid, str) else "",
                    mid=mid,
                    tags=tuple(tags.split()) if isinstance(tags, str) else (),
                    fields=tuple(flds.split("\x1f")),
                    cards=tuple(cards.get(nid, ())),
                    columns=(
                        flags if isinstance(flags, int) else 0,
                        data if isinstance(data, str) else "",
                    ),
                )
            )
        return tuple(notes)
