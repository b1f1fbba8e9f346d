"""Note type definitions as YAML, for Markdown decks that hold notes of other note types.

A Markdown deck converted from a package keeps the note types that are not ankipress's own
in a section at its end, so that writing it back gives Anki the same note type (same id,
same fields and templates by id): no ``Name+`` copy, no conflicting notes::

    - name: Vocabulary
      id: 1700000000001            the note type's id (else derived from the name)
      cloze: true                  only for cloze note types
      sort field: Word             only when not the first field
      fields:
      - name: Word
        id: 9001                   a field's id, when it has one; else just its name:
      - Notes
      templates:
      - name: Recognition
        id: 8001
        front: '{{Word}}'
        back: |-
          {{FrontSide}}
          <hr id=answer>
          {{Meaning}}
      css: |-
        .card { font-family: arial; }
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ankipress.ids import notetype_id
from ankipress.model import NoteType
from ankipress.ondemand import OnUse
from ankipress.safeyaml import STR, Report, describe, dump, line_of

if TYPE_CHECKING:
    import yaml
else:  # loaded by the first file that holds YAML
    yaml = OnUse("yaml")

__all__ = ["dump_note_types", "read_note_types"]

_INT = re.compile(r"[-+]?\d+")


def _named(name: str, given: int | None) -> str | dict[str, Any]:
    return name if given is None else {"name": name, "id": given}


def _entry(note_type: NoteType) -> dict[str, Any]:
    def given(ids: tuple[int | None, ...], index: int) -> int | None:
        return ids[index] if index < len(ids) else None

    entry: dict[str, Any] = {"name": note_type.name}
    # An id that the name gives anyway is left out: reading it back derives the same one.
    if note_type.fixed_id is not None and note_type.fixed_id != notetype_id(note_type.name):
        entry["id"] = note_type.fixed_id
    if note_type.cloze:
        entry["cloze"] = True
    if note_type.sort_field:
        entry["sort field"] = note_type.fields[note_type.sort_field]
    entry["fields"] = [
        _named(name, given(note_type.field_ids, i)) for i, name in enumerate(note_type.fields)
    ]
    templates = []
    for index, (name, front, back) in enumerate(note_type.templates):
        template: dict[str, Any] = {"name": name}
        if (template_id := given(note_type.template_ids, index)) is not None:
            template["id"] = template_id
        templates.append({**template, "front": front, "back": back})
    entry["templates"] = templates
    entry["css"] = note_type.css
    return entry


def dump_note_types(note_types: Sequence[NoteType]) -> str:
    """The YAML of a list of note types, for the section at the end of a Markdown deck."""
    return dump([_entry(note_type) for note_type in note_types])


class _Walker:
    """Reads note types from composed YAML nodes; every problem names its line."""

    def __init__(self, offset: int, report: Report) -> None:
        self.offset = offset
        self.report = report
        self.ok = True

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.ok = False
        self.report(line_of(node, self.offset), message, hint)

    def text(self, node: yaml.Node | None, what: str, empty: bool = False) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == STR and (empty or node.value):
            return str(node.value)
        if node is not None:
            self.fail(node, f"{what} must be text, not {describe(node)}")
        return None

    def number(self, node: yaml.Node | None, what: str) -> int | None:
        if node is None:
            return None
        if isinstance(node, yaml.ScalarNode) and _INT.fullmatch(node.value):
            # Anki's ids are signed 64-bit numbers; a note type's must be positive.
            low = 1 if what == "a note type's id" else -(1 << 63)
            value = int(node.value) if len(node.value) <= 25 else None
            if value is not None and low <= value < 1 << 63:
                return value
            self.fail(node, f"{what} must be between {low} and {(1 << 63) - 1}")
            return None
        self.fail(node, f"{what} must be a whole number, not {describe(node)}")
        return None

    def mapping(self, node: yaml.Node, what: str, keys: Sequence[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping, not {describe(node)}")
            return {}
        found: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else None
            if name is None or name not in keys or name in found:
                shown = repr(name) if isinstance(name, str) else "a key that is not text"
                problem = "given twice" if name in found else "unknown"
                self.fail(key, f"{what}: {shown} is {problem}", f"the keys are {', '.join(keys)}")
            else:
                found[name] = value
        return found

    def items(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode) and node.value:
            return list(node.value)
        if node is not None:
            self.fail(node, f"{what} must be a list with one item at least")
        return []

    def note_type(self, node: yaml.Node) -> NoteType | None:
        keys = ("name", "id", "cloze", "sort field", "fields", "templates", "css")
        found = self.mapping(node, "a note type", keys)
        name = self.text(found.get("name"), "a note type's name")
        if name is None:
            self.fail(node, "a note type needs a name")
            return None
        fields: list[tuple[str, int | None]] = []
        for item in self.items(found.get("fields"), f"the fields of {name!r}"):
            if isinstance(item, yaml.MappingNode):
                part = self.mapping(item, f"a field of {name!r}", ("name", "id"))
                field_name = self.text(part.get("name"), f"a field's name in {name!r}")
                fields.append((field_name or "", self.number(part.get("id"), "a field's id")))
            else:
                fields.append((self.text(item, f"a field of {name!r}") or "", None))
        templates: list[tuple[str, str, str, int | None]] = []
        for item in self.items(found.get("templates"), f"the templates of {name!r}"):
            part = self.mapping(item, f"a template of {name!r}", ("name", "id", "front", "back"))
            label = self.text(part.get("name"), f"a template's name in {name!r}")
            front = self.text(part.get("front"), f"a template's front in {name!r}", True)
            back = self.text(part.get("back"), f"a template's back in {name!r}", True)
            if any(key not in part for key in ("name", "front", "back")):
                self.fail(item, f"a template of {name!r} needs a name, a front and a back")
            template_id = self.number(part.get("id"), "a template's id")
            templates.append((label or "", front or "", back or "", template_id))
        for key in ("fields", "templates"):
            if key not in found:
                self.fail(node, f"the note type {name!r} needs {key!r}")
        names = [field_name for field_name, _ in fields]
        sort_node = found.get("sort field")
        sort_name = self.text(sort_node, "'sort field'")
        if sort_node is not None and sort_name not in names:
            self.fail(sort_node, f"'sort field' must name one of the fields of {name!r}")
        cloze_node = found.get("cloze")
        if cloze_node is not None and not (
            isinstance(cloze_node, yaml.ScalarNode) and cloze_node.tag.endswith(":bool")
        ):
            self.fail(cloze_node, f"'cloze' must be true or false, not {describe(cloze_node)}")
        css = self.text(found.get("css"), "'css'", True)
        fixed_id = self.number(found.get("id"), "a note type's id")
        if not self.ok:
            return None
        field_ids = tuple(i for _, i in fields)
        template_ids = tuple(t[3] for t in templates)
        return NoteType(
            name=name,
            fields=tuple(names),
            templates=tuple(t[:3] for t in templates),
            css=css or "",
            cloze=cloze_node is not None and cloze_node.value.lower() == "true",
            fixed_id=fixed_id,
            field_ids=field_ids if any(i is not None for i in field_ids) else (),
            template_ids=template_ids if any(i is not None for i in template_ids) else (),
            sort_field=names.index(sort_name) if sort_name in names else 0,
        )


def read_note_types(root: yaml.Node, offset: int, report: Report) -> list[NoteType] | None:
    """The note types of a composed YAML list; ``None`` after reporting any problem."""
    walker = _Walker(offset, report)
    found = [walker.note_type(item) for item in walker.items(root, "the note types")]
    if not walker.ok:
        return None
    return [note_type for note_type in found if note_type is not None]
