"""Card HTML that shows without Anki's media folder and without the network.

A preview page is one file: the media a field refers to by name (``<img src="x.svg">``) go
into the page as ``data:`` URIs, and formulas that only MathJax could typeset are shown as
their TeX source in a styled span, so the reader sees they are formulas.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from collections.abc import Iterator, Sequence

from ankipress.textscan import lazy_spans

_SRC = re.compile(r"""(\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"""<(/?)([a-zA-Z][\w-]*)(?:[^<>"']|"[^"<]*"|'[^'<]*')*>""")
_TEX = (("\\(", "\\)"), ("\\[", "\\]"))  # what MathJax typesets: \(…\) and \[…\]
_NOT_MATH = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}  # as MathJax skips


def data_uris(media: Sequence[tuple[str, bytes]]) -> dict[str, str]:
    """Each media file's name and its content as a ``data:`` URI."""
    uris = {}
    for name, content in media:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        uris[name] = f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"
    return uris


def embed_media(text: str, uris: dict[str, str]) -> str:
    """``text`` with every ``src`` naming one of the media replaced by its ``data:`` URI."""

    def replace(match: re.Match[str]) -> str:
        uri = uris.get(html.unescape(match[3]))
        return match[0] if uri is None else f"{match[1]}{match[2]}{uri}{match[2]}"

    return _SRC.sub(replace, text)


def _tags(text: str) -> Iterator[re.Match[str] | tuple[int, int]]:
    """The comments (as spans) and tags of ``text``, in order, in linear time: a tag is not
    looked for across a ``<`` (in a quoted value either), so from no ``<`` is the text
    scanned past the next one."""
    last_comment = text.rfind("-->")
    position = 0
    while (start := text.find("<", position)) >= 0:
        if text.startswith("<!--", start):
            if last_comment >= start + 4:
                position = text.find("-->", start + 4) + 3
                yield start, position
                continue
        elif (match := _TAG.match(text, start)) is not None:
            position = match.end()
            yield match
            continue
        position = start + 1


def show_tex(text: str) -> str:
    """``text`` with each ``\\(…\\)`` and ``\\[…\\]`` outside code wrapped in a styled span.

    Only text between tags is looked at, so TeX in attributes (an ``alt``) stays as it is.
    """
    out: list[str] = []
    skipping: list[str] = []
    position = 0

    def text_part(chunk: str) -> str:
        if skipping:
            return chunk
        parts: list[str] = []
        done = 0
        for start, end, kind in lazy_spans(chunk, _TEX):
            display = "" if kind == 0 else " display"
            parts += [chunk[done:start], f'<span class="ankipress-tex{display}">', chunk[start:end]]
            parts.append("</span>")
            done = end
        parts.append(chunk[done:])
        return "".join(parts)

    for found in _tags(text):
        start, end = found if isinstance(found, tuple) else found.span()
        out.append(text_part(text[position:start]))
        out.append(text[start:end])
        position = end
        if isinstance(found, tuple):
            continue
        name = found[2].lower()
        if name in _NOT_MATH:
            if found[1]:
                if name in skipping:
                    del skipping[len(skipping) - 1 - skipping[::-1].index(name) :]
            elif not found[0].endswith("/>"):
                skipping.append(name)
    out.append(text_part(text[position:]))
    return "".join(out)
