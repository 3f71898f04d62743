"""Who did what travels in a card's buttons and survives malformed input."""

import json
from datetime import UTC, datetime

import pytest

from notifier.handling import (
    HISTORY_KEPT,
    Action,
    Handling,
    decode_history,
    encode_history,
)

AT = datetime(2026, 12, 4, 9, 40, tzinfo=UTC)


def test_history_round_trips_through_a_button_parameter() -> None:
    history = (
        Handling(Action.ACKNOWLEDGE, "Ada Lovelace", AT),
        Handling(Action.ESCALATE, "Grace Hopper", AT, "Prod database reachable"),
        Handling(Action.SUPPRESS, "Ada Lovelace", AT, "chatops-recon-i-0a1b"),
    )
    assert decode_history(encode_history(history)) == history


def test_refresh_and_show_are_not_worth_remembering() -> None:
    history = (Handling(Action.REFRESH, "Ada", AT), Handling(Action.ARCHIVE, "Ada", AT))
    assert decode_history(encode_history(history)) == (history[1],)


def test_only_the_newest_entries_are_kept_and_names_are_cut() -> None:
    history = [Handling(Action.ACKNOWLEDGE, f"{n} " + "x" * 500, AT) for n in range(20)]
    decoded = decode_history(encode_history(history))
    assert len(decoded) == HISTORY_KEPT
    assert decoded[0].actor.startswith(f"{20 - HISTORY_KEPT} ")
    assert all(len(entry.actor) <= 80 for entry in decoded)


def test_names_lose_control_and_bidi_characters_before_they_travel() -> None:
    history = [Handling(Action.ARCHIVE, "\u202eevil\x00 \ud800name", AT, "\x1bnote")]
    (decoded,) = decode_history(encode_history(history))
    assert (decoded.actor, decoded.note) == ("evil \ufffdname", "note")


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "not json",
        '{"action": "archive"}',
        json.dumps([["delete_everything", "Ada", 1]]),
        json.dumps([["archive", "", 1]]),
        json.dumps([["archive", "Ada", "yesterday"]]),
        json.dumps([["archive", "Ada", 1e30]]),
        json.dumps([None, 7, "x"]),
    ],
)
def test_malformed_history_is_dropped_entry_by_entry(text: str | None) -> None:
    assert decode_history(text) == ()


def test_good_entries_survive_beside_bad_ones() -> None:
    text = json.dumps([["nonsense"], ["archive", "Ada", 1796400000]])
    (entry,) = decode_history(text)
    assert (entry.action, entry.actor) == (Action.ARCHIVE, "Ada")
