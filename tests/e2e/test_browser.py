"""The real loop in a real browser: the page the sandbox serves, in Debian's Chromium
driven by Playwright, clicks reaching the real bot, which changes the local
GuardDuty. Screenshots go to tests/artifacts/ (not committed) for a person to
look at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from notifier.finding import Finding
from sandbox.stack import Sandbox
from tests.chromium import ARTIFACTS, chromium
from tests.e2e.conftest import card, stored
from tests.sandbox.test_page_browser import watch

pytestmark = pytest.mark.browser

ARCHIVED_BY = re.compile(r"Archived by Alex Analyst at \d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox() as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-profile"), 1360, 1000) as context:
        yield context


def seeded(sandbox: Sandbox, finding_type: str) -> Finding:
    [found] = [
        stored(sandbox, finding_id)
        for finding_id in sandbox.seeding.finding_ids
        if stored(sandbox, finding_id).type == finding_type
    ]
    return found


def article(page: Page, sandbox: Sandbox, finding: Finding) -> Locator:
    return page.locator(f'article[data-name="{card(sandbox, finding)["name"]}"]')


def show_top(message: Locator) -> None:
    """Scrolls the card's header and status lines into view, for the screenshot."""
    message.evaluate("element => element.scrollIntoView({block: 'start'})")


def test_archive_in_the_page_archives_in_guardduty(
    sandbox: Sandbox, browser: BrowserContext
) -> None:
    finding = seeded(sandbox, "Backdoor:EC2/C&CActivity.B!DNS")
    page = browser.new_page()
    seen = watch(page)
    page.goto(sandbox.page_url)
    message = article(page, sandbox, finding)
    expect(message).to_contain_text(finding.title)
    expect(page.locator("#user")).to_have_value(sandbox.analyst.name)

    message.get_by_role("button", name="Archive", exact=True).click()

    expect(message).to_contain_text(ARCHIVED_BY)
    expect(message.get_by_role("button", name="Unarchive")).to_be_visible()
    assert stored(sandbox, finding.id).archived
    page.locator("#control-finding").select_option(finding.id)
    expect(page.locator(".controls-status")).to_have_text(
        f"In GuardDuty: Archived \u00b7 count {finding.count} \u00b7 no feedback"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    show_top(message)
    page.screenshot(path=str(ARTIFACTS / "sandbox-archived.png"))
    assert seen["errors"] == []
    assert seen["dialogs"] == []
    assert {url.split("/")[2] for url in seen["requests"]} == {
        sandbox.chat.url.split("/")[2]
    }


def test_guardduty_seeing_it_again_edits_the_card_in_the_page(
    sandbox: Sandbox, browser: BrowserContext
) -> None:
    finding = seeded(sandbox, "CryptoCurrency:EC2/BitcoinTool.B")
    page = browser.new_page()
    seen = watch(page)
    page.goto(sandbox.page_url)
    message = article(page, sandbox, finding)
    message.get_by_role("button", name="Acknowledge").click()
    expect(message).to_contain_text("Acknowledged by Alex Analyst at")

    page.locator("#control-finding").select_option(finding.id)
    page.get_by_role("button", name="Count +1").click()

    count = (finding.count or 0) + 1
    expect(page.locator(".toast")).to_contain_text(f"count {count}")
    expect(message).to_contain_text(f"{count} times, first")
    expect(message).to_contain_text("Acknowledged by Alex Analyst at")
    expect(message.locator(".edited")).to_be_visible()
    assert stored(sandbox, finding.id).count == count
    show_top(message)
    page.screenshot(path=str(ARTIFACTS / "sandbox-updated.png"))

    page.locator("#user").select_option(sandbox.intern.name)
    message.get_by_role("button", name="Archive", exact=True).click()
    private = page.locator("article.message.private")
    expect(private).to_contain_text("may not archive")
    expect(private).to_contain_text("Only visible to you")
    assert not stored(sandbox, finding.id).archived
    page.screenshot(path=str(ARTIFACTS / "sandbox-refused.png"))
    assert seen["errors"] == []
