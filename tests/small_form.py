from datetime import date

import pytest

from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.collection.services import public_links_ensure
from hailong.methodology.choices import VersionSource
from hailong.methodology.services import questionnaire_create, version_create, version_publish


def q(name, kind, label, **extra):
    item = {
        "type": "question",
        "name": name,
        "kind": kind,
        "xlsform_type": "",
        "label": {"vi": label, "en": label},
        "hint": {},
        "required": False,
        "required_message": {},
        "relevant": "",
        "constraint": "",
        "constraint_message": {},
        "calculation": "",
        "default": "",
        "appearance": "",
        "choice_list": None,
        "choice_filter": "",
        "parameters": {},
        "criterion": None,
        "measure": "",
        "wording": "default",
        "extra": {},
    }
    item.update(extra)
    return item


def section(name, label, items, relevant=""):
    return {
        "type": "section",
        "name": name,
        "label": {"vi": label, "en": label},
        "relevant": relevant,
        "repeat": False,
        "appearance": "",
        "extra": {},
        "items": items,
    }


SMALL_FORM = {
    "form_id": "small",
    "form_version": "",
    "title": {"vi": "Phiếu thử", "en": "Test form"},
    "default_language": "vi",
    "languages": {"vi": "Vietnamese (vi)", "en": "English (en)"},
    "scoring": {},
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
        "hl5": [
            {"value": str(v), "label": {"vi": f"Mức {v}", "en": f"Level {v}"}, "extra": {}}
            for v in (1, 2, 3, 4, 5, 9)
        ],
        "yes_no": [
            {"value": "yes", "label": {"vi": "Có", "en": "Yes"}, "extra": {}},
            {"value": "no", "label": {"vi": "Không", "en": "No"}, "extra": {}},
        ],
        "kenh": [
            {"value": v, "label": {"vi": v, "en": v}, "extra": {}}
            for v in ("truc_tiep", "truc_tuyen", "buu_chinh")
        ],
    },
    "items": [
        q("gioi_thieu", "note", "Xin chào"),
        section(
            "s_chung",
            "Thông tin chung",
            [
                q("so_lan", "integer", "Số lần đi lại", required=True, constraint=". >= 0 and . <= 50"),
                q("ly_do", "long_text", "Vì sao phải đi lại nhiều lần?", relevant="${so_lan} > 3"),
                q("kenh", "multiple", "Kênh nộp hồ sơ", choice_list="kenh"),
                q("ngay", "date", "Ngày nhận kết quả", constraint=". <= today()"),
            ],
        ),
        section(
            "s_tiep_can",
            "Tiếp cận",
            [
                q(
                    "tc1",
                    "satisfaction",
                    "Chỗ ngồi chờ",
                    required=True,
                    choice_list="hl5",
                    criterion="E1",
                    measure="satisfaction",
                ),
                q("gop_y", "yes_no", "Có góp ý không?", required=True, choice_list="yes_no"),
            ],
        ),
        section(
            "s_gop_y",
            "Phản ánh",
            [
                q(
                    "py1",
                    "satisfaction",
                    "Tiếp nhận góp ý",
                    required=True,
                    choice_list="hl5",
                    measure="satisfaction",
                )
            ],
            relevant="${gop_y} = 'yes'",
        ),
        q("uu_tien", "ranking", "Cần cải thiện gì trước?", choice_list="kenh"),
        q("chung", "satisfaction", "Nhìn chung", required=True, choice_list="hl5", measure="overall"),
    ],
}

VALID = {"so_lan": "2", "tc1": "4", "gop_y": "no", "chung": "5"}


@pytest.fixture
def small_version(unit):
    questionnaire = questionnaire_create(code="small", title={"vi": "Phiếu thử"}, owner=unit("48"))
    version = version_create(questionnaire=questionnaire, definition=SMALL_FORM, source=VersionSource.MANUAL)
    return version_publish(version=version)


@pytest.fixture
def open_campaign(small_version, unit):
    campaign = campaign_create(
        code="thu-2026",
        name={"vi": "Khảo sát thử 2026"},
        year=2026,
        version=small_version,
        organiser=unit("48"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        default_target=10,
    )
    campaign_set_units(campaign=campaign, targets={unit("20242"): 20, unit("20209"): None})
    campaign_transition(campaign=campaign, to=CampaignStatus.OPEN)
    public_links_ensure(campaign=campaign)
    return campaign
