import csv
import io
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.models import User
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.forms import AssignmentForm, CampaignForm, InvitationsForm, ParticipantsForm
from hailong.campaigns.models import TRANSITIONS, CampaignStatus
from hailong.campaigns.selectors import campaign_get_for, campaign_list_for, campaign_progress
from hailong.campaigns.services import campaign_create, campaign_set_units, campaign_transition
from hailong.collection.models import PublicLink
from hailong.collection.qr import qr_svg
from hailong.collection.services import assignment_set, invitations_create, public_links_ensure
from hailong.core.messages import validation_messages
from hailong.units.models import Unit


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for _f, m in validation_messages(exc))


@login_required
def campaign_list(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    return render(
        request, "campaigns/campaign_list.html", {"campaigns": campaign_list_for(user=request.user)}
    )


@login_required
def campaign_new(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    form = CampaignForm(request.POST or None, user=request.user, initial={"year": date.today().year})  # noqa: DTZ011
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaign_create(
                code=data["code"],
                name={"vi": data["name_vi"], "en": data["name_en"]},
                year=data["year"],
                version=data["version"],
                organiser=data["organiser"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                default_target=data["default_target"],
                double_entry=data["double_entry"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Campaign created. Now add the participating units."))
            return redirect("campaigns:detail", campaign.pk)
    return render(
        request,
        "campaigns/campaign_form.html",
        {"form": form, "suggestions": form.fields["organiser"].suggestions()},
    )


@login_required
def campaign_detail(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    participants_form = ParticipantsForm()
    links = list(
        PublicLink.objects.filter(campaign=campaign)
        .select_related("unit", "service_point")
        .order_by("unit__name", "service_point__name")
    )
    return render(
        request,
        "campaigns/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": campaign_progress(campaign),
            "transitions": [CampaignStatus(t) for t in TRANSITIONS[campaign.status]],
            "participants_form": participants_form,
            "links": links,
            "invitations_form": InvitationsForm(campaign=campaign),
            "assignment_form": AssignmentForm(campaign=campaign),
            "assignments": campaign.assignments.select_related("interviewer", "unit"),
            "open_rejections": campaign.rejections.filter(status="open").count(),
            "history": campaign.status_changes.select_related("changed_by"),
        },
    )


@login_required
@require_POST
def campaign_status(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    try:
        campaign_transition(campaign=campaign, to=request.POST.get("to", ""), actor=request.user)
    except (ValidationError, KeyError) as exc:
        messages.error(
            request, _error_text(exc) if isinstance(exc, ValidationError) else _("Unknown status.")
        )
    else:
        if request.POST.get("to") == CampaignStatus.OPEN:
            public_links_ensure(campaign=campaign)
        messages.success(request, _("Status changed."))
    return redirect("campaigns:detail", campaign.pk)


@login_required
@require_POST
def campaign_participants(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    form = ParticipantsForm(request.POST)
    if form.is_valid():
        targets: dict[Unit, int | None] = {}
        problems = []
        day = max(campaign.starts_on, min(date.today(), campaign.ends_on))  # noqa: DTZ011
        for number, line in enumerate(form.cleaned_data["units"].splitlines(), start=1):
            parts = line.replace(",", " ").replace(";", " ").split()
            if not parts:
                continue
            unit = permissions.scope(
                Unit.objects.valid_on(day).filter(code=parts[0]), request.user, Perm.SURVEYS_MANAGE
            ).first()
            target = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            if unit is None:
                problems.append(
                    _("Line %(n)d: no unit %(code)s within your area.") % {"n": number, "code": parts[0]}
                )
            else:
                targets[unit] = target
        if problems:
            for problem in problems:
                messages.error(request, problem)
        else:
            try:
                campaign_set_units(campaign=campaign, targets=targets)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                if campaign.status == CampaignStatus.OPEN:
                    public_links_ensure(campaign=campaign)
                messages.success(request, _("%(n)d unit(s) added or updated.") % {"n": len(targets)})
    return redirect("campaigns:detail", campaign.pk)


@login_required
def link_qr(request, campaign_id: int, link_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    link = get_object_or_404(PublicLink, pk=link_id, campaign=campaign)
    url = request.build_absolute_uri(reverse("survey:link", args=[link.token])) + "?c=qr"
    return HttpResponse(qr_svg(url), content_type="image/svg+xml")


@login_required
def link_poster(request, campaign_id: int, link_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    link = get_object_or_404(
        PublicLink.objects.select_related("unit", "service_point"), pk=link_id, campaign=campaign
    )
    url = request.build_absolute_uri(reverse("survey:link", args=[link.token]))
    return render(
        request,
        "campaigns/poster.html",
        {"campaign": campaign, "link": link, "url": url, "qr": qr_svg(url + "?c=qr", scale=10)},
    )


@login_required
@require_POST
def campaign_invitations(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    form = InvitationsForm(request.POST, campaign=campaign)
    if form.is_valid():
        unit = campaign.participants.get(unit_id=form.cleaned_data["unit"]).unit
        people = []
        for line in form.cleaned_data["people"].splitlines():
            parts = [p.strip() for p in line.split(";")]
            if any(parts):
                people.append(
                    {
                        "name": parts[0],
                        "email": parts[1] if len(parts) > 1 else "",
                        "phone": parts[2] if len(parts) > 2 else "",
                    }
                )
        created = invitations_create(campaign=campaign, unit=unit, people=people)
        messages.success(request, _("%(n)d invitation(s) created.") % {"n": len(created)})
    return redirect("campaigns:detail", campaign.pk)


@login_required
def campaign_invitations_csv(request, campaign_id: int):
    """The invitation links with the invited people's contacts: personal data, so it is audited."""
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    permissions.require(request.user, Perm.PERSONAL_DATA_VIEW, campaign.organiser)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["unit_code", "unit", "name", "email", "phone", "link", "answered"])
    invitations = campaign.invitations.select_related("unit", "contact").order_by("unit__name", "id")
    for invitation in invitations:
        contact = getattr(invitation, "contact", None)
        writer.writerow(
            [
                invitation.unit.code,
                invitation.unit.name,
                contact.name if contact else "",
                contact.email if contact else "",
                contact.phone if contact else "",
                request.build_absolute_uri(reverse("survey:invitation", args=[invitation.token])),
                "yes" if invitation.used_at else "no",
            ]
        )
    audit_record(
        action=AuditAction.PERSONAL_DATA_EXPORTED,
        request=request,
        unit=campaign.organiser,
        target=campaign,
        details={"what": "invitations", "rows": invitations.count()},
    )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="invitations-{campaign.code}.csv"'
    return response


@login_required
@require_POST
def campaign_assign(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    form = AssignmentForm(request.POST, campaign=campaign)
    if form.is_valid():
        unit = campaign.participants.get(unit_id=form.cleaned_data["unit"]).unit
        interviewer = User.objects.filter(username=form.cleaned_data["interviewer"], is_active=True).first()
        if interviewer is None or not permissions.has_perm(interviewer, Perm.RESPONSES_COLLECT, unit):
            messages.error(request, _("This user is not an interviewer for this unit."))
        else:
            assignment_set(
                campaign=campaign, interviewer=interviewer, unit=unit, target=form.cleaned_data["target"]
            )
            messages.success(request, _("Assignment saved."))
    return redirect("campaigns:detail", campaign.pk)
