"""YAML front matter at the top of a text source: ``deck``, ``tags``, ``media``; checked, bounded.

::

    ---
    deck: Biology::Cells         a deck name (text; quote it if it looks like a number or date)
    tags: [cells, "cell biology"]  a list of tags, or one string of tags: "cells, bio"
    media: cells.media           the deck's media folder, relative to the file
    ---

The YAML is composed into nodes by :mod:`ankipress.safeyaml`, never turned into Python
objects, and only the nodes of the known keys are read, each checked for its type with an
error naming its line; the text is at most 64 KiB. Unknown keys are warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ankipress import rules
from ankipress.model import Diagnostic, Severity, SourceLocation
from ankipress.ondemand import OnUse
from ankipress.safeyaml import STR, compose, describe, line_of
from ankipress.sources import Source

if TYPE_CHECKING:
    import yaml
else:  # loaded by the first file that holds YAML
    yaml = OnUse("yaml")

__all__ = ["MAX_FRONT_MATTER_BYTES", "FrontMatter", "read_front_matter"]

MAX_FRONT_MATTER_BYTES = 64 * 1024
"""Front matter is a few lines; past this it is a mistake (or an attack), and not parsed."""
_ENDS = ("---", "...")
_KEYS = ("deck", "tags", "media")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """What the front matter of a source says, and where the rest of the source starts."""

    body: int
    """0-based index of the first line after the front matter (0 when there is none)."""
    deck: str | None = None
    tags: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    media: str | None = None
    """The deck's media folder, as written (relative to the source's folder)."""
    media_line: int = 0
    """0-based line of the ``media`` key, for messages about the folder."""


def read_front_matter(source: Source) -> FrontMatter:
    """The front matter of ``source``: between a first line ``---`` and the next ``---``."""
    return _Reader(source).run()


def _line(node: yaml.Node | yaml.Token | yaml.Mark | None) -> int:
    """The 0-based line in the source of a front matter node, token or mark."""
    return line_of(node, 1)  # the text starts under the "---"


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.deck: str | None = None
        self.tags: list[str] = []
        self.media: str | None = None
        self.media_line = 0

    def report(self, index: int, severity: Severity, message: str, hint: str = "") -> None:
        location = SourceLocation(self.source.path, index + 1)
        self.diagnostics.append(
            Diagnostic(location, severity, message, hint or None, rules.FRONT_MATTER)
        )

    def run(self) -> FrontMatter:
        lines = self.source.lines
        if not lines or lines[0].rstrip() != "---":
            return FrontMatter(0)
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _ENDS), None)
        if end is None:
            self.report(0, Severity.ERROR, "the front matter is never closed", "end it with '---'")
            return FrontMatter(1, diagnostics=tuple(self.diagnostics))
        text = "\n".join(lines[1:end])
        size = len(text.encode("utf-8"))
        if size > MAX_FRONT_MATTER_BYTES:
            limit = f"{size} bytes; the limit is {MAX_FRONT_MATTER_BYTES}"
            self.report(0, Severity.ERROR, f"the front matter is too large ({limit})")
        elif isinstance(root := self._compose(text), yaml.MappingNode):
            self._keys(root)
        elif root is not None:
            self.report(_line(root), Severity.ERROR, "the front matter must be 'key: value' lines")
        return FrontMatter(
            end + 1,
            self.deck,
            tuple(self.tags),
            tuple(self.diagnostics),
            self.media,
            self.media_line,
        )

    def _compose(self, text: str) -> yaml.Node | None:
        """The YAML node tree, never constructed into objects; ``None`` if unusable."""

        def report(index: int, message: str, hint: str) -> None:
            self.report(index, Severity.ERROR, message, hint)

        return compose(text, 1, report, "the front matter")

    def _keys(self, root: yaml.MappingNode) -> None:
        seen: set[str] = set()
        for key_node, value in root.value:
            line = _line(key_node)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in _KEYS:
                shown = repr(key[:40]) if isinstance(key, str) else "that is not text"
                hint = "ankipress reads 'deck', 'tags' and 'media'"
                self.report(line, Severity.WARNING, f"ignored the front matter key {shown}", hint)
            elif key in seen:
                self.report(line, Severity.ERROR, f"the front matter gives {key!r} twice")
            elif key == "deck":
                seen.add(key)
                self._deck(value)
            elif key == "media":
                seen.add(key)
                self._media(value)
            else:
                seen.add(key)
                self._tags(value)

    def _deck(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag == STR and node.value.strip():
            self.deck = node.value.strip()
            return
        hint = "write the deck's name after 'deck:'"
        if isinstance(node, yaml.ScalarNode) and node.tag != STR and node.value:
            hint = f'put it in quotes to make it a name: deck: "{node.value}"'
        message = f"'deck' must be a deck name, not {describe(node)}"
        self.report(_line(node), Severity.ERROR, message, hint)

    def _media(self, node: yaml.Node) -> None:
        self.media_line = _line(node)
        if isinstance(node, yaml.ScalarNode) and node.tag == STR and node.value.strip():
            self.media = node.value.strip()
            return
        hint = "write the folder of the deck's media files after 'media:'"
        message = f"'media' must be a folder, not {describe(node)}"
        self.report(_line(node), Severity.ERROR, message, hint)

    def _tags(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag == STR:
            self.tags.extend(tag for tag in re.split(r"[\s,]+", node.value) if tag)
            return
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return
        # A list item is one tag, spaces and all (cleaning joins them with "_", and says so).
        for item in node.value if isinstance(node, yaml.SequenceNode) else [node]:
            if isinstance(item, yaml.ScalarNode) and item.tag == STR and item.value.strip():
                self.tags.append(item.value.strip())
                continue
            hint = "write a list of tags, or tags separated by spaces or commas"
            if isinstance(item, yaml.ScalarNode) and item.value:
                hint = f'put it in quotes to make it a tag: "{item.value}"'
            message = f"'tags' must hold tags (text), not {describe(item)}"
            self.report(_line(item), Severity.ERROR, message, hint)
