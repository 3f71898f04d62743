"""Untrusted text made safe for Google Chat cards, e-mail and SNS.

Every string in a finding can be chosen by an attacker (user agents, domain names,
tag values, bucket names). Text is cleaned the same way for every field, then either
HTML-escaped (card fields that take Chat's HTML subset) or stripped of the characters
Chat's plain-text markup reacts to (mentions ``<users/all>`` and links ``<url|label>``).
"""

import functools
import html
import re
import unicodedata

ELLIPSIS = "\u2026"

# Bidirectional overrides and isolates can make text read differently from what it is.
_BIDI = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C], None
)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")
_SPACES = re.compile(r"[ \t]+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def clean(value: object, *, multiline: bool = False, limit: int | None = None) -> str:
    """Returns ``value`` as printable text: no control, format or bidi characters.

    Invalid UTF-16 surrogates are replaced by U+FFFD. Line breaks are kept (as ``\\n``)
    only when ``multiline`` is true; otherwise they become spaces. With ``limit`` (in
    UTF-8 bytes), text far beyond it is dropped before cleaning, so a megabyte of
    attacker text costs no more than the part that can be shown.
    """
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > 2 * limit + 64:
        text = text[: 2 * limit + 64]
    text = _SURROGATES.sub("\ufffd", text).replace("\t", " ")
    text = _LINE_BREAKS.sub("\n" if multiline else " ", text.translate(_BIDI))
    text = _invisible().sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line) if multiline else lines[0]


@functools.cache
def _invisible() -> re.Pattern[str]:
    """Control and format characters (Unicode Cc, Cf), but the line feed and the
    zero-width joiner that holds emoji sequences together."""
    kept = {"\n", "\u200d"}
    found = [
        chr(point)
        for point in range(0x10000)
        if unicodedata.category(chr(point)) in ("Cc", "Cf") and chr(point) not in kept
    ]
    astral = "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    astral += "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    return re.compile("[" + re.escape("".join(found)) + astral + "]")


def truncate_bytes(text: str, limit: int) -> str:
    """Cuts ``text`` to at most ``limit`` UTF-8 bytes, marking a cut with "…"."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    if room < 0:
        return encoded[: max(limit, 0)].decode("utf-8", "ignore")
    return encoded[:room].decode("utf-8", "ignore") + ELLIPSIS


def plain(value: object, limit: int = 200, *, multiline: bool = False) -> str:
    """Text for a plain card field (header, label, button) or a message's text.

    Angle brackets become single guillemets so no mention or link can form, and the
    result fits in ``limit`` UTF-8 bytes.
    """
    text = (
        clean(value, multiline=multiline).replace("<", "\u2039").replace(">", "\u203a")
    )
    return truncate_bytes(text, limit)


def markup(value: object, limit: int = 300, *, multiline: bool = False) -> str:
    """Text for a card field that takes Chat's HTML subset, escaped to show as written.

    The escaped result fits in ``limit`` UTF-8 bytes; cuts never split an entity.
    """
    text = clean(value, multiline=multiline, limit=limit)
    fits = _escape(text, limit, multiline)
    if len(fits.encode("utf-8")) <= limit:
        return fits
    # Escaping lengthens text unevenly: search the longest cut whose escape fits.
    low, high, best = 0, limit, ""
    while low <= high:
        middle = (low + high) // 2
        candidate = _escape(text, middle, multiline)
        if len(candidate.encode("utf-8")) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best


def _escape(text: str, budget: int, multiline: bool) -> str:
    escaped = html.escape(truncate_bytes(text, budget), quote=True)
    return escaped.replace("\n", "<br>") if multiline else escaped


def token(value: object, allowed: str, limit: int = 120) -> str:
    """Keeps only characters matching the regex class ``allowed``, e.g. ``A-Za-z0-9:/``.

    For identifiers shown in plain text (finding types, regions, account ids) where
    anything outside the expected alphabet is noise or an attack.
    """
    return truncate_bytes(re.sub(f"[^{allowed}]", "", clean(value, limit=limit)), limit)
