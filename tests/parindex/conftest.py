from datetime import timedelta

import pytest
from django.utils import timezone

from hailong.accounts.roles import Role
from hailong.parindex.services import appraiser_assign, criteria_set_builtin, cycle_create
from tests.indices import conftest as indices_fixtures

departments = indices_fixtures.departments


@pytest.fixture
def demo_set(db):
    return criteria_set_builtin(key="demo", year=2026)


@pytest.fixture
def par_people(make_user, unit, departments):
    city = unit("48")
    return {
        "manager": make_user(Role.SURVEY_MANAGER, city),
        "officer": make_user(Role.UNIT_OFFICER, departments[0]),
        "other_officer": make_user(Role.UNIT_OFFICER, departments[1]),
        "appraiser": make_user(Role.APPRAISER, city),
        "idle_appraiser": make_user(Role.APPRAISER, city),
    }


@pytest.fixture
def cycle(demo_set, unit, departments, par_people):
    cycle = cycle_create(
        criteria_set=demo_set,
        organiser=unit("48"),
        year=2026,
        name="Chỉ số CCHC sở, ngành 2026",
        self_deadline=timezone.now() + timedelta(days=10),
        units=departments,
        actor=par_people["manager"],
    )
    for dept in departments:
        appraiser_assign(cycle=cycle, user=par_people["appraiser"], unit=dept, actor=par_people["manager"])
    return cycle


# Values per criterion code for a fully self-assessed demo unit: 4 + 6 + 10 + 15 + 25·0.8 + 8 = 63.
FULL = {"1.1.1": 1, "1.1.2": 100, "1.2.1": 30, "2.1.1": 2, "2.2.1": 96, "3.2.1": 8}


def fill(assessment, user, values=FULL):
    from hailong.parindex.services import score_self_set

    for score in assessment.scores.select_related("criterion"):
        if score.criterion.code in values:
            score_self_set(
                score=score, value=values[score.criterion.code], actor=user, explanation="Đã thực hiện"
            )


# A published SIPAS-style run over the same departments (the portal tests' fixtures).
from tests.portal import conftest as portal_fixtures  # noqa: E402

tiny_version = portal_fixtures.tiny_version
tiny_campaign = portal_fixtures.tiny_campaign
wards = portal_fixtures.wards
portal_data = portal_fixtures.portal_data
done_run = portal_fixtures.done_run
people = portal_fixtures.people
published = portal_fixtures.published


def run_all(cycle, people, *, values=FULL, survey_run=None):
    """Every assessment of the cycle self-assessed, submitted, appraised and final."""
    from hailong.parindex import services

    results = []
    for a in cycle.assessments.select_related("unit").order_by("unit__code"):
        officer = people["officers"][a.unit_id]
        fill(a, officer, values)
        services.assessment_submit(assessment=a, actor=officer)
        services.assessment_send_preliminary(assessment=a, actor=people["manager"])
        a.refresh_from_db()
        services.assessment_finalise(
            assessment=a, actor=people["manager"], now=a.response_deadline + timedelta(seconds=1)
        )
        results.append(a)
    return results


@pytest.fixture
def officers(make_user, departments, par_people):
    found = {departments[0].pk: par_people["officer"], departments[1].pk: par_people["other_officer"]}
    found[departments[2].pk] = make_user(Role.UNIT_OFFICER, departments[2])
    return {**par_people, "officers": found}
