"""Mentoring from asking to ending: who may take each step, from which
state, and what a refused step leaves (nothing changed)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import OperationalError, connection

from taawun.errors import Conflict, InvalidInput, InvalidTransition, NotSignedIn, PermissionDenied
from taawun.knowledge import mentoring_actions as actions
from taawun.knowledge import skill_actions
from taawun.knowledge.mentoring_queries import is_proposed, open_for, proposed_mentors
from taawun.knowledge.models import Mentorship, Skill
from tests import factories

pytestmark = pytest.mark.django_db
S = Mentorship.State


@pytest.fixture
def python(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Python"})


@pytest.fixture
def learner(coop):  # type: ignore[no-untyped-def]
    return factories.member(coop, factories.person("Learner"))


def mentor(coop, name: str, skill: Skill, level: int = 4):  # type: ignore[no-untyped-def]
    member = factories.member(coop, factories.person(name))
    skill_actions.declare_skill(by=member.user, skill=skill, level=level, mentors=True)
    return member


@pytest.fixture
def asked(coop, learner, python) -> Mentorship:  # type: ignore[no-untyped-def]
    return actions.ask_for_mentor(
        by=learner.user, coop=coop, skill=python, message="How do I test **Django** views?"
    )


def fresh(mentorship: Mentorship) -> Mentorship:
    return Mentorship.objects.get(pk=mentorship.pk)


# --- Asking --------------------------------------------------------------------------------------


def test_a_member_asks_for_a_mentor(asked, learner, python):
    assert (asked.state, asked.learner, asked.skill, asked.mentor) == (
        S.OPEN,
        learner,
        python,
        None,
    )


@pytest.mark.parametrize(
    ("skill", "message", "field"),
    [
        ("python", "", "message"),
        ("python", "   ", "message"),
        ("python", "x" * 4001, "message"),
        ("cobol", "Help", "skill"),
    ],
)
def test_a_request_without_a_message_too_long_or_for_an_unknown_skill_is_refused(
    coop, learner, python, skill, message, field
):
    with pytest.raises(InvalidInput) as refused:
        actions.ask_for_mentor(by=learner.user, coop=coop, skill=skill, message=message)
    assert refused.value.field == field
    assert not Mentorship.objects.exists()


def test_a_second_request_for_the_same_skill_while_one_is_open_is_refused(asked, coop, learner):
    with pytest.raises(Conflict) as refused:
        actions.ask_for_mentor(by=learner.user, coop=coop, skill="python", message="Again")
    assert refused.value.field == "skill"
    assert Mentorship.objects.count() == 1


def test_only_a_member_of_the_cooperative_asks(coop, python):
    with pytest.raises(PermissionDenied):
        actions.ask_for_mentor(
            by=factories.applicant(coop).user, coop=coop, skill=python, message="Help"
        )
    with pytest.raises(NotSignedIn):
        actions.ask_for_mentor(by=None, coop=coop, skill=python, message="Help")
    assert not Mentorship.objects.exists()


# --- Accepting ------------------------------------------------------------------------------


def test_a_proposed_mentor_accepts_and_both_see_the_mentorship(coop, asked, python, learner):
    badr = mentor(coop, "Badr", python)
    accepted = actions.accept_mentorship(asked, by=badr.user)
    assert (accepted.state, accepted.mentor) == (S.ACTIVE, badr)
    assert accepted.accepted_at is not None
    assert proposed_mentors(fresh(asked)) == []


def test_someone_who_is_not_a_proposed_mentor_cannot_accept(coop, asked, python, learner):
    beginner = mentor(coop, "Beginner", python, level=1)
    skill_actions.declare_skill(by=learner.user, skill=python, level=2, mentors=False)
    not_mentoring = factories.member(coop)
    for member in (beginner, not_mentoring, learner):
        with pytest.raises(PermissionDenied):
            actions.accept_mentorship(asked, by=member.user)
    outsider = factories.person()
    with pytest.raises(PermissionDenied):
        actions.accept_mentorship(asked, by=outsider)
    assert fresh(asked).state == S.OPEN


def test_accepting_twice_and_a_second_mentor_after_the_first_are_refused(coop, asked, python):
    badr = mentor(coop, "Badr", python)
    dalia = mentor(coop, "Dalia", python)
    actions.accept_mentorship(asked, by=badr.user)
    with pytest.raises(InvalidTransition) as twice:
        actions.accept_mentorship(asked, by=badr.user)
    assert "already accepted" in str(twice.value.message)
    with pytest.raises(Conflict) as taken:
        actions.accept_mentorship(asked, by=dalia.user)
    assert "already taken" in str(taken.value.message)
    assert fresh(asked).mentor == badr


def test_a_mentor_with_no_place_free_cannot_accept(coop, python):
    busy = mentor(coop, "Busy", python)
    for n in range(3):
        request = actions.ask_for_mentor(
            by=factories.member(coop).user, coop=coop, skill=python, message=f"Help {n}"
        )
        actions.accept_mentorship(request, by=busy.user)
    one_more = actions.ask_for_mentor(
        by=factories.member(coop).user, coop=coop, skill=python, message="Help"
    )
    with pytest.raises(PermissionDenied):
        actions.accept_mentorship(one_more, by=busy.user)
    assert fresh(one_more).state == S.OPEN


# --- Declining, withdrawing, ending --------------------------------------------------------------


def test_a_mentor_who_declines_is_not_proposed_again(coop, asked, python):
    badr = mentor(coop, "Badr", python)
    dalia = mentor(coop, "Dalia", python)
    declined = actions.decline_mentorship(asked, by=badr.user)
    assert declined.declined_by == [badr.pk]
    assert declined.state == S.OPEN
    assert [p.member for p in proposed_mentors(declined)] == [dalia]
    assert open_for(badr) == [] and open_for(dalia) == [declined]
    with pytest.raises(PermissionDenied):
        actions.accept_mentorship(asked, by=badr.user)
    with pytest.raises(PermissionDenied):
        actions.decline_mentorship(asked, by=badr.user)


def test_only_the_learner_withdraws_and_only_an_open_request(coop, asked, python, learner):
    badr = mentor(coop, "Badr", python)
    with pytest.raises(PermissionDenied):
        actions.withdraw_mentorship_request(asked, by=badr.user)
    withdrawn = actions.withdraw_mentorship_request(asked, by=learner.user)
    assert (withdrawn.state, withdrawn.ended_at is not None) == (S.WITHDRAWN, True)
    with pytest.raises(InvalidTransition):
        actions.withdraw_mentorship_request(asked, by=learner.user)
    with pytest.raises(InvalidTransition):
        actions.accept_mentorship(asked, by=badr.user)
    with pytest.raises(InvalidTransition):
        actions.decline_mentorship(asked, by=badr.user)
    assert not is_proposed(badr, fresh(asked))


def test_a_request_under_way_cannot_be_withdrawn_but_either_side_ends_it(
    coop, asked, python, learner
):
    badr = mentor(coop, "Badr", python)
    actions.accept_mentorship(asked, by=badr.user)
    with pytest.raises(InvalidTransition):
        actions.withdraw_mentorship_request(asked, by=learner.user)
    with pytest.raises(PermissionDenied):
        actions.end_mentorship(asked, by=factories.member(coop).user)
    ended = actions.end_mentorship(asked, by=badr.user)
    assert (ended.state, ended.ended_at is not None) == (S.ENDED, True)
    with pytest.raises(InvalidTransition):
        actions.end_mentorship(asked, by=learner.user)


def test_an_open_request_cannot_be_ended(asked, learner):
    with pytest.raises(InvalidTransition):
        actions.end_mentorship(asked, by=learner.user)
    assert fresh(asked).state == S.OPEN


def test_ending_a_mentorship_frees_the_mentors_place(coop, python):
    busy = mentor(coop, "Busy", python)
    taken = []
    for n in range(3):
        request = actions.ask_for_mentor(
            by=factories.member(coop).user, coop=coop, skill=python, message=f"Help {n}"
        )
        taken.append(actions.accept_mentorship(request, by=busy.user))
    waiting = actions.ask_for_mentor(
        by=factories.member(coop).user, coop=coop, skill=python, message="Help"
    )
    assert not is_proposed(busy, waiting)
    actions.end_mentorship(taken[0], by=busy.user)
    assert is_proposed(busy, waiting)
    assert open_for(busy) == [waiting]


def test_two_mentors_who_both_saw_the_request_open_cannot_both_take_it(coop, asked, python):
    """Both pages showed the request open; the request's row is read again
    under a lock when each accepts, so the later one is told it is taken."""
    badr, dalia = mentor(coop, "Badr", python), mentor(coop, "Dalia", python)
    seen_by_badr, seen_by_dalia = fresh(asked), fresh(asked)
    actions.accept_mentorship(seen_by_badr, by=badr.user)
    with pytest.raises(InvalidTransition):
        actions.accept_mentorship(seen_by_dalia, by=dalia.user)
    assert fresh(asked).mentor == badr


@pytest.mark.django_db(transaction=True)
def test_two_mentors_accepting_at_the_same_moment_leave_one_mentor(coop, python):
    """Real concurrent transactions, where the database locks rows."""
    learner = factories.member(coop)
    request = actions.ask_for_mentor(by=learner.user, coop=coop, skill=python, message="Help")
    mentors = [mentor(coop, f"Mentor {n}", python) for n in range(4)]
    start = Barrier(len(mentors))

    def accept(member):  # type: ignore[no-untyped-def]
        start.wait()
        try:
            while True:
                try:
                    actions.accept_mentorship(request, by=member.user)
                    return True
                except Conflict:
                    return False
                except OperationalError as error:
                    # The test database on SQLite is shared memory, where a
                    # writer that finds the table locked is refused at once
                    # instead of waiting: wait here, as a file database would.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.01)
        finally:
            connection.close()

    with ThreadPoolExecutor(len(mentors)) as pool:
        won = list(pool.map(accept, mentors))
    assert won.count(True) == 1
    assert fresh(request).mentor == mentors[won.index(True)]
