"""YAML read without building objects, and written so that it reads back exactly.

Reading: the text is scanned and composed into PyYAML nodes, never constructed into Python
objects, so arbitrary tags (``!!python/…``) build nothing; aliases are refused and nesting
is bounded before composing (PyYAML's composer recurses once per level), so an alias bomb
or a deep ``[[[[…`` costs neither memory nor time. Callers read the nodes they expect and
report the rest with the node's line.

Writing: :func:`dump` writes multi-line text as literal blocks (``|-``) a person can edit,
and checks that the result reads back to the same values; when PyYAML's emitter cannot
keep a string exact in a block (tabs, trailing spaces), every string is double-quoted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from ankipress.ondemand import OnUse

if TYPE_CHECKING:
    import yaml
else:  # loaded by the first file that holds YAML
    yaml = OnUse("yaml")

__all__ = ["STR", "compose", "describe", "dump", "line_of"]

STR = "tag:yaml.org,2002:str"
_MAX_DEPTH = 16
# Brackets in quoted text count too before YAML is scanned: a looser bound for that count.
_MAX_RAW_DEPTH = 64
_KINDS = {
    "int": "a number",
    "float": "a number",
    "bool": "true or false",
    "null": "empty",
    "timestamp": "a date",
}

Report = Callable[[int, str, str], None]
"""``report(index, message, hint)``: an error at a 0-based line of the source."""


def line_of(node: yaml.Node | yaml.Token | yaml.Mark | None, offset: int) -> int:
    """The 0-based source line of a node, token or mark of YAML that starts at ``offset``."""
    mark = node if isinstance(node, yaml.Mark) or node is None else node.start_mark
    return offset + (mark.line if mark is not None else 0)


def describe(node: yaml.Node) -> str:
    """What a node holds, for messages: "a list", "a number", "empty text"…"""
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node.tag == STR:
        return "text" if node.value else "empty text"
    return _KINDS.get(node.tag.rsplit(":", 1)[-1], "a value of another kind")


def _bracket_depth(text: str) -> tuple[int, int]:
    """How deep ``[`` and ``{`` nest in ``text``, counted as if none were quoted, and where
    (0-based line) that depth is first passed: an estimate from above, in linear time."""
    depth = deepest = 0
    for index, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > _MAX_RAW_DEPTH:
                return depth, text.count("\n", 0, index)
        elif char in "]}" and depth:
            depth -= 1
        deepest = max(deepest, depth)
    return deepest, 0


def compose(text: str, offset: int, report: Report, what: str) -> yaml.Node | None:
    """The node tree of ``text`` (``what`` names it in messages); ``None`` if unusable."""
    noun = what.removeprefix("the ")
    # PyYAML's scanner looks ahead over every open flow bracket before it hands out the
    # first token, and at each one walks all those still open: quadratic in the depth, so
    # thousands of "[" take minutes before the token check below could refuse them.
    if ("[" in text or "{" in text) and (found := _bracket_depth(text))[0] > _MAX_RAW_DEPTH:
        report(offset + found[1], f"{what} is nested too deeply", "")
        return None
    opens = (
        yaml.BlockMappingStartToken,
        yaml.BlockSequenceStartToken,
        yaml.FlowMappingStartToken,
        yaml.FlowSequenceStartToken,
    )
    closes = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    depth = 0
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken):
                report(line_of(token, offset), f"{what} may not use YAML aliases ('*name')", "")
                return None
            if isinstance(token, opens):
                depth += 1
                if depth > _MAX_DEPTH:
                    report(line_of(token, offset), f"{what} is nested too deeply", "")
                    return None
            elif isinstance(token, closes):
                depth -= 1
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        message = f"bad {noun}: {exc.problem or 'cannot be read'}"
        if exc.context and exc.context_mark:
            # "while scanning a quoted scalar": where the construct that never ended began.
            message += f", {exc.context} started on line {line_of(exc.context_mark, offset) + 1}"
        hint = "" if exc.context else "quote text that holds ': ' or ' #'"
        report(line_of(exc.problem_mark or exc.context_mark, offset), message, hint)
    except yaml.YAMLError as exc:
        report(offset, f"bad {noun}: {exc}", "")
    return None


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(STR, value, style=style)


def _quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(STR, value, style='"' if "\n" in value else None)


@cache
def _dumpers() -> tuple[type[yaml.SafeDumper], type[yaml.SafeDumper]]:
    """The two dumpers :func:`dump` tries, made when YAML is first written."""

    class Dumper(yaml.SafeDumper):
        """Literal blocks for multi-line text; PyYAML falls back to quotes where it must."""

        def analyze_scalar(self, scalar: str) -> Any:
            """As PyYAML's, but a tab does not rule out a block (templates are full of them).

            YAML keeps tabs inside block text; PyYAML's emitter is merely cautious.
            :func:`dump` checks the result reads back, so caution is kept where it was right.
            """
            analysis = super().analyze_scalar(scalar)
            if "\t" in scalar:
                block = super().analyze_scalar(scalar.replace("\t", "x")).allow_block
                analysis.allow_block = block
            return analysis

    class QuotedDumper(yaml.SafeDumper):
        """Multi-line text double-quoted, with escapes: exact where a block cannot be."""

    Dumper.add_representer(str, _text)
    QuotedDumper.add_representer(str, _quoted)
    return Dumper, QuotedDumper


def dump(data: Any, flow: bool = False) -> str:
    """``data`` as YAML that :func:`yaml.safe_load` reads back equal; ``flow``: one line."""
    options: dict[str, Any] = {
        "allow_unicode": True,
        "sort_keys": False,
        "width": 1 << 20,
        "default_flow_style": flow if flow else False,
    }
    for dumper in _dumpers():
        text: str = yaml.dump(data, Dumper=dumper, **options)
        if yaml.safe_load(text) == data:
            return text.removesuffix("...\n")
    raise ValueError("YAML cannot hold this text exactly")  # not seen: quotes escape all
