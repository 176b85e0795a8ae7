import pytest

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, make_user, unit):
    client.force_login(make_user(Role.SURVEY_MANAGER, unit("48")))
    return client


def test_unit_list_starts_at_the_users_units(manager_client):
    body = manager_client.get("/units/").content.decode()
    assert "Thành phố Đà Nẵng" in body
    assert "Thành phố Hà Nội" not in body


def test_search_by_name_and_type_and_date(manager_client):
    body = manager_client.get("/units/", {"q": "Hải Châu", "as_of": "30/06/2025"}).content.decode()
    assert "Phường Hải Châu I" in body or "Phường Hải Châu" in body
    assert "Quận Hải Châu" in body  # the old district existed then
    body = manager_client.get("/units/", {"q": "Hải Châu", "as_of": "01/07/2025"}).content.decode()
    assert "Quận Hải Châu" not in body


def test_detail_shows_children_and_lineage(manager_client, unit):
    ward = unit("20242")
    body = manager_client.get(f"/units/{ward.pk}/").content.decode()
    assert "Phường Phước Ninh" in body  # one of the wards merged into it
    assert "Sáp nhập vào" in body


def test_add_a_department_then_edit_it(manager_client, unit):
    city = unit("48")
    response = manager_client.post(
        f"/units/{city.pk}/add/",
        {"code": "48.SNV", "name": "Sở Nội vụ", "type": "department", "valid_from": "01/07/2025"},
    )
    created = Unit.objects.get(code="48.SNV")
    assert response["Location"] == f"/units/{created.pk}/"
    assert created.parent == city
    response = manager_client.post(
        f"/units/{created.pk}/edit/",
        {
            "code": "48.SNV",
            "name": "Sở Nội vụ thành phố Đà Nẵng",
            "name_en": "Department of Home Affairs",
            "type": "department",
            "valid_from": "01/07/2025",
        },
    )
    created.refresh_from_db()
    assert created.name == "Sở Nội vụ thành phố Đà Nẵng"
    event = AuditEvent.objects.filter(action=AuditAction.UNIT_UPDATED, target_id=str(created.pk)).get()
    assert event.details["name"] == "Sở Nội vụ thành phố Đà Nẵng"


def test_invalid_child_type_is_not_offered_and_refused(manager_client, unit):
    ward = unit("20242")
    form_html = manager_client.get(f"/units/{ward.pk}/add/").content.decode()
    assert 'value="department"' not in form_html
    response = manager_client.post(f"/units/{ward.pk}/add/", {"code": "X", "name": "X", "type": "department"})
    assert response.status_code == 200
    assert not Unit.objects.filter(code="X").exists()


def test_registry_fields_are_locked_but_english_name_can_be_added(manager_client, unit):
    ward = unit("20242")
    manager_client.post(
        f"/units/{ward.pk}/edit/",
        {"code": "99999", "name": "Đổi tên", "type": "commune", "name_en": "Hai Chau Ward", "address": ""},
    )
    ward.refresh_from_db()
    assert (ward.code, ward.name, ward.type) == ("20242", "Phường Hải Châu", "ward")
    assert ward.name_en == "Hai Chau Ward"


def test_csv_download_as_of_a_day(manager_client):
    response = manager_client.get("/units/export.csv", {"as_of": "01/07/2025"})
    body = b"".join(response.streaming_content).decode()
    lines = body.splitlines()
    assert lines[0] == "code,name,type,parent_code,valid_from,valid_to"
    assert sum(1 for line in lines if line.endswith(",48,2025-07-01,")) >= 94
    assert response["Content-Disposition"] == 'attachment; filename="units-2025-07-01.csv"'


def test_province_only_load_command(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("units", "load", "--province", "48", stdout=out)
    assert "0 created" in out.getvalue()  # already loaded in full: nothing new, nothing duplicated


def test_home_counts_units_in_scope_today(manager_client):
    body = manager_client.get("/").content.decode()
    # Đà Nẵng today: 1 city, 70 communes, 23 wards, 1 special zone (its history is not "today").
    assert ">1</div><div>Thành phố trực thuộc trung ương<" in body.replace("\n", "").replace("  ", "")
