"""The permission matrix: for each role, what it can and cannot see and change, inside and outside
its unit subtree, and through lineage into history. Checked at the function every access goes
through, at the database filter built from it, and over HTTP."""

from datetime import date

import pytest

from hailong.accounts import permissions
from hailong.accounts.roles import HISTORY_READABLE, ROLE_PERMISSIONS, Perm, Role
from hailong.units.models import Unit
from hailong.units.services import unit_create

pytestmark = pytest.mark.django_db

OLD = date(2025, 6, 30)


@pytest.fixture
def places(unit):
    city = unit("48")
    department = unit_create(
        code="48.SNV", name="Sở Nội vụ", type="department", parent=city, valid_from=date(2025, 7, 1)
    )
    return {
        "assigned": city,
        "inside_department": department,
        "inside_ward": unit("20242"),
        "outside_province": unit("01"),
        "outside_ward": unit("00004"),  # a ward of Hà Nội
        "history_province": unit("49", on=OLD),  # Quảng Nam, merged into Đà Nẵng
        "history_commune": unit("20227", on=OLD),  # a pre-2025 ward of Đà Nẵng
        "unrelated_history": unit("01", on=OLD),  # Hà Nội's own past: not Đà Nẵng's
    }


def expected(role: str, perm: str, place: str) -> bool:
    if perm not in ROLE_PERMISSIONS[role]:
        return False
    if place.startswith("outside") or place == "unrelated_history":
        return False
    if place.startswith("history"):
        return perm in HISTORY_READABLE
    return True


@pytest.mark.parametrize("role", Role.values)
def test_matrix_for_a_role_assigned_on_the_city(role, places, make_user):
    user = make_user(role, places["assigned"])
    mismatches = [
        (perm, place)
        for perm in Perm.values
        for place, target in places.items()
        if permissions.has_perm(user, perm, target) != expected(role, perm, place)
    ]
    assert mismatches == []


@pytest.mark.parametrize("role", Role.values)
def test_scope_filter_agrees_with_the_check(role, places, make_user):
    user = make_user(role, places["assigned"])
    ids = [u.pk for u in places.values()]
    for perm in Perm.values:
        visible = set(
            permissions.scope(Unit.objects.filter(pk__in=ids), user, perm).values_list("pk", flat=True)
        )
        assert visible == {u.pk for u in places.values() if permissions.has_perm(user, perm, u)}, perm


def test_a_ward_officer_sees_its_ward_and_its_history_but_not_the_city(unit, make_user):
    ward = unit("20242")
    officer = make_user(Role.UNIT_OFFICER, ward)
    assert permissions.has_perm(officer, Perm.RESULTS_VIEW, ward)
    assert not permissions.has_perm(officer, Perm.RESULTS_VIEW, unit("48"))
    assert not permissions.has_perm(officer, Perm.RESULTS_VIEW, unit("20209"))  # a neighbouring ward
    assert permissions.has_perm(officer, Perm.RESULTS_VIEW, unit("20227", on=OLD))  # merged into it
    assert not permissions.has_perm(officer, Perm.PAR_SELF_ASSESS, unit("20227", on=OLD))


def test_no_role_and_inactive_and_anonymous_may_do_nothing(places, make_user):
    from django.contrib.auth.models import AnonymousUser

    nobody = make_user()
    inactive = make_user(Role.SYSTEM_ADMIN, places["assigned"])
    inactive.is_active = False
    for user in (nobody, inactive, AnonymousUser(), None):
        assert not any(permissions.has_perm(user, p) for p in Perm.values)


def test_system_admin_on_the_nation_reaches_everything(unit, make_user):
    admin = make_user(Role.SYSTEM_ADMIN, unit("VN"))
    assert permissions.has_perm(admin, Perm.UNITS_CHANGE, unit("00004"))
    assert permissions.has_perm(admin, Perm.PERSONAL_DATA_VIEW, unit("49", on=OLD))


