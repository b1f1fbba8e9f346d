"""The genanki baseline: the notes the floor reads, built and written by genanki alone.

Reads ``question TAB answer TAB tags`` rows (fields already HTML), makes one
``genanki.Note`` per row (GUID from the question with ``genanki.guid_for``) in one deck of a
basic note type, and writes the package with ``Package.write_to_file``: genanki's usual path,
one ``execute`` per note and per card, the database stored uncompressed. genanki leaves its
temporary database in ``$TMPDIR``; the runner points that at a folder it removes.

Usage: ``python benchmarks/genanki_baseline.py NOTES.tsv OUT.apkg``
"""

from __future__ import annotations

import sys
from pathlib import Path

import genanki

TIMESTAMP = 1_700_000_000

MODEL = genanki.Model(
    1_607_392_319,
    "Basic",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}',
        }
    ],
)


def build(path: Path) -> genanki.Package:
    """A package holding one deck with every note of ``path``."""
    deck = genanki.Deck(2_059_400_110, "Benchmark")
    with path.open(encoding="utf-8") as lines:
        for position, line in enumerate(lines):
            question, answer, tags = line.rstrip("\n").split("\t")
            deck.add_note(
                genanki.Note(
                    model=MODEL,
                    fields=[question, answer],
                    tags=tags.split(),
                    guid=genanki.guid_for(question),
                    due=position,
                )
            )
    return genanki.Package(deck)


def main() -> None:
    """Write the package of ``argv[1]``'s notes to ``argv[2]``."""
    build(Path(sys.argv[1])).write_to_file(sys.argv[2], timestamp=TIMESTAMP)


if __name__ == "__main__":
    main()
