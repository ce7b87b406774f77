from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_q.models import Schedule

from compliance.management.commands import setup_schedules
from compliance.management.commands.setup_schedules import ScheduleSpec
from compliance.tasks import purge_raw_data
from tests.compliance.conftest import visit_at

pytestmark = pytest.mark.django_db

OUR_SCHEDULES = [
    ("compliance.purge_raw_data", "compliance.tasks.purge_raw_data", Schedule.DAILY),
    ("leads.expire_implied_consents", "leads.tasks.expire_implied_consents", Schedule.DAILY),
    ("leads.purge_unlinked_visitors", "leads.tasks.purge_unlinked_visitors", Schedule.DAILY),
    ("tracking.settle_session_exits", "tracking.tasks.settle_session_exits", Schedule.HOURLY),
]


def _schedules() -> list[tuple[str, str, str]]:
    return list(Schedule.objects.order_by("name").values_list("name", "func", "schedule_type"))


def test_it_creates_the_purge_consent_expiry_visitor_purge_and_session_exit_schedules(capsys):
    call_command("setup_schedules")

    assert _schedules() == OUR_SCHEDULES
    assert "Schedules: 0 removed, 4 created" in capsys.readouterr().out


def test_running_it_twice_leaves_one_schedule_of_each(capsys):
    call_command("setup_schedules")
    call_command("setup_schedules")

    assert _schedules() == OUR_SCHEDULES
    assert "Schedules: 4 removed, 4 created" in capsys.readouterr().out.splitlines()[-1]


def test_every_schedule_runs_forever_and_first_runs_in_the_next_day():
    call_command("setup_schedules")

    now = timezone.now()
    for schedule in Schedule.objects.all():
        assert schedule.repeats == -1
        assert now < schedule.next_run <= now + timedelta(days=1)


def test_a_schedule_added_by_hand_is_left_alone():
    Schedule.objects.create(name="someone's own", func="math.floor", args="1.5", schedule_type=Schedule.DAILY)

    call_command("setup_schedules")

    assert Schedule.objects.filter(name="someone's own").count() == 1
    assert Schedule.objects.count() == 5


def test_a_schedule_whose_function_does_not_exist_fails_before_any_change(monkeypatch):
    call_command("setup_schedules")
    broken = ScheduleSpec(
        name="compliance.typo", func="compliance.tasks.purge_raw_dat", schedule_type=Schedule.DAILY,
        first_run=setup_schedules.next_day_at(4, 0),
    )
    monkeypatch.setattr(setup_schedules, "SCHEDULES", [*setup_schedules.SCHEDULES, broken])

    with pytest.raises(CommandError, match="compliance.tasks.purge_raw_dat"):
        call_command("setup_schedules")

    assert _schedules() == OUR_SCHEDULES


def test_the_scheduled_purge_task_purges_raw_data():
    visit_at(timezone.now() - timedelta(days=91))

    assert purge_raw_data()["tracking.Event"] == 1
