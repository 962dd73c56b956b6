"""Mentioning a member with @handle: they are told, and the name links to them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from taawun.accounts import actions as accounts
from taawun.errors import Conflict, InvalidInput
from taawun.governance import actions
from taawun.markdown import mentioned, render
from tests import factories

pytestmark = pytest.mark.django_db


def handle_of(member):  # type: ignore[no-untyped-def]
    return member.user.handle


def test_a_member_mentioned_in_a_comment_is_told_by_email_in_their_language(
    coop, founder, django_capture_on_commit_callbacks
):
    sara = factories.member(coop, factories.person("Sara", language="ar"))
    discussion = actions.start_discussion(by=founder, coop=coop, title="Servers", body="Which?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_comment(
            by=founder, discussion=discussion, body=f"@{handle_of(sara)} knows the racks."
        )
    assert [m.to[0] for m in mail.outbox] == [sara.user.email]
    assert "Servers" in mail.outbox[0].subject
    assert "Founder" in mail.outbox[0].body
    assert "mentioned" not in mail.outbox[0].subject  # Arabic, not English


def test_a_mention_is_one_email_not_two_for_someone_already_in_the_thread(
    coop, founder, django_capture_on_commit_callbacks
):
    omar = factories.member(coop, factories.person("Omar"))
    discussion = actions.start_discussion(by=founder, coop=coop, title="Rota", body="Who?")
    actions.add_comment(by=omar.user, discussion=discussion, body="Me, maybe.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_comment(by=founder, discussion=discussion, body=f"Thanks @{handle_of(omar)}!")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [omar.user.email]
    assert "mentioned you" in mail.outbox[0].subject


def test_mentions_in_a_new_discussion_and_a_proposal_are_told_too(
    coop, founder, django_capture_on_commit_callbacks
):
    lina = factories.member(coop, factories.person("Lina"))
    with django_capture_on_commit_callbacks(execute=True):
        discussion = actions.start_discussion(
            by=founder, coop=coop, title="Hiring", body=f"@{handle_of(lina)}, your view?"
        )
        actions.add_proposal(
            by=founder, discussion=discussion, title="Hire", body=f"As @{handle_of(lina)} said."
        )
    assert [m.to[0] for m in mail.outbox] == [lina.user.email, lina.user.email]


def test_nobody_outside_the_cooperative_nor_the_author_is_told(
    coop, founder, django_capture_on_commit_callbacks
):
    other = factories.cooperative(slug="elsewhere")
    stranger = factories.member(other, factories.person("Stranger"))
    applicant = factories.applicant(coop, factories.person("Applicant"))
    discussion = actions.start_discussion(by=founder, coop=coop, title="T", body="B")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_comment(
            by=founder,
            discussion=discussion,
            body=f"@{handle_of(stranger)} @{applicant.user.handle} @{founder.handle} @nobody_here",
        )
    assert mail.outbox == []


def test_the_discussion_page_links_each_mention_to_the_member(client, coop, founder):
    sara = factories.member(coop, factories.person("Sara"))
    discussion = actions.start_discussion(
        by=founder, coop=coop, title="T", body=f"Ask @{handle_of(sara).upper()} or @nobody_here."
    )
    client.force_login(founder)
    page = client.get(discussion.get_absolute_url()).content.decode()
    link = reverse("membership:member", args=[coop.slug, sara.pk])
    assert f'<a href="{link}"' in page
    assert f"@{handle_of(sara).upper()}</a>" in page
    assert "@nobody_here." in page  # no such member: plain text


def test_code_links_and_email_addresses_are_not_mentions():
    text = "`@in_code` [@in_link](https://example.org) mail sara@example.org, @far@other.example"
    text += "\n\n    @indented\n\nBut @real_one is."
    assert mentioned(text) == {"real_one"}
    html = render(text, {"in_code": "/x/", "real_one": "/m/1/", "example": "/y/"})
    assert html.count('href="/') == 1 and '<a href="/m/1/"' in html


def test_a_member_chooses_their_handle_and_others_cannot_take_it(coop, founder):
    member = factories.member(coop)
    accounts.update_settings(
        member.user, name="Rana", language="en", time_zone="UTC", handle="@Rana_Dev"
    )
    member.user.refresh_from_db()
    assert member.user.handle == "rana_dev"
    with pytest.raises(Conflict) as taken:
        accounts.update_settings(
            founder, name="Founder", language="en", time_zone="UTC", handle="RANA_dev"
        )
    assert taken.value.field == "handle"


@pytest.mark.parametrize("bad", ["a", "x" * 31, "sara ali", "سارة", "sara-ali", "@"])
def test_a_malformed_handle_is_refused_and_nothing_changes(founder, bad):
    before = founder.handle
    with pytest.raises(InvalidInput) as refused:
        accounts.update_settings(
            founder, name="Changed", language="en", time_zone="UTC", handle=bad
        )
    assert refused.value.field == "handle"
    founder.refresh_from_db()
    assert founder.handle == before and founder.name == "Founder"


def test_everyone_gets_a_handle_from_their_email_and_no_two_the_same(db):
    first = factories.person(email="Sara.Ali@example.org")
    second = factories.person(email="sara.ali@example.net")
    arabic_only = factories.person(email="س@example.org")
    assert first.handle == "sara_ali"
    assert second.handle == "sara_ali2"
    assert arabic_only.handle == "member"


def test_the_settings_page_shows_a_taken_handle_beside_the_field(client, coop, founder):
    member = factories.member(coop)
    client.force_login(member.user)
    response = client.post(
        reverse("accounts:settings"),
        {"name": "X", "handle": founder.handle, "language": "en", "time_zone": "UTC"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["handle"]
    member.user.refresh_from_db()
    assert member.user.name != "X"
