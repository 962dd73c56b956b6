"""Voting with the keyboard alone, in a real browser (see tests/browser/keyboard.py):
Tab and Shift+Tab, typing, arrow keys, Space and Enter; never a click and never
a field filled by its selector.

A member signs in, finds the open poll, ranks the candidates of a secret
election, is sent back for a mistake, checks and casts the ballot, keeps the
receipt and finds the ballot with it after the close; in a named consent
poll they block with a reason and then change their mind. The database is
asked at each step whether anything was recorded, and axe-core looks at each
page in the state the member left it. A shorter walk does the same in Arabic,
switched to with the language button."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import BrowserContext, Page

from taawun.accounts.models import User
from taawun.governance import actions as governance
from taawun.governance.models import Ballot, Poll, SecretBallot, VoterMark
from taawun.membership.models import Cooperative, Member
from tests import factories
from tests.browser.conftest import accessibility_problems
from tests.browser.keyboard import (
    assert_focus_visible,
    press_enter_and_wait,
    retype,
    sign_in_with_keyboard,
    tab_to,
    type_into,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAME_RANK = "%(options)s all have rank %(rank)d; give each a different number."
BLOCK_WITHOUT_REASON = "A block stops the proposal, so it needs a reason the others can answer."
RANK_TOO_HIGH = "Ensure this value is less than or equal to %(limit_value)s."
NO_SUCH_RECEIPT = "No ballot on the board has this receipt."

# The texts that the focused field's aria-describedby points to: what a screen
# reader reads out after the field's label.
DESCRIPTION = """() => {
    const e = document.activeElement;
    return (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
        .map((id) => document.getElementById(id)).filter(Boolean)
        .map((d) => d.textContent.trim().replace(/\\s+/g, ' ')).join(' ');
}"""
FOCUSED_RADIO = "() => [document.activeElement.value, document.activeElement.checked]"
# Whether the error summary comes before the first field of the ballot, so
# that whoever goes through the form from the top meets it first.
SUMMARY_FIRST = """(field) => {
    const summary = document.querySelector('main form .error-summary');
    const first = document.querySelector(`main form [name=${field}]`);
    return !!summary && !!first &&
        !!(summary.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


def translated(language: str, message: str) -> str:
    with translation.override(language):
        text = gettext(message)
    assert language == "en" or text != message, f"{message!r} has no {language} translation"
    return text


def in_main(page: Page) -> str:
    return page.locator("main").inner_text()


def assert_accessible(page: Page, state: str) -> None:
    problems = accessibility_problems(page)
    assert not problems, f"{state} ({page.url}):\n" + "\n\n".join(problems)


def assert_direction(page: Page, language: str) -> None:
    html = page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")
    assert html == [language, {"ar": "rtl", "en": "ltr"}[language]], f"{page.url}: {html}"


def signed_in_page(
    new_context: Callable[..., BrowserContext], live_server: Any, user: User
) -> Page:
    """A page on the dashboard of ``user``, signed in already (signing in by
    keyboard is walked once, in the first test)."""
    client = Client()
    client.force_login(user)
    context = new_context("en")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto("/")
    return page


def open_poll(coop: Cooperative, founder: User, kind: str, title: str, **settings: Any) -> Poll:
    options = ["Amal", "Badr", "Chadi"] if kind == "irv" else []
    draft = governance.create_poll(
        by=founder,
        coop=coop,
        kind=kind,
        title=title,
        options=options,
        settings=settings,
        closes_at=timezone.now() + timedelta(days=3),
    )
    return governance.open_poll(draft, by=founder)


def nothing_recorded(poll: Poll, member: Member) -> bool:
    return not (
        SecretBallot.objects.filter(poll=poll).exists()
        or VoterMark.objects.filter(poll=poll, member=member).exists()
        or Ballot.objects.filter(poll=poll).exists()
    )


def send_ballot(page: Page, language: str) -> None:
    tab_to(page, "main button", translated(language, "Continue"))
    press_enter_and_wait(page)


def assert_summary_error(
    page: Page, language: str, message: str, first_field: str, **params: Any
) -> None:
    """The page came back with ``message`` in the error summary, in the
    member's language, above the ballot's first field; the summary has the
    focus, so that it is read out first and the next Tab goes on from it."""
    summary = page.locator("main .error-summary")
    expected = translated(language, message) % params if params else translated(language, message)
    assert expected in summary.inner_text()
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert page.evaluate(SUMMARY_FIRST, first_field), "the error summary is not above the ballot"


def receipt_shown(page: Page) -> str:
    """The receipt, reached by Tab: a read-only field the member can copy."""
    tab_to(page, "#receipt")
    return page.evaluate("() => document.activeElement.value").strip()


def test_a_member_ranks_a_secret_ballot_checks_it_and_finds_it_by_receipt(
    new_context: Callable[..., BrowserContext],
) -> None:
    founder = factories.person("Salma Founder")
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person("Karim Member"))
    poll = open_poll(coop, founder, "irv", "Who chairs the general meeting?", secret=True)

    page = new_context("en").new_page()
    page.goto("/")
    sign_in_with_keyboard(page, member.user.email)
    assert (
        "Who chairs the general meeting?"
        in page.locator("section[aria-labelledby=awaiting]").inner_text()
    )
    tab_to(page, f"main a[href='{poll.get_absolute_url()}']")
    press_enter_and_wait(page)
    assert page.locator("h1").inner_text() == "Who chairs the general meeting?"
    assert_accessible(page, "the ballot")

    # Two candidates ranked first: sent back, with what was typed kept.
    type_into(page, "o0", "1")
    type_into(page, "o1", "1")
    send_ballot(page, "en")
    assert_summary_error(page, "en", SAME_RANK, "o0", options="Amal · Badr", rank=1)
    assert nothing_recorded(poll, member)
    assert page.locator("input[name=o0]").input_value() == "1"
    assert page.locator("input[name=o1]").input_value() == "1"
    assert_accessible(page, "the ballot with two equal ranks")

    # A rank past the number of candidates: the error is beside the field and
    # read out with it.
    tab_to(page, "[name=o1]")
    retype(page, "3")
    type_into(page, "o2", "4")
    send_ballot(page, "en")
    assert nothing_recorded(poll, member)
    too_high = translated("en", RANK_TOO_HIGH) % {"limit_value": 3}
    tab_to(page, "[name=o2]")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-invalid')") == "true"
    assert page.evaluate(DESCRIPTION) == f"Error: {too_high}"
    assert_accessible(page, "the ballot with a rank too high")
    retype(page, "1")
    tab_to(page, "[name=o0]", backwards=True)
    retype(page, "2")
    send_ballot(page, "en")

    # Check your vote: the ranking in words, and still nothing recorded.
    assert page.locator("h1").inner_text() == "Check your vote"
    assert page.locator("ul.check li").all_inner_texts() == ["1. Chadi", "2. Amal", "3. Badr"]
    assert nothing_recorded(poll, member)
    assert_accessible(page, "check your vote")
    tab_to(page, "main button", "Cast my vote")
    press_enter_and_wait(page)

    assert page.locator("h1").inner_text() == "Your vote is cast"
    receipt = receipt_shown(page)
    ballot = SecretBallot.objects.get(poll=poll)
    assert ballot.choice == {"ranking": [2, 0, 1]}
    assert ballot.receipt_digest == governance.receipt_digest(receipt)
    assert VoterMark.objects.filter(poll=poll, member=member).exists()
    assert not Ballot.objects.filter(poll=poll).exists()
    assert_accessible(page, "the receipt")

    # After the close the member finds their ballot with the receipt they kept.
    governance.close_poll(poll, by=founder)
    tab_to(page, "main a", "Back to the poll")
    press_enter_and_wait(page)
    tab_to(page, "main a", "Find my ballot with my receipt")
    press_enter_and_wait(page)
    assert page.locator("h1").inner_text() == "Find my ballot"
    type_into(page, "receipt", "r-not-my-receipt")
    press_enter_and_wait(page)
    tab_to(page, "[name=receipt]")
    assert page.evaluate(DESCRIPTION) == f"Error: {translated('en', NO_SUCH_RECEIPT)}"
    assert_accessible(page, "the receipt lookup with a wrong receipt")
    retype(page, receipt)
    press_enter_and_wait(page)
    assert "Your ballot is on the board and was counted" in in_main(page)
    assert page.locator("main ul li").all_inner_texts() == ["1. Chadi", "2. Amal", "3. Badr"]
    assert_accessible(page, "the receipt lookup with the ballot found")


def test_a_member_blocks_with_a_reason_then_changes_their_named_vote(
    new_context: Callable[..., BrowserContext], live_server: Any
) -> None:
    founder = factories.person("Salma Founder")
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person("Karim Member"))
    poll = open_poll(coop, founder, "consent", "Adopt the cleaning rota")
    reason = "The rota leaves out those who work nights."

    page = signed_in_page(new_context, live_server, member.user)
    tab_to(page, f"main a[href='{poll.get_absolute_url()}']")
    press_enter_and_wait(page)

    # Into the group of positions, then down from Agree to Block; no reason yet.
    tab_to(page, "input[name=position]")
    assert page.evaluate(FOCUSED_RADIO) == ["agree", False]
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert page.evaluate(FOCUSED_RADIO) == ["block", True]
    assert_focus_visible(page)
    send_ballot(page, "en")
    assert_summary_error(page, "en", BLOCK_WITHOUT_REASON, "position")
    assert not Ballot.objects.filter(poll=poll).exists()
    assert_accessible(page, "the consent ballot with a block and no reason")

    # The position is kept: Tab lands on it; the reason comes after.
    tab_to(page, "input[name=position]")
    assert page.evaluate(FOCUSED_RADIO) == ["block", True]
    type_into(page, "reason", reason)
    tab_to(page, "input[name=position]", backwards=True)
    assert page.evaluate(FOCUSED_RADIO) == ["block", True]
    send_ballot(page, "en")
    assert page.locator("ul.check li").all_inner_texts() == ["Block", reason]
    assert not Ballot.objects.filter(poll=poll).exists()
    assert_accessible(page, "check your vote with a block")
    tab_to(page, "main button", "Cast my vote")
    press_enter_and_wait(page)
    assert "Your vote is recorded." in page.locator("main [role=status]").inner_text()
    assert "You can change your vote until the poll closes." in in_main(page)
    first = Ballot.objects.get(poll=poll, voter=member)
    assert (first.choice, first.replaced_at) == ({"position": "block", "reason": reason}, None)

    # Changing it before the close: Space checks the first position, Agree.
    tab_to(page, "input[name=position]")
    page.keyboard.press("Space")
    assert page.evaluate(FOCUSED_RADIO) == ["agree", True]
    send_ballot(page, "en")
    assert page.locator("ul.check li").all_inner_texts() == ["Agree"]
    tab_to(page, "main button", "Cast my vote")
    press_enter_and_wait(page)
    assert "Your vote is changed." in page.locator("main [role=status]").inner_text()
    current = Ballot.objects.get(poll=poll, voter=member, replaced_at__isnull=True)
    assert current.choice == {"position": "agree", "reason": ""}
    first.refresh_from_db()
    assert first.replaced_at is not None


def test_in_arabic_a_member_ranks_a_secret_ballot_from_the_cooperatives_page(
    new_context: Callable[..., BrowserContext], live_server: Any
) -> None:
    founder = factories.person("سلمى المؤسِّسة", language="ar")
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person("كريم العضو", language="en"))
    poll = open_poll(coop, founder, "irv", "من يرأس الجمعية العامة؟", secret=True)

    page = signed_in_page(new_context, live_server, member.user)
    tab_to(page, "form.lang button", "العربية")
    press_enter_and_wait(page)
    assert_direction(page, "ar")
    member.user.refresh_from_db()
    assert member.user.language == "ar"

    tab_to(page, f"main a[href='{coop.get_absolute_url()}']")
    press_enter_and_wait(page)
    tab_to(page, "main a", translated("ar", "Decisions: discussions and polls"))
    press_enter_and_wait(page)
    tab_to(page, f"main a[href='{poll.get_absolute_url()}']")
    press_enter_and_wait(page)
    assert_direction(page, "ar")
    assert page.locator("h1").inner_text() == "من يرأس الجمعية العامة؟"

    # Ranks typed in Arabic-Indic digits this time.
    type_into(page, "o0", "\u0661")
    type_into(page, "o1", "\u0661")
    assert page.evaluate("() => document.activeElement.value") == "\u0661"
    send_ballot(page, "ar")
    assert_direction(page, "ar")
    assert_summary_error(page, "ar", SAME_RANK, "o0", options="Amal · Badr", rank=1)
    assert nothing_recorded(poll, member)
    assert_accessible(page, "the Arabic ballot with two equal ranks")

    tab_to(page, "[name=o1]")
    retype(page, "\u0662")
    assert page.evaluate("() => document.activeElement.value") == "\u0662"
    send_ballot(page, "ar")
    assert page.locator("h1").inner_text() == translated("ar", "Check your vote")
    assert page.locator("ul.check li").all_inner_texts() == ["1. Amal", "2. Badr"]
    assert nothing_recorded(poll, member)
    assert_accessible(page, "the Arabic check your vote")
    tab_to(page, "main button", translated("ar", "Cast my vote"))
    press_enter_and_wait(page)
    assert_direction(page, "ar")
    assert page.locator("h1").inner_text() == translated("ar", "Your vote is cast")
    receipt = receipt_shown(page)
    ballot = SecretBallot.objects.get(poll=poll)
    assert ballot.choice == {"ranking": [0, 1]}
    assert ballot.receipt_digest == governance.receipt_digest(receipt)
    assert_accessible(page, "the Arabic receipt")


def test_a_block_without_a_reason_is_read_out_with_the_reason_box(
    new_context: Callable[..., BrowserContext], live_server: Any
) -> None:
    founder = factories.person("Salma Founder")
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person("Karim Member"))
    poll = open_poll(coop, founder, "consent", "Adopt the cleaning rota")

    page = signed_in_page(new_context, live_server, member.user)
    tab_to(page, f"main a[href='{poll.get_absolute_url()}']")
    press_enter_and_wait(page)
    tab_to(page, "input[name=position]")
    page.keyboard.press("ArrowUp")  # from Agree round to the last position, Block
    assert page.evaluate(FOCUSED_RADIO) == ["block", True]
    send_ballot(page, "en")

    tab_to(page, "[name=reason]")
    assert page.evaluate("() => document.activeElement.getAttribute('aria-invalid')") == "true"
    assert translated("en", BLOCK_WITHOUT_REASON) in page.evaluate(DESCRIPTION)
