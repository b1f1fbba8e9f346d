"""``python -m ankipress``, and the ``ankipress`` console script.

``ankipress --version`` is answered here, before the command line (click and the modules
behind it) is imported: scripts and CI steps ask for it often, and it should cost no more
than starting Python. Everything else goes to :func:`ankipress.cli.main`.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the console script."""
    if sys.argv[1:] == ["--version"]:
        from ankipress import __version__

        # The line click's version option prints (tests/test_imports.py compares them).
        sys.stdout.write(f"ankipress, version {__version__}\n")
        return
    from ankipress.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
