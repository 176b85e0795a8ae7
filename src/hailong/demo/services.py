"""Seed the demo: the official registry, a realistic province (Đà Nẵng after 1 July 2025) and one
user per role. Every step is idempotent, so the demo command can run any number of times."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Role
from hailong.accounts.services import role_grant, user_create
from hailong.audit.models import AuditAction, AuditEvent
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.core.tabular import read_table
from hailong.methodology.builtin_templates import template_install
from hailong.methodology.models import Questionnaire
from hailong.units.imports import units_import
from hailong.units.models import Unit
from hailong.units.registry import REFORM_DATE, read_registry
from hailong.units.services import registry_load

DEMO_PROVINCE_CODE = "48"
DEMO_PASSWORD = "HaiLong@2026"
DEMO_UNITS_FILE = Path(__file__).resolve().parent.parent / "units" / "data" / "demo_danang.csv"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    unit_code: str


DEMO_USERS = [
    DemoUser("admin", "Quản trị hệ thống", Role.SYSTEM_ADMIN, "VN"),
    DemoUser("quanly", "Nguyễn Thị Quản Lý", Role.SURVEY_MANAGER, DEMO_PROVINCE_CODE),
    DemoUser("phantich", "Trần Văn Phân Tích", Role.ANALYST, DEMO_PROVINCE_CODE),
    DemoUser("canbo.sonv", "Lê Thị Cán Bộ (Sở Nội vụ)", Role.UNIT_OFFICER, "48.SNV"),
    DemoUser("canbo.haichau", "Phạm Văn Cán Bộ (phường Hải Châu)", Role.UNIT_OFFICER, "20242"),
    DemoUser("dieutra", "Hoàng Thị Điều Tra", Role.INTERVIEWER, "20242"),
    DemoUser("thamdinh", "Võ Văn Thẩm Định", Role.APPRAISER, DEMO_PROVINCE_CODE),
    DemoUser("lanhdao", "Đặng Thị Lãnh Đạo", Role.VIEWER, DEMO_PROVINCE_CODE),
]


def registry_ensure_loaded(*, province_only: bool = False) -> bool:
    """Load the registry unless this exact registry version is already in; True if it loaded."""
    registry = read_registry()
    if province_only:
        registry = registry.restricted_to({DEMO_PROVINCE_CODE})
    last = AuditEvent.objects.filter(action=AuditAction.REGISTRY_LOADED).order_by("-id").first()
    already = last is not None and last.details.get("versions") == registry.versions
    if already and last.details.get("units") == len(registry.units) and Unit.objects.exists():
        return False
    registry_load(registry=registry, actor_username="(demo)")
    return True


DEMO_CAMPAIGN_CODE = "sipas-da-nang-2026"
DEMO_COMMUNES = ["20242", "20209", "20263", "20285", "20197", "20260", "20320", "20410", "20341", "20500"]
DEMO_RESPONSES = 640
# Channel mix of a provincial survey: QR codes at counters and links, interviewers, returned paper.
DEMO_CHANNELS = [("web", 0.3), ("qr", 0.3), ("interviewer", 0.2), ("paper", 0.2)]


def demo_campaign_seed(*, responses: int = DEMO_RESPONSES) -> Campaign:
    """The demo SIPAS campaign of Đà Nẵng with synthetic answers (idempotent: fixed instance ids)."""
    import random

    from hailong.collection.formspec import form_spec
    from hailong.collection.models import Channel, Response
    from hailong.collection.services import (
        assignment_set,
        invitations_create,
        public_links_ensure,
        response_submit,
    )
    from hailong.demo.responses import synthetic_answers, unit_profile

    city = Unit.objects.valid_on(REFORM_DATE).get(code=DEMO_PROVINCE_CODE)
    campaign = Campaign.objects.filter(code=DEMO_CAMPAIGN_CODE).first()
    if campaign is None:
        questionnaire = Questionnaire.objects.filter(code="sipas-da-nang").first()
        if questionnaire is None:
            version = template_install(key="sipas_service", owner=city, code="sipas-da-nang")
        else:
            version = questionnaire.versions.filter(status="published").order_by("-number").first()
        campaign = campaign_create(
            code=DEMO_CAMPAIGN_CODE,
            name={
                "vi": "Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước thành phố Đà Nẵng năm 2026",
                "en": "Satisfaction with the public administrative services of Đà Nẵng, 2026",
            },
            year=2026,
            version=version,
            organiser=city,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 15),
            default_target=40,
            double_entry=True,
        )
    units = list(Unit.objects.filter(parent=city, type="department").valid_on(REFORM_DATE).order_by("code"))
    units += list(Unit.objects.valid_on(REFORM_DATE).filter(code__in=DEMO_COMMUNES))
    campaign_set_units(
        campaign=campaign,
        targets={u: None for u in units if not campaign.participants.filter(unit=u).exists()},
    )
    if campaign.status == CampaignStatus.DRAFT:
        campaign_transition(campaign=campaign, to=CampaignStatus.OPEN, note="demo")
    public_links_ensure(campaign=campaign)
    interviewer = User.objects.get(username="dieutra")
    hai_chau = Unit.objects.valid_on(REFORM_DATE).get(code="20242")
    assignment_set(campaign=campaign, interviewer=interviewer, unit=hai_chau, target=30)
    if not campaign.invitations.exists():
        invitations_create(
            campaign=campaign,
            unit=hai_chau,
            people=[
                {"name": "Nguyễn Văn An", "email": "an.nguyen@example.vn", "phone": "0905000001"},
                {"name": "Trần Thị Bình", "email": "binh.tran@example.vn", "phone": "0905000002"},
            ],
        )

    rng = random.Random(2026)  # noqa: S311 - reproducible demo data, not a secret
    spec = form_spec(campaign.version)
    parents = {
        c.code: (c.parent.code if c.parent_id else "")
        for c in campaign.version.criteria.select_related("parent")
    }
    elements = [code for code, parent in parents.items() if not parent or parent in ("PA", "PB")]
    profiles = {u.pk: unit_profile(rng, [e.upper() for e in elements]) for u in units}
    links = {link.unit_id: link for link in campaign.links.filter(service_point__isnull=True)}
    entered_by = User.objects.get(username="quanly")
    existing = set(Response.objects.filter(campaign=campaign).values_list("instance_id", flat=True))
    period = (min(date.today(), campaign.ends_on) - campaign.starts_on).days  # noqa: DTZ011
    for number in range(responses):
        unit = units[number % len(units)] if number < len(units) * 2 else rng.choice(units)
        channel = rng.choices([c for c, _w in DEMO_CHANNELS], weights=[w for _c, w in DEMO_CHANNELS])[0]
        answers = synthetic_answers(spec, profiles[unit.pk], rng, parents)
        instance_id = f"demo:{DEMO_CAMPAIGN_CODE}:{number}"
        if instance_id in existing:
            continue
        submitted = response_submit(
            campaign=campaign,
            unit=unit,
            channel=channel,
            instance_id=instance_id,
            answers=answers,
            public_link=links.get(unit.pk) if channel in (Channel.WEB, Channel.QR) else None,
            interviewer=interviewer if channel == Channel.INTERVIEWER else None,
            entered_by=entered_by if channel == Channel.PAPER else None,
            paper_form_number=f"{number:05d}" if channel == Channel.PAPER else "",
            strict_names=True,
        )
        # Spread arrival over the fieldwork period, as in a real campaign.
        received = timezone.make_aware(
            datetime.combine(
                campaign.starts_on + timedelta(days=rng.randint(0, max(period, 0))),
                time(8 + rng.randint(0, 9), rng.randint(0, 59)),
            )
        )
        Response.objects.filter(pk=submitted.response.pk).update(
            received_at=received,
            completed_at=received,
            started_at=received - timedelta(minutes=rng.randint(6, 25)),
        )
    demo_review(campaign)
    return campaign


def demo_review(campaign: Campaign) -> None:
    """Most demo responses have been reviewed and approved; every tenth waits for review."""
    from hailong.collection.models import Response, ResponseStatus

    Response.objects.filter(campaign=campaign, status=ResponseStatus.SUBMITTED).exclude(
        instance_id__endswith="0"
    ).update(status=ResponseStatus.APPROVED)


DEMO_EARLIER_CODE = "sipas-da-nang-2024"
DEMO_EARLIER_YEAR = 2024
DAY_BEFORE_REFORM = REFORM_DATE - timedelta(days=1)


def demo_earlier_campaign_seed(*, campaign: Campaign, responses: int) -> Campaign | None:
    """The 2024 survey of the old city of Đà Nẵng, on the wards and communes that existed before the
    2025 reorganisation (those that became the demo's communes), with synthetic answers a little
    less satisfied than in 2026. Idempotent: fixed instance ids."""
    import random

    from hailong.collection.formspec import form_spec
    from hailong.collection.models import Channel, Response
    from hailong.collection.services import response_submit
    from hailong.demo.responses import synthetic_answers, unit_profile
    from hailong.units.selectors import unit_predecessors

    old_city = Unit.objects.valid_on(DAY_BEFORE_REFORM).filter(code=DEMO_PROVINCE_CODE).first()
    if old_city is None:
        return None
    earlier = Campaign.objects.filter(code=DEMO_EARLIER_CODE).first()
    if earlier is None:
        earlier = campaign_create(
            code=DEMO_EARLIER_CODE,
            name={
                "vi": "Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước thành phố Đà Nẵng năm 2024",
                "en": "Satisfaction with the public administrative services of Đà Nẵng, 2024",
            },
            year=DEMO_EARLIER_YEAR,
            version=campaign.version,
            organiser=old_city,
            starts_on=date(DEMO_EARLIER_YEAR, 9, 1),
            ends_on=date(DEMO_EARLIER_YEAR, 12, 15),
            default_target=15,
        )
    old_units: list[Unit] = []
    for code in DEMO_COMMUNES:
        today = Unit.objects.valid_on(REFORM_DATE).get(code=code)
        for step in unit_predecessors(today, as_of=DAY_BEFORE_REFORM):
            if step.unit.path.startswith(old_city.path) and step.unit not in old_units:
                old_units.append(step.unit)
    if not old_units:
        return earlier
    campaign_set_units(
        campaign=earlier,
        targets={u: None for u in old_units if not earlier.participants.filter(unit=u).exists()},
    )
    existing = set(Response.objects.filter(campaign=earlier).values_list("instance_id", flat=True))
    missing = [n for n in range(responses) if f"demo:{DEMO_EARLIER_CODE}:{n}" not in existing]
    if missing and earlier.status in (CampaignStatus.DRAFT, CampaignStatus.CLOSED):
        campaign_transition(campaign=earlier, to=CampaignStatus.OPEN, note="demo")
    rng = random.Random(DEMO_EARLIER_YEAR)  # noqa: S311 - reproducible demo data, not a secret
    spec = form_spec(earlier.version)
    parents = {
        c.code: (c.parent.code if c.parent_id else "")
        for c in earlier.version.criteria.select_related("parent")
    }
    elements = [code for code, parent in parents.items() if not parent or parent in ("PA", "PB")]
    profiles = {}
    for u in old_units:
        profile = unit_profile(rng, [e.upper() for e in elements])
        profiles[u.pk] = type(profile)(profile.quality - 0.15, profile.element_effects)
    for number in range(responses):
        unit = old_units[number % len(old_units)]
        answers = synthetic_answers(spec, profiles[unit.pk], rng, parents)
        instance_id = f"demo:{DEMO_EARLIER_CODE}:{number}"
        if instance_id in existing:
            continue
        response_submit(
            campaign=earlier,
            unit=unit,
            channel=Channel.PAPER,
            instance_id=instance_id,
            answers=answers,
            paper_form_number=f"2024-{number:05d}",
            strict_names=True,
        )
    if earlier.status == CampaignStatus.OPEN:
        campaign_transition(campaign=earlier, to=CampaignStatus.CLOSED, note="demo")
    demo_review(earlier)
    return earlier


def demo_estimation_seed(*, campaign: Campaign, map_to: date | None = None) -> None:
    """A finished estimation run of the campaign (computed here, not by the worker), unless one
    with the same kind (official, or recomputed on today's units) is already there."""
    from hailong.collection.models import ResponseStatus
    from hailong.indices.choices import RunStatus
    from hailong.indices.services import run_create, run_execute

    if not campaign.responses.filter(status=ResponseStatus.APPROVED).exists():
        return
    if campaign.estimation_runs.filter(status=RunStatus.DONE, official=map_to is None).exists():
        return
    analyst = User.objects.filter(username="phantich").first()
    run = run_create(campaign=campaign, actor=analyst, map_to=map_to, enqueue=False)
    run_execute(run=run)


@transaction.atomic
def demo_seed(*, province_only: bool = False, responses: int = DEMO_RESPONSES) -> dict[str, int]:
    """Seed the demo. ``province_only`` loads only the demo province's part of the registry (fast);
    ``responses`` is the number of synthetic responses in the demo campaign."""
    registry_ensure_loaded(province_only=province_only)
    result = units_import(table=read_table(DEMO_UNITS_FILE), today=REFORM_DATE)
    users = 0
    for spec in DEMO_USERS:
        unit = Unit.objects.filter(code=spec.unit_code).valid_on(REFORM_DATE).get()
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=spec.username,
                password=DEMO_PASSWORD,
                full_name=spec.full_name,
                validate=False,
            )
            users += 1
        else:
            # Running the demo again restores the documented password and reopens the account.
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.save(update_fields=["password", "is_active"])
        if not RoleAssignment.objects.filter(user=user, role=spec.role, unit=unit).exists():
            role_grant(actor=None, user=user, role=spec.role, unit=unit)
    campaign = demo_campaign_seed(responses=responses)
    # Fieldwork of the campaign: a frame of completed dossiers, a drawn sample, interviewers and
    # assignments; then quality checks flag the suspicious forms before the estimation counts the
    # approved ones. Each step is idempotent; with no responses (the tests' small world) none runs.
    from hailong.fieldwork.demo import demo_fieldwork_seed
    from hailong.quality.demo import demo_quality_seed
    from hailong.sampling.demo import demo_sampling_seed

    if responses:
        sample = demo_sampling_seed(campaign)
        if sample is not None:
            demo_fieldwork_seed(campaign=campaign, sample=sample)
        demo_quality_seed(campaign)
        earlier = demo_earlier_campaign_seed(campaign=campaign, responses=responses * 9 // 16)
        if earlier is not None:
            demo_estimation_seed(campaign=earlier)
            demo_estimation_seed(campaign=earlier, map_to=REFORM_DATE)
        demo_estimation_seed(campaign=campaign)
        from hailong.portal.demo import demo_publication_seed

        demo_publication_seed(campaign=campaign)
    from hailong.parindex.demo import demo_par_seed

    demo_par_seed()
    return {
        "units_created": len(result.created),
        "users_created": users,
        "responses": campaign.responses.count(),
    }
