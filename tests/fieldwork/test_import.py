"""Importing volunteer interviewers: accounts, roles, teams; all or nothing; password-set links."""

import csv
import io

import pytest
from django.urls import reverse

from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.core.tabular import read_table
from hailong.fieldwork.activation import activation_url, needs_activation
from hailong.fieldwork.imports import ImportRejected, interviewers_import, username_for
from hailong.fieldwork.models import InterviewerTeam, TeamMember

pytestmark = pytest.mark.django_db

GOOD = (
    "username,full_name,phone,email,team,unit_code\n"
    "dtv.lan,Trần Thị Lan,0905 111 222,lan@example.vn,Nhóm Hải Châu,20242\n"
    ",Nguyễn Văn An,0905111333,,Nhóm Hải Châu,20242\n"
    ",Lê Hoàng Minh,,minh@example.vn,Nhóm Thanh Khê,20209\n"
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_table(path)


def test_a_good_file_creates_volunteers_with_their_role_and_team(open_campaign, manager, tmp_path):
    result = interviewers_import(
        campaign=open_campaign, table=write(tmp_path, "tnv.csv", GOOD), actor=manager
    )
    assert len(result.created) == 3 and not result.updated
    lan = User.objects.get(username="dtv.lan")
    assert (lan.full_name, lan.phone, lan.email) == ("Trần Thị Lan", "0905111222", "lan@example.vn")
    assert User.objects.filter(username="annv", full_name="Nguyễn Văn An").exists(), "made from the name"
    assert User.objects.filter(username="minhlh").exists()
    for user in result.created:
        assert not user.has_usable_password() and needs_activation(user), "the volunteer chooses a password"
        assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [
            Role.INTERVIEWER
        ]
    assert RoleAssignment.objects.get(user=lan).unit.code == "20242"
    teams = {t.name: t for t in InterviewerTeam.objects.filter(campaign=open_campaign)}
    assert set(teams) == {"Nhóm Hải Châu", "Nhóm Thanh Khê"}
    assert teams["Nhóm Hải Châu"].unit.code == "20242"
    assert set(teams["Nhóm Hải Châu"].memberships.values_list("user__username", flat=True)) == {
        "dtv.lan",
        "annv",
    }
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATED, actor=manager).count() == 3

    # The same file again changes nothing (rows without a user name are found by phone / e-mail).
    again = interviewers_import(campaign=open_campaign, table=write(tmp_path, "tnv.csv", GOOD), actor=manager)
    assert len(again.created) == 0 and len(again.unchanged) == 3
    assert User.objects.filter(username__in=["dtv.lan", "annv", "minhlh"]).count() == 3
    assert TeamMember.objects.filter(team__campaign=open_campaign).count() == 3


