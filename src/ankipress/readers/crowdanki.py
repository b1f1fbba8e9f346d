"""CrowdAnki folders as input: ``deck.json`` (under any name) and the ``media/`` beside it.

CrowdAnki (the Anki add-on that keeps decks in git) writes a deck as JSON, keys sorted::

    {"__type__": "Deck", "name": "Top", "crowdanki_uuid": "…", "desc": "…",
     "children": [{"__type__": "Deck", "name": "Child", …}],
     "note_models": [{"__type__": "NoteModel", "crowdanki_uuid": "…", "name": "…",
                      "type": 0, "css": "…", "sortf": 0,
                      "flds": [{"name": "Front", "ord": 0, "id": …}, …],
                      "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "…", "afmt": "…"}]}],
     "notes": [{"__type__": "Note", "guid": "…", "note_model_uuid": "…",
                "fields": ["…", "…"], "tags": ["…"]}],
     "media_files": ["picture.png"]}

Choices:

* Each note model is carried as it is (:attr:`NoteKind.CUSTOM`): name, fields, templates,
  CSS, cloze or not, sort field, and the ``id`` of each field and template where Anki wrote
  one (Anki matches fields and templates by them). CrowdAnki drops a model's own ``id`` (it
  matches models by ``crowdanki_uuid``), so the note type's id is derived from that UUID:
  a folder builds the same note type every time. A folder ankipress wrote from a package
  names each model with a UUID that holds the package's id (:func:`model_uuid`), so the
  package built from it again updates the collection it came from.
* Notes keep their GUID, fields (HTML, untouched) and tags; a child deck's notes go to
  ``Parent::Child``. The cards are those Anki generates from the fields.
* Media are the files of the ``media/`` folder beside the JSON, only those: a listed name
  that is a path or leads out of the folder is an error; one listed but missing is a
  warning (the deck still builds, without it).
* Damaged JSON is one error at its line and column; a note that cannot be read is an error
  at its line, and the others are still read.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ankipress.model import (
    Diagnostic,
    Media,
    Note,
    NoteKind,
    NoteType,
    ReadOptions,
    ReadResult,
    Severity,
    SourceLocation,
    TextFormat,
    latex_of,
)
from ankipress.readers.apkg_media import unsafe_reason
from ankipress.readers.crowdankiformat import (
    MEDIA_FOLDER,
    carried_deck,
    carried_model,
    model_id,
)
from ankipress.render.media import find_references, name_candidates
from ankipress.sources import Source

__all__ = ["CrowdAnkiReader", "looks_like_crowdanki"]

_SNIFF_CHARS = 4096


class _Positions:
    """JSON decoding that remembers where each object starts (character offsets)."""

    def __init__(self) -> None:
        self.starts: dict[int, int] = {}
        decoder = json.JSONDecoder()
        # The pure-Python scanner calls the decoder's parse_object for each object: wrapped,
        # it tells where the object starts (the C scanner tells nothing).
        parse_object: Callable[..., tuple[Any, int]] = getattr(json.decoder, "JSONObject")  # noqa: B009

        def recording(state: tuple[str, int], *args: Any) -> tuple[Any, int]:
            value, end = parse_object(state, *args)
            self.starts[id(value)] = state[1] - 1
            return value, end

        setattr(decoder, "parse_object", recording)  # noqa: B010
        make_scanner: Callable[[json.JSONDecoder], Any] = getattr(json.scanner, "py_make_scanner")  # noqa: B009
        setattr(decoder, "scan_once", make_scanner(decoder))  # noqa: B010
        self.decoder = decoder

    def load(self, text: str) -> Any:
        return self.decoder.decode(text)


def _line_of(breaks: list[int], offset: int | None) -> int | None:
    """The 1-based line of ``offset``, given the offsets of the text's line breaks."""
    return None if offset is None else bisect.bisect_right(breaks, offset) + 1


def looks_like_crowdanki(text: str) -> bool:
    """Whether ``text`` starts as a CrowdAnki deck does: an object of ``__type__`` Deck."""
    head = text.lstrip("\ufeff \t\r\n")[:_SNIFF_CHARS]
    return head.startswith("{") and '"__type__"' in head and '"Deck"' in head


