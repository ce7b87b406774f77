from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import page_view
from tracking.models import Event, Session
from tracking.services import sessions_settle_exits

pytestmark = pytest.mark.django_db


def _age_session(minutes: int) -> None:
    """Pretend the visitor's last activity was `minutes` ago."""
    earlier = timezone.now() - timedelta(minutes=minutes)
    Session.objects.update(started_at=earlier, ended_at=earlier)


def test_an_event_29_minutes_after_the_last_continues_the_session(beacon):
    beacon(page_view(path="/"))
    _age_session(29)

    beacon(page_view(path="/pricing"))

    assert Session.objects.count() == 1
    assert list(Event.objects.order_by("path").values_list("path", "is_entrance")) == [
        ("/", True),
        ("/pricing", False),
    ]


def test_an_event_31_minutes_after_the_last_starts_a_new_session(beacon):
    beacon(page_view(path="/"))
    _age_session(31)

    beacon(page_view(path="/pricing"))

    assert Session.objects.count() == 2
    assert Event.objects.filter(is_entrance=True).count() == 2


def test_the_session_timeout_is_configurable(beacon, settings):
    settings.SESSION_TIMEOUT_MINUTES = 10
    beacon(page_view())
    _age_session(11)

    beacon(page_view())

    assert Session.objects.count() == 2


def test_a_new_campaign_starts_a_new_session(beacon):
    beacon(page_view(utm={"source": "newsletter", "medium": "email", "campaign": "fall"}))

    beacon(page_view(utm={"source": "newsletter", "medium": "email", "campaign": "winter"}))

    campaigns = sorted(Session.objects.values_list("utm_campaign", flat=True))
    assert campaigns == ["fall", "winter"]


def test_an_event_without_utm_stays_in_the_campaign_session(beacon):
    beacon(page_view(utm={"source": "newsletter", "medium": "email", "campaign": "fall"}))

    beacon(page_view(path="/pricing", referrer="http://localhost:8000/"))

    session = Session.objects.get()
    assert session.traffic_source == "email"
    assert set(Event.objects.values_list("traffic_source", flat=True)) == {"email"}


def test_the_same_campaign_again_continues_the_session(beacon):
    utm = {"source": "newsletter", "medium": "email", "campaign": "fall"}
    beacon(page_view(utm=utm))

    beacon(page_view(path="/next", utm=utm))

    assert Session.objects.count() == 1


def test_each_property_has_its_own_session(beacon):
    beacon(page_view(propertyId="site-a"))
    beacon(page_view(propertyId="site-b"))

    assert sorted(Session.objects.values_list("property_id", flat=True)) == ["site-a", "site-b"]


def test_only_the_first_page_view_of_a_session_is_its_entrance(beacon):
    beacon({"anonId": "visitor-0001", "eventType": "engagement", "path": "/", "props": {"engagedTimeMs": 10}})
    beacon(page_view(path="/"))
    beacon(page_view(path="/pricing"))

    entrances = list(Event.objects.filter(is_entrance=True).values_list("event_type", "path"))
    assert entrances == [("page_view", "/")]


def test_settling_marks_the_last_page_view_of_an_ended_session_as_exit(beacon):
    beacon(page_view(path="/"))
    beacon(page_view(path="/pricing"))
    beacon({"anonId": "visitor-0001", "eventType": "engagement", "path": "/pricing"})
    _age_session(31)

    settled = sessions_settle_exits()

    assert settled == 1
    assert list(Event.objects.filter(is_exit=True).values_list("path", "event_type")) == [("/pricing", "page_view")]


def test_settling_leaves_a_running_session_alone(beacon):
    beacon(page_view(path="/"))
    _age_session(5)

    assert sessions_settle_exits() == 0
    assert not Event.objects.filter(is_exit=True).exists()


def test_settling_twice_settles_nothing_the_second_time(beacon):
    beacon(page_view())
    _age_session(40)

    assert sessions_settle_exits() == 1
    assert sessions_settle_exits() == 0
    assert Event.objects.filter(is_exit=True).count() == 1


def test_the_settle_sessions_command_reports_what_it_did(beacon, capsys):
    beacon(page_view(anon_id="visitor-0001"))
    beacon(page_view(anon_id="visitor-0002"))
    _age_session(45)

    call_command("settle_sessions", batch_size=1)

    assert "Settled exits of 2 ended session(s)." in capsys.readouterr().out
    assert Event.objects.filter(is_exit=True).count() == 2
