"""``python -m ankipress``."""

from ankipress.cli import main

main()
