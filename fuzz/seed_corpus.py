"""Fill ``fuzz/corpus/`` with every golden input, as the fuzzer's starting points.

    python fuzz/seed_corpus.py

Each seed is the golden file's bytes, then a byte of option flags (none) and the byte that
makes the harness detect the format (``fuzz_readers.FORMATS``): atheris takes integers
from the end of the data.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_BY_SUFFIX = {".txt": 6, ".md": 7, ".csv": 8, ".tsv": 8, ".apkg": 9}


def main() -> None:
    """Write the seeds."""
    corpus = Path(__file__).parent / "corpus"
    corpus.mkdir(exist_ok=True)
    for path in sorted((ROOT / "tests" / "golden").glob("*/*")):
        choice = _BY_SUFFIX.get(path.suffix)
        if choice is None or not path.is_file():
            continue
        name = f"{path.parent.name}-{path.name}"
        (corpus / name).write_bytes(path.read_bytes() + bytes([0, choice]))


if __name__ == "__main__":
    main()
