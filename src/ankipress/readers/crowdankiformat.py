"""What CrowdAnki's reader and writer share: the folder's names and the ids its UUIDs hold.

CrowdAnki names every deck, note model and deck configuration by a ``crowdanki_uuid`` and
drops Anki's own ids. ankipress gives a note type the UUID :func:`model_uuid` makes from
its id (a version-8 UUID, RFC 9562's free layout, marked ``ankipr``), so that
:func:`model_id` reads the id back; any other UUID (CrowdAnki's own) gives a stable id of
its own, so that a folder builds the same note types every time.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

__all__ = [
    "DECK_FILE",
    "MEDIA_FOLDER",
    "NOTE_COLUMNS",
    "carried_deck",
    "carried_model",
    "carried_uuid",
    "collection_deck",
    "model_id",
    "model_uuid",
    "name_uuid",
]

DECK_FILE = "deck.json"
MEDIA_FOLDER = "media"
# "ankipr" in the first 48 bits of a version-8 UUID: its last 62 bits hold a note type's id.
_MARK = 0x616E6B697072
_ID_BITS = 62
_ID_FLOOR = 1 << 30
_NAMESPACE = uuid.UUID("5b0e7d8a-2f4c-4b7e-9a51-616e6b697072")


def model_uuid(notetype_id: int) -> str:
    """The ``crowdanki_uuid`` ankipress gives a note type with this id (one that holds it)."""
    if not 0 <= notetype_id < 1 << _ID_BITS:
        return name_uuid("notetype", str(notetype_id))
    value = (_MARK << 80) | (8 << 76) | (0b10 << 62) | notetype_id
    return str(uuid.UUID(int=value))


def model_id(crowdanki_uuid: str) -> int:
    """The note-type id of the model with this ``crowdanki_uuid``: the id a UUID of
    :func:`model_uuid` holds, else a stable hash of the UUID."""
    try:
        value: int | None = uuid.UUID(crowdanki_uuid).int
    except ValueError:
        value = None
    if value is not None and value >> 80 == _MARK and (value >> 76) & 0xF == 8:
        return value & ((1 << _ID_BITS) - 1)
    digest = hashlib.sha256(f"crowdanki {crowdanki_uuid}".encode()).digest()
    return _ID_FLOOR + int.from_bytes(digest[:8], "big") % ((1 << 52) - _ID_FLOOR)


def name_uuid(kind: str, name: str) -> str:
    """A stable UUID for a deck or deck configuration of this name (version 5)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}\x1f{name}"))


# What a collection adds to a note model and CrowdAnki leaves out of its folder (and back).
_COLLECTION_KEYS = ("__type__", "id", "mod", "usn")


def carried_model(model: dict[str, Any], notetype_id: int | None = None) -> str | None:
    """A CrowdAnki note model as :attr:`NoteType.carried` keeps it: its keys but those of a
    collection (``id``, ``mod``, ``usn``) and ``__type__``, as JSON. ``None`` if it has no
    ``crowdanki_uuid``, or one of :func:`model_uuid` (ankipress wrote it from the note type
    alone, and does so again), or (read from a package: ``notetype_id`` given) if that id is
    not the one :func:`model_id` gives its UUID: the note type of a collection, not a folder's."""
    key = model.get("crowdanki_uuid")
    if not isinstance(key, str) or (notetype_id is not None and model_id(key) != notetype_id):
        return None
    if model_uuid(model_id(key)) == key:
        return None  # ankipress's own UUID: it writes such a model from the note type alone
    kept = {name: value for name, value in model.items() if name not in _COLLECTION_KEYS}
    if notetype_id is not None and kept.get("did", 0) is None:
        del kept["did"]  # a package wants one: null stands for the folder's none
    return json.dumps(kept, sort_keys=True, ensure_ascii=False)


def carried_uuid(carried: str | None) -> str | None:
    """The ``crowdanki_uuid`` of a carried note model."""
    if carried is None:
        return None
    key = json.loads(carried).get("crowdanki_uuid")
    return key if isinstance(key, str) else None


# A CrowdAnki deck's keys that are not the deck's own: its contents, and the top deck's lists.
_DECK_CONTENTS = (
    "__type__",
    "children",
    "notes",
    "media_files",
    "note_models",
    "deck_configurations",
)
# What a collection adds to a deck and CrowdAnki's export leaves out (its export filter).
_DECK_COLLECTION_KEYS = (
    *_COLLECTION_KEYS,
    "conf",
    "newToday",
    "revToday",
    "timeToday",
    "lrnToday",
    "collapsed",
    "browserCollapsed",
    "metadata",
)


# The keys of a note that older CrowdAnki exports hold beside the others (Anki's columns),
# and the key of a package's deck that tells which of them its notes had.
NOTE_COLUMNS = ("data", "flags")
_NOTE_KEYS = "crowdanki_note_keys"


def _entry(deck: dict[str, Any], config: dict[str, Any] | None, keys: list[str]) -> str:
    kept = None if config is None else {k: v for k, v in config.items() if k != "__type__"}
    entry = {"config": kept, "deck": deck, "notes": keys}
    return json.dumps(entry, sort_keys=True, ensure_ascii=False)


def carried_deck(deck: dict[str, Any], config: dict[str, Any] | None) -> str:
    """A CrowdAnki deck as :attr:`Note.deck_carried` keeps it (one level): a JSON object of
    its own keys (``deck``: ``crowdanki_uuid``, ``desc``, ``deck_config_uuid``...), of the
    options group it names (``config``, or null) and of the :data:`NOTE_COLUMNS` its notes
    have (``notes``)."""
    found = deck.get("notes")
    notes = found if isinstance(found, list) else []
    keys = [k for k in NOTE_COLUMNS if any(isinstance(n, dict) and k in n for n in notes)]
    own = {k: v for k, v in deck.items() if k not in _DECK_CONTENTS}
    return _entry(own, config, keys)


def collection_deck(deck: dict[str, Any], config: dict[str, Any] | None) -> str | None:
    """:func:`carried_deck` of a deck a package holds in ``col.decks`` (with its options group
    of ``col.dconf``), as CrowdAnki exports it: ``None`` unless it has a ``crowdanki_uuid``."""
    if not isinstance(deck.get("crowdanki_uuid"), str) or not isinstance(deck.get("name"), str):
        return None
    own = {k: v for k, v in deck.items() if k not in _DECK_COLLECTION_KEYS}
    own["name"] = deck["name"].split("::")[-1]
    keys = own.pop(_NOTE_KEYS, [])
    keys = [k for k in NOTE_COLUMNS if isinstance(keys, list) and k in keys]
    if config is not None and isinstance(config.get("crowdanki_uuid"), str):
        config = {k: v for k, v in config.items() if k not in _COLLECTION_KEYS}
    else:
        config = None  # not CrowdAnki's: Anki's own default group, or the package writer's
    return _entry(own, config, keys)
