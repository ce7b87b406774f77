import pytest
from django.core.cache import caches
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db


def test_add_creates_a_counter_once():
    counters = caches["ratelimit"]

    assert counters.add("window-1", 1, 60) is True
    assert counters.add("window-1", 1, 60) is False
    assert counters.get("window-1") == 1


def test_incr_counts_up_and_refuses_a_missing_counter():
    counters = caches["ratelimit"]
    counters.add("window-2", 1, 60)

    assert counters.incr("window-2") == 2
    assert counters.incr("window-2", 5) == 7
    with pytest.raises(ValueError):
        counters.incr("never-added")


def test_an_expired_counter_can_be_added_again():
    counters = caches["ratelimit"]
    counters.set("window-3", 9, -1)

    assert counters.get("window-3") is None
    assert counters.add("window-3", 1, 60) is True
    assert counters.get("window-3") == 1


def test_delete_and_clear_remove_counters():
    counters = caches["ratelimit"]
    counters.add("window-4", 1, 60)
    counters.add("window-5", 1, 60)

    assert counters.delete("window-4") is True
    counters.clear()
    assert counters.get("window-5") is None


def test_django_ratelimit_finds_no_error_in_the_counter_store():
    errors = [
        message.id
        for message in run_checks()
        if message.id and message.id.startswith("django_ratelimit") and message.is_serious()
    ]

    assert errors == []
