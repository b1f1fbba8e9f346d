"""A user's own card template (``--template DIR``): loading it and checking it first.

The folder holds ``front.html``, ``back.html`` and ``style.css``. Before anything is
written the template is checked as Anki would read it: every ``{{Field}}`` must name a
field of the note type or one of Anki's special fields, every ``{{#Field}}``/``{{^Field}}``
must be closed by its ``{{/Field}}`` in order, and a back without ``{{FrontSide}}`` gets a
warning (the question would not show above the answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ankipress import rules
from ankipress.errors import InputError
from ankipress.model import Diagnostic, NoteType, Severity, SourceLocation
from ankipress.sources import read_regular_file

FILES = ("front.html", "back.html", "style.css")
# Fields Anki fills in itself (rslib/src/template.rs and the manual's "Special Fields").
SPECIAL_FIELDS = frozenset(
    {"FrontSide", "Tags", "Type", "Deck", "Subdeck", "Card", "CardFlag", "CardID"}
)
# Filters Anki knows; a user's add-on may bring others, so unknown filters are not errors.
# A card template is a page of HTML, not a media file: this is far more than any needs.
_MAX_TEMPLATE_BYTES = 16 * 1024 * 1024
_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def _location(path: Path, text: str, offset: int) -> SourceLocation:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return SourceLocation(str(path), line, column)


def check_template(path: Path, text: str, fields: Sequence[str]) -> list[Diagnostic]:
    """Problems of one template file, each with its line and column."""
    known = set(fields) | SPECIAL_FIELDS
    diagnostics: list[Diagnostic] = []
    open_sections: list[tuple[str, SourceLocation]] = []

    def error(offset: int, message: str, hint: str | None = None) -> None:
        where = _location(path, text, offset)
        diagnostics.append(Diagnostic(where, Severity.ERROR, message, hint, rules.TEMPLATE))

    # No tag past the last "}}": the scan stops there (from every "{{" after it, it would
    # run to the end of the text).
    for match in _TAG.finditer(text, 0, text.rfind("}}") + 2):
        inner = match.group(1).strip()
        if not inner:
            error(match.start(), "empty {{}} in the template")
            continue
        if inner[0] in "#^":
            open_sections.append((inner[1:].strip(), _location(path, text, match.start())))
            name = inner[1:].strip()
        elif inner[0] == "/":
            name = inner[1:].strip()
            if not open_sections:
                error(match.start(), f"{{{{/{name}}}}} closes a section that was never opened")
            elif open_sections[-1][0] != name:
                opened, where = open_sections.pop()
                error(
                    match.start(),
                    f"{{{{/{name}}}}} closes {{{{#{opened}}}}} opened at {where}",
                    f"close it with {{{{/{opened}}}}}",
                )
            else:
                open_sections.pop()
            continue
        else:
            # {{filter:filter:Field}}: the field is the last part.
            name = inner.rsplit(":", 1)[-1].strip()
        if name not in known:
            choices = ", ".join(sorted(set(fields)))
            error(
                match.start(),
                f"unknown field {{{{{name}}}}}",
                f"the fields are {choices} (and Anki's {', '.join(sorted(SPECIAL_FIELDS))})",
            )
    for name, where in open_sections:
        diagnostics.append(
            Diagnostic(
                where,
                Severity.ERROR,
                f"{{{{#{name}}}}} is never closed",
                f"add {{{{/{name}}}}}",
                rules.TEMPLATE,
            )
        )
    return diagnostics


def load_template(folder: Path, base: NoteType) -> tuple[NoteType, list[Diagnostic]]:
    """The note type ``base`` with the user's templates and CSS from ``folder``, and warnings.

    Raises :class:`InputError` with every problem found; nothing has been written then.
    """
    diagnostics: list[Diagnostic] = []
    texts: dict[str, str] = {}
    for name in FILES:
        path = folder / name
        try:
            # Read only if it is a regular file: a FIFO would block the build forever.
            texts[name] = read_regular_file(path, _MAX_TEMPLATE_BYTES).decode("utf-8")
        except FileNotFoundError:
            diagnostics.append(
                Diagnostic(
                    SourceLocation(str(path)),
                    Severity.ERROR,
                    "missing template file",
                    f"a template folder holds {', '.join(FILES)}",
                    rules.TEMPLATE,
                )
            )
        except (OSError, UnicodeDecodeError) as exc:
            reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
            diagnostics.append(
                Diagnostic(
                    SourceLocation(str(path)),
                    Severity.ERROR,
                    f"cannot read the template file: {reason}",
                    rule=rules.TEMPLATE,
                )
            )
    if len(texts) == len(FILES):
        for name in ("front.html", "back.html"):
            diagnostics.extend(check_template(folder / name, texts[name], base.fields))
        if "FrontSide" not in texts["back.html"]:
            diagnostics.append(
                Diagnostic(
                    SourceLocation(str(folder / "back.html"), 1),
                    Severity.WARNING,
                    "the back has no {{FrontSide}}: the question will not show above the answer",
                    rule=rules.TEMPLATE,
                )
            )
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise InputError(
            f"{len(errors)} error(s) in the template; nothing was written", diagnostics
        )
    first_card = base.templates[0][0]
    return NoteType(
        name=f"{base.name} ({folder.resolve().name})",
        fields=base.fields,
        templates=((first_card, texts["front.html"], texts["back.html"]),),
        css=texts["style.css"],
        cloze=base.cloze,
    ), diagnostics
