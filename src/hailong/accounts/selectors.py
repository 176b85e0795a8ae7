from django.db.models import Prefetch, Q, QuerySet

from hailong.accounts import permissions
from hailong.accounts.models import RoleAssignment, User
from hailong.accounts.roles import Perm


def role_assignments_of(user) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.filter(user_id=user.pk).select_related("unit").order_by("role"))


def user_list_for(*, actor, search: str = "") -> QuerySet[User]:
    """Users holding at least one role inside the actor's ``accounts.view`` scope.

    A user with no role at all is seen only by those whose scope is everywhere.
    """
    paths = permissions.grant_paths(actor, Perm.ACCOUNTS_VIEW)
    if not paths:
        return User.objects.none()
    visible_assignments = permissions.scope(
        RoleAssignment.objects.all(), actor, Perm.ACCOUNTS_VIEW, path_field="unit__path"
    )
    qs = User.objects.filter(pk__in=visible_assignments.values("user_id"))
    if paths == permissions.EVERYWHERE:
        qs = User.objects.all()
    if search:
        qs = qs.filter(
            Q(username__icontains=search) | Q(full_name__icontains=search) | Q(email__icontains=search)
        )
    return qs.prefetch_related(
        Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit").order_by("role"))
    ).order_by("username")


def user_get_for(*, actor, user_id: int) -> User:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(user_list_for(actor=actor), pk=user_id)
