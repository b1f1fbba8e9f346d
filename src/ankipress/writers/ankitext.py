"""Writer of Anki's "Notes in Plain Text", byte for byte as Anki's own export writes it.

Anki's exporter (``rslib/src/import_export/text/csv/export.rs``) writes ``#separator:tab``,
``#html:…``, then ``#guid column:1``, ``#notetype column:2``, ``#deck column:3`` and
``#tags column:N``; every row is padded with empty fields to the widest note type, and a
field is quoted when it holds a tab, a double quote, a line break or a ``#`` anywhere (the
Rust csv writer quotes the comment character wherever it is, as Anki's export shows).

Fields are HTML (``#html:true``): Markdown and plain-text notes are rendered as a package
would hold them. A file whose notes are all plain text is written with ``#html:false`` and
the text as it is, which reads back exactly. Like Anki's export, the file keeps a note
type's name and not its definition.

The file is meant to go home: Anki's text importer matches each row by GUID in a collection
that has a note type of that name, and skips the row otherwise. A note read from a package
keeps the name of the note type it came with (``Basic``, not ours), so the collection it
came from takes it back; a note of ours names ``ankipress Basic`` …, which a collection has
only after importing a package from ankipress, and a warning says so. Media references stay
as Anki names them (Anki looks them up in the collection's media folder as they stand); the
files go to the media folder for the user to copy there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ankipress import notetypes, rules
from ankipress.model import Diagnostic, Media, Note, NoteKind, Severity, SourceLocation, TextFormat
from ankipress.render import FieldRenderer
from ankipress.writers.common import MediaLinker, refuse
from ankipress.writers.losses import Losses

__all__ = ["AnkiTextWriter"]

_QUOTED = frozenset('\t"\n\r#')


def anki_field(text: str) -> str:
    """A field as Anki's export writes it: quoted (quotes doubled) when it must be."""
    if any(char in _QUOTED for char in text):
        return '"' + text.replace('"', '""') + '"'
    return text


class AnkiTextWriter:
    """Anki's "Notes in Plain Text": GUID, note type, deck, fields, tags."""

    name: str = "ankitext"
    extensions: tuple[str, ...] = (".txt",)
    description: str = "Anki's Notes in Plain Text (GUIDs, note type names, decks, tags)"

    def write(
        self, notes: Sequence[Note], media: Sequence[Media], output: Path, media_dir: Path
    ) -> list[Diagnostic]:
        """Write ``notes`` to ``output`` and ``media`` into ``media_dir``; say what was lost."""
        linker = MediaLinker(media, output, media_dir, anki_names=True)
        losses = Losses("ankitext")
        html = any(
            n.text_format is not TextFormat.PLAIN or n.kind is NoteKind.CUSTOM for n in notes
        )
        renderer = FieldRenderer()
        rows: list[tuple[str, str, str, tuple[str, ...], str]] = []
        for note in notes:
            if note.kind is NoteKind.CUSTOM and note.notetype is not None:
                name, fields = note.notetype.name, note.fields
                losses.definition(note)
            else:
                name = notetypes.for_kind(note.kind).name
                losses.ours(note, name)
                fields = (note.question, note.answer)
                if html and note.text_format is not TextFormat.HTML:
                    losses.rendered(note)
                    fields = tuple(
                        renderer.render(text, note.text_format, note.location) for text in fields
                    )
            losses.cards(note, fields)
            text_format = TextFormat.HTML if html else TextFormat.PLAIN
            fields = tuple(linker.link(text, text_format, note) for text in fields)
            guid = note.guid or ""
            rows.append((guid, name, note.deck, fields, " ".join(note.tags)))
        diagnostics = [*linker.diagnostics, *losses.diagnostics()]
        refuse(diagnostics, output)
        if files := linker.names():
            count = f"{len(files)} media file{'' if len(files) == 1 else 's'}"
            message = (
                f"fields name media as Anki does ({files[0]!r}), which its text import takes as "
                f"they stand: the {count} are in {linker.folder}/"
            )
            hint = (
                "copy them into the collection's media folder (collection.media) if it lacks them"
            )
            diagnostics.append(
                Diagnostic(
                    SourceLocation(str(output)), Severity.INFO, message, hint, rules.LOSSY_OUTPUT
                )
            )
        width = max((len(fields) for *_, fields, _ in rows), default=2)
        lines = [
            "#separator:tab",
            f"#html:{'true' if html else 'false'}",
            "#guid column:1",
            "#notetype column:2",
            "#deck column:3",
            f"#tags column:{4 + width}",
        ]
        for guid, name, deck, fields, tags in rows:
            padded = (*fields, *("" for _ in range(width - len(fields))))
            lines.append("\t".join(anki_field(cell) for cell in (guid, name, deck, *padded, tags)))
        linker.write_with(output, "".join(f"{line}\n" for line in lines))
        return diagnostics
