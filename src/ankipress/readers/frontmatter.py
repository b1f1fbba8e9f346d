"""YAML front matter at the top of a text source: ``deck`` and ``tags``, checked and bounded.

::

    ---
    deck: Biology::Cells         a deck name (text; quote it if it looks like a number or date)
    tags: [cells, "cell biology"]  a list of tags, or one string of tags: "cells, bio"
    ---

The YAML is parsed by PyYAML but never turned into Python objects: it is scanned, composed
into nodes, and only the nodes of ``deck`` and ``tags`` are read, each checked for its type
with an error naming its line. So arbitrary tags (``!!python/…``) construct nothing, and since
aliases are refused, nesting is bounded and the text is at most 64 KiB, an alias bomb or a
deep ``[[[[…`` costs neither memory nor time. Unknown keys are warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from ankipress.model import Diagnostic, Severity, SourceLocation
from ankipress.sources import Source

__all__ = ["MAX_FRONT_MATTER_BYTES", "FrontMatter", "read_front_matter"]

MAX_FRONT_MATTER_BYTES = 64 * 1024
"""Front matter is a few lines; past this it is a mistake (or an attack), and not parsed."""
_ENDS = ("---", "...")
# Front matter needs two levels (a key, a list); deeper nesting is refused before composing,
# since PyYAML's composer recurses once per level.
_MAX_DEPTH = 16
_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
_STR = "tag:yaml.org,2002:str"
_KINDS = {
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "null": "empty",
    "timestamp": "a date",
}


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """What the front matter of a source says, and where the rest of the source starts."""

    body: int
    """0-based index of the first line after the front matter (0 when there is none)."""
    deck: str | None = None
    tags: tuple[str, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def read_front_matter(source: Source) -> FrontMatter:
    """The front matter of ``source``: between a first line ``---`` and the next ``---``."""
    return _Reader(source).run()


def _line(node: yaml.Node | yaml.Token | yaml.Mark | None) -> int:
    """The 0-based line in the source of a front matter node, token or mark."""
    mark = node if isinstance(node, yaml.Mark) or node is None else node.start_mark
    return 1 + (mark.line if mark is not None else 0)  # the text starts under the "---"


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == _STR:
        return "empty text"
    return _KINDS.get(node.tag.rsplit(":", 1)[-1], "a value of another kind")


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.deck: str | None = None
        self.tags: list[str] = []

    def report(self, index: int, severity: Severity, message: str, hint: str = "") -> None:
        location = SourceLocation(self.source.path, index + 1)
        self.diagnostics.append(Diagnostic(location, severity, message, hint or None))

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
        return FrontMatter(end + 1, self.deck, tuple(self.tags), tuple(self.diagnostics))

    def _compose(self, text: str) -> yaml.Node | None:
        """The YAML node tree, never constructed into objects; ``None`` if unusable."""
        depth = 0
        try:
            for token in yaml.scan(text, Loader=yaml.SafeLoader):
                if isinstance(token, yaml.AliasToken):
                    message = "the front matter may not use YAML aliases ('*name')"
                    self.report(_line(token), Severity.ERROR, message)
                    return None
                if isinstance(token, _OPENS):
                    depth += 1
                    if depth > _MAX_DEPTH:
                        message = "the front matter is nested too deeply"
                        self.report(_line(token), Severity.ERROR, message)
                        return None
                elif isinstance(token, _CLOSES):
                    depth -= 1
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            message = f"bad front matter: {exc.problem or 'cannot be read'}"
            if exc.context and exc.context_mark:
                # "while scanning a quoted scalar": where the construct that never ended began.
                message += f", {exc.context} started on line {_line(exc.context_mark) + 1}"
            hint = "" if exc.context else "quote text that holds ': ' or ' #'"
            where = _line(exc.problem_mark or exc.context_mark)
            self.report(where, Severity.ERROR, message, hint)
        except yaml.YAMLError as exc:
            self.report(0, Severity.ERROR, f"bad front matter: {exc}")
        return None

    def _keys(self, root: yaml.MappingNode) -> None:
        seen: set[str] = set()
        for key_node, value in root.value:
            line = _line(key_node)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in ("deck", "tags"):
                shown = repr(key[:40]) if isinstance(key, str) else "that is not text"
                hint = "ankipress reads 'deck' and 'tags'"
                self.report(line, Severity.WARNING, f"ignored the front matter key {shown}", hint)
            elif key in seen:
                self.report(line, Severity.ERROR, f"the front matter gives {key!r} twice")
            elif key == "deck":
                seen.add(key)
                self._deck(value)
            else:
                seen.add(key)
                self._tags(value)

    def _deck(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _STR and node.value.strip():
            self.deck = node.value.strip()
            return
        hint = "write the deck's name after 'deck:'"
        if isinstance(node, yaml.ScalarNode) and node.tag != _STR and node.value:
            hint = f'put it in quotes to make it a name: deck: "{node.value}"'
        message = f"'deck' must be a deck name, not {_kind(node)}"
        self.report(_line(node), Severity.ERROR, message, hint)

    def _tags(self, node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
            self.tags.extend(tag for tag in re.split(r"[\s,]+", node.value) if tag)
            return
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return
        # A list item is one tag, spaces and all (cleaning joins them with "_", and says so).
        for item in node.value if isinstance(node, yaml.SequenceNode) else [node]:
            if isinstance(item, yaml.ScalarNode) and item.tag == _STR and item.value.strip():
                self.tags.append(item.value.strip())
                continue
            hint = "write a list of tags, or tags separated by spaces or commas"
            if isinstance(item, yaml.ScalarNode) and item.value:
                hint = f'put it in quotes to make it a tag: "{item.value}"'
            message = f"'tags' must hold tags (text), not {_kind(item)}"
            self.report(_line(item), Severity.ERROR, message, hint)
