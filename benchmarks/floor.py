"""The floor: the least work that turns a file of notes into an Anki-shaped package.

Reads ``question TAB answer TAB tags`` rows (fields already HTML), derives a GUID and Anki's
checksum per note, inserts schema-11 ``notes`` and ``cards`` rows with one ``executemany``
each into a fresh in-memory SQLite database (Anki's tables and indexes, one ``col`` row), and
writes it deflated into a zip beside an empty media map. No parsing of a real format, no
cleaning or rendering: what any writer has to pay at least.

Usage: ``python benchmarks/floor.py NOTES.tsv OUT.apkg``
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

TIMESTAMP = 1_700_000_000
MODEL_ID = 1_607_392_319
DECK_ID = 2_059_400_110
FIRST_ID = TIMESTAMP * 1000

SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null,
  scm integer not null, ver integer not null, dty integer not null, usn integer not null,
  ls integer not null, conf text not null, models text not null, decks text not null,
  dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null,
  mod integer not null, usn integer not null, tags text not null, flds text not null,
  sfld integer not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null,
  ord integer not null, mod integer not null, usn integer not null, type integer not null,
  queue integer not null, due integer not null, ivl integer not null, factor integer not null,
  reps integer not null, lapses integer not null, left integer not null,
  odue integer not null, odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null,
  ease integer not null, ivl integer not null, lastIvl integer not null,
  factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
CREATE INDEX ix_notes_usn on notes (usn);
CREATE INDEX ix_cards_usn on cards (usn);
CREATE INDEX ix_revlog_usn on revlog (usn);
CREATE INDEX ix_cards_nid on cards (nid);
CREATE INDEX ix_cards_sched on cards (did, queue, due);
CREATE INDEX ix_revlog_cid on revlog (cid);
CREATE INDEX ix_notes_csum on notes (csum);
"""

NoteRow = tuple[int, str, int, int, int, str, str, str, int, int, str]
CardRow = tuple[
    int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, int, str
]


def note_rows(path: Path) -> Iterator[NoteRow]:
    """One ``notes`` row per line of the TSV; note ids count up from the time in ms."""
    with path.open(encoding="utf-8") as lines:
        for position, line in enumerate(lines):
            question, answer, tags = line.rstrip("\n").split("\t")
            guid = hashlib.sha256(question.encode()).hexdigest()[:16]
            csum = int(hashlib.sha1(question.encode()).hexdigest()[:8], 16)
            tag_text = f" {tags} " if tags else ""
            note_id = FIRST_ID + position
            flds = f"{question}\x1f{answer}"
            yield (note_id, guid, MODEL_ID, TIMESTAMP, -1, tag_text, flds, question, csum, 0, "")


def card_rows(count: int) -> Iterator[CardRow]:
    """One new card per note, in the deck, due in file order; ids follow the notes'."""
    for due in range(count):
        note_id = FIRST_ID + due
        yield (
            note_id + count,
            note_id,
            DECK_ID,
            0,
            TIMESTAMP,
            -1,
            0,
            0,
            due,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            "",
        )


def build(source: Path, database: Path) -> None:
    """Fill the fresh collection database ``database`` with every note of ``source``."""
    connection = sqlite3.connect(database)
    # A scratch file that is zipped and deleted: no journal, no waiting for the disk.
    connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    models = {str(MODEL_ID): {"id": MODEL_ID, "name": "Basic", "flds": [], "tmpls": []}}
    decks = {str(DECK_ID): {"id": DECK_ID, "name": "Benchmark"}}
    connection.execute(
        "INSERT INTO col VALUES (1, ?, ?, 0, 11, 0, 0, 0, '{}', ?, ?, '{}', '{}')",
        (TIMESTAMP, TIMESTAMP * 1000, json.dumps(models), json.dumps(decks)),
    )
    cursor = connection.executemany(
        "INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows(source)
    )
    connection.executemany(
        "INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows(cursor.rowcount)
    )
    connection.commit()
    connection.close()


def main() -> None:
    """Write the package of ``argv[1]``'s notes to ``argv[2]``."""
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    database = target.with_name(target.name + ".anki2.tmp")
    database.unlink(missing_ok=True)
    try:
        build(source, database)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            archive.write(database, "collection.anki2")
            archive.writestr("media", "{}")
    finally:
        database.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
