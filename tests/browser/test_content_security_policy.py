"""In a real browser, the Content Security Policy blocks nothing the site
itself needs: pages with forms, charts, results and the member's share
statement, and the interactive API documentation, load with no violation
reported by Chromium (no securitypolicyviolation event: Playwright does
not pass Chromium's "Refused to ..." console lines on as console events).

And the policy does bite: a script slipped into a page is not run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page as BrowserPage

from tests.browser.conftest import sign_in
from tests.web import PAGES, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Recorded before any of the page's own code runs (Playwright's init
# scripts are not subject to the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
                             + ` at ${e.sourceFile || ''}:${e.lineNumber}`);
});
"""

# A visitor's pages, then a member's and an officer's: charts (the share
# register, a poll's result), a page of search results, a form with errors.
VISITOR = ["welcome", "coop", "apply-with-errors", "login", "search-results"]
MEMBER = ["poll-open", "shares-statement", "shares-register"]
FOUNDER = ["poll-closed", "invite-with-errors", "directory"]


def _watched(context: BrowserContext) -> BrowserPage:
    context.add_init_script(RECORD_VIOLATIONS)
    return context.new_page()


def _visit(page: BrowserPage, url: str, submit_empty: bool = False) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status < 500, f"{url} answered badly"
    if submit_empty:
        with page.expect_navigation():
            page.locator("main form[method=post]:not([action]) button").first.click()
    page.wait_for_load_state("load")
    found: list[str] = page.evaluate("() => window.__violations")
    return [f"{url}: {v}" for v in found]


def _by_id(ids: list[str]) -> list[Any]:
    catalogue = {p.id: p for p in PAGES}
    return [catalogue[i] for i in ids]


def test_the_pages_load_without_any_policy_violation(
    new_context: Callable[..., BrowserContext],
) -> None:
    world: World = build_world("en")
    problems: list[str] = []
    for who, ids in ((None, VISITOR), ("member", MEMBER), ("founder", FOUNDER)):
        page = _watched(new_context("en"))
        specs = _by_id(ids)
        if who is not None:
            user = world.member.user if who == "member" else world.founder
            sign_in(page, user.email)
        for spec in specs:
            problems += _visit(page, world.url(spec), spec.submit_empty)
    assert not problems, "\n".join(problems)


def test_the_api_documentation_works_under_the_policy(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = _watched(new_context("en"))
    problems = _visit(page, "/api/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 5, "Swagger UI listed no operations"
    assert not problems, "\n".join(problems)


def test_a_script_slipped_into_a_page_is_not_run(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = _watched(new_context("en"))
    page.goto("/about/")
    # What an injection would add: an inline script and an event handler.
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true;';
            document.body.appendChild(s);
            const img = document.createElement('img');
            img.setAttribute('src', 'data:,');
            img.setAttribute('onerror', 'window.__ran = true;');
            document.body.appendChild(img);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    violations = page.evaluate("() => window.__violations")
    assert len([v for v in violations if "script-src" in v]) == 2, violations
