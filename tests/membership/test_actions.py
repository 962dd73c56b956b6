"""The membership lifecycle, through the actions every interface calls."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from taawun.errors import (
    Conflict,
    Expired,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from taawun.ledger import queries as ledger_queries
from taawun.ledger.chain import verify_lines
from taawun.membership import actions
from taawun.membership.models import Cooperative, Invitation, Member, MembershipEvent
from tests import factories

pytestmark = pytest.mark.django_db


def ledger_kinds(coop: Cooperative) -> list[str]:
    return list(
        ledger_queries.entries(str(coop.public_id)).order_by("seq").values_list("kind", flat=True)
    )


def snapshot(coop: Cooperative) -> tuple[object, ...]:
    """Everything an action could have written, to show that a refusal wrote nothing."""
    return (
        list(Member.objects.filter(cooperative=coop).values_list("pk", "status", "offices")),
        MembershipEvent.objects.count(),
        Invitation.objects.count(),
        ledger_queries.head(str(coop.public_id)).seq,
        Cooperative.objects.get(pk=coop.pk).bylaws,
    )


def test_founding_makes_the_founder_member_one_with_every_office(coop, founder):
    me = coop.members.get(user=founder)
    assert me.number == 1 and me.status == "active"
    assert me.offices == ["secretary", "treasurer", "board"]
    assert ledger_kinds(coop) == ["coop.created", "member.admitted"]


def test_a_slug_already_taken_is_refused_and_nothing_is_created(coop):
    with pytest.raises(Conflict):
        factories.cooperative(slug=coop.slug)
    assert Cooperative.objects.filter(slug=coop.slug).count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("slug", "Bad Slug!"), ("slug", "ab"), ("country", "XX"), ("currency", "ABC")],
)
def test_invalid_cooperative_details_are_refused(field, value, db):
    fields = {"slug": "good-slug", "country": "EG", "currency": "EGP"}
    fields[field] = value
    with pytest.raises(InvalidInput) as error:
        actions.create_cooperative(
            founder=factories.person(), names={"en": "A co-op"}, languages=["en"], **fields
        )
    assert error.value.field == field
    assert not Cooperative.objects.exists()


def test_apply_then_admit_gives_the_next_member_number_and_records_it(
    coop, founder, django_capture_on_commit_callbacks
):
    applicant = factories.applicant(coop)
    assert applicant.status == "applicant" and applicant.number is None
    with django_capture_on_commit_callbacks(execute=True):
        admitted = actions.admit_member(applicant, by=founder)
    assert admitted.status == "active" and admitted.number == 2
    assert ledger_kinds(coop)[-2:] == ["member.applied", "member.admitted"]
    assert [e.kind for e in admitted.events.all()] == ["applied", "admitted"]
    assert [m.to for m in mail.outbox] == [[applicant.user.email]]
    assert "Welcome" in mail.outbox[0].subject


def test_officers_are_told_of_a_new_application_in_their_own_language(
    db, django_capture_on_commit_callbacks
):
    founder = factories.person(language="ar")
    coop = factories.cooperative(founder)
    with django_capture_on_commit_callbacks(execute=True):
        factories.applicant(coop)
    assert [m.to for m in mail.outbox] == [[founder.email]]
    assert re.search("[\u0600-\u06ff]", mail.outbox[0].subject)
    assert "تعاونية الاختبار" in mail.outbox[0].subject


def test_probation_comes_first_when_the_bylaws_set_it(db):
    coop = factories.cooperative(probation_days=90)
    admitted = actions.admit_member(factories.applicant(coop), by=factories.founder_of(coop))
    assert admitted.status == "probation"
    confirmed = actions.change_member_status(admitted, by=factories.founder_of(coop), to="active")
    assert confirmed.status == "active"


def test_applying_twice_is_refused_and_leaves_one_application(coop):
    applicant = factories.applicant(coop)
    before = snapshot(coop)
    with pytest.raises(Conflict):
        actions.apply_for_membership(user=applicant.user, coop=coop, membership_class="worker")
    assert snapshot(coop) == before


def test_a_member_cannot_apply_again(coop):
    member = factories.member(coop)
    with pytest.raises(Conflict):
        actions.apply_for_membership(user=member.user, coop=coop, membership_class="worker")


def test_an_unknown_membership_class_is_refused(coop):
    before = snapshot(coop)
    with pytest.raises(InvalidInput):
        actions.apply_for_membership(user=factories.person(), coop=coop, membership_class="vip")
    assert snapshot(coop) == before


def test_registering_with_an_email_already_used_changes_nothing(coop):
    taken = factories.person(email="Taken@Example.org")
    before = snapshot(coop)
    with pytest.raises(Conflict) as error:
        actions.register_and_apply(
            email="taken@example.org",
            name="Someone",
            password="a long passphrase here",
            coop=coop,
            membership_class="worker",
        )
    assert error.value.field == "email"
    assert snapshot(coop) == before
    assert taken.memberships.count() == 0


def test_a_weak_password_is_refused_and_no_account_is_left_behind(coop):
    with pytest.raises(InvalidInput) as error:
        actions.register_and_apply(
            email="new@example.org",
            name="New",
            password="123",
            coop=coop,
            membership_class="worker",
        )
    assert error.value.field == "password"
    from taawun.accounts.models import User

    assert not User.objects.filter(email="new@example.org").exists()


def test_an_officer_acting_outside_their_office_is_refused(coop):
    treasurer = factories.member(coop, offices=["treasurer"])
    applicant = factories.applicant(coop)
    before = snapshot(coop)
    with pytest.raises(PermissionDenied) as error:
        actions.admit_member(applicant, by=treasurer.user)
    assert "admit" in str(error.value.message)
    assert snapshot(coop) == before


def test_an_officer_of_another_cooperative_cannot_admit_here(coop):
    other = factories.cooperative()
    applicant = factories.applicant(coop)
    before = snapshot(coop)
    with pytest.raises(PermissionDenied):
        actions.admit_member(applicant, by=factories.founder_of(other))
    assert snapshot(coop) == before


def test_admission_by_poll_is_not_open_to_officers_but_to_the_poll(db):
    coop = factories.cooperative(admission="poll")
    applicant = factories.applicant(coop)
    with pytest.raises(InvalidTransition, match="vote"):
        actions.admit_member(applicant, by=factories.founder_of(coop))
    admitted = actions.admit_member(applicant, by=None, authority="poll:7")
    assert admitted.status == "active"
    last = ledger_queries.entries(str(coop.public_id)).order_by("-seq").first()
    assert last is not None and '"authority":"poll:7"' in last.data and last.actor is None


def test_an_application_can_be_decided_only_once(coop, founder):
    applicant = factories.applicant(coop)
    actions.reject_application(applicant, by=founder, reason="Not now")
    with pytest.raises(InvalidTransition):
        actions.admit_member(applicant, by=founder)
    with pytest.raises(InvalidTransition):
        actions.reject_application(applicant, by=founder)


def test_a_declined_applicant_may_apply_again_later(coop, founder):
    applicant = factories.applicant(coop)
    actions.reject_application(applicant, by=founder)
    again = actions.apply_for_membership(user=applicant.user, coop=coop, membership_class="user")
    assert again.pk == applicant.pk and again.status == "applicant"


def test_suspend_reinstate_and_end_a_membership(coop, founder):
    member = factories.member(coop)
    member = actions.change_member_status(member, by=founder, to="suspended", reason="dues")
    member = actions.change_member_status(member, by=founder, to="active")
    member = actions.change_member_status(member, by=founder, to="withdrawn")
    assert member.ended_at is not None
    with pytest.raises(InvalidTransition):
        actions.change_member_status(member, by=founder, to="active")
    kinds = [e.kind for e in member.events.all()]
    assert kinds == ["applied", "admitted", "suspended", "reinstated", "ended"]


def test_an_unknown_status_is_refused(coop, founder):
    member = factories.member(coop)
    with pytest.raises(InvalidInput):
        actions.change_member_status(member, by=founder, to="king")


def test_a_member_withdraws_of_their_own_will_but_not_someone_else(coop):
    member = factories.member(coop)
    other = factories.member(coop)
    with pytest.raises(PermissionDenied):
        actions.withdraw_membership(member, by=other.user)
    assert actions.withdraw_membership(member, by=member.user).status == "withdrawn"
    with pytest.raises(InvalidTransition):
        actions.withdraw_membership(member, by=member.user)


def test_offices_are_assigned_by_the_board_only_to_active_members(coop, founder):
    member = factories.member(coop)
    member = actions.set_offices(member, by=founder, offices=["treasurer"])
    assert member.offices == ["treasurer"]
    with pytest.raises(InvalidInput):
        actions.set_offices(member, by=founder, offices=["emperor"])
    actions.change_member_status(member, by=founder, to="suspended")
    with pytest.raises(InvalidTransition):
        actions.set_offices(member, by=founder, offices=["secretary"])
    assert ledger_kinds(coop).count("member.offices_changed") == 1


def test_the_last_person_who_can_assign_offices_cannot_resign_them(coop, founder):
    me = coop.members.get(user=founder)
    with pytest.raises(InvalidTransition):
        actions.set_offices(me, by=founder, offices=[])


def test_amending_the_bylaws_records_both_digests(coop, founder):
    doc = dict(coop.bylaws, quorum_percent="60")
    actions.amend_bylaws(by=founder, coop=coop, bylaws=doc)
    coop.refresh_from_db()
    assert coop.bylaws["quorum_percent"] == "60"
    assert ledger_kinds(coop)[-1] == "bylaws.changed"


def test_a_class_still_held_cannot_be_removed_from_the_bylaws(coop, founder):
    factories.member(coop, membership_class="user")
    doc = dict(coop.bylaws)
    doc["membership_classes"] = [c for c in doc["membership_classes"] if c["code"] != "user"]
    before = snapshot(coop)
    with pytest.raises(InvalidInput, match="user"):
        actions.amend_bylaws(by=founder, coop=coop, bylaws=doc)
    assert snapshot(coop) == before


def test_a_plain_member_cannot_amend_the_bylaws(coop):
    member = factories.member(coop)
    with pytest.raises(PermissionDenied):
        actions.amend_bylaws(by=member.user, coop=coop, bylaws=coop.bylaws)


def test_an_invitation_admits_its_holder_once(coop, founder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = actions.invite_member(
            by=founder, coop=coop, email="guest@example.org", membership_class="user"
        )
    assert token in mail.outbox[-1].body
    assert invitation.digest != token
    member = actions.accept_invitation(token, name="Guest", password="a long passphrase here")
    assert member.status == "active" and member.number == 2
    assert member.user.email == "guest@example.org"
    with pytest.raises(Expired):
        actions.accept_invitation(token, name="Guest", password="a long passphrase here")


def test_an_expired_invitation_is_refused(coop, founder):
    invitation, token = actions.invite_member(
        by=founder, coop=coop, email="late@example.org", membership_class="user"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    before = snapshot(coop)
    with pytest.raises(Expired):
        actions.accept_invitation(token, name="Late", password="a long passphrase here")
    assert snapshot(coop) == before


def test_a_made_up_invitation_token_is_not_found(db):
    with pytest.raises(NotFound):
        actions.find_invitation("not-a-real-token")


def test_inviting_needs_the_power_and_a_valid_email(coop, founder):
    board = factories.member(coop, offices=["board"])
    with pytest.raises(PermissionDenied):
        actions.invite_member(
            by=board.user, coop=coop, email="x@example.org", membership_class="user"
        )
    with pytest.raises(InvalidInput):
        actions.invite_member(by=founder, coop=coop, email="not an email", membership_class="user")
    member = factories.member(coop)
    with pytest.raises(Conflict):
        actions.invite_member(
            by=founder, coop=coop, email=member.user.email, membership_class="user"
        )


def test_the_ledger_of_a_busy_cooperative_verifies(coop, founder):
    for _ in range(5):
        member = factories.member(coop)
        actions.change_member_status(member, by=founder, to="suspended")
    actions.reject_application(factories.applicant(coop), by=founder)
    lines = list(ledger_queries.export_lines(str(coop.public_id)))
    result = verify_lines(lines)
    head = ledger_queries.head(str(coop.public_id))
    assert result.ok and result.count == head.seq == len(lines)
    assert result.head == head.hash


def test_ledger_entries_never_name_a_person(coop):
    member = factories.member(coop)
    text = b"".join(ledger_queries.export_lines(str(coop.public_id))).decode()
    assert member.user.email not in text and member.user.name not in text
    assert str(member.public_id) in text
