"""How ankipress derives every id it writes. Deterministic: no randomness, no clock.

* Note GUID: an id the source carries when it has one; otherwise a hash of the deck name and
  the question in canonical form (:func:`canonical_question`). Never the answer: fixing an
  answer and re-importing must update the note in Anki, not add a second one.
* A second note for the same question in the same deck (a homonym, an alternative answer):
  :func:`duplicate_guid`, a hash of deck, question *and its own answer*. The first note of
  the question keeps :func:`note_guid`, so adding a duplicate never changes it; editing the
  first note's answer changes neither GUID; a third duplicate, added anywhere, changes
  neither of the others (no position counts). Editing a later duplicate's own answer is
  the one edit that gives it a new GUID (a new note in Anki); answers are compared in
  canonical form, so re-wrapping one does not.
* Deck id and note-type id: hashes of their names, kept within the positive range Anki uses
  for millisecond timestamps and never equal to 1 (Anki's ``Default`` deck).
* Field and template ids: hashes of the note type's name and the field or template name, so
  that Anki matches them across releases even if their order or labels change.

Changing anything in this module changes the ids of every note already in users'
collections; the ``*_SALT`` strings version the schemes so a change is always deliberate.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata

GUID_SALT = "ankipress/guid/v1"
DUPLICATE_SALT = "ankipress/guid/duplicate/v1"
DECK_SALT = "ankipress/deck/v1"
NOTETYPE_SALT = "ankipress/notetype/v1"

# Anki's own base91 alphabet for GUIDs (anki/utils.py `base91`); it leaves out characters
# that need quoting in its text export.
_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)
# Ids Anki creates are millisecond timestamps; staying between 2**30 and 2**52 keeps ours
# clear of Default (1), of small ids other tools hard-code, and exact in JavaScript numbers.
_ID_FLOOR = 1 << 30
_ID_SPAN = (1 << 52) - _ID_FLOOR


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()


# Two digits at a time: a GUID is computed for every note of decks of 100k notes.
_PAIRS = [high + low for high in _BASE91 for low in _BASE91]
_PAIR = len(_PAIRS)


def _base91(number: int) -> str:
    if number == 0:
        return _BASE91[0]
    if number < 1 << 64:
        # Ten digits hold any 64 bits (91**10 > 2**64): five pairs, most of them cut from
        # numbers below 2**27, which divide faster than big ones.
        high, low = divmod(number, _PAIR * _PAIR)
        top, middle = divmod(high, _PAIR * _PAIR)
        d, e = divmod(low, _PAIR)
        b, c = divmod(middle, _PAIR)
        digits = _PAIRS[top] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d] + _PAIRS[e]
        # Leading zero digits are not written.
        return digits.lstrip(_BASE91[0])
    pairs = []
    while number:
        number, remainder = divmod(number, _PAIR)
        pairs.append(_PAIRS[remainder])
    # The leading pair may start with a zero digit, which the number does not have.
    return "".join(reversed(pairs)).lstrip(_BASE91[0])


def canonical_question(text: str) -> str:
    """The form of a question that its GUID is derived from.

    Unicode NFC (a question typed on macOS and on Windows gets one GUID) and whitespace
    runs folded to one space, so re-wrapping a question does not make it a new note.
    """
    if text.isascii():
        # Printable ASCII has no white space but " ": with no run of two and none at either
        # end, the text is its canonical form already (most questions).
        if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text
    else:
        text = unicodedata.normalize("NFC", text)
    # str.split() splits on exactly the white space \s matches, and is much faster.
    return " ".join(text.split())


def note_guid(deck: str, question: str, counter: int = 0) -> str:
    """GUID of a note that its source gives no id for: deck name plus canonical question.

    ``counter`` > 0 gives another GUID for the same note, for when the lock file
    (:mod:`ankipress.building.lock`) holds the plain one for another note.
    """
    text = f"{_GUID_HEAD}{_canonical_deck(deck)}\x1f{canonical_question(question)}"
    if counter:
        text += f"\x1f{counter}"
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return _base91(int.from_bytes(digest[:8], "big"))


_GUID_HEAD = GUID_SALT + "\x1f"
# A deck's notes all name it: its canonical form is made once.
_canonical_deck = functools.lru_cache(maxsize=256)(canonical_question)


def duplicate_guid(deck: str, question: str, *answer: str) -> str:
    """GUID of a later note asking a question an earlier note of the deck asks already.

    Derived from its own answer (every field after the question, for a note of more fields),
    never from the first note's or from its position, so it survives edits of the other
    notes of the question and notes added before it.
    """
    digest = _digest(
        DUPLICATE_SALT,
        canonical_question(deck),
        canonical_question(question),
        *(canonical_question(part) for part in answer),
    )
    return _base91(int.from_bytes(digest[:8], "big"))


def _stable_id(salt: str, *names: str) -> int:
    digest = _digest(salt, *names)
    return _ID_FLOOR + int.from_bytes(digest[:8], "big") % _ID_SPAN


def deck_id(name: str) -> int:
    """Id of the deck with this full name (``Parent::Child``)."""
    return _stable_id(DECK_SALT, name)


def notetype_id(name: str) -> int:
    """Id of the note type with this name."""
    return _stable_id(NOTETYPE_SALT, name)


def notetype_part_id(notetype: str, kind: str, name: str) -> int:
    """Id of a field or template (``kind``) of a note type; Anki matches them by it."""
    return _stable_id(NOTETYPE_SALT, notetype, kind, name)
