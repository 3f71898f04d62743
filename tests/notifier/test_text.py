"""Untrusted text: cleaned, escaped for the field it lands in, cut by UTF-8 bytes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier import text


@pytest.mark.parametrize(
    ("raw", "multiline", "cleaned"),
    [
        ("plain", False, "plain"),
        ("a\u202eevil\u202c b", False, "aevil b"),
        ("tab\tand  spaces", False, "tab and spaces"),
        ("nul\x00 esc\x1b[31m", False, "nul esc[31m"),
        ("line one\r\nline two\u2028three", False, "line one line two three"),
        ("line one\r\n\n\nline two", True, "line one\nline two"),
        ("broken \ud800 surrogate", False, "broken \ufffd surrogate"),
        ("zero\u200bwidth\ufeff", False, "zerowidth"),
        (
            "family \U0001f468\u200d\U0001f469",
            False,
            "family \U0001f468\u200d\U0001f469",
        ),
        ("tags\U000e0041\U000e0042", False, "tags"),
        (42, False, "42"),
    ],
)
def test_clean_drops_invisible_and_reordering_characters(
    raw: object, multiline: bool, cleaned: str
) -> None:
    assert text.clean(raw, multiline=multiline) == cleaned


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<users/all> look", "\u2039users/all\u203a look"),
        ("<https://evil.example|Click>", "\u2039https://evil.example|Click\u203a"),
        ("a < b > c", "a \u2039 b \u203a c"),
    ],
)
def test_plain_fields_cannot_form_mentions_or_links(raw: str, plain: str) -> None:
    assert text.plain(raw) == plain


@pytest.mark.parametrize(
    ("raw", "markup"),
    [
        ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
        ("\"quoted\" & 'single'", "&quot;quoted&quot; &amp; &#x27;single&#x27;"),
        ("<users/all>", "&lt;users/all&gt;"),
    ],
)
def test_markup_fields_show_html_as_written(raw: str, markup: str) -> None:
    assert text.markup(raw) == markup


def test_markup_keeps_line_breaks_only_when_asked() -> None:
    assert text.markup("a\nb", multiline=True) == "a<br>b"
    assert text.markup("a\nb") == "a b"


@pytest.mark.parametrize(
    ("raw", "limit", "cut"),
    [
        ("short", 10, "short"),
        ("abcdefghij", 10, "abcdefghij"),
        ("abcdefghijk", 10, "abcdefg\u2026"),
        ("\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9", 8, "\u00e9\u00e9\u2026"),
        ("\U0001f600\U0001f600\U0001f600", 8, "\U0001f600\u2026"),
        ("abcdef", 2, "ab"),
    ],
)
def test_truncation_counts_utf8_bytes_and_never_splits_a_character(
    raw: str, limit: int, cut: str
) -> None:
    assert text.truncate_bytes(raw, limit) == cut


def test_markup_never_splits_an_entity_at_the_limit() -> None:
    escaped = text.markup("&" * 100, 23)
    assert escaped == "&amp;&amp;&amp;&amp;\u2026"


def test_token_keeps_only_the_expected_alphabet() -> None:
    assert text.token("Recon:EC2/<users/all>", r"A-Za-z0-9:/") == "Recon:EC2/users/all"


@given(st.text(), st.integers(min_value=0, max_value=500))
def test_every_output_fits_its_limit_and_stays_clean(raw: str, limit: int) -> None:
    for result in (text.plain(raw, limit), text.markup(raw, limit)):
        assert len(result.encode("utf-8")) <= limit
        assert "<users/" not in result
        assert not any(0xD800 <= ord(char) <= 0xDFFF for char in result)