def test_roles_add_up(unit, make_user):
    user = make_user(Role.VIEWER, unit("48"))
    from hailong.accounts.services import role_grant

    role_grant(actor=None, user=user, role=Role.ANALYST, unit=unit("01"))
    user.refresh_from_db()
    permissions.forget(user)
    assert permissions.has_perm(user, Perm.RESULTS_VIEW, unit("20242"))
    assert not permissions.has_perm(user, Perm.DATA_EXPORT, unit("20242"))
    assert permissions.has_perm(user, Perm.DATA_EXPORT, unit("00004"))


# --- the same rule over HTTP -------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_unit_pages_follow_the_matrix(role, places, make_user, client):
    user = make_user(role, places["assigned"])
    client.force_login(user)
    for place, target in places.items():
        can_view = expected(role, Perm.UNITS_VIEW, place)
        can_change = expected(role, Perm.UNITS_CHANGE, place)
        assert client.get(f"/units/{target.pk}/").status_code == (200 if can_view else 404), place
        assert client.get(f"/units/{target.pk}/edit/").status_code == (200 if can_change else 404), place
        assert client.get(f"/units/{target.pk}/add/").status_code == (200 if can_change else 404), place


@pytest.mark.parametrize("role", Role.values)
def test_management_pages_follow_the_matrix(role, places, make_user, client):
    user = make_user(role, places["assigned"])
    client.force_login(user)
    perms = ROLE_PERMISSIONS[role]
    assert client.get("/accounts/users/").status_code == (200 if Perm.ACCOUNTS_VIEW in perms else 403)
    assert client.get("/accounts/users/new/").status_code == (200 if Perm.ACCOUNTS_MANAGE in perms else 403)
    assert client.get("/audit/").status_code == (200 if Perm.AUDIT_VIEW in perms else 403)
    assert client.get("/units/import/").status_code == (200 if Perm.UNITS_CHANGE in perms else 403)


def test_a_change_outside_the_subtree_is_refused_even_by_post(places, make_user, client):
    manager = make_user(Role.SURVEY_MANAGER, places["assigned"])
    client.force_login(manager)
    target = places["outside_province"]
    response = client.post(f"/units/{target.pk}/edit/", {"name_en": "Hacked"})
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.name_en != "Hacked"


def test_export_contains_only_units_in_scope(places, make_user, client):
    officer = make_user(Role.UNIT_OFFICER, places["inside_ward"])
    client.force_login(officer)
    body = b"".join(client.get("/units/export.csv").streaming_content).decode()
    codes = {line.split(",")[0] for line in body.splitlines()[1:]}
    assert "20242" in codes and "20227" in codes  # itself and what it came from
    assert "48" not in codes and "00004" not in codes


def test_search_never_returns_units_outside_scope(places, make_user, client):
    officer = make_user(Role.VIEWER, places["assigned"])
    client.force_login(officer)
    body = client.get("/units/", {"q": "Phường", "as_of": "01/07/2025"}).content.decode()
    assert "Phường Hải Châu" in body
    assert "Phường Hoàn Kiếm" not in body  # Hà Nội


def test_admin_is_scoped_by_the_same_check(places, make_user, client):
    admin_of_city = make_user(Role.SYSTEM_ADMIN, places["assigned"])
    client.force_login(admin_of_city)
    assert client.get(f"/admin/units/unit/{places['inside_ward'].pk}/change/").status_code == 200
    response = client.get(f"/admin/units/unit/{places['outside_ward'].pk}/change/")
    assert response.status_code == 302  # the admin redirects objects it cannot find to its index
    listing = client.get("/admin/units/unit/", {"q": "Hoàn Kiếm"}).content.decode()
    assert "Phường Hoàn Kiếm" not in listing
    viewer = make_user(Role.VIEWER, places["assigned"])
    client.force_login(viewer)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the admin's sign-in
