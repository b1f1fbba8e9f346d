"""Generate the benchmark decks: the same seeded notes in every input format.

Each size gets one list of notes (questions and answers of about 80 characters, some answers
on several lines or numbered, some tags), written as:

* ``brainscape-N.txt``: Brainscape page text (title, ``(N cards)``, numbered Q/A cards, the
  rating trailer after each card);
* ``quizlet-N.txt``: Quizlet's default export (term TAB definition, a new line between cards,
  a definition's own line breaks kept as they are: Quizlet does not quote);
* ``csv-N.csv``: a CSV table with a header, quoted commas and quotes, some two-line fields;
* ``ankitext-N.txt``: Anki's "Notes in Plain Text" export with its ``#`` header lines;
* ``markdown-N.md``: a Markdown deck (``# Title``, ``## question``, the answer below), whose
  answers also hold lists, inline and display math and code;
* ``notes-N.tsv``: guid-less ``question TAB answer TAB tags`` rows, fields already HTML, that the
  floor and the genanki baseline read.

Files go to ``benchmarks/.data/v<GENERATOR_VERSION>/`` and are reused when present: the seed
is fixed, so the same size always gives the same bytes.

Usage: ``python benchmarks/generate.py [--sizes 1000,10000,100000] [--force]``
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import os
import random
import shutil
import string
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = 2
"""Bump when the generated text changes, so stale cached decks are not reused."""
SEED = 9
DECK = "Benchmark"
DATA_DIR = Path(__file__).resolve().parent / ".data" / f"v{GENERATOR_VERSION}"
DEFAULT_SIZES = (1_000, 10_000, 100_000)

_SUBJECTS = (
    "the learning rate", "batch normalization", "dropout", "weight decay",
    "a residual connection", "the attention head", "gradient clipping", "the softmax layer",
    "an embedding table", "the optimizer state", "early stopping", "label smoothing",
    "a convolution kernel", "the hidden state", "data augmentation", "the encoder",
    "the decoder", "layer normalization", "the momentum term", "the activation function",
    "the initialization scheme", "a pooling layer", "the warm-up schedule", "mixed precision",
    "the bias vector", "a learned positional encoding", "the value projection", "max pooling",
    "the key projection", "stochastic depth",
)  # fmt: skip
_VERBS = (
    "stabilize", "reduce", "increase", "smooth", "regularize", "speed up", "slow down",
    "normalize", "rescale", "shrink", "amplify", "decorrelate", "control", "hide",
)  # fmt: skip
_OBJECTS = (
    "the variance of the activations", "overfitting on small datasets", "the gradient norm",
    "the training time per epoch", "exploding gradients", "vanishing gradients",
    "the generalization gap", "the effective step size", "the loss curvature",
    "the noise in the updates", "the co-adaptation of units", "the scale of the logits",
    "the memory footprint", "dead units", "the covariate shift", "the calibration error",
    "the sharpness of the minimum", "the spread of the weights",
)  # fmt: skip
_CONTEXTS = (
    "in deep networks", "during fine-tuning", "at inference time", "with large batches",
    "in recurrent models", "for transformers", "on noisy labels", "early in training",
    "in small models", "with few examples", "on long sequences", "after pre-training",
)  # fmt: skip
_QUESTIONS = (
    "why does {s} {v} {o} {c}?",
    "how can {s} help to {v} {o} {c}?",
    "what happens to {o} when {s} is removed {c}?",
    "when should we prefer {s} over {s2} {c}?",
    "what is the role of {s} in keeping {o} in check {c}?",
)
_SENTENCES = (
    "{s} tends to {v} {o}, which matters most {c}",
    "because {s} changes {o}, the updates stay balanced {c}",
    "it lets {s} {v} {o} without touching {o2}",
    '{s} is the usual "fix" for {o} {c}',
    "{s} and {s2} together {v} {o}",
)
_TAGS = ("chapter1", "chapter2", "exam::midterm", "exam::final", "hard", "review", "week3")
_INLINE_MATH = (
    r"$x_1$", r"$\sigma^2 = 2/n_{in}$", r"$\eta_t = \eta_0 / \sqrt{t}$",
    r"$\mathrm{Var}(W) = 1/n$", r"$\alpha \in (0, 1)$",
)  # fmt: skip
_DISPLAY_MATH = (
    r"\mathrm{Var}(W) = \frac{2}{n_{in} + n_{out}}",
    r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}",
    r"\mathcal{L} = -\sum_{i=1}^{n} y_i \log p_i",
)
_CODE = (
    "torch.nn.init.kaiming_normal_(layer.weight)",
    "optimizer = SGD(params, lr=0.1, momentum=0.9)",
    "x = F.dropout(x, p=0.5, training=self.training)",
)


@dataclass(frozen=True, slots=True)
class Card:
    """One generated note, kept as lines so each format can lay it out its own way."""

    question: str
    intro: tuple[str, ...]
    """The answer's first paragraph: one or more lines of text."""
    items: tuple[str, ...]
    """Numbered items after the first paragraph (empty for most cards)."""
    tags: tuple[str, ...]
    extra: str
    """Markdown only: math or code appended to the answer (empty for most cards)."""


