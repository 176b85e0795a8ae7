"""Seed the demo: the official registry, a realistic province (Đà Nẵng after 1 July 2025) and one
user per role. Every step is idempotent, so the demo command can run any number of times."""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Role
from hailong.accounts.services import role_grant, user_create
from hailong.audit.models import AuditAction, AuditEvent
from hailong.core.tabular import read_table
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


@transaction.atomic
def demo_seed(*, province_only: bool = False) -> dict[str, int]:
    """Seed the demo. ``province_only`` loads only the demo province's part of the registry (fast)."""
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
    return {"units_created": len(result.created), "users_created": users}
