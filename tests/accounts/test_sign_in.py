import pytest
from django.test import override_settings

from hailong.accounts.models import User
from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Mat-khau-2026!"


@pytest.fixture
def officer(make_user, unit):
    return make_user(Role.UNIT_OFFICER, unit("20242"), username="canbo")


def sign_in(client, username="canbo", password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_page_is_vietnamese_by_default_and_english_on_request(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body and "Mật khẩu" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body and "Password" in body


def test_sign_in_and_out_are_audited(client, officer):
    response = sign_in(client, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302 and response["Location"] == "/"
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN).latest("id")
    assert (event.actor_id, event.ip_address) == (officer.pk, "10.0.0.7")
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_OUT, actor=officer).exists()
    assert client.get("/").status_code == 302  # signed out: back to the sign-in page


def test_wrong_password_is_refused_with_a_clear_message_and_audited(client, officer):
    response = sign_in(client, password="sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).latest("id")
    assert event.actor_username == "canbo"


def test_lockout_after_repeated_failures_even_with_the_right_password(client, officer):
    for _ in range(5):
        sign_in(client, password="sai-mat-khau", REMOTE_ADDR="10.0.0.9")
    response = sign_in(client, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    body = response.content.decode()
    assert "tạm khóa" in body
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, actor_username="canbo").exists()
    # The same account from another address is not locked: nobody can lock a colleague out.
    assert sign_in(client, REMOTE_ADDR="10.0.0.10").status_code == 302


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_stored_with_argon2(db):
    user = User.objects.create_user(username="argon", password=PASSWORD)
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


def test_production_hasher_list_starts_with_argon2():
    from hailong.config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_pages_require_sign_in(client):
    for url in ("/", "/units/", "/accounts/users/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
