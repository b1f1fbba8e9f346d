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
from collections.abc import Sequence

_SRC = re.compile(r"""(\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"""<!--.*?-->|<(/?)([a-zA-Z][\w-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""", re.DOTALL)
_TEX = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
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
        return _TEX.sub(
            lambda m: (
                f'<span class="ankipress-tex{"" if m[1] is not None else " display"}">{m[0]}</span>'
            ),
            chunk,
        )

    for match in _TAG.finditer(text):
        out.append(text_part(text[position : match.start()]))
        out.append(match[0])
        position = match.end()
        name = (match[2] or "").lower()
        if name in _NOT_MATH:
            if match[1]:
                if name in skipping:
                    del skipping[len(skipping) - 1 - skipping[::-1].index(name) :]
            elif not match[0].endswith("/>"):
                skipping.append(name)
    out.append(text_part(text[position:]))
    return "".join(out)
