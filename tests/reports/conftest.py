"""A small campaign with a done run for the reports tests.

The questionnaire is the indices tests' ``tiny`` form plus an open-comment question. The run is
computed by the real estimation, breakdowns and drivers included (where an older estimation made
none, the fixture adds such rows itself).
"""

import copy
from datetime import date

import numpy as np
import pytest

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.indices.models import EstimateValue
from hailong.indices.services import run_create, run_execute
from hailong.methodology.choices import VersionSource
from hailong.methodology.services import questionnaire_create, version_create, version_publish
from tests.indices.conftest import TINY_FORM, add_responses, departments, tiny_answers, wards  # noqa: F401
from tests.small_form import q

REPORT_FORM = copy.deepcopy(TINY_FORM)
REPORT_FORM["form_id"] = "tiny_reports"
REPORT_FORM["items"][0]["items"].append(q("y_kien", "long_text", "Ý kiến khác", measure="comment"))

COMMENTS = [
    "Cán bộ hướng dẫn tận tình, chu đáo.",
    "Gọi cho tôi 0905 123 456 hoặc thư an.nguyen@example.vn nếu cần.",
    "Thời gian chờ đợi còn lâu.",
]


@pytest.fixture(autouse=True)
def _exports_and_cache(settings, tmp_path):
    from hailong.reports.selectors import forget

    settings.HAILONG_EXPORTS_DIR = str(tmp_path / "exports")
    forget()  # ids are reused after a rolled-back test on SQLite
    yield
    forget()


@pytest.fixture
def report_campaign(unit, departments, wards):  # noqa: F811
    questionnaire = questionnaire_create(code="tiny-reports", title={"vi": "Phiếu nhỏ"}, owner=unit("48"))
    version = version_create(questionnaire=questionnaire, definition=REPORT_FORM, source=VersionSource.MANUAL)
    version = version_publish(version=version)
    campaign = campaign_create(
        code="reports-2026",
        name={"vi": "Khảo sát báo cáo 2026", "en": "Reports survey 2026"},
        year=2026,
        version=version,
        organiser=unit("48"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        default_target=50,
    )
    campaign_set_units(campaign=campaign, targets=dict.fromkeys([*departments, *wards]))
    campaign_transition(campaign=campaign, to=CampaignStatus.OPEN)
    rng = np.random.default_rng(11)
    qualities = {departments[0]: 4.3, departments[1]: 4.0, departments[2]: 2.2}
    qualities.update({wards[0]: 4.1, wards[1]: 3.9, wards[2]: 3.8})
    for unit_, quality in qualities.items():
        answers = tiny_answers(rng, 40, quality)
        for i, a in enumerate(answers):
            if i % 4 == 0:
                a["y_kien"] = COMMENTS[(i // 4) % len(COMMENTS)]
        add_responses(campaign, unit_, answers)
    # Not counted: a comment of a rejected response must never show.
    add_responses(
        campaign,
        wards[0],
        [{**tiny_answers(rng, 1, 3)[0], "y_kien": "Bị loại, không được hiện"}],
        status="rejected",
    )
    return campaign


def add_breakdowns_and_drivers(run) -> None:
    """Breakdown (channel, procedure field) and driver figures, as the estimation stores them — added
    only if the estimation did not make them itself (it has just learnt to)."""
    rows = []
    if EstimateValue.objects.filter(run=run, domain="breakdown").exists():
        if not EstimateValue.objects.filter(run=run, kind="driver").exists():
            raise AssertionError("breakdowns without drivers: update the fixture")
        return
    for order, (category, estimate, n) in enumerate([("web", 0.81, 150), ("paper", 0.74, 90)]):
        rows.append(
            EstimateValue(
                run=run,
                domain="breakdown",
                breakdown="channel",
                category=category,
                kind="overall",
                estimate=estimate,
                se=0.02,
                ci_low=estimate - 0.04,
                ci_high=estimate + 0.04,
                n=n,
                order=order,
            )
        )
    for order, (category, estimate) in enumerate([("dat_dai", 0.7712), ("ho_tich", 0.8123)]):
        rows.append(
            EstimateValue(
                run=run,
                domain="breakdown",
                breakdown="linh_vuc",
                category=category,
                kind="overall",
                estimate=estimate,
                se=0.03,
                ci_low=estimate - 0.06,
                ci_high=estimate + 0.06,
                n=120,
                order=order,
            )
        )
        rows.append(
            EstimateValue(
                run=run,
                domain="breakdown",
                breakdown="linh_vuc",
                category=category,
                kind="node",
                code="E1",
                measure="element",
                estimate=estimate - 0.05,
                se=0.03,
                ci_low=estimate - 0.11,
                ci_high=estimate + 0.01,
                n=120,
                order=order,
            )
        )
    units = EstimateValue.objects.filter(run=run, domain="unit", kind="overall").values_list(
        "unit_id", "unit_type"
    )
    for unit_id, unit_type in units:
        for code, estimate in (("E1", 0.42), ("E2", 0.61)):
            rows.append(
                EstimateValue(
                    run=run,
                    domain="unit",
                    unit_id=unit_id,
                    unit_type=unit_type,
                    kind="driver",
                    code=code,
                    estimate=estimate + unit_id % 7 / 100,
                    n=40,
                )
            )
    for code, estimate in (("E1", 0.45), ("E2", 0.58)):
        rows.append(
            EstimateValue(run=run, domain="overall", kind="driver", code=code, estimate=estimate, n=240)
        )
    EstimateValue.objects.bulk_create(rows)


@pytest.fixture
def run(report_campaign):
    run = run_execute(run=run_create(campaign=report_campaign, enqueue=False))
    assert run.status == "done", run.error
    add_breakdowns_and_drivers(run)
    return run


@pytest.fixture
def people(make_user, unit, wards, departments):  # noqa: F811
    from hailong.accounts.roles import Role

    province = unit("48")
    return {
        "manager": make_user(Role.SURVEY_MANAGER, province),
        "analyst": make_user(Role.ANALYST, province),
        "viewer": make_user(Role.VIEWER, province),
        "officer": make_user(Role.UNIT_OFFICER, wards[0]),
        "elsewhere": make_user(Role.UNIT_OFFICER, unit("00004")),
        "interviewer": make_user(Role.INTERVIEWER, province),
    }
