"""Output formats. ``apkg`` writes packages (their collection is genanki's, written in
``collection``, the one module that imports it); the text writers registered here write
decks back to text: the way back from a package.

A text writer has a ``name`` (the ``--to`` token), ``extensions``, a one-line
``description`` and ``write(notes, media, output, media_dir) -> diagnostics``, which writes
``output`` atomically and the media files into ``media_dir``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ankipress.errors import UsageError
from ankipress.model import Diagnostic, Media, Note

__all__ = ["TEXT_WRITERS", "TextWriter", "text_writer_for"]


class TextWriter(Protocol):
    """What every text output format provides."""

    name: str
    extensions: tuple[str, ...]
    description: str

    def write(
        self, notes: Sequence[Note], media: Sequence[Media], output: Path, media_dir: Path
    ) -> list[Diagnostic]:
        """Write ``notes`` to ``output`` and ``media`` into ``media_dir``; say what was lost."""
        ...


TEXT_WRITERS: tuple[TextWriter, ...]


def __getattr__(name: str) -> Any:
    # The text writers are loaded when a text output asks for them: building a package
    # never imports them (nor the YAML the Markdown writer needs).
    if name != "TEXT_WRITERS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ankipress.writers.ankitext import AnkiTextWriter
    from ankipress.writers.crowdanki import CrowdAnkiWriter
    from ankipress.writers.csv import CsvWriter
    from ankipress.writers.markdown import MarkdownWriter

    writers: tuple[TextWriter, ...] = (
        MarkdownWriter(),
        AnkiTextWriter(),
        CsvWriter(),
        CrowdAnkiWriter(),
    )
    globals()["TEXT_WRITERS"] = writers
    return writers


def text_writer_for(output: Path, to: str | None) -> TextWriter | None:
    """The text writer for ``output`` (by ``--to``, else its extension); ``None``: a package."""
    if (to is not None and to.lower() == "apkg") or (
        to is None and output.suffix.lower() == ".apkg"
    ):
        return None
    every: tuple[TextWriter, ...] = globals().get("TEXT_WRITERS") or __getattr__("TEXT_WRITERS")
    names = ["apkg", *(writer.name for writer in every)]
    if to is not None:
        for writer in every:
            if writer.name == to.lower():
                return writer
        raise UsageError(f"unknown output format {to!r}; known formats: {', '.join(names)}")
    suffix = output.suffix.lower()
    for writer in every:
        if suffix in writer.extensions:
            return writer
    raise UsageError(
        f"{output}: cannot tell the output format from the extension {suffix or '(none)'}; "
        f"name it with --to ({', '.join(names)})"
    )
