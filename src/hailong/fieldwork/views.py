"""Fieldwork pages for survey managers: progress and response rates, the people in the field and
their routing, replacements, interviewer teams, letters, messages and reminders.

Thin views: they read through ``selectors``, write through ``services`` (and ``imports``,
``exports``), and answer 404 for anything outside the reader's scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.models import User
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.selectors import campaign_get_for
from hailong.core.messages import validation_messages
from hailong.core.tabular import TableError, read_table
from hailong.fieldwork import exports
from hailong.fieldwork.activation import needs_activation
from hailong.fieldwork.chart import bar_chart
from hailong.fieldwork.choices import OPEN_STATUSES, REPLACEABLE_STATUSES, TRANSITIONS
from hailong.fieldwork.forms import (
    AssignForm,
    ExportForm,
    InterviewerImportForm,
    PeopleFilterForm,
    ReminderForm,
    StatusForm,
    TeamForm,
)
from hailong.fieldwork.imports import ImportRejected, interviewers_import
from hailong.fieldwork.models import InterviewerTeam, TeamMember
from hailong.fieldwork.selectors import (
    campaign_people,
    campaigns_with_fieldwork,
    daily_completed,
    fieldwork_progress,
    interviewer_people,
    person_contact,
    person_get_for,
    person_history,
)
from hailong.fieldwork.services import (
    fieldwork_sync,
    next_reserve,
    people_assign,
    reminders_create,
    reminders_due,
    sampled_person_replace,
    sampled_person_set_status,
    team_ensure,
    team_member_add,
)
from hailong.sampling.choices import FieldChannel
from hailong.units.models import Unit

PAGE_SIZE = 100


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for _f, m in validation_messages(exc))


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _units(people) -> list[Unit]:
    return list(Unit.objects.filter(pk__in=people.values("unit_id")).order_by("name"))


def _unit_filter(people, form) -> tuple:
    """Restrict to the form's unit (one of the listed ones); returns (people, unit or None)."""
    unit = None
    if form.is_valid() and form.cleaned_data.get("unit"):
        unit = Unit.objects.filter(pk=form.cleaned_data["unit"]).first()
        if unit is not None:
            people = people.filter(unit__path__startswith=unit.path)
    return people, unit


def _attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def home(request):
    """Managers: the campaigns with a sample in the field. Interviewers: their people."""
    if not permissions.has_perm(request.user, Perm.SURVEYS_MANAGE):
        from hailong.fieldwork.views_interviewer import my_people

        return my_people(request)
    return render(
        request,
        "fieldwork/home.html",
        {
            "campaigns": campaigns_with_fieldwork(user=request.user),
            "my_people": interviewer_people(user=request.user).count(),
        },
    )


