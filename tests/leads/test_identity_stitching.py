"""Which visitors a capture links to its lead: strong (the anonId that posted the form)
and heuristic (other visitors behind the same IP + browser, recently)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Lead, LeadIdentity
from tracking.models import Visitor

from tests.leads.conftest import CHROME_UA

pytestmark = pytest.mark.django_db

OFFICE_IP = "203.0.113.10"
FIREFOX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"


@pytest.fixture
def visit(beacon):
    """A page view from `anon_id` on the given IP and browser, `minutes_ago` back."""

    def page_view(anon_id: str, *, minutes_ago: float = 0, ip: str = OFFICE_IP, user_agent: str = CHROME_UA) -> None:
        beacon({"anonId": anon_id, "eventType": "page_view", "path": "/"}, REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent)
        seen = timezone.now() - timedelta(minutes=minutes_ago)
        Visitor.objects.filter(anon_id=anon_id).update(first_seen_at=seen, last_seen_at=seen)

    return page_view


def links_of(email: str) -> dict[str, tuple[str, float]]:
    return {
        identity.visitor.anon_id: (identity.link_source, identity.confidence)
        for identity in LeadIdentity.objects.filter(lead__email_normalized=email).select_related("visitor")
    }


def test_the_posting_visitor_gets_a_strong_link_and_a_recent_same_browser_visitor_a_weak_one(capture, visit):
    visit("old-tab-visitor", minutes_ago=10)

    capture({"email": "ann@example.com", "anonId": "form-visitor"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {
        "form-visitor": ("form_submit", 1.0),
        "old-tab-visitor": ("same_ip_ua_window", 0.5),
    }


def test_a_visitor_seen_29_minutes_ago_is_inside_the_window(capture, visit):
    visit("earlier-visitor", minutes_ago=29)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {"earlier-visitor": ("same_ip_ua_window", 0.5)}


def test_a_visitor_seen_31_minutes_ago_is_outside_the_window(capture, visit):
    visit("earlier-visitor", minutes_ago=31)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {}


def test_the_window_is_configurable(capture, visit, settings):
    settings.LEAD_STITCHING_WINDOW_MINUTES = 120
    visit("earlier-visitor", minutes_ago=90)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {"earlier-visitor": ("same_ip_ua_window", 0.5)}


def test_stitching_can_be_switched_off(capture, visit, settings):
    settings.LEAD_STITCHING_ENABLED = False
    visit("earlier-visitor", minutes_ago=5)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {}


def test_another_ip_or_another_browser_is_not_linked(capture, visit):
    visit("other-network", minutes_ago=5, ip="198.51.100.20")
    visit("other-browser", minutes_ago=5, user_agent=FIREFOX_UA)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {}


def test_several_candidates_share_the_weak_confidence(capture, visit):
    visit("candidate-one", minutes_ago=5)
    visit("candidate-two", minutes_ago=6)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {
        "candidate-one": ("same_ip_ua_window", 0.25),
        "candidate-two": ("same_ip_ua_window", 0.25),
    }


def test_more_candidates_than_the_limit_look_like_a_shared_nat_and_link_none(capture, visit, settings):
    settings.LEAD_STITCHING_MAX_CANDIDATES = 3
    for n in range(4):
        visit(f"office-visitor-{n}", minutes_ago=5)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {}


def test_a_weak_link_never_goes_above_one_half(capture, visit):
    visit("earlier-visitor", minutes_ago=1)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    assert LeadIdentity.objects.get().confidence <= 0.5


def test_a_weak_link_is_upgraded_when_that_visitor_submits_the_form(capture, visit):
    visit("earlier-visitor", minutes_ago=5)
    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP)

    capture({"email": "ann@example.com", "anonId": "earlier-visitor"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com") == {"earlier-visitor": ("form_submit", 1.0)}


def test_a_strong_link_is_never_downgraded_by_a_later_guess(capture, visit):
    capture({"email": "ann@example.com", "anonId": "ann-laptop"}, REMOTE_ADDR=OFFICE_IP)

    capture({"email": "ann@example.com", "anonId": "ann-new-tab"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("ann@example.com")["ann-laptop"] == ("form_submit", 1.0)


def test_two_emails_from_one_browser_are_two_leads_both_linked_by_evidence(capture):
    capture({"email": "ann@example.com", "anonId": "family-computer"})
    capture({"email": "bob@example.com", "anonId": "family-computer"})

    assert Lead.objects.count() == 2
    assert links_of("ann@example.com") == {"family-computer": ("form_submit", 1.0)}
    assert links_of("bob@example.com") == {"family-computer": ("form_submit", 1.0)}


def test_a_visitor_strongly_linked_to_another_lead_gets_no_weak_link(capture):
    capture({"email": "ann@example.com", "anonId": "ann-browser"}, REMOTE_ADDR=OFFICE_IP)

    capture({"email": "bob@example.com", "anonId": "bob-browser"}, REMOTE_ADDR=OFFICE_IP)

    assert links_of("bob@example.com") == {"bob-browser": ("form_submit", 1.0)}
    assert links_of("ann@example.com") == {"ann-browser": ("form_submit", 1.0)}


def test_bots_are_never_stitched(capture, visit):
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    visit("crawler-one", minutes_ago=1, user_agent=bot)

    capture({"email": "ann@example.com"}, REMOTE_ADDR=OFFICE_IP, HTTP_USER_AGENT=bot)

    assert links_of("ann@example.com") == {}
