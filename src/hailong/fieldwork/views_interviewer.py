"""The interviewer's pages, made for a phone: the people assigned to them with what is needed to
reach them, the outcome of an attempt, and the interview itself (the collection module's form)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.collection.models import Channel, Response
from hailong.collection.views_survey import _survey_page
from hailong.core.messages import validation_messages
from hailong.fieldwork.choices import OPEN_STATUSES, TRANSITIONS
from hailong.fieldwork.forms import OutcomeForm
from hailong.fieldwork.selectors import interviewer_people, interviewer_person_get, person_contact
from hailong.fieldwork.services import sampled_person_record_response, sampled_person_set_status
from hailong.sampling.choices import PersonStatus


@login_required
def my_people(request):
    """ "People to interview": an interviewer sees the contacts of their own people only (audited)."""
    permissions.require(request.user, Perm.RESPONSES_COLLECT)
    people = [
        p
        for p in interviewer_people(user=request.user)
        if permissions.has_perm(request.user, Perm.RESPONSES_COLLECT, p.unit)
    ]
    for person in people:
        person.contact_data = person_contact(person)
        person.can_interview = PersonStatus.COMPLETED in TRANSITIONS[person.status]
        person.is_open = person.status in OPEN_STATUSES
    if people:
        audit_record(
            action=AuditAction.PERSONAL_DATA_VIEWED,
            request=request,
            unit=people[0].sample.campaign.organiser,
            details={
                "what": "assigned_people_contacts",
                "people": [p.pk for p in people][:500],
                "rows": len(people),
            },
        )
    return render(
        request,
        "fieldwork/my_people.html",
        {
            "to_do": [p for p in people if p.is_open],
            "done": [p for p in people if not p.is_open],
            "outcome_form": OutcomeForm(),
        },
    )


@login_required
@require_POST
def outcome(request, person_id: int):
    person = interviewer_person_get(user=request.user, person_id=person_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            sampled_person_set_status(
                person=person,
                status=form.cleaned_data["status"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(str(m) for _f, m in validation_messages(exc)))
        else:
            messages.success(request, _("Saved: %(status)s.") % {"status": PersonStatus(person.status).label})
    else:
        messages.error(request, _("Choose an outcome."))
    return redirect(f"{reverse('fieldwork:my_people')}#person-{person.pk}")


@login_required
def interview(request, person_id: int):
    """The survey form for one assigned person; the stored response is linked to them (completed)."""
    person = interviewer_person_get(user=request.user, person_id=person_id)
    if PersonStatus.COMPLETED not in TRANSITIONS[person.status]:
        messages.error(request, _("This person cannot be interviewed any more."))
        return redirect("fieldwork:my_people")
    contact = person_contact(person)
    page = _survey_page(
        request,
        campaign=person.sample.campaign,
        unit=person.unit,
        service_point=None,
        channel=Channel.INTERVIEWER,
        form_action=reverse("fieldwork:interview", args=[person.pk]),
        thanks_url=reverse("fieldwork:interview_done", args=[person.pk]),
        interviewer=request.user,
        extra={
            "interviewer_mode": True,
            "back_url": reverse("fieldwork:my_people"),
            "respondent": (contact.name if contact and contact.name else person.record.dossier_code),
        },
    )
    if request.method == "POST" and page.status_code == 302 and request.POST.get("action") != "save":
        instance_id = request.POST.get("instance_id", "").strip()[:100]
        stored = Response.objects.filter(
            instance_id=instance_id, campaign=person.sample.campaign, interviewer=request.user
        ).first()
        if stored is not None:
            sampled_person_record_response(person=person, response=stored, actor=request.user)
    return page


@login_required
def interview_done(request, person_id: int):
    messages.success(
        request, _("Response saved. Reference %(ref)s.") % {"ref": request.GET.get("ref", "")[:8].upper()}
    )
    return redirect(f"{reverse('fieldwork:my_people')}#person-{person_id}")


def activate(request, uidb64: str, token: str):
    """A volunteer chooses their password from the link they were sent (no sign-in needed)."""
    from django.contrib.auth.forms import SetPasswordForm
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    from hailong.accounts.models import User
    from hailong.fieldwork.activation import activation_tokens, needs_activation

    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not needs_activation(user) or not activation_tokens.check_token(user, token):
        return render(request, "fieldwork/activate.html", {"invalid": True}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit_record(
            action=AuditAction.USER_UPDATED,
            actor=user,
            request=request,
            target=user,
            details={"password": "chosen through the password-set link"},
        )
        messages.success(
            request, _("Your password is set. Sign in with your user name %(u)s.") % {"u": user.username}
        )
        return redirect("accounts:login")
    return render(request, "fieldwork/activate.html", {"form": form, "subject": user})