@login_required
def dashboard(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    synced = fieldwork_sync(campaign)
    people = campaign_people(campaign=campaign, user=request.user)
    units = _units(people)
    days = daily_completed(campaign=campaign, user=request.user)
    return render(
        request,
        "fieldwork/dashboard.html",
        {
            "campaign": campaign,
            "progress": fieldwork_progress(campaign=campaign, user=request.user),
            "days": days,
            "chart": bar_chart(days),
            "synced": synced,
            "reminder_form": ReminderForm(units=units, auto_id="reminder_%s"),
            "export_form": ExportForm(units=units),
            "can_export": permissions.has_perm(request.user, Perm.PERSONAL_DATA_VIEW, campaign.organiser),
            "teams": campaign.teams.count(),
        },
    )


@login_required
def people(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    fieldwork_sync(campaign)
    everyone = campaign_people(campaign=campaign, user=request.user)
    strata = everyone.order_by("stratum").values_list("stratum", flat=True).distinct()
    filter_form = PeopleFilterForm(request.GET or None, units=_units(everyone), strata=list(strata))
    filtered = filter_form.apply(everyone).order_by(
        "unit__name", "stratum", "is_reserve", "reserve_rank", "pk"
    )
    assign_form = AssignForm(request.POST or None)
    if request.method == "POST":
        if assign_form.is_valid():
            data = assign_form.cleaned_data
            targets = (
                filtered if data["scope"] == "all" else filtered.filter(pk__in=request.POST.getlist("person"))
            )
            interviewer = None
            if data["channel"] == FieldChannel.INTERVIEWER:
                interviewer = User.objects.filter(username__iexact=data["interviewer"].strip()).first()
            try:
                if data["channel"] == FieldChannel.INTERVIEWER and interviewer is None:
                    raise ValidationError(_("No account has this user name."))
                result = people_assign(
                    campaign=campaign,
                    people=targets,
                    channel=data["channel"],
                    interviewer=interviewer,
                    actor=request.user,
                    note=data["note"],
                )
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(
                    request,
                    _("%(assigned)d assigned, %(unchanged)d already so, %(skipped)d skipped (not open).")
                    % {"assigned": result.assigned, "unchanged": result.unchanged, "skipped": result.skipped},
                )
                return redirect(f"{request.path}?{request.GET.urlencode()}")
        else:
            messages.error(request, _("Choose how to reach the people (and the interviewer)."))
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    suggestions = (
        User.objects.filter(team_memberships__team__campaign=campaign).distinct().order_by("username")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "fieldwork/people.html",
        {
            "campaign": campaign,
            "filter_form": filter_form,
            "assign_form": assign_form,
            "page": page,
            "matching": filtered.count(),
            "suggestions": suggestions,
            "query": query.urlencode(),
        },
    )


@login_required
def person_detail(request, campaign_id: int, person_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    person = person_get_for(campaign=campaign, user=request.user, person_id=person_id)
    contact = None
    can_see_contact = permissions.has_perm(request.user, Perm.PERSONAL_DATA_VIEW, person.unit)
    if can_see_contact:
        contact = person_contact(person)
        if contact is not None:
            audit_record(
                action=AuditAction.PERSONAL_DATA_VIEWED,
                request=request,
                unit=person.unit,
                target=person,
                details={"what": "sampled_person_contact"},
            )
    replaced_by = getattr(person, "replaced_by", None)
    can_replace = person.status in REPLACEABLE_STATUSES and replaced_by is None
    return render(
        request,
        "fieldwork/person_detail.html",
        {
            "campaign": campaign,
            "person": person,
            "contact": contact,
            "can_see_contact": can_see_contact,
            "history": person_history(person),
            "status_form": StatusForm(allowed=TRANSITIONS[person.status]),
            "can_change_status": bool(TRANSITIONS[person.status] - {"replaced"}),
            "can_replace": can_replace,
            "reserve": next_reserve(person) if can_replace else None,
            "replaced_by": replaced_by,
            "is_unused_reserve": person.is_reserve and person.replaces_id is None,
        },
    )


@login_required
@require_POST
def person_status(request, campaign_id: int, person_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    person = person_get_for(campaign=campaign, user=request.user, person_id=person_id)
    form = StatusForm(request.POST, allowed=TRANSITIONS[person.status])
    if form.is_valid():
        try:
            sampled_person_set_status(
                person=person,
                status=form.cleaned_data["status"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("This status cannot be set now."))
    return redirect("fieldwork:person", campaign.pk, person.pk)


@login_required
@require_POST
def person_replace(request, campaign_id: int, person_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    person = person_get_for(campaign=campaign, user=request.user, person_id=person_id)
    try:
        reserve = sampled_person_replace(
            person=person, actor=request.user, note=request.POST.get("note", "")[:300]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("fieldwork:person", campaign.pk, person.pk)
    messages.success(
        request,
        _("Replaced by reserve no. %(rank)s (%(code)s) of the same stratum.")
        % {"rank": reserve.reserve_rank or "–", "code": reserve.record.dossier_code},
    )
    return redirect("fieldwork:person", campaign.pk, reserve.pk)


@login_required
def teams(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    units = list(
        permissions.scope(
            Unit.objects.filter(pk__in=campaign.participants.values("unit_id"))
            | Unit.objects.filter(pk=campaign.organiser_id),
            request.user,
            Perm.SURVEYS_MANAGE,
        ).order_by("depth", "name")
    )
    form = TeamForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        leader = None
        if data["leader"]:
            leader = User.objects.filter(username__iexact=data["leader"].strip()).first()
        unit = next(u for u in units if str(u.pk) == data["unit"])
        if data["leader"] and leader is None:
            form.add_error("leader", _("No account has this user name."))
        else:
            try:
                team = team_ensure(campaign=campaign, name=data["name"], unit=unit, leader=leader)
                if leader is not None:
                    team_member_add(team=team, user=leader)
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, _("Team saved."))
                return redirect("fieldwork:teams", campaign.pk)
    team_list = list(
        InterviewerTeam.objects.filter(campaign=campaign)
        .select_related("unit", "leader")
        .prefetch_related("memberships__user")
        .order_by("name")
    )
    waiting = 0
    for team in team_list:
        team.members = [m.user for m in team.memberships.all()]
        for user in team.members:
            user.waiting = needs_activation(user)
            user.assigned = user.sampled_people.filter(sample__campaign=campaign).count()
            waiting += user.waiting
    return render(
        request,
        "fieldwork/teams.html",
        {
            "campaign": campaign,
            "teams": team_list,
            "form": form,
            "waiting": waiting,
            "can_export": permissions.has_perm(request.user, Perm.PERSONAL_DATA_VIEW, campaign.organiser),
        },
    )


@login_required
def team_import(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.ACCOUNTS_MANAGE)
    form = InterviewerImportForm(request.POST or None, request.FILES or None)
    errors: list = []
    file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = interviewers_import(
                campaign=campaign,
                table=read_table(upload, filename=upload.name),
                actor=request.user,
                request=request,
            )
        except TableError as exc:
            file_error = exc.message
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(
                request,
                _(
                    "%(file)s imported: %(created)d accounts created, %(updated)d updated, %(unchanged)d unchanged."
                )
                % {
                    "file": upload.name,
                    "created": len(result.created),
                    "updated": len(result.updated),
                    "unchanged": len(result.unchanged),
                },
            )
            return redirect("fieldwork:teams", campaign.pk)
    return render(
        request,
        "fieldwork/team_import.html",
        {"campaign": campaign, "form": form, "errors": errors, "file_error": file_error},
    )


def _members(campaign):
    return (
        TeamMember.objects.filter(team__campaign=campaign)
        .select_related("user", "team")
        .order_by("team__name", "user__username")
    )


@login_required
def activation_links(request, campaign_id: int):
    """The volunteers' password-set links (for an SMS gateway or to hand over): audited."""
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.PERSONAL_DATA_VIEW, campaign.organiser)
    permissions.require(request.user, Perm.ACCOUNTS_MANAGE, campaign.organiser)
    text = exports.activation_export(
        campaign=campaign,
        members=_members(campaign),
        base_url=_base_url(request),
        actor=request.user,
        request=request,
    )
    return _attachment(text, "text/csv; charset=utf-8", f"interviewer-links-{campaign.code}.csv")


@login_required
@require_POST
def activation_emails(request, campaign_id: int):
    from hailong.fieldwork.tasks import activation_email_task

    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.ACCOUNTS_MANAGE, campaign.organiser)
    base_url = _base_url(request)
    users = {m.user for m in _members(campaign) if m.user.email and needs_activation(m.user)}
    for user in users:
        transaction.on_commit(lambda pk=user.pk: activation_email_task.enqueue(pk, base_url))
    messages.success(request, _("%(n)d e-mail(s) with a password-set link queued.") % {"n": len(users)})
    return redirect("fieldwork:teams", campaign.pk)


def _export_people(request, campaign, channels):
    permissions.require(request.user, Perm.PERSONAL_DATA_VIEW)
    people = campaign_people(campaign=campaign, user=request.user, perm=Perm.PERSONAL_DATA_VIEW).filter(
        channel__in=channels,
        status__in=OPEN_STATUSES,
        invitation__isnull=False,
        invitation__used_at__isnull=True,
    )
    form = ExportForm(request.GET or None, units=_units(people))
    people, unit = _unit_filter(people, form)
    people = people.select_related("invitation", "record__contact").order_by("unit__name", "pk")
    return people, form, unit


@login_required
def letters(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    people, _form, unit = _export_people(request, campaign, [FieldChannel.POST])
    pdf, count = exports.letters_pdf(
        campaign=campaign, people=people, base_url=_base_url(request), actor=request.user, request=request
    )
    suffix = f"-{unit.code}" if unit else ""
    return _attachment(pdf, "application/pdf", f"letters-{campaign.code}{suffix}.pdf")


@login_required
def sms(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    people, form, _unit = _export_people(request, campaign, [FieldChannel.INVITATION])
    # The export form always sends its unit field; an unticked box sends nothing.
    diacritics = request.GET.get("diacritics") in ("on", "1", "true") if "unit" in request.GET else True
    text = exports.sms_export(
        campaign=campaign,
        people=people.filter(record__contact__phone__gt=""),
        base_url=_base_url(request),
        actor=request.user,
        request=request,
        diacritics=diacritics,
    )
    return _attachment(text, "text/csv; charset=utf-8", f"sms-{campaign.code}.csv")


@login_required
def emails(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    people, _form, _unit = _export_people(request, campaign, [FieldChannel.INVITATION])
    text = exports.email_export(
        campaign=campaign,
        people=people.filter(record__contact__email__gt=""),
        base_url=_base_url(request),
        actor=request.user,
        request=request,
    )
    return _attachment(text, "text/csv; charset=utf-8", f"emails-{campaign.code}.csv")


@login_required
@require_POST
def reminders(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    if not permissions.has_perm(request.user, Perm.PERSONAL_DATA_VIEW):
        raise PermissionDenied(Perm.PERSONAL_DATA_VIEW)
    visible = campaign_people(campaign=campaign, user=request.user, perm=Perm.PERSONAL_DATA_VIEW)
    form = ReminderForm(request.POST, units=_units(visible))
    if not form.is_valid():
        messages.error(request, _("Check the reminder settings."))
        return redirect("fieldwork:dashboard", campaign.pk)
    data = form.cleaned_data
    _people, unit = _unit_filter(visible, form)
    due = list(
        reminders_due(campaign=campaign, days=data["days"], channel=data["channel"], unit=unit).filter(
            pk__in=visible.values("pk")
        )
    )
    base_url = _base_url(request)
    created = reminders_create(
        campaign=campaign, people=due, channel=data["channel"], actor=request.user, base_url=base_url
    )
    if data["channel"] == "sms":
        text = exports.sms_export(
            campaign=campaign,
            people=due,
            base_url=base_url,
            actor=request.user,
            request=request,
            diacritics=data["diacritics"],
            reminder=True,
        )
        return _attachment(text, "text/csv; charset=utf-8", f"sms-reminders-{campaign.code}.csv")
    messages.success(request, _("%(n)d e-mail reminder(s) queued.") % {"n": len(created)})
    return redirect(reverse("fieldwork:dashboard", args=[campaign.pk]))
