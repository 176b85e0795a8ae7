"""The estimation pages: who sees what, starting a run (the task path), progress, uploads."""

import io
import re

import pytest

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.indices.choices import RunStatus
from hailong.indices.models import EstimationRun, PopulationTotal
from hailong.indices.services import run_create, run_execute

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tiny_data):
    return run_execute(run=run_create(campaign=tiny_data, enqueue=False))


@pytest.fixture
def people(make_user, unit, wards):
    province = unit("48")
    return {
        "manager": make_user(Role.SURVEY_MANAGER, province),
        "analyst": make_user(Role.ANALYST, province),
        "viewer": make_user(Role.VIEWER, province),
        "officer": make_user(Role.UNIT_OFFICER, wards[0]),
        "elsewhere": make_user(Role.UNIT_OFFICER, unit("00004")),  # a ward of Hà Nội
        "interviewer": make_user(Role.INTERVIEWER, province),
    }


def status(client, user, url, method="get", **data):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data).status_code


def test_permission_matrix(client, people, run, wards, departments):
    own = f"/results/runs/{run.pk}/units/{wards[0].pk}/"
    other = f"/results/runs/{run.pk}/units/{departments[2].pk}/"
    pages = {
        "home": "/results/",
        "campaign": f"/results/campaigns/{run.campaign_id}/",
        "population": f"/results/campaigns/{run.campaign_id}/population/",
        "run": f"/results/runs/{run.pk}/",
        "own": own,
        "other": other,
    }
    expected = {
        "manager": {"home": 200, "campaign": 200, "population": 200, "run": 200, "own": 200, "other": 200},
        "analyst": {"home": 200, "campaign": 200, "population": 200, "run": 200, "own": 200, "other": 200},
        "viewer": {"home": 200, "campaign": 200, "population": 403, "run": 200, "own": 200, "other": 200},
        "officer": {"home": 200, "campaign": 404, "population": 404, "run": 404, "own": 200, "other": 404},
        "elsewhere": {"home": 200, "campaign": 404, "population": 404, "run": 404, "own": 404, "other": 404},
        "interviewer": {
            "home": 403,
            "campaign": 404,
            "population": 404,
            "run": 404,
            "own": 404,
            "other": 404,
        },
    }
    found = {who: {page: status(client, people[who], url) for page, url in pages.items()} for who in expected}
    assert found == expected
    client.force_login(people["officer"])
    assert own in client.get("/results/").content.decode(), "an officer finds their unit's results"
    client.logout()
    for url in pages.values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_starting_a_run_is_for_managers_and_analysts(client, people, tiny_data):
    url = f"/results/campaigns/{tiny_data.pk}/"
    form = {"aggregation": "item_mean", "interval_method": "normal", "level": "0.95"}
    form.update(weighting="design", counted="approved", map_to="")
    assert status(client, people["viewer"], url, "post", **form) == 403
    assert status(client, people["officer"], url, "post", **form) == 404
    assert EstimationRun.objects.count() == 0
    client.force_login(people["viewer"])
    assert 'name="aggregation"' not in client.get(url).content.decode(), "no form for a reader"
    client.force_login(people["manager"])
    assert 'name="aggregation"' in client.get(url).content.decode()


def test_the_task_runs_the_estimation_after_commit(
    client, people, tiny_data, django_capture_on_commit_callbacks
):
    client.force_login(people["analyst"])
    form = {"aggregation": "overall_question", "interval_method": "t", "level": "0.9"}
    form.update(weighting="design", counted="approved", map_to="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/results/campaigns/{tiny_data.pk}/", form)
    assert len(callbacks) == 1, "the task is enqueued once the run is committed"
    run = EstimationRun.objects.get()
    assert response["Location"] == f"/results/runs/{run.pk}/"
    assert run.status == RunStatus.DONE and run.created_by == people["analyst"]
    started = AuditEvent.objects.get(action=AuditAction.ESTIMATION_STARTED)
    assert started.actor == people["analyst"] and started.target_id == str(run.pk)
    assert started.details["parameters"]["interval_method"] == "t", "who started what, with which parameters"
    assert run.parameters["aggregation"] == "overall_question" and run.parameters["interval_method"] == "t"
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert re.search(r"\d{2},\d{2}%", page), "Vietnamese number format"
    assert "Chỉ số hài lòng chung" in page or "Overall satisfaction index" in page


def test_a_queued_run_shows_progress_and_refreshes_itself(client, people, tiny_data):
    run = run_create(campaign=tiny_data, enqueue=False)
    client.force_login(people["manager"])
    page = client.get(f"/results/runs/{run.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page and "<progress" in page


def test_a_failed_run_records_and_shows_its_error(
    client, people, tiny_campaign, django_capture_on_commit_callbacks
):
    client.force_login(people["manager"])
    form = {"aggregation": "item_mean", "interval_method": "normal", "level": "0.95"}
    form.update(weighting="design", counted="approved", map_to="")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/results/campaigns/{tiny_campaign.pk}/", form)
    run = EstimationRun.objects.get()
    assert run.status == RunStatus.FAILED and "no counted response" in run.error
    page = client.get(f"/results/runs/{run.pk}/").content.decode()
    assert "no counted response" in page and 'http-equiv="refresh"' not in page


def test_population_upload_page(client, people, tiny_data, departments):
    client.force_login(people["analyst"])
    url = f"/results/campaigns/{tiny_data.pk}/population/"
    bad = io.BytesIO(f"unit_code,field,count\n{departments[0].code},dat_dai,nhiều\n".encode())
    bad.name = "tong.csv"
    page = client.post(url, {"file": bad}).content.decode()
    assert "C (count)" in page and "nhiều" in page
    assert PopulationTotal.objects.count() == 0
    good = io.BytesIO(f"unit_code,field,count\n{departments[0].code},dat_dai,120\n".encode())
    good.name = "tong.csv"
    assert client.post(url, {"file": good})["Location"] == url
    assert PopulationTotal.objects.get().count == 120


def test_unit_page_explains_the_gap(client, people, run, departments):
    client.force_login(people["manager"])
    page = client.get(f"/results/runs/{run.pk}/units/{departments[2].pk}/").content.decode()
    assert "flag below" in page
    assert "3 trên 3" in page
