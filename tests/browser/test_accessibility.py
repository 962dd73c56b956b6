"""Every page, in Arabic and in English, in a real browser: no axe-core
violation of WCAG 2.2 A/AA, the right language and direction on <html>, no
sideways scrolling on a 320 px wide screen, and a usable page (its heading
shown) with JavaScript switched off.

A limit of axe-core to know: its colour-contrast rule skips text it takes for
an icon ligature, and it takes every run of joined Arabic letters for one
(``axe.commons.text.isIconLigature`` is true for Arabic text nodes), so on the
Arabic pages only the Latin text is checked for contrast. The colours come from
one stylesheet for both directions, so the English run covers them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext
from playwright.sync_api import Page as BrowserPage

from tests.browser.conftest import (
    accessibility_problems,
    contexts,
    language_context,
    module_server,
    sign_in,
)
from tests.web import PAGES, Page, World, committed_world

# The pages are only looked at (a form is sent empty, to be refused), so one
# world per language serves them all: built once and committed, served by a
# live server of this module's own, the tables emptied after the module. What
# a test itself writes is rolled back after it (on SQLite the server shares
# the test's connection; on PostgreSQL it writes only sessions).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

NARROW = 320
DIRECTION = {"ar": "rtl", "en": "ltr"}

# The elements that stick out on the scrolling side (the end side: right in
# English, left in Arabic), leaving out those inside a box that scrolls itself.
WIDEST = """(limit) => {
    const rtl = getComputedStyle(document.documentElement).direction === 'rtl';
    const scrolls = (e) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
    const inScroller = (e) => { for (let p = e.parentElement; p && p !== document.body;
                                     p = p.parentElement) { if (scrolls(p)) return true; }
                                return false; };
    return [...document.body.querySelectorAll('*')]
        .filter((e) => { const r = e.getBoundingClientRect();
                         return r.width && (rtl ? r.left < -1 : r.right > limit + 1); })
        .filter((e) => !inScroller(e))
        .slice(0, 5)
        .map((e) => e.outerHTML.slice(0, 160));
}"""


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[Any]:
    with module_server() as server:
        yield server


@pytest.fixture(scope="module", params=["ar", "en"])
def world(request: pytest.FixtureRequest, server: Any, django_db_blocker: Any) -> Iterator[World]:
    with committed_world(request.param, django_db_blocker) as world:
        yield world


@pytest.fixture(scope="module")
def cookies(browser: Browser, server: Any, world: World) -> dict[str, Any]:
    """What the browser keeps after signing in through the form, per person of
    this world: signed in once, before the tests, so that it stays."""
    language = world.founder.language
    saved = {}
    with contexts(browser, server.url) as make:
        for user in (world.founder, world.member.user):
            context = language_context(make, language)
            sign_in(context.new_page(), user.email)
            saved[user.email] = context.storage_state()
    return saved


@pytest.fixture
def new_context(browser: Browser, server: Any) -> Iterator[Callable[..., BrowserContext]]:
    with contexts(browser, server.url) as make:
        yield make


def _open(page: BrowserPage, world: World, spec: Page) -> None:
    """Go to the page; for a form page with errors, send its main form empty."""
    url = world.url(spec)
    response = page.goto(url)
    assert response is not None
    if spec.submit_empty:
        form = page.locator("main form[method=post]:not([action])").first
        with page.expect_navigation() as navigation:
            form.locator("button").first.click()
        response = navigation.value
        assert response is not None
        assert page.locator(".field-error").count(), f"{url} sent empty showed no field error"
    assert response.status == spec.status, f"{url} answered {response.status}"
    landed = urlsplit(page.url)
    address = landed.path + (f"?{landed.query}" if landed.query else "")
    assert unquote(address) == unquote(url), f"{url} led to {page.url}"


@pytest.mark.parametrize("spec", PAGES, ids=[p.id for p in PAGES])
def test_the_page_is_accessible(
    new_context: Callable[..., BrowserContext],
    world: World,
    cookies: dict[str, Any],
    spec: Page,
) -> None:
    language = world.founder.language
    user = world.user(spec)
    if user is None:
        context = language_context(new_context, language)
    else:
        context = language_context(new_context, language, storage_state=cookies[user.email])
    page = context.new_page()
    _open(page, world, spec)
    problems = accessibility_problems(page)

    html: dict[str, Any] = page.evaluate(
        "() => ({lang: document.documentElement.lang, dir: document.documentElement.dir})"
    )
    if html != {"lang": language, "dir": DIRECTION[language]}:
        problems.append(
            f'<html lang="{html["lang"]}" dir="{html["dir"]}">, expected '
            f'lang="{language}" dir="{DIRECTION[language]}"'
        )

    page.set_viewport_size({"width": NARROW, "height": 800})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > NARROW:
        wide = page.evaluate(WIDEST, NARROW)
        problems.append(
            f"at {NARROW} px wide the page is {width} px wide and scrolls sideways; "
            f"widest elements: {wide}"
        )

    no_script = language_context(
        new_context, language, java_script_enabled=False, storage_state=context.storage_state()
    ).new_page()
    _open(no_script, world, spec)
    heading = no_script.locator("h1").first
    if not heading.is_visible():
        problems.append("with JavaScript off the page shows no heading (h1)")

    assert not problems, f"{world.url(spec)} in {language}:\n" + "\n\n".join(problems)
