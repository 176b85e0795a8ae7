import io

import openpyxl
import pytest

from hailong.accounts.roles import Role
from hailong.methodology.choices import VersionStatus
from hailong.methodology.models import Question, Questionnaire, QuestionnaireVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, make_user, unit):
    user = make_user(Role.SURVEY_MANAGER, unit("48"))
    client.force_login(user)
    return user


def xlsform(rows, choices=None) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in rows:
        survey.append(row)
    sheet = workbook.create_sheet("choices")
    for row in choices or [["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"]]:
        sheet.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id"])
    settings.append(["Phiếu thử", "phieu_thu"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "phieu_thu.xlsx"
    return buffer


GOOD = [
    ["type", "name", "label::Vietnamese (vi)", "label::English (en)", "relevant", "required"],
    ["select_one yn", "co_gop_y", "Có góp ý không?", "Any feedback?", "", "yes"],
    ["text", "noi_dung", "Nội dung", "Content", "${co_gop_y} = 'yes'", ""],
]
CHOICES = [
    ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)"],
    ["yn", "yes", "Có", "Yes"],
    ["yn", "no", "Không", "No"],
]


def test_install_a_template_then_edit_it_as_a_new_draft(client, manager):
    response = client.post("/questionnaires/template/", {"template": "sipas_service", "owner": "48"})
    version = QuestionnaireVersion.objects.get(questionnaire__template_key="sipas_service")
    assert response["Location"] == f"/questionnaires/v/{version.pk}/"
    assert version.status == VersionStatus.PUBLISHED and version.fingerprint
    page = client.get(f"/questionnaires/v/{version.pk}/").content.decode()
    assert "E5.4" in page and "hai_long_chung" in page
    question = version.questions.get(name="e1_1")
    # A published version cannot change, even by a direct post.
    client.post(f"/questionnaires/v/{version.pk}/q/{question.pk}/", {"label_vi": "Đổi", "wording": "default"})
    question.refresh_from_db()
    assert question.label["vi"] != "Đổi"
    client.post(f"/questionnaires/v/{version.pk}/action/", {"action": "new_draft"})
    draft = version.questionnaire.versions.get(number=2)
    assert draft.status == VersionStatus.DRAFT and draft.based_on == version
    draft_question = draft.questions.get(name="e1_1")
    client.post(
        f"/questionnaires/v/{draft.pk}/q/{draft_question.pk}/",
        {
            "label_vi": "Nơi ngồi chờ đủ chỗ",
            "label_en": "Enough seats",
            "required": "on",
            "wording": "local",
            "measure": "satisfaction",
        },
    )
    draft_question.refresh_from_db()
    assert draft_question.label["vi"] == "Nơi ngồi chờ đủ chỗ" and draft_question.wording == "local"
    client.post(f"/questionnaires/v/{draft.pk}/action/", {"action": "publish"})
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.fingerprint != version.fingerprint


def test_a_bad_expression_in_an_edit_is_refused(client, manager):
    client.post("/questionnaires/template/", {"template": "sipas_service", "owner": "48"})
    version = QuestionnaireVersion.objects.get(questionnaire__template_key="sipas_service")
    client.post(f"/questionnaires/v/{version.pk}/action/", {"action": "new_draft"})
    draft = version.questionnaire.versions.get(number=2)
    question = draft.questions.get(name="e1_1")
    response = client.post(
        f"/questionnaires/v/{draft.pk}/q/{question.pk}/",
        {"label_vi": "x", "relevant": "${khong_co} = 1", "wording": "default"},
    )
    assert response.status_code == 200 and "khong_co" in response.content.decode()
    question.refresh_from_db()
    assert question.relevant == ""


def test_import_an_xlsform_through_the_web_then_export_it(client, manager):
    response = client.post("/questionnaires/import/", {"file": xlsform(GOOD, CHOICES), "owner": "48"})
    version = QuestionnaireVersion.objects.get(questionnaire__code="phieu_thu")
    assert response["Location"] == f"/questionnaires/v/{version.pk}/"
    assert version.status == VersionStatus.DRAFT
    assert Question.objects.get(version=version, name="noi_dung").relevant == "${co_gop_y} = 'yes'"
    exported = client.get(f"/questionnaires/v/{version.pk}/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content))["survey"]
    assert [c.value for c in sheet[2]][:3] == ["select_one yn", "co_gop_y", "Có góp ý không?"]
    xform = client.get(f"/questionnaires/v/{version.pk}/export.xml").content.decode()
    assert 'relevant=" /phieu_thu/noi_dung' not in xform and "co_gop_y" in xform


def test_a_bad_xlsform_is_refused_with_its_row_and_nothing_created(client, manager):
    bad = [
        GOOD[0],
        ["select_one nope", "q1", "Câu 1", "Q1", "", ""],
        ["text", "q2", "Câu 2", "Q2", "${q9} = 1", ""],
    ]
    response = client.post("/questionnaires/import/", {"file": xlsform(bad, CHOICES), "owner": "48"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "dòng 2" in body and "dòng 3" in body
    assert not Questionnaire.objects.filter(code="phieu_thu").exists()


def test_preview_checks_without_storing(client, manager):
    client.post("/questionnaires/template/", {"template": "sipas_service", "owner": "48"})
    version = QuestionnaireVersion.objects.get(questionnaire__template_key="sipas_service")
    page = client.get(f"/questionnaires/v/{version.pk}/preview/")
    assert page.status_code == 200 and b"e5_chung" in page.content
    checked = client.post(f"/questionnaires/v/{version.pk}/preview/", {"gop_y": "yes"})
    assert checked.context["errors"]
    from hailong.collection.models import Response

    assert Response.objects.count() == 0


def test_questionnaires_of_other_provinces_are_not_found(client, manager, make_user, unit):
    from hailong.methodology.builtin_templates import template_install

    version = template_install(key="sipas_service", owner=unit("01"), code="ha-noi")
    assert client.get(f"/questionnaires/v/{version.pk}/").status_code == 404
    assert "ha-noi" not in client.get("/questionnaires/").content.decode()
