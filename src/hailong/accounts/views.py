from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.forms import RoleGrantForm, SignInForm, UserCreateForm
from hailong.accounts.models import RoleAssignment
from hailong.accounts.roles import Perm
from hailong.accounts.selectors import user_get_for, user_list_for
from hailong.accounts.services import role_grant, role_revoke, user_create, user_set_active
from hailong.core.messages import validation_messages


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(failure_limit=settings.AXES_FAILURE_LIMIT, **kwargs)


class SignOutView(auth_views.LogoutView):
    pass


def _form_errors_from(exc: ValidationError, form) -> None:
    for field, message in validation_messages(exc):
        form.add_error(field if field in form.fields else None, str(message))


@login_required
def user_list(request):
    permissions.require(request.user, Perm.ACCOUNTS_VIEW)
    search = request.GET.get("q", "").strip()
    page = Paginator(user_list_for(actor=request.user, search=search), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": page,
            "search": search,
            "can_manage": permissions.has_perm(request.user, Perm.ACCOUNTS_MANAGE),
        },
    )


@login_required
def user_new(request):
    permissions.require(request.user, Perm.ACCOUNTS_MANAGE)
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                actor=request.user,
                request=request,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                role=data["role"],
                unit=data["unit"],
            )
        except ValidationError as exc:
            _form_errors_from(exc, form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Account %(username)s created.") % {"username": user.username})
            return redirect("accounts:user_detail", user.pk)
    unit_field = form.fields["unit"]
    return render(request, "accounts/user_form.html", {"form": form, "suggestions": unit_field.suggestions()})


@login_required
def user_detail(request, user_id: int):
    permissions.require(request.user, Perm.ACCOUNTS_VIEW)
    subject = user_get_for(actor=request.user, user_id=user_id)
    form = RoleGrantForm(request.POST or None, actor=request.user)
    if request.method == "POST":
        permissions.require(request.user, Perm.ACCOUNTS_MANAGE)
        if form.is_valid():
            try:
                role_grant(
                    actor=request.user,
                    user=subject,
                    role=form.cleaned_data["role"],
                    unit=form.cleaned_data["unit"],
                    request=request,
                )
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Role granted."))
                return redirect("accounts:user_detail", subject.pk)
    assignments = [
        (a, permissions.has_perm(request.user, Perm.ACCOUNTS_MANAGE, a.unit))
        for a in subject.role_assignments.select_related("unit", "granted_by").order_by("role")
    ]
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "assignments": assignments,
            "form": form,
            "can_manage": permissions.has_perm(request.user, Perm.ACCOUNTS_MANAGE),
            "suggestions": form.fields["unit"].suggestions(),
        },
    )


@login_required
@require_POST
def role_revoke_view(request, assignment_id: int):
    assignment = get_object_or_404(
        permissions.scope(
            RoleAssignment.objects.select_related("user", "unit"),
            request.user,
            Perm.ACCOUNTS_MANAGE,
            path_field="unit__path",
        ),
        pk=assignment_id,
    )
    try:
        role_revoke(actor=request.user, assignment=assignment, request=request)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role revoked."))
    return redirect("accounts:user_detail", assignment.user_id)


@login_required
@require_POST
def user_toggle_active(request, user_id: int):
    permissions.require(request.user, Perm.ACCOUNTS_MANAGE)
    subject = user_get_for(actor=request.user, user_id=user_id)
    # Only someone who manages every unit the account works in may switch it off.
    for assignment in subject.role_assignments.select_related("unit"):
        permissions.require(request.user, Perm.ACCOUNTS_MANAGE, assignment.unit)
    try:
        user_set_active(actor=request.user, user=subject, active=not subject.is_active, request=request)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("accounts:user_detail", subject.pk)