class _Reading:
    def __init__(self, source: Source, options: ReadOptions) -> None:
        self.source = source
        self.options = options
        self.folder = Path(source.path).parent / MEDIA_FOLDER
        self.diagnostics: list[Diagnostic] = []
        self.notes: list[Note] = []
        self.models: dict[str, NoteType] = {}
        self.refused: set[str] = set()  # models already reported: their notes are not again
        self.decks: list[str] = []
        self.configs: dict[str, dict[str, Any]] = {}
        self.seen = 0
        self.listed: list[tuple[str, int | None]] = []
        self.positions = _Positions()
        self.text = source.text.lstrip("\ufeff")
        self.breaks = [match.start() for match in re.finditer("\n", self.text)]

    def where(self, value: object = None) -> SourceLocation:
        offset = self.positions.starts.get(id(value)) if value is not None else None
        return self.source.location(_line_of(self.breaks, offset))

    def say(self, value: object, severity: Severity, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(self.where(value), severity, message, hint))

    def run(self) -> ReadResult:
        text = self.text
        try:
            root = self.positions.load(text)
        except json.JSONDecodeError as exc:
            location = SourceLocation(self.source.path, exc.lineno, exc.colno)
            message = f"the CrowdAnki deck is not valid JSON: {exc.msg}"
            hint = "fix the JSON there (a comma, quote or bracket)"
            return self._failed(Diagnostic(location, Severity.ERROR, message, hint))
        except RecursionError:
            message = "the CrowdAnki deck is nested too deeply to read"
            return self._failed(Diagnostic(self.where(), Severity.ERROR, message))
        if not isinstance(root, dict) or root.get("__type__") != "Deck":
            self.say(
                root,
                Severity.ERROR,
                'not a CrowdAnki deck: the JSON is not an object with "__type__": "Deck"',
                "give the deck.json CrowdAnki wrote",
            )
            return self._result([])
        self._models(root)
        for config in _dicts(root.get("deck_configurations")):
            if isinstance(config.get("crowdanki_uuid"), str):
                self.configs.setdefault(config["crowdanki_uuid"], config)
        self._deck(root, "", ())
        return self._result(self._media())

    def _failed(self, diagnostic: Diagnostic) -> ReadResult:
        return ReadResult(notes=(), diagnostics=(diagnostic,), cards_seen=0)

    def _result(self, media: list[Media]) -> ReadResult:
        return ReadResult(
            notes=tuple(self.notes),
            diagnostics=(*self.source.diagnostics, *self.diagnostics),
            cards_seen=self.seen,
            deck_titles=tuple(self.decks),
            media=tuple(media),
        )

    def _models(self, deck: dict[str, Any]) -> None:
        for model in _list(deck.get("note_models")):
            found = self._model(model)
            if found is not None:
                self.models[found[0]] = found[1]
            elif isinstance(model, dict) and isinstance(model.get("crowdanki_uuid"), str):
                self.refused.add(model["crowdanki_uuid"])
        for child in _list(deck.get("children")):
            if isinstance(child, dict):
                self._models(child)

    def _model(self, model: object) -> tuple[str, NoteType] | None:
        if not isinstance(model, dict):
            self.say(model, Severity.ERROR, "a note model is not a JSON object")
            return None
        key = model.get("crowdanki_uuid")
        name = model.get("name")
        if not isinstance(key, str) or not isinstance(name, str) or not name.strip():
            self.say(model, Severity.ERROR, "a note model lacks its crowdanki_uuid or name")
            return None
        fields = sorted(_dicts(model.get("flds")), key=lambda f: _int(f.get("ord"), 0))
        templates = sorted(_dicts(model.get("tmpls")), key=lambda t: _int(t.get("ord"), 0))
        names = [f.get("name") for f in fields]
        if not fields or not all(isinstance(n, str) and n for n in names):
            self.say(
                model,
                Severity.ERROR,
                f"note model {name!r}: its fields have no names",
                'give it "flds": one field at least, each with a name',
            )
            return None
        shapes = [(t.get("name"), t.get("qfmt"), t.get("afmt")) for t in templates]
        if not templates or not all(all(isinstance(s, str) for s in shape) for shape in shapes):
            self.say(
                model,
                Severity.ERROR,
                f"note model {name!r}: its card templates lack a name, qfmt or afmt",
                'give it "tmpls": one card template at least, each with name, qfmt and afmt',
            )
            return None
        css = model.get("css")
        sort_field = _int(model.get("sortf"), 0)
        pre, post = model.get("latexPre"), model.get("latexPost")
        notetype = NoteType(
            name=name,
            fields=tuple(str(n) for n in names),
            templates=tuple((str(a), str(b), str(c)) for a, b, c in shapes),
            css=css if isinstance(css, str) else "",
            cloze=model.get("type") == 1,
            fixed_id=model_id(key),
            field_ids=tuple(_id(f.get("id")) for f in fields),
            template_ids=tuple(_id(t.get("id")) for t in templates),
            sort_field=sort_field if 0 <= sort_field < len(fields) else 0,
            latex=latex_of(pre, post),
            carried=carried_model(model),
        )
        return key, notetype

    def _deck(self, deck: dict[str, Any], parent: str, above: tuple[str, ...] | None) -> None:
        name = deck.get("name")
        if not isinstance(name, str) or not name.strip():
            name = self.options.default_deck if not parent else ""
            if not name:
                self.say(deck, Severity.ERROR, "a subdeck has no name", 'give it a "name"')
                return
        full = f"{parent}::{name}" if parent else name
        self.decks.append(full)
        # The deck's own keys go through a package (with its options group), as they were.
        carried = None
        if above is not None and isinstance(deck.get("crowdanki_uuid"), str):
            config = self.configs.get(str(deck.get("deck_config_uuid")))
            carried = (*above, carried_deck({**deck, "name": name}, config))
        for item in _list(deck.get("media_files")):
            self.listed.append((item, _line_of(self.breaks, self.positions.starts.get(id(deck)))))
        for child in _list(deck.get("children")):
            if isinstance(child, dict):
                self._deck(child, full, carried)
            else:
                self.say(deck, Severity.ERROR, f"deck {full!r}: a child deck is not an object")
        for note in _list(deck.get("notes")):
            self.seen += 1
            self._note(note, full, carried)

    def _note(self, note: object, deck: str, carried: tuple[str, ...] | None) -> None:
        if not isinstance(note, dict):
            self.say(note, Severity.ERROR, "a note is not a JSON object")
            return
        guid = note.get("guid")
        label = f"note {guid!r}" if isinstance(guid, str) and guid else "a note"
        model = self.models.get(str(note.get("note_model_uuid")))
        if model is None and note.get("note_model_uuid") in self.refused:
            return  # its note model is refused, with an error there
        if model is None:
            self.say(
                note,
                Severity.ERROR,
                f"{label}: its note_model_uuid {note.get('note_model_uuid')!r} names no "
                "note model of the deck",
                "give it the crowdanki_uuid of one of the deck's note_models",
            )
            return
        fields = note.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            self.say(
                note,
                Severity.ERROR,
                f"{label}: its fields are not a list of strings",
                "write its fields as a JSON list of strings, one for each field of its model",
            )
            return
        width = len(model.fields)
        if len(fields) > width and any(f.strip() for f in fields[width:]):
            self.say(
                note,
                Severity.ERROR,
                f"{label} has {len(fields)} fields; its note model {model.name!r} has {width}",
                "add the field to the note model's flds, or move its text into another field",
            )
            return
        if len(fields) < width:
            self.say(
                note,
                Severity.WARNING,
                f"{label} has {len(fields)} fields; its note model {model.name!r} has {width}: "
                "the missing ones are empty",
            )
        fields = [*fields[:width], *("" for _ in range(width - len(fields)))]
        tags = note.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.say(
                note, Severity.WARNING, f"{label}: its tags are not a list of strings; dropped"
            )
            tags = []
        if not isinstance(guid, str) or not guid:
            self.say(
                note,
                Severity.WARNING,
                f"{label} has no guid; ankipress derives one from its deck and question",
            )
            guid = None
        self.notes.append(
            Note(
                question=fields[0],
                answer=fields[1] if width > 1 else "",
                deck=deck,
                location=self.where(note),
                tags=tuple(tags),
                guid=guid,
                text_format=TextFormat.HTML,
                kind=NoteKind.CUSTOM,
                notetype=model,
                fields=tuple(fields),
                sealed=True,
                deck_carried=carried,
                columns=_columns(note),
            )
        )

    def _wanted(self) -> dict[str, int | None]:
        """Media names the deck lists or its notes and note types name, with a line."""
        wanted: dict[str, int | None] = {}
        for name, line in self.listed:
            wanted.setdefault(name, line)
        self.used: set[str] = set()
        self.in_notes: set[str] = set()  # the names the notes' fields show
        texts = [(t, n.location.line) for n in self.notes for t in n.fields]
        texts.extend(
            (text, None)
            for model in self.models.values()
            for text in (model.css, *(t for shape in model.templates for t in shape[1:]))
        )
        for text, line in texts:
            for ref in find_references(text):
                shown, candidates = name_candidates(ref)
                safe = [n for n in candidates if unsafe_reason(n) is None and "{{" not in n]
                present = [n for n in safe if (self.folder / n).is_file()]
                if present or shown in safe:
                    wanted.setdefault(present[0] if present else shown, line)
                self.used.update(candidates)
                if line is not None:
                    self.in_notes.update(candidates)
        return wanted

    def _media(self) -> list[Media]:
        media: list[Media] = []
        missing: list[str] = []
        folder = self.folder
        try:
            root = folder.resolve() if folder.is_dir() else None
        except OSError:
            root = None
        for name, line in sorted(self._wanted().items()):
            problem = unsafe_reason(name)
            if problem is not None and name not in self.used and not _climbs(name):
                # Only the deck's media_files list names it (a leftover of a renamed file):
                # nothing shows it, so the deck is built without it.
                message = f"media file {name!r} listed in media_files is skipped: {problem}"
                hint = "no note or card template uses it; remove it from media_files"
                self.diagnostics.append(
                    Diagnostic(self.source.location(line), Severity.WARNING, message, hint)
                )
                continue
            if problem is not None:
                message = f"media file {name!r} is refused: {problem}"
                hint = f"media files are the files of the {MEDIA_FOLDER}/ folder, by name"
                self.diagnostics.append(
                    Diagnostic(self.source.location(line), Severity.ERROR, message, hint)
                )
                continue
            path = folder / name
            if root is None or not path.is_file():
                missing.append(name)
                continue
            try:
                real = path.resolve()
                if not real.is_relative_to(root):
                    message = f"media file {name!r} leads out of the {MEDIA_FOLDER}/ folder"
                    self.diagnostics.append(
                        Diagnostic(self.source.location(line), Severity.ERROR, message)
                    )
                    continue
                media.append(Media(name, real.read_bytes(), self.source.location(line)))
            except OSError as exc:
                message = f"cannot read media file {name!r}: {exc.strerror or exc}"
                self.diagnostics.append(
                    Diagnostic(self.source.location(line), Severity.ERROR, message)
                )
        # A missing file a note shows is warned about at each reference, when the package is
        # made; here only where it was looked for (said once), and the other missing ones.
        shown_by_notes = [name for name in missing if name in self.in_notes]
        others = [name for name in missing if name not in self.in_notes]
        where = f"{folder}/" if root is not None else f"{folder}/ (there is no such folder)"
        for names, severity, what in (
            (others, Severity.WARNING, "the deck names"),
            (shown_by_notes, Severity.INFO, "the notes show"),
        ):
            if not names:
                continue
            shown = ", ".join(map(repr, names[:3]))
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            message = f"{len(names)} media file(s) {what} are not in {where}: {shown}{more}"
            hint = "the cards show without them; put them in the media folder"
            if severity is Severity.INFO:
                hint = "put them in the media folder; each place that shows one is listed"
            self.diagnostics.append(Diagnostic(self.source.location(), severity, message, hint))
        return media


def _columns(note: dict[str, Any]) -> tuple[int, str] | None:
    """A note's flags and data, where it has them (older CrowdAnki exports)."""
    if "flags" not in note and "data" not in note:
        return None
    flags, data = note.get("flags"), note.get("data")
    return (_int(flags, 0), data if isinstance(data, str) else "")


def _climbs(name: str) -> bool:
    """Whether a media name reaches outside the media folder (up, or from a root or drive),
    rather than naming a file in a subfolder of it."""
    parts = re.split(r"[\\/]", name)
    return ".." in parts or not parts[0] or ":" in name


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _id(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class CrowdAnkiReader:
    """CrowdAnki decks: deck.json (any name) and its media/ folder."""

    name: str = "crowdanki"
    extensions: tuple[str, ...] = (".json",)
    description: str = "a CrowdAnki deck (deck.json and its media/ folder)"
    options: tuple[str, ...] = ()

    def sniff(self, source: Source) -> float:
        """Certain for a JSON object of ``"__type__": "Deck"``; nothing else."""
        return 1.0 if looks_like_crowdanki(source.text) else 0.0

    def read(self, source: Source, options: ReadOptions) -> ReadResult:
        """Every note of the deck and its subdecks, with their note models and media."""
        return _Reading(source, options).run()