def _fill(rng: random.Random, template: str) -> str:
    s, s2 = rng.sample(_SUBJECTS, 2)
    o, o2 = rng.sample(_OBJECTS, 2)
    return template.format(s=s, s2=s2, v=rng.choice(_VERBS), o=o, o2=o2, c=rng.choice(_CONTEXTS))


def _card(rng: random.Random, question: str) -> Card:
    shape = rng.random()
    lines = 1 if shape < 0.7 else rng.randint(2, 3)
    intro = tuple(_fill(rng, rng.choice(_SENTENCES)) for _ in range(lines))
    items: tuple[str, ...] = ()
    if rng.random() < 0.12:
        items = tuple(_fill(rng, "{s} to {v} {o}") for _ in range(rng.randint(2, 4)))
    tags = tuple(sorted(rng.sample(_TAGS, rng.randint(1, 2)))) if rng.random() < 0.3 else ()
    extra = ""
    kind = rng.random()
    if kind < 0.2:
        extra = f"so that {rng.choice(_INLINE_MATH)} holds"
    elif kind < 0.25:
        extra = f"$$\n{rng.choice(_DISPLAY_MATH)}\n$$"
    elif kind < 0.3:
        extra = f"```python\n{rng.choice(_CODE)}\n```"
    elif kind < 0.35:
        extra = f"in code: `{rng.choice(_CODE)}`"
    return Card(question, intro, items, tags, extra)


def make_cards(size: int) -> list[Card]:
    """``size`` cards with distinct questions; the same list on every run.

    The templates give a few hundred thousand questions; past the first repeats of a drawn
    question, a numbered variant keeps it distinct (``… (case 2)``), so any size is possible
    (1M notes for the memory benchmark) without drawing forever.
    """
    rng = random.Random(SEED)
    seen: set[str] = set()
    cards: list[Card] = []
    misses = 0
    while len(cards) < size:
        question = _fill(rng, rng.choice(_QUESTIONS))
        if question in seen:
            misses += 1
            if misses < 8:
                continue
            question = f"{question[:-1]} (case {len(cards)})?"
        misses = 0
        seen.add(question)
        cards.append(_card(rng, question))
    return cards


def _plain_answer(card: Card) -> str:
    """The answer as plain text: lines, then a blank line and numbered lines."""
    text = "\n".join(card.intro)
    if card.items:
        text += "\n\n" + "\n".join(f"{i}. {item}" for i, item in enumerate(card.items, 1))
    return text


def _html_answer(card: Card) -> str:
    """The answer as the HTML Anki stores: ``<br>`` between lines, ``<ol>`` for items."""
    text = "<br>".join(html.escape(line, quote=False) for line in card.intro)
    if card.items:
        text += "<ol>" + "".join(f"<li>{html.escape(i, quote=False)}</li>" for i in card.items)
        text += "</ol>"
    return text


def brainscape(cards: list[Card]) -> str:
    """Brainscape page text: title, count, then each card with its rating trailer."""
    trailer = "How well did you know this?\n1\nNot at all\n2\n3\n4\n5\nPerfectly\n"
    parts = [f"{DECK} Flashcards\n\n({len(cards)} cards)\n\n"]
    for number, card in enumerate(cards, 1):
        parts.append(f"{number}\nQ\n\n{card.question}\n\nA\n\n{_plain_answer(card)}\n\n{trailer}")
    return "".join(parts)


def quizlet(cards: list[Card]) -> str:
    """Quizlet's default export: term TAB definition, line breaks written as they are."""
    return "".join(f"{card.question}\t{_plain_answer(card)}\n" for card in cards)


