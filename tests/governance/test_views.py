"""Deciding through the pages: a ballot, a check-your-vote step, a result."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from taawun.governance import actions
from taawun.governance.models import Ballot, Discussion, Poll
from tests import factories
from tests.governance import factories as poll_factories

pytestmark = pytest.mark.django_db


def test_a_member_starts_a_discussion_comments_and_proposes(client, coop, founder):
    member = factories.member(coop)
    client.force_login(member.user)
    response = client.post(
        reverse("governance:discussion_new", args=[coop.slug]),
        {"title": "New laptops", "body": "We need **two**."},
    )
    discussion = Discussion.objects.get()
    assert response["Location"] == discussion.get_absolute_url()
    url = discussion.get_absolute_url()
    client.post(url, {"comment-body": "Agreed <script>alert(1)</script>"})
    client.post(url, {"proposal-title": "Buy two laptops", "proposal-body": "Up to 900 EGP"})
    page = client.get(url).content.decode()
    assert "<strong>two</strong>" in page
    assert "<script>alert" not in page and "Buy two laptops" in page


def test_an_empty_comment_is_refused_beside_the_field(client, coop, founder):
    discussion = actions.start_discussion(by=founder, coop=coop, title="T", body="B")
    client.force_login(founder)
    page = client.post(discussion.get_absolute_url(), {"comment-body": ""})
    assert page.status_code == 200 and page.context["comment_form"].errors


def test_casting_goes_through_a_check_your_vote_page(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="irv")
    client.force_login(member.user)
    vote_url = reverse("governance:vote", args=[coop.slug, poll.pk])
    check = client.post(vote_url, {"o0": "2", "o1": "", "o2": "1"})
    assert check.status_code == 200
    assert check.context["lines"] == ["1. Chadi", "2. Amal"]
    assert not Ballot.objects.exists()
    client.post(vote_url, {"confirm": "1", "choice": check.context["choice_json"]})
    assert Ballot.objects.get().choice == {"ranking": [2, 0]}


def test_a_ranking_with_two_equal_numbers_is_sent_back_with_the_reason(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="irv")
    client.force_login(member.user)
    page = client.post(
        reverse("governance:vote", args=[coop.slug, poll.pk]), {"o0": "1", "o1": "1"}
    )
    assert page.status_code == 400
    errors = page.context["vote_form"].errors
    expected = "Amal · Badr all have rank 1; give each a different number."
    assert errors["o0"] == [expected] and errors["o1"] == [expected]
    html = page.content.decode()
    assert 'href="#id_o0_field"' in html  # the summary links to the field
    assert 'aria-describedby="id_o0_error"' in html or 'id="id_o0_error"' in html
    assert not Ballot.objects.exists()


def test_a_block_without_a_reason_is_shown_beside_the_reason(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="consent")
    client.force_login(member.user)
    page = client.post(reverse("governance:vote", args=[coop.slug, poll.pk]), {"position": "block"})
    assert page.status_code == 400
    assert list(page.context["vote_form"].errors) == ["reason"]
    assert not Ballot.objects.exists()


def test_change_my_answers_brings_the_ballot_back_filled_in(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="irv")
    client.force_login(member.user)
    url = reverse("governance:vote", args=[coop.slug, poll.pk])
    check = client.post(url, {"o0": "2", "o1": "1", "o2": ""})
    assert check.status_code == 200 and "Check your vote" in check.content.decode()
    answers = dict(check.context["answers"])
    back = client.post(url, {**answers, "edit": "1"})
    form = back.context["vote_form"]
    assert (form["o0"].value(), form["o1"].value()) == ("2", "1")
    assert 'value="2"' in back.content.decode()
    assert not Ballot.objects.exists()


def test_ranks_can_be_typed_in_arabic_digits(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="irv")
    client.force_login(member.user)
    check = client.post(
        reverse("governance:vote", args=[coop.slug, poll.pk]), {"o0": "\u0662", "o1": "\u0661"}
    )
    assert check.status_code == 200
    assert check.context["lines"] == ["1. Badr", "2. Amal"]


def test_a_tampered_confirmation_is_checked_again_and_refused(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="plurality")
    client.force_login(member.user)
    client.post(
        reverse("governance:vote", args=[coop.slug, poll.pk]),
        {"confirm": "1", "choice": json.dumps({"option": 99})},
    )
    assert not Ballot.objects.exists()


def test_a_secret_vote_shows_its_receipt_once_and_finds_it_after_close(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, secret=True)
    client.force_login(member.user)
    url = reverse("governance:vote", args=[coop.slug, poll.pk])
    page = client.post(url, {"confirm": "1", "choice": json.dumps({"answer": "yes"})})
    receipt = page.context["receipt"]
    assert receipt in page.content.decode()
    board_url = reverse("governance:board", args=[coop.slug, poll.pk])
    assert client.get(board_url).status_code == 404  # not before the close
    actions.close_poll(poll, by=founder)
    board = client.get(board_url).json()
    assert [b["choice"] for b in board["ballots"]] == [{"answer": "yes"}]
    found = client.get(
        reverse("governance:receipt", args=[coop.slug, poll.pk]), {"receipt": receipt}
    )
    assert found.context["found"]["lines"] == ["Yes"]
    wrong = client.get(
        reverse("governance:receipt", args=[coop.slug, poll.pk]), {"receipt": "r-nope"}
    )
    assert wrong.context["form"].errors


def test_the_author_creates_opens_and_closes_a_poll_from_the_pages(client, coop, founder):
    client.force_login(founder)
    closes = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("governance:poll_new", args=[coop.slug]),
        {
            "kind": "approval",
            "title": "Which tools?",
            "options": "Git\nMatrix\nWiki",
            "closes_at": closes,
            "max_approvals": "2",
        },
    )
    poll = Poll.objects.get()
    assert response["Location"] == poll.get_absolute_url()
    assert poll.settings["max_approvals"] == 2 and poll.state == "draft"
    client.post(reverse("governance:open", args=[coop.slug, poll.pk]))
    client.post(reverse("governance:close", args=[coop.slug, poll.pk]))
    poll.refresh_from_db()
    assert poll.state == "closed"
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "<svg" in page and "1 of 1 members on the roll voted" not in page


def test_a_poll_with_too_short_a_period_is_refused_beside_the_field(client, coop, founder):
    client.force_login(founder)
    page = client.post(
        reverse("governance:poll_new", args=[coop.slug]),
        {
            "kind": "yes_no",
            "title": "Now?",
            "closes_at": "2000-01-01T12:00",
        },
    )
    assert page.status_code == 200 and page.context["form"].errors["closes_at"]
    assert not Poll.objects.exists()


def test_the_result_page_explains_the_quorum_in_words(client, coop, founder):
    members = [factories.member(coop) for _ in range(3)]
    poll = poll_factories.poll(coop, founder)
    for member in members:
        actions.cast_vote(poll, by=member.user, choice={"answer": "yes"})
    actions.close_poll(poll, by=founder)
    client.force_login(founder)
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "3 of 4 members on the roll voted." in page
    assert "Quorum 50% = 2:" in page


def test_outsiders_cannot_see_decisions(client, coop):
    client.force_login(factories.person())
    assert client.get(reverse("governance:decisions", args=[coop.slug])).status_code == 403


def test_the_dashboard_lists_polls_awaiting_my_vote(client, coop, founder):
    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder)
    client.force_login(member.user)
    assert poll.title in client.get("/").content.decode()
    actions.cast_vote(poll, by=member.user, choice={"answer": "yes"})
    assert poll.title not in client.get("/").content.decode()


def test_a_general_meeting_opens_its_polls_together_and_prints_minutes(client, coop, founder):
    client.force_login(founder)
    client.post(
        reverse("governance:meeting_new", args=[coop.slug]),
        {"title": "Annual general meeting", "held_on": "2026-12-12"},
    )
    meeting = coop.meetings.get()
    closes = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    for title in ("Approve the accounts", "Elect the board"):
        client.post(
            reverse("governance:poll_new", args=[coop.slug]),
            {
                "kind": "yes_no",
                "title": title,
                "closes_at": closes,
                "meeting": str(meeting.pk),
            },
        )
    assert [p.state for p in meeting.polls.all()] == ["draft", "draft"]
    client.post(reverse("governance:meeting_open", args=[coop.slug, meeting.pk]))
    assert [p.state for p in meeting.polls.all()] == ["open", "open"]
    for poll in meeting.polls.all():
        actions.cast_vote(poll, by=founder, choice={"answer": "yes"})
        actions.close_poll(poll, by=founder)
        actions.record_outcome(poll, by=founder, statement=f"Done: {poll.title}")
    minutes = client.get(reverse("governance:minutes", args=[coop.slug, meeting.pk]))
    text = minutes.content.decode()
    assert "Done: Approve the accounts" in text and "Done: Elect the board" in text


def test_only_officers_call_meetings(client, coop):
    member = factories.member(coop)
    client.force_login(member.user)
    assert client.get(reverse("governance:meeting_new", args=[coop.slug])).status_code == 403


def test_a_proxy_holder_votes_for_the_grantor_from_the_poll_page(client, coop, founder):
    from taawun.membership import actions as membership

    membership.amend_bylaws(by=founder, coop=coop, bylaws=dict(coop.bylaws, proxy_limit=2))
    grantor, holder = factories.member(coop), factories.member(coop)
    poll = poll_factories.poll(coop, founder, proxies=True)
    client.force_login(grantor.user)
    client.post(reverse("governance:proxy", args=[coop.slug, poll.pk]), {"holder": str(holder.pk)})
    client.force_login(holder.user)
    page = client.get(poll.get_absolute_url())
    assert [p.grantor for p in page.context["held_proxies"]] == [grantor]
    vote_url = reverse("governance:vote", args=[coop.slug, poll.pk])
    check = client.post(vote_url, {"answer": "no", "for_member": str(grantor.pk)})
    client.post(
        vote_url,
        {
            "confirm": "1",
            "choice": check.context["choice_json"],
            "for_member": check.context["for_member"],
        },
    )
    ballot = Ballot.objects.get(poll=poll)
    assert ballot.voter == grantor and ballot.cast_by == holder


def test_the_dashboard_drops_a_secret_poll_once_voted_and_keeps_other_cooperatives(
    client, coop, founder
):
    member = factories.member(coop)
    other = factories.cooperative()
    factories.member(other, member.user)
    secret = poll_factories.poll(coop, founder, secret=True)
    elsewhere = poll_factories.poll(other, factories.founder_of(other))
    client.force_login(member.user)
    assert set(client.get("/").context["ballots_due"]) == {secret, elsewhere}
    actions.cast_vote(secret, by=member.user, choice={"answer": "yes"})
    assert client.get("/").context["ballots_due"] == [elsewhere]


def test_a_double_click_on_cast_my_vote_shows_the_same_receipt_twice_and_counts_once(
    client, coop, founder
):
    from taawun.governance.models import SecretBallot, VoterMark

    member = factories.member(coop)
    poll = poll_factories.poll(coop, founder, kind="irv", secret=True)
    client.force_login(member.user)
    url = reverse("governance:vote", args=[coop.slug, poll.pk])
    check = client.post(url, {"o0": "1", "o1": "2"})
    confirmation = {
        "confirm": "1",
        "choice": check.context["choice_json"],
        "nonce": check.context["nonce"],
    }
    first = client.post(url, confirmation)
    second = client.post(url, confirmation)
    assert first.status_code == second.status_code == 200
    receipt = first.context["receipt"]
    assert second.context["receipt"] == receipt
    assert second.context["repeated"] and not first.context["repeated"]
    assert "already cast with this confirmation" in second.content.decode()
    assert SecretBallot.objects.filter(poll=poll).count() == 1
    assert VoterMark.objects.filter(poll=poll).count() == 1
    # A new confirmation (another check page, another nonce) is refused.
    again = client.post(url, {**confirmation, "nonce": "another"}, follow=True)
    assert "You have already voted" in again.content.decode()
    assert SecretBallot.objects.filter(poll=poll).count() == 1


def test_receipts_from_different_nonces_or_polls_differ(coop, founder):
    from taawun.governance.actions import _receipt_for

    poll = poll_factories.poll(coop, founder, kind="irv", secret=True)
    other = poll_factories.poll(coop, founder, kind="irv", secret=True)
    assert _receipt_for(poll, "n1") == _receipt_for(poll, "n1")
    assert len({_receipt_for(poll, "n1"), _receipt_for(poll, "n2"), _receipt_for(other, "n1")}) == 3
    assert _receipt_for(poll, None) != _receipt_for(poll, None)


def test_the_threshold_is_shown_in_the_readers_language_whoever_closed_the_poll(
    client, coop, founder
):
    from django.utils import translation

    member = factories.member(coop, factories.person("Amal", language="ar"))
    poll = poll_factories.poll(coop, founder)
    actions.cast_vote(poll, by=founder, choice={"answer": "yes"})
    with translation.override("ar"):
        poll = actions.close_poll(poll, by=founder)
    client.force_login(founder)  # reads English
    assert (
        "simple majority (more than half)" in client.get(poll.get_absolute_url()).content.decode()
    )
    client.force_login(member.user)  # reads Arabic
    page = client.get(poll.get_absolute_url()).content.decode()
    assert "simple majority" not in page
    with translation.override("ar"):
        from taawun.membership.bylaws import threshold_labels

        assert str(threshold_labels()["majority"]) in page
