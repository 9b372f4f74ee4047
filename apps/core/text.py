"""What may be typed into a name or a title: the characters that hide or reorder text.

Pure Python (no Django): file names (`evidence/sniffing.py`) and the forms' name and title
fields (`core/validators.py`) apply the same rules.

- Control characters (NUL, escape, a line break in a one-line field, …) have no place in a
  name: they do not print, and a NUL cannot even be stored.
- Bidirectional controls reorder what a reader sees ("report‮fdp.exe" shows as
  "reportexe.pdf"), so a name or a title may not carry them either.
- Text that shows nothing at all (spaces, zero-width characters, fillers) is no name: nobody
  could read it, find it in a list or tell it from another.
"""

from __future__ import annotations

import unicodedata

# Marks, embeddings, overrides and isolates of the Unicode bidirectional algorithm.
BIDI_CONTROLS = frozenset({
    "\u200e", "\u200f", "\u061c",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069",
})

# Letters and symbols that draw nothing (Unicode's default-ignorable and blank characters that
# are not format characters): Hangul fillers, the braille blank, combining grapheme joiner,
# variation selectors, Khmer inherent vowels, Mongolian free variation selectors.
_BLANK_GLYPHS = frozenset(
    {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u034f", "\u17b4", "\u17b5", "\u180b", "\u180c",
     "\u180d", "\u180f"}
    | {chr(c) for c in range(0xFE00, 0xFE10)}
    | {chr(c) for c in range(0xE0100, 0xE01F0)}
)

# Cc: control codes. Cf: format characters (zero-width space and joiners, soft hyphen, word
# joiner, tags, …). Z*: spaces and line or paragraph separators.
_SHOWS_NOTHING = {"Cc", "Cf", "Zs", "Zl", "Zp"}


def is_invisible(ch: str) -> bool:
    """Whether a character draws nothing a reader could see."""
    return unicodedata.category(ch) in _SHOWS_NOTHING or ch in _BLANK_GLYPHS


def shows_nothing(text: str) -> bool:
    """True for text with nothing visible in it: empty, spaces, control or invisible characters."""
    return all(is_invisible(ch) for ch in text)


def hidden_controls(text: str, *, writing: bool = False) -> list[str]:
    """The control and bidirectional characters in `text`, each once, in order of appearance.

    `writing` is several lines of prose: tabs and line breaks belong there, and so do the marks
    that right-to-left writing needs; only the other control codes are found."""
    found: dict[str, None] = {}
    for ch in text:
        if writing and ch in "\t\n\r":
            continue
        if unicodedata.category(ch) == "Cc" or (ch in BIDI_CONTROLS and not writing):
            found.setdefault(ch)
    return list(found)


def describe(ch: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)': how a message names a character nobody can see."""
    name = unicodedata.name(ch, "")
    if not name and unicodedata.category(ch) == "Cc":
        name = {"\x00": "NUL", "\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE"}.get(
            ch, "CONTROL"
        )
    return f"U+{ord(ch):04X} ({name})" if name else f"U+{ord(ch):04X}"


def name_problem(text: str, *, what: str = "This", writing: bool = False) -> str | None:
    """Why `text` cannot be a name or a title (or, with `writing`, a piece of writing), or None
    when it can. `what` begins the sentence ("The title", "This"); the message says what to do.
    """
    if shows_nothing(text):
        if text:
            return (
                f"{what} is made only of spaces or invisible characters (such as zero-width spaces), "
                "so nobody could read it. Type it in letters or numbers."
            )
        return f"{what} is empty. Type it in letters or numbers."
    controls = hidden_controls(text, writing=writing)
    if controls:
        shown = ", ".join(describe(ch) for ch in controls[:3])
        return (
            f"{what} contains control characters that cannot be used ({shown}); they hide or reorder "
            "what a reader sees. Retype it rather than pasting it."
        )
    return None
