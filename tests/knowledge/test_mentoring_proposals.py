"""Whom the platform proposes as mentors: members of the learner's
cooperative who mentor in the skill and know it better than the learner,
ranked by level and then by availability, never the learner, never one at
capacity, never one who declined."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.knowledge import mentoring_actions, skill_actions
from taawun.knowledge.mentoring_queries import (
    MENTOR_CAPACITY,
    Candidate,
    proposed_mentors,
    rank_mentors,
)
from taawun.knowledge.models import Skill
from taawun.membership import actions as membership
from tests import factories

# --- The pure ranking ---------------------------------------------------------------------------

candidates = st.lists(
    st.builds(
        Candidate,
        member_id=st.integers(1, 40),
        level=st.integers(1, 4),
        active=st.integers(0, MENTOR_CAPACITY + 1),
    ),
    unique_by=lambda c: c.member_id,
    max_size=15,
)


def test_higher_level_first_then_fewer_mentorships_under_way():
    ranked = rank_mentors(
        [Candidate(1, 3, 0), Candidate(2, 4, 2), Candidate(3, 4, 0), Candidate(4, 3, 1)],
        learner_id=99,
    )
    assert [c.member_id for c in ranked] == [3, 2, 1, 4]


def test_the_learner_those_at_capacity_and_those_who_declined_are_left_out():
    ranked = rank_mentors(
        [
            Candidate(1, 4, 0),  # the learner
            Candidate(2, 4, MENTOR_CAPACITY),
            Candidate(3, 4, 0),  # declined
            Candidate(4, 2, MENTOR_CAPACITY - 1),
        ],
        learner_id=1,
        declined=[3],
    )
    assert [c.member_id for c in ranked] == [4]


def test_a_mentor_must_know_the_skill_better_than_the_learner_says_they_do():
    ranked = rank_mentors([Candidate(1, 2, 0), Candidate(2, 3, 0)], learner_id=9, learner_level=2)
    assert [c.member_id for c in ranked] == [2]


@given(candidates, st.integers(1, 40), st.integers(0, 4), st.sets(st.integers(1, 40)))
def test_every_proposed_mentor_is_eligible_and_every_eligible_one_is_proposed(
    pool, learner, learner_level, declined
):
    ranked = rank_mentors(pool, learner_id=learner, learner_level=learner_level, declined=declined)
    eligible = {
        c
        for c in pool
        if c.member_id != learner
        and c.member_id not in declined
        and c.active < MENTOR_CAPACITY
        and c.level > learner_level
    }
    assert set(ranked) == eligible
    assert len(ranked) == len(eligible)


@given(candidates, st.randoms())
def test_the_ranking_does_not_depend_on_the_order_the_candidates_come_in(pool, random):
    shuffled = list(pool)
    random.shuffle(shuffled)
    assert rank_mentors(pool, learner_id=0) == rank_mentors(shuffled, learner_id=0)


@given(candidates)
def test_the_ranking_never_puts_a_lower_level_before_a_higher_one(pool):
    ranked = rank_mentors(pool, learner_id=0)
    keys = [(-c.level, c.active) for c in ranked]
    assert keys == sorted(keys)


# --- From the database ---------------------------------------------------------------------------


@pytest.fixture
def python(founder) -> Skill:  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Python"})


def mentor(coop, name: str, skill: Skill, level: int, mentors: bool = True):  # type: ignore[no-untyped-def]
    member = factories.member(coop, factories.person(name))
    skill_actions.declare_skill(by=member.user, skill=skill, level=level, mentors=mentors)
    return member


@pytest.mark.django_db
def test_the_proposal_ranks_this_cooperatives_mentors_and_gives_the_reason(coop, python):
    learner = factories.member(coop)
    expert = mentor(coop, "Expert", python, 4)
    advanced = mentor(coop, "Advanced", python, 3)
    mentor(coop, "Not mentoring", python, 4, mentors=False)
    mentor(factories.cooperative(), "Elsewhere", python, 4)
    asked = mentoring_actions.ask_for_mentor(
        by=learner.user, coop=coop, skill=python, message="Help"
    )
    proposals = proposed_mentors(asked)
    assert [p.member.pk for p in proposals] == [expert.pk, advanced.pk]
    assert proposals[1].reason == "Python, advanced, mentors, 0 of 3 places taken"


@pytest.mark.django_db
def test_a_busy_mentor_comes_after_a_free_one_of_the_same_level_and_is_left_out_when_full(
    coop, python
):
    busy = mentor(coop, "Busy", python, 4)
    free = mentor(coop, "Free", python, 4)
    for n in range(MENTOR_CAPACITY):
        learner = factories.member(coop)
        asked = mentoring_actions.ask_for_mentor(
            by=learner.user, coop=coop, skill=python, message=f"Help {n}"
        )
        if n == 0:
            assert [p.member.pk for p in proposed_mentors(asked)] == [busy.pk, free.pk]
        mentoring_actions.accept_mentorship(asked, by=busy.user)
        if n == 0:
            later = mentoring_actions.ask_for_mentor(
                by=factories.member(coop).user, coop=coop, skill=python, message="Later"
            )
            assert [p.member.pk for p in proposed_mentors(later)] == [free.pk, busy.pk]
            assert "1 of 3 places taken" in proposed_mentors(later)[1].reason
    newest = mentoring_actions.ask_for_mentor(
        by=factories.member(coop).user, coop=coop, skill=python, message="Newest"
    )
    assert [p.member.pk for p in proposed_mentors(newest)] == [free.pk]


@pytest.mark.django_db
def test_a_mentor_who_has_left_the_cooperative_is_not_proposed(coop, python):
    leaving = mentor(coop, "Leaving", python, 4)
    membership.withdraw_membership(leaving, by=leaving.user)
    asked = mentoring_actions.ask_for_mentor(
        by=factories.member(coop).user, coop=coop, skill=python, message="Help"
    )
    assert proposed_mentors(asked) == []


@pytest.mark.django_db
def test_places_count_across_all_the_mentors_cooperatives(coop, python):
    busy = mentor(coop, "Busy", python, 4)
    other = factories.cooperative()
    there = factories.member(other, busy.user)
    for n in range(MENTOR_CAPACITY):
        asked = mentoring_actions.ask_for_mentor(
            by=factories.member(other).user, coop=other, skill=python, message=f"Help {n}"
        )
        mentoring_actions.accept_mentorship(asked, by=there.user)
    here = mentoring_actions.ask_for_mentor(
        by=factories.member(coop).user, coop=coop, skill=python, message="Help"
    )
    assert proposed_mentors(here) == []
