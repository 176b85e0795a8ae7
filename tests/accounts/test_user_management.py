import pytest

from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user, unit, client):
    user = make_user(Role.SURVEY_MANAGER, unit("48"), username="quanly")
    client.force_login(user)
    return user


def new_user_form(**overrides):
    data = {
        "username": "canbo.moi",
        "full_name": "Nguyễn Văn Mới",
        "email": "moi@example.vn",
        "phone": "",
        "password": "Mat-khau-rat-dai-2026",
        "role": Role.UNIT_OFFICER,
        "unit": "20242",
    }
    data.update(overrides)
    return data


def test_manager_creates_an_officer_in_its_area(client, manager):
    response = client.post("/accounts/users/new/", new_user_form())
    created = User.objects.get(username="canbo.moi")
    assert response.status_code == 302 and response["Location"] == f"/accounts/users/{created.pk}/"
    assert created.check_password("Mat-khau-rat-dai-2026")
    assignment = RoleAssignment.objects.get(user=created)
    assert (assignment.role, assignment.unit.code, assignment.granted_by) == (
        Role.UNIT_OFFICER,
        "20242",
        manager,
    )
    actions = list(AuditEvent.objects.filter(target_id=str(created.pk)).values_list("action", flat=True))
    assert sorted(actions) == [AuditAction.ROLE_GRANTED, AuditAction.USER_CREATED]


def test_manager_cannot_grant_outside_its_area(client, manager):
    response = client.post("/accounts/users/new/", new_user_form(unit="00004"))
    assert response.status_code == 200
    assert not User.objects.filter(username="canbo.moi").exists()


def test_no_escalation_to_system_administrator(client, manager):
    response = client.post("/accounts/users/new/", new_user_form(role=Role.SYSTEM_ADMIN, unit="48"))
    assert response.status_code == 200
    assert "quyền" in response.content.decode() or "rights" in response.content.decode()
    assert not User.objects.filter(username="canbo.moi").exists()


def test_weak_passwords_are_refused(client, manager):
    response = client.post("/accounts/users/new/", new_user_form(password="12345678901"))
    assert response.status_code == 200
    assert not User.objects.filter(username="canbo.moi").exists()


def test_grant_and_revoke_a_role_are_audited(client, manager, make_user, unit):
    officer = make_user(Role.UNIT_OFFICER, unit("20242"))
    response = client.post(
        f"/accounts/users/{officer.pk}/", {"role": Role.VIEWER, "unit": "20209 — Phường Thanh Khê"}
    )
    assert response.status_code == 302
    granted = RoleAssignment.objects.get(user=officer, role=Role.VIEWER)
    assert granted.unit.code == "20209"
    client.post(f"/accounts/roles/{granted.pk}/revoke/")
    assert not RoleAssignment.objects.filter(pk=granted.pk).exists()
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REVOKED, target_id=str(officer.pk)).exists()


def test_users_outside_the_area_are_invisible(client, manager, make_user, unit):
    hanoi_user = make_user(Role.ANALYST, unit("01"))
    ours = make_user(Role.ANALYST, unit("20242"))
    listing = client.get("/accounts/users/").content.decode()
    assert ours.username in listing and hanoi_user.username not in listing
    assert client.get(f"/accounts/users/{hanoi_user.pk}/").status_code == 404


def test_deactivation_blocks_sign_in(client, manager, make_user, unit):
    officer = make_user(Role.UNIT_OFFICER, unit("20242"), username="se.nghi")
    client.post(f"/accounts/users/{officer.pk}/active/")
    officer.refresh_from_db()
    assert not officer.is_active
    assert AuditEvent.objects.filter(action=AuditAction.USER_DEACTIVATED, target_id=str(officer.pk)).exists()
    other = client.__class__()
    response = other.post("/accounts/login/", {"username": "se.nghi", "password": "Mat-khau-2026!"})
    assert response.status_code == 200


def test_audit_log_is_scoped(client, manager, make_user, unit):
    from hailong.accounts.services import role_grant

    hanoi_user = make_user(None, username="ha.noi")
    role_grant(actor=None, user=hanoi_user, role=Role.VIEWER, unit=unit("01"))
    ours = make_user(None, username="da.nang")
    role_grant(actor=None, user=ours, role=Role.VIEWER, unit=unit("20242"))
    body = client.get("/audit/", {"action": AuditAction.ROLE_GRANTED}).content.decode()
    assert "da.nang" in body and "ha.noi" not in body
