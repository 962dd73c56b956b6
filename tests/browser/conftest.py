"""A real browser for the browser tests: Debian's Chromium driven by Playwright.

One Chromium for the whole session, one fresh context (cookies, language,
viewport) per test, against pytest-django's live server. Browsers are never
downloaded: without /usr/bin/chromium the tests are skipped on a laptop and
fail on CI (CI=true), where a missing browser must not pass silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses
# database work from a thread with a running loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

# Every id an attribute points to must exist: a hint or an error that a field's
# aria-describedby names under the wrong id is never read out, and axe-core
# only lists such a reference as "needs review" when another id in it exists.
DANGLING_REFERENCES = """() => {
    const attributes = ['aria-describedby', 'aria-labelledby', 'aria-errormessage',
                        'aria-controls', 'aria-owns', 'aria-details', 'for'];
    const found = [];
    for (const attribute of attributes) {
        for (const e of document.querySelectorAll(`[${attribute}]`)) {
            const value = e.getAttribute(attribute);
            for (const id of value.split(/\\s+/).filter(Boolean)) {
                if (!document.getElementById(id)) {
                    found.push(`<${e.tagName.toLowerCase()} ${attribute}="${value}">: no #${id}`);
                }
            }
        }
    }
    return found;
}"""

axe = Axe()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"Chromium is not installed at {CHROMIUM}; the browser tests need Debian's "
            "package (apt-get install chromium, or `make browser-deps`)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def contexts(browser: Browser, base_url: str) -> Iterator[Callable[..., BrowserContext]]:
    """Makes browser contexts speaking ``language`` to the server at
    ``base_url``; all closed after."""
    made: list[BrowserContext] = []

    def make(language: str = "en", **options: Any) -> BrowserContext:
        context = browser.new_context(
            base_url=base_url,
            locale=language,
            extra_http_headers={"Accept-Language": language},
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    try:
        yield make
    finally:
        for context in made:
            context.close()


@pytest.fixture
def new_context(browser: Browser, live_server: Any) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts for pytest-django's live server (a transactional test:
    every table emptied after it)."""
    with contexts(browser, live_server.url) as make:
        yield make


@contextmanager
def module_server() -> Iterator[Any]:
    """A live server of the module's own, for tests that share data built once
    (``tests.web.committed_world``) instead of pytest-django's ``live_server``,
    which makes every test transactional and so empties the tables after each."""
    from django.test.utils import modify_settings
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost:0")
    try:
        with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
            yield server
    finally:
        server.stop()


def language_context(
    new_context: Callable[..., BrowserContext], language: str, **options: Any
) -> BrowserContext:
    """A context whose browser asks for ``language`` ("ar" or "en").

    Visitors get the language from Accept-Language; a signed-in person gets
    their saved preference, so make them with ``factories.person(language=...)``.
    """
    assert language in ("ar", "en"), language
    return new_context(language, **options)


def sign_in(
    page: Page, email: str, password: str = factories.PASSWORD, *, next_url: str = ""
) -> Response | None:
    """Sign in through the real login form, as a person would, then land on
    ``next_url`` (the dashboard without it); returns that page's response."""
    page.goto("/accounts/login/" + (f"?next={quote(next_url)}" if next_url else ""))
    form = page.locator("main form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation() as navigation:
        form.locator("button").click()
    assert "/accounts/login/" not in page.url, f"signing in as {email} failed: {page.url}"
    return navigation.value


def accessibility_problems(page: Page) -> list[str]:
    """What axe-core finds against WCAG 2.2 A/AA on the page as it stands, and
    the references to ids that do not exist; empty when there is nothing."""
    problems = []
    results = axe.run(page, options=AXE_OPTIONS)
    if results.violations_count:
        problems.append(results.generate_report())
    if dangling := page.evaluate(DANGLING_REFERENCES):
        problems.append("references to elements that do not exist: " + "; ".join(dangling))
    return problems