def csv_table(cards: list[Card]) -> str:
    """A CSV table with a header; fields quoted where they hold commas, quotes or newlines."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["question", "answer", "tags"])
    for card in cards:
        writer.writerow([card.question, _plain_answer(card), " ".join(card.tags)])
    return out.getvalue()


def ankitext(cards: list[Card]) -> str:
    """Anki's "Notes in Plain Text" export: headers, then guid, note type, deck, fields, tags."""
    out = io.StringIO()
    out.write("#separator:tab\n#html:true\n#guid column:1\n#notetype column:2\n")
    out.write("#deck column:3\n#tags column:6\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    rng = random.Random(SEED)
    # Anki's base91 alphabet without '#' (a line starting with it is a comment) and quotes.
    alphabet = string.ascii_letters + string.digits + "!$%&()*+,-./:;<=>?@[]^_`{|}~"
    for card in cards:
        guid = "".join(rng.choices(alphabet, k=10))
        question = html.escape(card.question, quote=False)
        writer.writerow([guid, "Basic", DECK, question, _html_answer(card), " ".join(card.tags)])
    return out.getvalue()


def markdown(cards: list[Card]) -> str:
    """A Markdown deck: ``# Title``, then ``## question`` and its answer for each card."""
    parts = [f"# {DECK}\n\n"]
    for card in cards:
        answer = "\n".join(card.intro)
        if card.items:
            answer += "\n\n" + "\n".join(f"- {item}" for item in card.items)
        if card.extra:
            answer += "\n\n" + card.extra
        parts.append(f"## {card.question}\n\n{answer}\n\n")
    return "".join(parts)


def notes_tsv(cards: list[Card]) -> str:
    """``question TAB answer TAB tags``, fields as HTML: the input of the floor and genanki."""
    return "".join(
        f"{html.escape(card.question, quote=False)}\t{_html_answer(card)}\t{' '.join(card.tags)}\n"
        for card in cards
    )


FORMATS: dict[str, tuple[str, Callable[[list[Card]], str]]] = {
    "brainscape": ("txt", brainscape),
    "quizlet": ("txt", quizlet),
    "csv": ("csv", csv_table),
    "ankitext": ("txt", ankitext),
    "markdown": ("md", markdown),
    "notes": ("tsv", notes_tsv),
}
"""Format name (the ``--from`` token, and ``notes`` for the TSV) → file extension, writer."""


def path_for(fmt: str, size: int) -> Path:
    """Where the deck of ``size`` notes in format ``fmt`` is cached."""
    return DATA_DIR / f"{fmt}-{size}.{FORMATS[fmt][0]}"


def ensure(sizes: list[int], force: bool = False) -> None:
    """Write every format at every size, unless already cached (or ``force``)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Keeps the cache out of git (and out of ruff, which formats Markdown code blocks).
    (DATA_DIR.parent / ".gitignore").write_text("*\n", encoding="utf-8")
    for size in sizes:
        missing = [fmt for fmt in FORMATS if force or not path_for(fmt, size).exists()]
        if not missing:
            continue
        cards = make_cards(size)
        for fmt in missing:
            path = path_for(fmt, size)
            temporary = path.with_suffix(path.suffix + ".tmp")
            temporary.write_text(FORMATS[fmt][1](cards), encoding="utf-8", newline="")
            temporary.replace(path)


GIT_TIMES = (1_600_000_000, 1_650_000_000)
"""Commit times of the tracked decks' two commits (both before the benchmark's
``SOURCE_DATE_EPOCH``, so the notes' times come from git)."""


def git_path_for(fmt: str, size: int) -> Path:
    """The deck of ``size`` notes in ``fmt`` inside a git work tree with a history."""
    return DATA_DIR / "git" / f"{fmt}-{size}" / path_for(fmt, size).name


def ensure_git(fmt: str, size: int) -> Path:
    """A git repository holding the deck, in two commits: its first half of lines, then all.

    ``git blame`` then names two commits, as a deck edited over time does, and every note
    of a build takes its time from the lines it is made of (``building/notetimes``).
    """
    target = git_path_for(fmt, size)
    if (target.parent / ".git").is_dir() and target.exists():
        return target
    shutil.rmtree(target.parent, ignore_errors=True)
    target.parent.mkdir(parents=True)
    text = path_for(fmt, size).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}

    def git(*args: str, when: int | None = None) -> None:
        stamp = {} if when is None else {"GIT_AUTHOR_DATE": f"@{when} +0000"}
        stamp |= {} if when is None else {"GIT_COMMITTER_DATE": f"@{when} +0000"}
        subprocess.run(["git", *args], cwd=target.parent, env=env | stamp, check=True,
                       capture_output=True)  # fmt: skip

    git("init", "-q")
    for part, when in zip((lines[: len(lines) // 2], lines), GIT_TIMES, strict=True):
        target.write_text("".join(part), encoding="utf-8", newline="")
        git("add", target.name)
        git("commit", "-q", "-m", f"deck at {when}", when=when)
    return target


def main() -> None:
    """Generate (or reuse) the benchmark decks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    ensure(sizes, args.force)
    for size in sizes:
        for fmt in FORMATS:
            path = path_for(fmt, size)
            print(f"{path}  {path.stat().st_size / 2**20:7.1f} MiB")


if __name__ == "__main__":
    main()
