"""Hand-built data for the quality tests.

``qc_form`` is a questionnaire with the SIPAS respondent profile (doi_tuong, nhom_tuoi,
nghe_nghiep, with the template's values), a dossier-code question, twelve satisfaction items, a
perception item on the same 1–5 scale and the overall question. ``add`` writes a response straight
into the table with the timestamps a check needs (the collection service is tested elsewhere and
used here where the path matters).
"""

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.collection.models import Response
from hailong.methodology.builtin_templates.common import CHOICE_LISTS
from hailong.methodology.choices import VersionSource
from hailong.methodology.services import questionnaire_create, version_create, version_publish
from tests.small_form import q, section

SAT_ITEMS = [f"s{i}" for i in range(1, 13)]
_counter = itertools.count(1)


def _choices(*values):
    return [{"value": v, "label": {"vi": f"Mã {v}", "en": f"Code {v}"}, "extra": {}} for v in values]


def _sat(name, measure="satisfaction"):
    return q(name, "satisfaction", f"Câu {name}", choice_list="hl5", criterion="E1", measure=measure)


QC_FORM = {
    "form_id": "qc",
    "form_version": "",
    "title": {"vi": "Phiếu kiểm tra chất lượng", "en": "Quality test form"},
    "default_language": "vi",
    "languages": {"vi": "Vietnamese (vi)", "en": "English (en)"},
    "scoring": {
        "scale": {"valid": ["1", "2", "3", "4", "5"], "satisfied": ["4", "5"], "not_applicable": ["9"]},
        "aggregation": "item_mean",
        "available_aggregations": ["item_mean", "pooled", "respondent_mean", "overall_question"],
    },
    "settings": {},
    "notes": "",
    "criteria": [
        {
            "code": "E1",
            "level": "element",
            "name": {"vi": "Tiếp cận"},
            "parent": None,
            "weight": "1",
            "wording": "default",
        }
    ],
    "choice_lists": {
        "hl5": _choices("1", "2", "3", "4", "5", "9"),
        "doi_tuong": CHOICE_LISTS["doi_tuong"],
        "nhom_tuoi": CHOICE_LISTS["nhom_tuoi"],
        "nghe_nghiep": CHOICE_LISTS["nghe_nghiep"],
    },
    "items": [
        section(
            "ho_so",
            "Hồ sơ",
            [
                q("doi_tuong", "single", "Tư cách", choice_list="doi_tuong", measure="profile"),
                q("nhom_tuoi", "single", "Nhóm tuổi", choice_list="nhom_tuoi", measure="profile"),
                q("nghe_nghiep", "single", "Nghề nghiệp", choice_list="nghe_nghiep", measure="profile"),
                q("ma_ho_so", "text", "Mã hồ sơ", measure="other"),
            ],
        ),
        section(
            "danh_gia",
            "Đánh giá",
            [
                q("p1", "satisfaction", "Nhận định", choice_list="hl5", criterion="E1", measure="perception"),
                *[_sat(name) for name in SAT_ITEMS],
                _sat("chung", measure="overall"),
            ],
        ),
    ],
}


def answers(values=None, **extra):
    """An answer set: the twelve items take ``values`` in turn (a varied pattern by default)."""
    values = values or ["4", "5", "3", "4", "2", "5", "4", "4", "3", "5", "4", "1"]
    result = {
        "doi_tuong": "ca_nhan",
        "nhom_tuoi": "36_45",
        "nghe_nghiep": "kinh_doanh",
        "p1": "4",
        "chung": "4",
    }
    result.update({name: values[i % len(values)] for i, name in enumerate(SAT_ITEMS)})
    result.update(extra)
    return result


@pytest.fixture
def qc_version(unit):
    questionnaire = questionnaire_create(code="qc", title={"vi": "Phiếu kiểm tra"}, owner=unit("48"))
    version = version_create(questionnaire=questionnaire, definition=QC_FORM, source=VersionSource.MANUAL)
    return version_publish(version=version)


@pytest.fixture
def wards(unit):
    return [unit("20242"), unit("20209")]


@pytest.fixture
def qc_campaign(qc_version, unit, wards):
    campaign = campaign_create(
        code="qc-2026",
        name={"vi": "Khảo sát kiểm tra 2026", "en": "Quality survey 2026"},
        year=2026,
        version=qc_version,
        organiser=unit("48"),
        starts_on=date(2026, 9, 1),
        ends_on=date(2026, 11, 30),
        default_target=50,
    )
    campaign_set_units(campaign=campaign, targets=dict.fromkeys(wards))
    campaign_transition(campaign=campaign, to=CampaignStatus.OPEN)
    return campaign


def moment(day: int = 10, hour: int = 10, month: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour, 0))


def add(campaign, unit, answers_=None, *, minutes: float | None = 12, at=None, status="submitted", **fields):
    """One response, completed at ``at`` (10/10/2026 10:00 by default) after ``minutes``."""
    completed = at or moment()
    values = {
        "instance_id": f"qc:{next(_counter)}",
        "campaign": campaign,
        "version_id": campaign.version_id,
        "unit": unit,
        "channel": "web",
        "answers": answers_ if answers_ is not None else answers(),
        "status": status,
        "completed_at": completed,
        "started_at": completed - timedelta(minutes=minutes) if minutes is not None else None,
    }
    values.update(fields)
    response = Response.objects.create(**values)
    Response.objects.filter(pk=response.pk).update(received_at=completed)
    response.received_at = completed
    return response


def add_many(campaign, unit, n, *, minutes=12, **fields):
    return [add(campaign, unit, minutes=minutes + (i % 5), **fields) for i in range(n)]
