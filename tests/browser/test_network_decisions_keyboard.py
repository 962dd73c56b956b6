"""The network decision pages by keyboard alone: every tab stop on every page
shows where the focus is, a coordinator asks a question and closes it, and
an officer answers one for the cooperative."""

from __future__ import annotations

import pytest

from taawun.federation.models import CoopAnswer, NetworkDecision
from tests import factories
from tests.browser.conftest import accessibility_problems
from tests.browser.keyboard import (
    DESCRIBE_FOCUS,
    assert_focus_visible,
    press_enter_and_wait,
    tab_to,
    type_into,
)
from tests.web import World
from tests.web import federation_decisions as area

pytestmark = [pytest.mark.django_db(transaction=True)]

NAMES = {"ar": ("سلمى", "كريم"), "en": ("Salma", "Karim")}


def world_in(language):
    founder = factories.person(NAMES[language][0], language=language)
    coop = factories.cooperative(founder)
    member = factories.member(coop, factories.person(NAMES[language][1], language=language))
    world = World(
        coop=coop,
        founder=founder,
        member=member,
        applicant=member,
        invitation="x",
        expired_invitation="y",
        ids={},
    )
    area.build(world)
    return world


def keyboard_sign_in(page, url, email):
    page.goto(url)
    assert "/accounts/login/" in page.url
    type_into(page, "username", email)
    type_into(page, "password", factories.PASSWORD)
    press_enter_and_wait(page)
    assert "/accounts/login/" not in page.url


@pytest.mark.parametrize("language", ["ar", "en"])
def test_every_tab_stop_shows_its_focus(new_context, language):
    world = world_in(language)
    problems = []
    for spec in area.PAGES:
        if spec.status != 200 or spec.who is None:
            continue
        context = new_context(language)
        page = context.new_page()
        user = world.user(spec)
        keyboard_sign_in(page, world.url(spec), user.email)
        if spec.submit_empty:
            form = page.locator("main form[method=post]:not([action])").first
            with page.expect_navigation():
                form.locator("button").first.click()
        seen = []
        for _ in range(80):
            page.keyboard.press("Tab")
            where = page.evaluate(DESCRIBE_FOCUS)
            if where == "nothing" or (seen and where == seen[0]):
                break
            seen.append(where)
            try:
                assert_focus_visible(page)
            except AssertionError as e:
                problems.append(f"{spec.id}: {e}")
        else:
            problems.append(f"{spec.id}: more than 80 tab stops")
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_coordinator_asks_and_closes_with_the_keyboard(new_context, language):
    world = world_in(language)
    page = new_context(language).new_page()
    base = "/networks/dec-network/decisions/"
    keyboard_sign_in(page, base, world.founder.email)
    tab_to(page, f"a[href='{base}new/']")
    press_enter_and_wait(page)
    assert page.url.endswith(base + "new/")
    closes = page.locator("[name=closes_at]").input_value()
    assert closes, "the closing time has no default the browser shows"
    # Sent without options: the errors come back, the summary first.
    type_into(page, "title", "Keyboard question?")
    tab_to(page, "main form button")
    press_enter_and_wait(page)
    assert page.locator(".field-error").count()
    assert not accessibility_problems(page), accessibility_problems(page)
    tab_to(page, "[name=options]")
    page.keyboard.type("Yes\nNo")
    tab_to(page, "main form button")
    press_enter_and_wait(page)
    decision = NetworkDecision.objects.get(title="Keyboard question?")
    assert decision.options == ["Yes", "No"]
    assert page.url.endswith(f"{base}{decision.public_id}/"), page.url
    assert not accessibility_problems(page), accessibility_problems(page)
    tab_to(page, "form[action$='/close/'] button")
    press_enter_and_wait(page)
    decision.refresh_from_db()
    assert decision.state == "closed"
    assert page.locator("#result-heading").is_visible()
    assert not accessibility_problems(page), accessibility_problems(page)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_officer_answers_with_the_keyboard(new_context, language):
    world = world_in(language)
    page = new_context(language).new_page()
    url = f"/coops/{world.coop.slug}/network-questions/local/{world.ids['dec_open']}/"
    keyboard_sign_in(page, url, world.founder.email)
    tab_to(page, "button.primary")
    press_enter_and_wait(page)
    assert page.locator(".field-error").count()
    tab_to(page, "input[name=answer-choice]")
    page.keyboard.press("ArrowDown")
    tab_to(page, "button.primary")
    press_enter_and_wait(page)
    answer = CoopAnswer.objects.get(
        cooperative=world.coop, decision__public_id=world.ids["dec_open"]
    )
    assert answer.choice == "No", answer.choice
    assert not accessibility_problems(page), accessibility_problems(page)
    # Then the members' poll instead: the date is kept, Enter opens it.
    tab_to(page, "button.secondary")
    press_enter_and_wait(page)
    # Opening the poll takes the officer to the members' new poll.
    assert f"/coops/{world.coop.slug}/polls/" in page.url
