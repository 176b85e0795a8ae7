"""Every write to accounts and role assignments; each is audited and none lets a user escalate."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Perm, Role
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.units.models import Unit


def _check_can_grant(*, actor, role: str, unit: Unit) -> None:
    if actor is None:  # the command line and the demo seeder act as the system
        return
    if not permissions.has_perm(actor, Perm.ACCOUNTS_MANAGE, unit):
        raise PermissionDenied(_("You may not manage accounts for this unit."))
    if role not in permissions.grantable_roles(actor, unit):
        raise PermissionDenied(_("You may not grant a role with more rights than your own."))


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    phone: str = "",
    role: str | None = None,
    unit: Unit | None = None,
    request=None,
    validate: bool = True,
) -> User:
    if role is not None:
        _check_can_grant(actor=actor, role=role, unit=unit)
    elif actor is not None and not permissions.has_perm(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied(_("You may not create accounts."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is already taken.")})
    user = User(username=username, full_name=full_name, email=email, phone=phone)
    if password:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(action=AuditAction.USER_CREATED, actor=actor, request=request, unit=unit, target=user)
    if role is not None:
        role_grant(actor=actor, user=user, role=role, unit=unit, request=request)
    return user


@transaction.atomic
def user_update(*, actor, user: User, request=None, **changes) -> User:
    allowed = {"full_name", "email", "phone", "preferred_language"}
    if set(changes) - allowed:
        raise TypeError(f"Not editable: {set(changes) - allowed}")
    for name, value in changes.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    audit_record(action=AuditAction.USER_UPDATED, actor=actor, request=request, target=user, details=changes)
    return user


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool, request=None) -> User:
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        action=AuditAction.USER_UPDATED if active else AuditAction.USER_DEACTIVATED,
        actor=actor,
        request=request,
        target=user,
        details={"is_active": active},
    )
    return user


@transaction.atomic
def role_grant(*, actor, user: User, role: str, unit: Unit, request=None) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _check_can_grant(actor=actor, role=role, unit=unit)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, unit=unit, defaults={"granted_by": actor}
    )
    if created:
        if role == Role.SYSTEM_ADMIN and not user.is_staff:
            # System administrators also reach the Django admin (which is scoped the same way).
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit_record(
            action=AuditAction.ROLE_GRANTED,
            actor=actor,
            request=request,
            unit=unit,
            target=user,
            details={"role": role, "unit_code": unit.code},
        )
    permissions.forget(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment, request=None) -> None:
    _check_can_grant(actor=actor, role=assignment.role, unit=assignment.unit)
    user, unit, role = assignment.user, assignment.unit, assignment.role
    assignment.delete()
    if role == Role.SYSTEM_ADMIN and not user.role_assignments.filter(role=Role.SYSTEM_ADMIN).exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    audit_record(
        action=AuditAction.ROLE_REVOKED,
        actor=actor,
        request=request,
        unit=unit,
        target=user,
        details={"role": role, "unit_code": unit.code},
    )
    permissions.forget(user)
