"""Import ``.apkg`` files into a fresh collection of the real Anki engine.

This is a thin, test-only wrapper around the ``anki`` PyPI package (the Rust
engine that Anki desktop itself uses).  Each :class:`AnkiCollection` owns a
brand-new collection file in a directory of the caller's choosing, imports
packages exactly as Anki desktop's "Import" dialog does, and exposes the
result as plain, immutable snapshots (:class:`NoteView`, :class:`CardView`)
so that tests never touch the engine's mutable objects.

Typical use::

    with AnkiCollection(tmp_path / "anki") as col:
        counts = col.import_package(apkg_path)
        assert counts.new == 3
        assert [n.guid for n in col.notes()] == [...]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from anki import import_export_pb2
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportLogWithChanges,
)
from anki.decks import DeckId
from anki.notes import Note

__all__ = [
    "COLLECTION_FILENAME",
    "AnkiCollection",
    "CardView",
    "ImportCounts",
    "NoteView",
    "desktop_import_options",
]

#: Name of the collection file created inside the directory given to
#: :class:`AnkiCollection`.  The engine derives the media folder
#: (``collection.media``) and media database (``collection.media.db2``) from it.
COLLECTION_FILENAME = "collection.anki2"


def desktop_import_options() -> ImportAnkiPackageOptions:
    """Return the options Anki desktop's import dialog starts with.

    The dialog (``ts/routes/import-anki-package``) pre-fills its form from the
    backend call ``GetImportAnkiPackagePresets``, which reads collection config
    keys that are unset in a fresh profile.  Their defaults are: do not merge
    note types, do not import scheduling, do not import deck presets, update
    notes *if newer*, update note types *if newer*.
    :meth:`AnkiCollection.import_package` asks the engine for the presets of its
    own fresh collection; this function spells the same values out so tests
    can check they agree.
    """
    return ImportAnkiPackageOptions(
        merge_notetypes=False,
        with_scheduling=False,
        with_deck_configs=False,
        update_notes=import_export_pb2.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        update_notetypes=import_export_pb2.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
    )


@dataclass(frozen=True)
class ImportCounts:
    """Number of notes in each category of the engine's import log.

    For ``.apkg`` imports the engine matches incoming notes to existing ones by
    GUID only:

    * ``new`` - GUID not in the collection; note (and its cards) added.
    * ``updated`` - GUID exists, same note type, and the incoming note's
      modification time is strictly later; fields/tags overwritten in place.
    * ``duplicate`` - GUID exists but the incoming note is not newer; skipped.
    * ``conflicting`` - GUID exists but with a different (or remapped) note
      type; skipped.

    The remaining categories are only filled by other importers (CSV) and are
    expected to be zero for packages; they are kept so that a test can assert
    that.  ``found_notes`` is the number of notes the engine read from the
    package.
    """

    new: int
    updated: int
    duplicate: int
    conflicting: int
    first_field_match: int
    missing_notetype: int
    missing_deck: int
    empty_first_field: int
    found_notes: int

    @classmethod
    def from_response(cls, response: ImportLogWithChanges) -> ImportCounts:
        """Build the counts from an engine ``ImportResponse``."""
        log = response.log
        return cls(
            new=len(log.new),
            updated=len(log.updated),
            duplicate=len(log.duplicate),
            conflicting=len(log.conflicting),
            first_field_match=len(log.first_field_match),
            missing_notetype=len(log.missing_notetype),
            missing_deck=len(log.missing_deck),
            empty_first_field=len(log.empty_first_field),
            found_notes=log.found_notes,
        )


@dataclass(frozen=True)
class NoteView:
    """Immutable snapshot of one note in the collection.

    ``fields`` maps field names to their stored (HTML) content in the note
    type's field order.  ``tags`` are as stored by the engine (which
    canonicalises them on import).  ``decks`` holds the sorted, de-duplicated
    full names (``Parent::Child``) of the decks the note's cards are in.
    """

    guid: str
    notetype: str
    fields: dict[str, str]
    tags: list[str]
    decks: list[str]
    card_count: int


@dataclass(frozen=True)
class CardView:
    """Immutable snapshot of one card, rendered by the engine.

    ``question_html`` and ``answer_html`` are exactly what ``Card.question()``
    and ``Card.answer()`` return, i.e. what Anki's reviewer is given: they start
    with ``<style>{css}</style>`` followed by the rendered template.  Sound tags
    are replaced by ``[anki:play:q:N]``/``[anki:play:a:N]`` markers by the
    engine.  Use :attr:`question_body`/:attr:`answer_body` for the HTML without
    the style prefix.
    """

    note_guid: str
    ord: int
    deck: str
    question_html: str
    answer_html: str
    css: str

    @property
    def question_body(self) -> str:
        """The rendered question without the leading ``<style>`` element."""
        return self.question_html.removeprefix(f"<style>{self.css}</style>")

    @property
    def answer_body(self) -> str:
        """The rendered answer without the leading ``<style>`` element."""
        return self.answer_html.removeprefix(f"<style>{self.css}</style>")


class AnkiCollection:
    """A fresh Anki collection that ``.apkg`` files can be imported into.

    Use it as a context manager (or call :meth:`close`); the underlying engine
    holds the SQLite file open until then.  The directory is created if needed
    and must not already contain a collection: every instance starts empty
    apart from what a new Anki profile has (the "Default" deck and the stock
    note types "Basic", "Cloze", ...).
    """

    def __init__(self, directory: Path) -> None:
        """Create a new, empty collection file in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / COLLECTION_FILENAME
        if self.path.exists():
            msg = f"a collection already exists at {self.path}"
            raise FileExistsError(msg)
        self._col: Collection | None = Collection(str(self.path))

    # context manager ---------------------------------------------------------

    def __enter__(self) -> Self:
        """Return the open collection."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the collection, whether or not the block raised."""
        self.close()

    def close(self) -> None:
        """Close the collection; safe to call more than once."""
        col, self._col = self._col, None
        if col is not None:
            col.close()

    @property
    def collection(self) -> Collection:
        """The underlying engine collection, for checks this wrapper lacks."""
        if self._col is None:
            msg = "the Anki collection is closed"
            raise RuntimeError(msg)
        return self._col

    # importing ---------------------------------------------------------------

    def import_options(self) -> ImportAnkiPackageOptions:
        """Return the options Anki desktop's import dialog would start with.

        Anki desktop fills the dialog from the engine's import presets of the
        open collection; this asks the engine for the same thing.  For a fresh
        collection they equal :func:`desktop_import_options`.
        """
        # The presets call has no public wrapper on Collection; desktop reaches
        # it through the same backend service.
        return self.collection._backend.get_import_anki_package_presets()

    def import_package(self, path: Path) -> ImportCounts:
        """Import the ``.apkg`` at ``path`` with Anki desktop's default options.

        Returns the per-category note counts of the engine's import log.
        Raises the engine's error (a subclass of ``anki.errors.BackendError``)
        if the file is not a readable package.
        """
        request = ImportAnkiPackageRequest(
            package_path=str(Path(path).resolve()),
            options=self.import_options(),
        )
        return ImportCounts.from_response(self.collection.import_anki_package(request))

    # inspection --------------------------------------------------------------

    def _deck_name(self, deck_id: DeckId) -> str:
        return self.collection.decks.name(deck_id)

    def _notetype_name(self, note: Note) -> str:
        notetype = note.note_type()
        if notetype is None:
            msg = f"note {note.id} has no note type"
            raise LookupError(msg)
        return str(notetype["name"])

    def notes(self) -> list[NoteView]:
        """Return every note in the collection, ordered by note id."""
        col = self.collection
        views: list[NoteView] = []
        for note_id in sorted(col.find_notes("")):
            note = col.get_note(note_id)
            cards = note.cards()
            views.append(
                NoteView(
                    guid=note.guid,
                    notetype=self._notetype_name(note),
                    fields=dict(note.items()),
                    tags=list(note.tags),
                    decks=sorted({self._deck_name(card.did) for card in cards}),
                    card_count=len(cards),
                )
            )
        return views

    def cards(self) -> list[CardView]:
        """Return every card in the collection, ordered by card id.

        Card ids of imported cards are kept from the package unless they clash
        with existing ones, so this is normally the order the package created
        them in.
        """
        col = self.collection
        views: list[CardView] = []
        for card_id in sorted(col.find_cards("")):
            card = col.get_card(card_id)
            output = card.render_output()
            views.append(
                CardView(
                    note_guid=card.note().guid,
                    ord=card.ord,
                    deck=self._deck_name(card.did),
                    question_html=output.question_and_style(),
                    answer_html=output.answer_and_style(),
                    css=output.css,
                )
            )
        return views

    def notetype_names(self, *, used_only: bool = False) -> list[str]:
        """Return the sorted names of the collection's note types.

        By default this includes the stock note types every new collection has
        ("Basic", "Basic (and reversed card)", "Basic (optional reversed
        card)", "Basic (type in the answer)", "Cloze", "Image Occlusion").  With
        ``used_only=True`` only note types that have at least one note are
        listed.
        """
        col = self.collection
        if used_only:
            names = [nt.name for nt in col.models.all_use_counts() if nt.use_count]
        else:
            names = [nt.name for nt in col.models.all_names_and_ids()]
        return sorted(names)

    def notetype_css(self, name: str) -> str:
        """Return the CSS of the note type called ``name``.

        Raises ``KeyError`` if there is no such note type.
        """
        notetype = self.collection.models.by_name(name)
        if notetype is None:
            raise KeyError(name)
        return str(notetype["css"])

    def deck_names(self) -> list[str]:
        """Return the sorted full names of all decks (``Parent::Child``).

        Parent decks created implicitly for a subdeck are included.  The
        "Default" deck every collection has is left out unless it contains
        cards (or has subdecks), matching what Anki's deck list shows.
        """
        names = self.collection.decks.all_names_and_ids(
            skip_empty_default=True, include_filtered=True
        )
        return sorted(deck.name for deck in names)
