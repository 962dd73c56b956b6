"""Events as cooperatives use them: announcing a workshop, who sees it,
changing it, calling it off, adding it to a calendar, with errors beside
the fields and nothing saved when something is wrong."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from taawun.errors import InvalidInput, InvalidTransition, PermissionDenied
from taawun.knowledge import event_actions as actions
from taawun.knowledge import event_queries as queries
from taawun.knowledge.models import Event, Visibility
from taawun.knowledge.rules import reader_scope
from taawun.membership import networks
from tests import factories

pytestmark = pytest.mark.django_db


def _soon(days: int = 7):  # type: ignore[no-untyped-def]
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


@pytest.fixture
def event(coop, founder):  # type: ignore[no-untyped-def]
    return actions.announce_event(
        by=founder,
        coop=coop,
        title="Open workshop: community networks",
        starts_at=_soon(),
        ends_at=_soon() + timedelta(hours=3),
        language="en",
        place="Cairo, Downtown hub",
        body="Bring a **laptop**.",
        visibility=Visibility.NETWORK,
    )


def url(name: str, event: Event) -> str:
    return reverse(f"knowledge:{name}", args=[event.cooperative.slug, event.pk])


def test_a_member_announces_an_event_through_the_form(client, coop, founder):  # type: ignore[no-untyped-def]
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:event_new", args=[coop.slug]),
        {
            "title": "Assembly of the network",
            "language": "ar",
            "starts_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
            "online_url": "https://meet.example.org/assembly",
            "visibility": "public",
        },
    )
    event = Event.objects.get()
    assert response.url == url("event", event)
    assert event.online_url == "https://meet.example.org/assembly"
    assert event.visibility == "public"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"starts_at": ""}, "starts_at"),
        ({"ends_at": "2000-01-01T10:00"}, "ends_at"),
        ({"place": "", "online_url": ""}, "place"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"starts_at": "2001-05-05T10:00", "ends_at": ""}, "starts_at"),
    ],
)
def test_a_wrong_event_is_refused_beside_its_field_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    client, coop, founder, changes, field
):
    client.force_login(founder)
    data = {
        "title": "Workshop",
        "language": "en",
        "starts_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Tunis",
        "visibility": "network",
        **changes,
    }
    response = client.post(reverse("knowledge:event_new", args=[coop.slug]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Event.objects.exists()


def test_the_error_is_in_arabic_for_an_arabic_reader(client, coop):  # type: ignore[no-untyped-def]
    founder = factories.founder_of(coop)
    founder.language = "ar"
    founder.save()
    client.force_login(founder)
    response = client.post(
        reverse("knowledge:event_new", args=[coop.slug]),
        {"title": "", "language": "ar", "place": "تونس", "visibility": "network"},
    )
    assert "قل في كلمات قليلة ما الفعالية." in str(response.context["form"].errors["title"])


def test_who_sees_an_event_follows_its_visibility(coop, founder, event):  # type: ignore[no-untyped-def]
    neighbour = factories.cooperative()
    network = networks.create_network(slug="events-net", names={"en": "Events"})
    networks.join_network(coop, network)
    networks.join_network(neighbour, network)
    stranger_coop = factories.cooperative()
    in_network = factories.member(neighbour).user
    stranger = factories.member(stranger_coop).user
    assert event in queries.upcoming_events(reader_scope(in_network))
    assert event not in queries.upcoming_events(reader_scope(stranger))
    assert event not in queries.upcoming_events(reader_scope(None))


def test_a_visitor_reads_a_public_event_but_not_a_network_one(client, coop, founder, event):  # type: ignore[no-untyped-def]
    assert client.get(url("event", event)).status_code == 404
    public = actions.announce_event(
        by=founder,
        coop=coop,
        title="Open day",
        starts_at=_soon(2),
        language="en",
        place="Amman",
        visibility=Visibility.PUBLIC,
    )
    page = client.get(url("event", public))
    assert page.status_code == 200
    assert "Open day" in page.content.decode()


def test_only_members_announce_or_change_events(coop, event):  # type: ignore[no-untyped-def]
    outsider = factories.person()
    with pytest.raises(PermissionDenied):
        actions.announce_event(
            by=outsider, coop=coop, title="X", starts_at=_soon(), language="en", place="Y"
        )
    with pytest.raises(PermissionDenied):
        actions.call_off_event(event, by=outsider)


def test_changing_an_event_keeps_it_and_moves_it(coop, founder, event):  # type: ignore[no-untyped-def]
    later = _soon(14)
    changed = actions.change_event(
        event,
        by=founder,
        title=event.title,
        starts_at=later,
        language="en",
        place="Alexandria",
    )
    assert changed.pk == event.pk
    assert changed.starts_at == later
    assert changed.place == "Alexandria"


def test_a_called_off_event_stays_marked_and_no_longer_changes(client, coop, founder, event):  # type: ignore[no-untyped-def]
    client.force_login(founder)
    client.post(url("event_call_off", event))
    event.refresh_from_db()
    assert event.cancelled_at is not None
    assert "called off" in client.get(url("event", event)).content.decode()
    with pytest.raises(InvalidTransition):
        actions.change_event(
            event, by=founder, title="Again", starts_at=_soon(), language="en", place="Y"
        )
    with pytest.raises(InvalidTransition):
        actions.call_off_event(event, by=founder)


def test_an_event_is_announced_before_it_starts(coop, founder):  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        actions.announce_event(
            by=founder,
            coop=coop,
            title="Yesterday",
            starts_at=timezone.now() - timedelta(days=1),
            language="en",
            place="Y",
        )
    assert refused.value.field == "starts_at"


def test_the_calendar_file_holds_the_event_in_utc_and_escaped(client, coop, founder):  # type: ignore[no-untyped-def]
    starts = _soon(5)
    event = actions.announce_event(
        by=founder,
        coop=coop,
        title="Workshop; networks, mesh",
        starts_at=starts,
        language="ar",
        place="القاهرة، وسط البلد — " + "مكان طويل جدا " * 10,
        visibility=Visibility.PUBLIC,
    )
    response = client.get(url("event_calendar", event))
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert "SUMMARY:Workshop\\; networks\\, mesh\r\n" in text
    assert f"DTSTART:{starts.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "مكان طويل جدا" in unfolded
    actions.call_off_event(event, by=founder)
    assert "STATUS:CANCELLED" in client.get(url("event_calendar", event)).content.decode()


def test_pages_render_in_arabic_and_english(client, coop, founder, event):  # type: ignore[no-untyped-def]
    client.force_login(founder)
    for language in ("en", "ar"):
        founder.language = language
        founder.save()
        for page in (
            reverse("knowledge:events"),
            reverse("knowledge:coop_events", args=[coop.slug]),
            url("event", event),
            url("event_edit", event),
            reverse("knowledge:event_new", args=[coop.slug]),
        ):
            response = client.get(page)
            assert response.status_code == 200, page
            assert f'lang="{language}"' in response.content.decode()