def test_xlsx_works_too(open_campaign, manager, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Số điện thoại", "Nhóm", "Mã đơn vị"])
    sheet.append(["Phạm Thị Hoa", 905222333, "Nhóm Hải Châu", 20242])
    path = tmp_path / "tnv.xlsx"
    book.save(path)
    result = interviewers_import(campaign=open_campaign, table=read_table(path), actor=manager)
    (hoa,) = result.created
    assert (hoa.username, hoa.phone) == ("hoapt", "0905222333"), "the leading 0 a spreadsheet drops is back"


def test_every_problem_is_reported_and_nothing_is_created(open_campaign, manager, tmp_path):
    bad = (
        "username,full_name,phone,email,team,unit_code\n"
        "ok.one,Người Đúng,0905000111,,Nhóm A,20242\n"  # row 2: fine on its own
        ",,0905000222,,Nhóm A,20242\n"  # row 3: no name
        ",Sai Đơn Vị,0905000333,,Nhóm A,99999\n"  # row 4: no such unit
        ",Sai Thư,0905000444,khong-phai-email,Nhóm A,20242\n"  # row 5: bad e-mail
        ",Trùng Số,0905000111,,Nhóm A,20242\n"  # row 6: phone of row 2
        ",Ngoài Tỉnh,0905000555,,Nhóm A,01\n"  # row 7: Hà Nội, not under Đà Nẵng
        f"{manager.username},Quản Lý,0905000666,,Nhóm A,20242\n"  # row 8: a staff account
    )
    users_before = User.objects.count()
    with pytest.raises(ImportRejected) as caught:
        interviewers_import(campaign=open_campaign, table=write(tmp_path, "sai.csv", bad), actor=manager)
    errors = {(e.row, e.column) for e in caught.value.errors}
    assert errors == {
        (3, "B (full_name)"),
        (4, "F (unit_code)"),
        (5, "D (email)"),
        (6, "C (phone)"),
        (7, "F (unit_code)"),
        (8, "A (username)"),
    }
    rendered = "\n".join(caught.value.messages())
    assert "sai.csv" in rendered and "dòng 5" in rendered and "row 5" in rendered
    assert "khong-phai-email" in rendered
    assert User.objects.count() == users_before, "row 2 was fine, but nothing is half-created"
    assert not InterviewerTeam.objects.exists()
    manager.refresh_from_db()
    assert manager.full_name != "Quản Lý"


def test_missing_columns_and_permission(open_campaign, make_user, unit, tmp_path):
    clerk = make_user(Role.INTERVIEWER, unit("48"))
    with pytest.raises(ImportRejected) as caught:
        interviewers_import(
            campaign=open_campaign, table=write(tmp_path, "x.csv", "name,phone\nA,0905\n"), actor=clerk
        )
    assert caught.value.errors[0].row == 1 and "unit_code" in str(caught.value.errors[0].message)
    with pytest.raises(ImportRejected) as caught:
        interviewers_import(campaign=open_campaign, table=write(tmp_path, "y.csv", GOOD), actor=clerk)
    assert {e.row for e in caught.value.errors} == {2, 3, 4}, "an interviewer may not create accounts"
    assert not User.objects.filter(username="dtv.lan").exists()


def test_usernames_from_vietnamese_names(db):
    taken: set[str] = set()
    assert username_for("Nguyễn Văn An", taken) == "annv"
    assert username_for("Nguyễn Văn An", taken) == "annv2"
    assert username_for("Đặng Thị Đào", taken) == "daodt"


def test_the_password_set_link_works_once(client, open_campaign, manager, tmp_path):
    interviewers_import(campaign=open_campaign, table=write(tmp_path, "tnv.csv", GOOD), actor=manager)
    lan = User.objects.get(username="dtv.lan")
    login = reverse("accounts:login")
    refused = client.post(login, {"username": "dtv.lan", "password": "Mat-khau-moi-2026"})
    assert refused.status_code == 200, "no password yet: nobody can sign in with this account"
    url = activation_url(lan, "http://testserver/")
    page = client.get(url)
    assert page.status_code == 200 and "dtv.lan" in page.content.decode()
    response = client.post(url, {"new_password1": "Mat-khau-moi-2026", "new_password2": "Mat-khau-moi-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    lan.refresh_from_db()
    assert lan.check_password("Mat-khau-moi-2026") and not needs_activation(lan)
    assert AuditEvent.objects.filter(action=AuditAction.USER_UPDATED, actor=lan).exists()
    signed_in = client.post(login, {"username": "dtv.lan", "password": "Mat-khau-moi-2026"})
    assert signed_in.status_code == 302
    assert client.get(url).status_code == 410, "used once, then dead"
    assert client.get(url.replace(url.rstrip("/").rsplit("/", 1)[1], "sai-token")).status_code == 410


def test_password_set_links_by_e_mail_and_as_an_audited_csv(
    client, open_campaign, manager, tmp_path, django_capture_on_commit_callbacks
):
    from django.core import mail

    interviewers_import(campaign=open_campaign, table=write(tmp_path, "tnv.csv", GOOD), actor=manager)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/fieldwork/{open_campaign.pk}/teams/send-links/")
    assert sorted(m.to[0] for m in mail.outbox) == ["lan@example.vn", "minh@example.vn"], (
        "those with an e-mail"
    )
    message = next(m for m in mail.outbox if m.to == ["lan@example.vn"])
    assert "dtv.lan" in message.body and "http://testserver/fieldwork/activate/" in message.body
    response = client.get(f"/fieldwork/{open_campaign.pk}/teams/links.csv")
    text = response.content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert sorted(r["username"] for r in rows) == ["annv", "dtv.lan", "minhlh"]
    assert all(r["link"].startswith("http://testserver/fieldwork/activate/") for r in rows)
    assert all(r["link"] in r["sms_message"] and r["username"] in r["sms_message"] for r in rows)
    event = AuditEvent.objects.get(
        action=AuditAction.PERSONAL_DATA_EXPORTED, details__what="activation_links"
    )
    assert event.details["rows"] == 3 and event.actor == manager
