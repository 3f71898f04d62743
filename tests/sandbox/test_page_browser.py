"""The local Chat's page in a real browser: Debian's Chromium, driven by Playwright.

Chromium comes from tests/chromium.py (Debian's, never one Playwright fetches).
Screenshots go to tests/artifacts/ (not committed) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import google.auth.transport.requests
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from notifier.finding import Finding
from sandbox.chat_server import ChatServer
from sandbox.google_oauth import ServiceAccount
from tests.chromium import ARTIFACTS, chromium
from tests.sandbox.bot_double import BotDouble
from tests.sandbox.chat_loop import post_card, sample_finding

pytestmark = pytest.mark.browser

HOSTILE_TEXT = (
    "<img src=x onerror=alert(1)><script>alert(2)</script>"
    '<b>bold</b> <a href="javascript:alert(3)">not a link</a>'
)
Session = google.auth.transport.requests.AuthorizedSession


@pytest.fixture(scope="module")
def finding() -> Finding:
    return sample_finding("s3bucket-data-access.json")


@pytest.fixture(scope="module")
def bot(
    chat: ChatServer, account: ServiceAccount, finding: Finding
) -> Iterator[BotDouble]:
    with BotDouble(chat, [finding]) as double:
        chat.configure_app(double.url, double.app, account=account)
        yield double


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), 1280, 1400) as context:
        yield context


def watch(page: Page) -> dict[str, list[Any]]:
    """Records every request, script dialog and error the page causes."""
    seen: dict[str, list[Any]] = {"requests": [], "dialogs": [], "errors": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("dialog", lambda dialog: seen["dialogs"].append(dialog.message))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    return seen


def hostile_message(chat: ChatServer, session: Session, space: str) -> None:
    card = {
        "header": {"title": "Hostile", "imageUrl": "https://203.0.113.9/logo.png"},
        "sections": [
            {
                "widgets": [
                    {"decoratedText": {"topLabel": "Payload", "text": HOSTILE_TEXT}},
                    {
                        "image": {
                            "imageUrl": "https://203.0.113.9/a.png",
                            "altText": "x",
                        }
                    },
                ]
            }
        ],
    }
    body = {"text": "<script>alert(4)</script>", "cardsV2": [{"card": card}]}
    response = session.post(f"{chat.url}/v1/{space}/messages", json=body)
    response.raise_for_status()


def test_archive_in_the_page_shows_who_archived(
    chat: ChatServer,
    session: Session,
    space: str,
    finding: Finding,
    bot: BotDouble,
    browser: BrowserContext,
) -> None:
    hostile_message(chat, session, space)
    card = post_card(chat, session, space, finding)
    page = browser.new_page()
    seen = watch(page)

    page.goto(f"{chat.url}/#{space}")
    message = page.locator(f'article[data-name="{card["name"]}"]')
    expect(message).to_contain_text(finding.title)
    expect(page.locator("#user")).to_have_value(chat.person().name)
    message.get_by_role("button", name="Archive", exact=True).click()
    expect(message).to_contain_text(
        re.compile(r"Archived by Alex Analyst at \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    )
    expect(message.get_by_role("button", name="Unarchive")).to_be_visible()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    message.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "page-archived.png"))
    assert (ARTIFACTS / "page-archived.png").stat().st_size > 10_000
    threads = page.locator("#threads")
    expect(threads).to_contain_text("<script>alert(2)</script>")
    expect(threads).to_contain_text("<script>alert(4)</script>")
    assert threads.locator("img, script, iframe").count() == 0
    assert threads.locator('a[href^="javascript"]').count() == 0
    assert seen["dialogs"] == []
    assert seen["errors"] == []
    assert {url.split("/")[2] for url in seen["requests"]} == {chat.url.split("/")[2]}
    assert bot.events[-1]["common"]["parameters"]["action"] == "archive"


def test_changes_appear_within_a_second_and_dialogs_take_input(
    chat: ChatServer,
    session: Session,
    space: str,
    finding: Finding,
    bot: BotDouble,
    browser: BrowserContext,
) -> None:
    card = post_card(chat, session, space, finding)
    page = browser.new_page()
    seen = watch(page)
    page.goto(f"{chat.url}/#{space}")
    message = page.locator(f'article[data-name="{card["name"]}"]')
    expect(message).to_contain_text(finding.title)

    session.post(f"{chat.url}/v1/{space}/messages", json={"text": "*Heads up*"})
    expect(page.locator("#threads b", has_text="Heads up")).to_be_visible(timeout=1000)

    page.locator("#user").select_option(chat.person("Olu Oncall").name)
    message.get_by_role("button", name="Escalate").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Why escalate?").fill("Invoices copied out")
    dialog.get_by_role("button", name="Escalate").click()
    expect(dialog).to_be_hidden()
    expect(message).to_contain_text("Escalated by Olu Oncall at")
    expect(message).to_contain_text("Invoices copied out")

    page.locator("#user").select_option(chat.person("Ivy Intern").name)
    message.get_by_role("button", name="Archive", exact=True).click()
    private = page.locator("article.message.private")
    expect(private).to_contain_text("You are not allowed to archive.")
    expect(private).to_contain_text("Only visible to you")
    page.screenshot(path=str(ARTIFACTS / "page-private.png"))

    page.locator("#command").fill("/gd-nothing")
    page.locator("#command").press("Enter")
    expect(page.locator(".toast.error")).to_contain_text("/gd-nothing is not a command")
    assert seen["errors"] == []
