"""AAPOR response rates RR1 and RR3, by hand and from real statuses; the progress per unit."""

import pytest
from django.utils import timezone

from hailong.fieldwork.rates import Dispositions
from hailong.fieldwork.selectors import daily_completed, fieldwork_progress
from hailong.fieldwork.services import sampled_person_replace, sampled_person_set_status
from hailong.sampling.choices import PersonStatus
from tests.fieldwork.conftest import build_sample, people_of


def test_rr1_and_rr3_by_hand():
    # I = 6, R = 3, NC = 1, unknown = 4, not eligible = 2.
    d = Dispositions(interviews=6, refusals=3, non_contacts=1, unknown=4, ineligible=2)
    assert d.eligible == 10 and d.cases == 16
    assert d.rr1 == pytest.approx(6 / 14)  # 42.857 %
    assert d.eligibility_rate == pytest.approx(10 / 12)
    assert d.rr3 == pytest.approx(6 / (10 + 4 * 10 / 12))  # 45 %
    assert d.rr3 == pytest.approx(0.45)


def test_rates_with_nothing_resolved_yet():
    assert Dispositions().rr1 is None and Dispositions().rr3 is None
    only_unknown = Dispositions(unknown=5)
    assert only_unknown.eligibility_rate == 1.0, "no resolved case: e = 1, the conservative choice"
    assert only_unknown.rr1 == only_unknown.rr3 == 0
    assert Dispositions(ineligible=3).rr1 is None, "ineligible cases are in no denominator"


def test_dispositions_add_up():
    a = Dispositions.count(["I", "I", "R", "U"])
    b = Dispositions.count(["NC", "IE"])
    assert a + b == Dispositions(interviews=2, refusals=1, non_contacts=1, unknown=1, ineligible=1)


@pytest.mark.django_db
def test_progress_per_unit_from_statuses(open_campaign, manager):
    sample = build_sample(open_campaign, {"20242": (30, 15), "20209": (8, 2)}, reserve=2)
    people = people_of(sample, "20242")
    outcomes = (
        [PersonStatus.COMPLETED] * 6
        + [PersonStatus.REFUSED] * 2
        + [PersonStatus.UNREACHABLE]
        + [PersonStatus.INELIGIBLE] * 2
        + [PersonStatus.CONTACTED]
        + [PersonStatus.PENDING] * 2
        + [PersonStatus.REFUSED]  # … then replaced: still counts as a refusal
    )
    for person, status in zip(people, outcomes, strict=True):
        if status != PersonStatus.PENDING:
            sampled_person_set_status(person=person, status=status, actor=manager)
    sampled_person_replace(person=people[-1], actor=manager)  # the reserve brought in is pending

    progress = fieldwork_progress(campaign=open_campaign, user=manager)
    rows = {row.unit.code: row for row in progress.units}
    hai_chau = rows["20242"]
    assert hai_chau.target == 20 and hai_chau.completed == 6
    assert hai_chau.people == 16, "15 sampled and the one reserve in use; unused reserves do not count"
    assert hai_chau.count(PersonStatus.REPLACED) == 1
    d = hai_chau.dispositions
    assert (d.interviews, d.refusals, d.non_contacts, d.unknown, d.ineligible) == (6, 3, 1, 4, 2)
    assert hai_chau.rr1 == pytest.approx(100 * 6 / 14)
    assert hai_chau.rr3 == pytest.approx(45.0)
    assert hai_chau.target_share == pytest.approx(30.0)
    # The other unit has two people, nothing resolved; the campaign total adds both up.
    assert rows["20209"].rr1 == 0 and rows["20209"].target == 10
    assert progress.total.target == 30 and progress.total.completed == 6
    assert progress.total.dispositions.unknown == 6

    days = daily_completed(campaign=open_campaign, user=manager)
    assert len(days) == 14, "two weeks of context before today"
    assert days[-1] == (timezone.localdate(), 6) and sum(n for _day, n in days) == 6


@pytest.mark.django_db
def test_progress_is_limited_to_the_reader_area(open_campaign, make_user, unit):
    from hailong.accounts.roles import Role

    build_sample(open_campaign, {"20242": (5, 2), "20209": (5, 2)}, reserve=0)
    ward_manager = make_user(Role.SURVEY_MANAGER, unit("20242"))
    rows = fieldwork_progress(campaign=open_campaign, user=ward_manager).units
    assert [row.unit.code for row in rows] == ["20242"]


def test_bar_chart_geometry():
    from datetime import date, timedelta

    from hailong.fieldwork.chart import bar_chart

    start = date(2026, 9, 1)
    days = [(start + timedelta(days=i), v) for i, v in enumerate([0, 3, 7, 12, 5] * 6)]
    chart = bar_chart(days)
    assert len(chart.bars) == 30 and chart.total == sum(v for _d, v in days)
    assert [t.value for t in chart.ticks] == [0, 5, 10, 15], "round steps above the peak (12)"
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 12 and tallest.height == pytest.approx(chart.plot_height * 12 / 15, abs=0.01)
    assert all(b.y + b.height == pytest.approx(chart.bottom_y, abs=0.01) for b in chart.bars)
    assert len(chart.labels) <= 8 and chart.labels[0].day == start
    assert bar_chart([]) is None
    few = bar_chart([(start, 2), (start + timedelta(days=1), 1)])
    assert max(b.width for b in few.bars) <= 36, "two days do not look like a wall"
