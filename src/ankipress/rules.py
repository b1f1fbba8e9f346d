"""Every kind of problem ankipress reports, each with an id that never changes.

Code scanning (SARIF), GitLab Code Quality and people's suppressions and search queries
key problems by rule id, so an id is given once and kept forever: a rule may be reworded,
never renumbered, and a retired id is never reused. Ids are written here by hand, never
derived from message text (which is free to change).

Where a diagnostic is made, it names its rule (``Diagnostic(..., rule=rules.EMPTY_ANSWER)``).
A diagnostic made without one is reported under :data:`UNCLASSIFIED` (``AP0000``): a
problem that has no rule of its own yet. Such a problem may get one in a later release;
a problem that has a rule keeps it.

Ids by hundreds: ``AP1xxx`` a note's content, ``AP2xxx`` reading a source, ``AP3xxx`` media,
``AP4xxx`` the project, decks and ids, ``AP5xxx`` writing outputs, ``AP6xxx`` what a release
would do to users' collections (``diff --fail-on``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """A kind of problem: a stable id, a short name, and one line saying what it is."""

    id: str
    """``AP`` and four digits, e.g. ``AP1001``: never changes once released."""
    name: str
    """A kebab-case name, e.g. ``empty-answer``: stable too, but the id is the key."""
    summary: str
    """One sentence for people (SARIF's ``shortDescription``, the README's table)."""

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


UNCLASSIFIED = Rule("AP0000", "unclassified", "A problem that has no rule of its own yet.")

# A note's content
EMPTY_ANSWER = Rule("AP1001", "empty-answer", "A note's answer is empty.")
EMPTY_QUESTION = Rule("AP1002", "empty-question", "A note's question is empty: it is skipped.")
DUPLICATE_QUESTION = Rule("AP1003", "duplicate-question", "A question is asked twice in one deck.")
DUPLICATE_ID = Rule("AP1004", "duplicate-id", "Two notes carry the same id (GUID).")
CLOZE_WITHOUT_DELETION = Rule(
    "AP1005", "cloze-without-deletion", "A cloze note has no deletion such as {{c1::text}}."
)
CLOZE_NUMBER_TOO_LARGE = Rule(
    "AP1006", "cloze-number-too-large", "A cloze number is larger than Anki can store."
)
CLOZE_MISREAD = Rule(
    "AP1007", "cloze-misread", "Anki would read a cloze otherwise than it is written."
)
CONTROL_CHARACTER = Rule(
    "AP1008", "control-character", "A control character, which Anki strips, was removed."
)
FIELD_NOT_WRITABLE = Rule(
    "AP1009",
    "field-not-writable",
    "A field is too long, nests too deeply or holds what is not text (a lone surrogate).",
)
TEX_ERROR = Rule("AP1010", "tex-error", "A formula could not be rendered (--math svg).")
NORMALIZED = Rule(
    "AP1011", "normalized", "Text was cleaned: whitespace, tags or a deck name trimmed."
)
ACTIVE_CONTENT = Rule(
    "AP1012", "active-content", "HTML holds scripts, frames or handlers Anki would run."
)
SANITIZED = Rule("AP1013", "sanitized", "--sanitize removed active content from HTML.")
NOTE_TYPE_OPTION_IGNORED = Rule(
    "AP1014",
    "note-type-option-ignored",
    "--reverse, --type-answer or --template does not apply to notes that keep their note type.",
)

# Reading a source
ENCODING_DETECTED = Rule(
    "AP2001", "encoding-detected", "A source is not UTF-8; its encoding was detected."
)
UNREADABLE_SOURCE = Rule(
    "AP2002",
    "unreadable-source",
    "A source cannot be read as text: missing, binary, or bytes of no encoding.",
)
NO_CARDS = Rule("AP2003", "no-cards", "A source holds no cards.")
FRONT_MATTER = Rule("AP2004", "front-matter", "The front matter of a Markdown deck is wrong.")
UNSUPPORTED_FORMAT = Rule(
    "AP2005", "unsupported-format", "A source is in a format or dialect ankipress does not read."
)
PACKAGE_CONTENT = Rule(
    "AP2006", "package-content", "An Anki package read as input holds something amiss."
)
SEPARATOR = Rule(
    "AP2007", "separator", "A table's or export's separator was detected, or cannot be told."
)
HEADER = Rule(
    "AP2009",
    "header",
    "A header (a table's first row, #columns: of Anki's export) is read, unknown or ignored.",
)
CARD_COUNT = Rule(
    "AP2010",
    "card-count",
    "A deck says it holds more or fewer cards than were found (an export cut off).",
)
MALFORMED_ROW = Rule(
    "AP2008",
    "malformed-row",
    "A row or card is not written as its format expects: a column or a closing quote missing.",
)

# Media
MEDIA_MISSING = Rule("AP3001", "media-missing", "A picture or sound a card names is not found.")
MEDIA_REFUSED = Rule(
    "AP3002",
    "media-refused",
    "A media reference leads outside the source's folder, or names a program.",
)
MEDIA_NOT_PACKED = Rule(
    "AP3003",
    "media-not-packed",
    "A media file is left for the user's collection to provide (not beside the source).",
)
REMOTE_MEDIA = Rule("AP3004", "remote-media", "A card shows media from the network.")
MEDIA_NAME_CLASH = Rule(
    "AP3005", "media-name-clash", "Two different media files have the same name."
)
MEDIA_FOLDER = Rule(
    "AP3006", "media-folder", "A deck's media folder is missing, outside it, or partly unused."
)

# The project, decks and ids
PROJECT_FILE = Rule("AP4001", "project-file", "The project file (ankipress.toml) is wrong.")
LOCK_FILE = Rule(
    "AP4002", "lock-file", "What the lock file (ankipress.lock) keeps or reports of note ids."
)
DECK_NAME = Rule("AP4003", "deck-name", "A deck name Anki cannot take, or changes.")
DEFAULT_DECK = Rule(
    "AP4004", "default-deck", "Notes would land in Anki's Default deck by a file's name."
)
NOTE_TIME = Rule("AP4005", "note-time", "A note's modification time had to be chosen.")
OUTPUT_SKIPPED = Rule(
    "AP4006", "output-skipped", "An output folder inside the source folder is not read."
)
TEMPLATE = Rule("AP4007", "template", "A --template file is missing or wrong.")
PIN = Rule("AP4008", "pin", "A card's id could not be written into its file (pin).")

# Writing outputs
WRITE_FAILED = Rule("AP5001", "write-failed", "An output could not be written.")
LOSSY_OUTPUT = Rule(
    "AP5002", "lossy-output", "A text output cannot hold everything a package holds."
)

# What a release would do to users' collections (diff --fail-on)
NOTE_REMOVED = Rule("AP6001", "note-removed", "A note of the old release is not in the new one.")
GUID_CHANGED = Rule(
    "AP6002", "guid-changed", "A note of the old release comes back under a new GUID."
)
NOTETYPE_CHANGED = Rule(
    "AP6003",
    "notetype-changed",
    "A note type changes its fields or cards under its id, or a note its note type.",
)

RULES: tuple[Rule, ...] = (
    UNCLASSIFIED,
    EMPTY_ANSWER,
    EMPTY_QUESTION,
    DUPLICATE_QUESTION,
    DUPLICATE_ID,
    CLOZE_WITHOUT_DELETION,
    CLOZE_NUMBER_TOO_LARGE,
    CLOZE_MISREAD,
    CONTROL_CHARACTER,
    FIELD_NOT_WRITABLE,
    TEX_ERROR,
    NORMALIZED,
    ACTIVE_CONTENT,
    SANITIZED,
    NOTE_TYPE_OPTION_IGNORED,
    ENCODING_DETECTED,
    UNREADABLE_SOURCE,
    NO_CARDS,
    FRONT_MATTER,
    UNSUPPORTED_FORMAT,
    PACKAGE_CONTENT,
    SEPARATOR,
    MALFORMED_ROW,
    HEADER,
    CARD_COUNT,
    MEDIA_MISSING,
    MEDIA_REFUSED,
    MEDIA_NOT_PACKED,
    REMOTE_MEDIA,
    MEDIA_NAME_CLASH,
    MEDIA_FOLDER,
    PROJECT_FILE,
    LOCK_FILE,
    DECK_NAME,
    DEFAULT_DECK,
    NOTE_TIME,
    OUTPUT_SKIPPED,
    TEMPLATE,
    PIN,
    WRITE_FAILED,
    LOSSY_OUTPUT,
    NOTE_REMOVED,
    GUID_CHANGED,
    NOTETYPE_CHANGED,
)
"""Every rule, in id order: the README's table and SARIF's rule list come from here."""

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
