"""A small published campaign: the indices tests' tiny questionnaire, five units with 40 counted
responses each and one ward with 12 (below the default minimum of 30: suppressed when published)."""

import numpy as np
import pytest

from hailong.accounts.roles import Role
from hailong.indices.services import run_create, run_execute
from tests.indices import conftest as indices_fixtures

add_responses, tiny_answers = indices_fixtures.add_responses, indices_fixtures.tiny_answers
# The indices tests' fixtures, used here too.
tiny_version = indices_fixtures.tiny_version
tiny_campaign = indices_fixtures.tiny_campaign
departments = indices_fixtures.departments
wards = indices_fixtures.wards

SMALL = 12


@pytest.fixture
def portal_data(tiny_campaign, departments, wards):
    rng = np.random.default_rng(11)
    qualities = {departments[0]: 4.3, departments[1]: 4.0, departments[2]: 2.2, wards[0]: 4.1, wards[1]: 3.6}
    for unit, quality in qualities.items():
        add_responses(tiny_campaign, unit, tiny_answers(rng, 40, quality))
    add_responses(tiny_campaign, wards[2], tiny_answers(rng, SMALL, 4.8))  # the best, but too few
    return tiny_campaign


@pytest.fixture
def small_unit(wards):
    return wards[2]


@pytest.fixture
def done_run(portal_data):
    return run_execute(run=run_create(campaign=portal_data, enqueue=False))


@pytest.fixture
def people(make_user, unit):
    province = unit("48")
    return {
        "manager": make_user(Role.SURVEY_MANAGER, province),
        "analyst": make_user(Role.ANALYST, province),
        "viewer": make_user(Role.VIEWER, province),
        "other_manager": make_user(Role.SURVEY_MANAGER, unit("01")),  # Hà Nội's
    }


@pytest.fixture
def published(done_run, people):
    from hailong.indices.publication import run_publish

    return run_publish(run=done_run, actor=people["manager"])


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty page cache (the portal keeps rendered pages in it)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
