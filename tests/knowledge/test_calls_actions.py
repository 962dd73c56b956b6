"""Calls for collaboration as cooperatives use them: posting a call with the
skills it needs, who can read it, responding once while it is open, closing
it, and bad input refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from taawun.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from taawun.knowledge import call_actions as actions
from taawun.knowledge import call_queries as queries
from taawun.knowledge import skill_actions
from taawun.knowledge.models import MAX_TEXT, Call, CallResponse, Level, Visibility
from taawun.knowledge.rules import reader_scope
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def networking(founder):  # type: ignore[no-untyped-def]
    return skill_actions.add_skill(by=founder, names={"en": "Networking", "ar": "الشبكات"})


def a_call(coop, by, skill, **changes):  # type: ignore[no-untyped-def]
    values = {
        "title": "Wi-Fi mesh for a school",
        "body": "We need help.",
        "terms": "paid",
        "needs": [(skill, Level.ADVANCED)],
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 5, 1),
    }
    return actions.post_call(by=by, coop=coop, **{**values, **changes})


def test_a_member_posts_a_call_visible_to_its_networks_by_default(coop, founder, networking):
    call = a_call(coop, founder, networking)
    assert (call.state, call.visibility, call.terms) == ("open", "network", "paid")
    assert [(n.skill, n.level) for n in queries.needs_of(call)] == [(networking, 3)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "  "}, "body"),
        ({"body": "x" * (MAX_TEXT + 1)}, "body"),
        ({"starts_on": date(2026, 5, 2), "ends_on": date(2026, 5, 1)}, "ends_on"),
        ({"terms": "barter"}, "terms"),
        ({"visibility": "world"}, "visibility"),
        ({"needs": []}, "needs"),
    ],
)
def test_a_call_with_bad_input_is_refused_beside_the_field(
    coop, founder, networking, changes, field
):
    with pytest.raises(InvalidInput) as refused:
        a_call(coop, founder, networking, **changes)
    assert refused.value.field == field
    assert not Call.objects.exists()


def test_a_skill_named_twice_or_a_level_out_of_range_is_refused(coop, founder, networking):
    with pytest.raises(InvalidInput, match="named twice"):
        a_call(coop, founder, networking, needs=[(networking, 2), (networking, 3)])
    with pytest.raises(InvalidInput, match="level"):
        a_call(coop, founder, networking, needs=[(networking, 9)])
    assert not Call.objects.exists()


def test_a_call_may_end_the_day_it_starts(coop, founder, networking):
    day = date(2026, 3, 1)
    assert a_call(coop, founder, networking, starts_on=day, ends_on=day).ends_on == day


def test_only_members_post_and_close_the_cooperatives_calls(coop, founder, networking):
    outsider = factories.person()
    with pytest.raises(PermissionDenied):
        a_call(coop, outsider, networking)
    call = a_call(coop, founder, networking)
    with pytest.raises(PermissionDenied):
        actions.close_call(call, by=outsider)
    call.refresh_from_db()
    assert call.state == "open"


def test_a_network_visible_call_is_read_in_the_network_and_nowhere_else(coop, founder, networking):
    call = a_call(coop, founder, networking)
    partner, stranger = factories.cooperative(), factories.cooperative()
    network = networks.create_network(slug="arab-tech", names={"en": "Arab tech"})
    networks.join_network(coop, network)
    networks.join_network(partner, network)
    neighbour, outsider = factories.founder_of(partner), factories.founder_of(stranger)

    assert list(queries.open_calls(reader_scope(neighbour))) == [call]
    assert queries.get_call(coop, call.pk, reader_scope(neighbour)) == call
    assert list(queries.open_calls(reader_scope(outsider))) == []
    with pytest.raises(NotFound):
        queries.get_call(coop, call.pk, reader_scope(outsider))
    with pytest.raises(NotFound):
        actions.respond_to_call(by=outsider, call=call, message="Me!")
    assert actions.respond_to_call(by=neighbour, call=call, message="We can help.")


def test_a_visitor_reads_only_public_calls(coop, founder, networking):
    public = a_call(coop, founder, networking, visibility=Visibility.PUBLIC, title="Public")
    a_call(coop, founder, networking, visibility=Visibility.COOPERATIVE, title="Ours")
    assert list(queries.open_calls(reader_scope(None))) == [public]


def test_a_person_responds_once_and_not_after_the_call_closes(coop, founder, networking):
    call = a_call(coop, founder, networking, visibility=Visibility.PUBLIC)
    person = factories.person()
    actions.respond_to_call(by=person, call=call, message="I run OpenWrt meshes.")
    with pytest.raises(Conflict, match="already responded"):
        actions.respond_to_call(by=person, call=call, message="Again")
    with pytest.raises(InvalidInput) as empty:
        actions.respond_to_call(by=factories.person(), call=call, message=" ")
    assert empty.value.field == "message"
    actions.close_call(call, by=founder)
    with pytest.raises(InvalidTransition, match="closed"):
        actions.respond_to_call(by=factories.person(), call=call, message="Late")
    assert CallResponse.objects.filter(call=call).count() == 1


def test_closing_twice_is_refused_and_a_closed_call_cannot_be_edited(coop, founder, networking):
    call = actions.close_call(a_call(coop, founder, networking), by=founder)
    assert call.closed_at is not None
    with pytest.raises(InvalidTransition):
        actions.close_call(call, by=founder)
    with pytest.raises(InvalidTransition):
        actions.edit_call(
            call, by=founder, title="New", body="New", terms="paid", needs=[(networking, 1)]
        )


def test_editing_a_call_replaces_its_needs(coop, founder, networking):
    design = skill_actions.add_skill(by=founder, names={"en": "Design"})
    call = a_call(coop, founder, networking)
    actions.edit_call(
        call,
        by=founder,
        title="Mesh and a poster",
        body="More",
        terms="volunteer",
        needs=[(design, Level.BEGINNER)],
    )
    call.refresh_from_db()
    assert (call.title, call.terms) == ("Mesh and a poster", "volunteer")
    assert [n.skill for n in queries.needs_of(call)] == [design]


def test_a_cooperatives_calls_list_open_ones_first(coop, founder, networking):
    older = a_call(coop, founder, networking, title="Older")
    closed = actions.close_call(a_call(coop, founder, networking, title="Closed"), by=founder)
    newer = a_call(coop, founder, networking, title="Newer")
    assert list(queries.calls_of(coop, reader_scope(founder))) == [newer, older, closed]
