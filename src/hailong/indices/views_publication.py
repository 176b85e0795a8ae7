"""Publishing a frozen run and withdrawing a publication, from the run page (``results.publish``)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hailong.core.messages import validation_messages
from hailong.indices.models import Publication
from hailong.indices.publication import (
    MAX_MIN_RESPONDENTS,
    default_min_respondents,
    may_publish,
    publication_withdraw,
    run_publish,
)
from hailong.indices.selectors import run_get_for


class PublishForm(forms.Form):
    min_respondents = forms.IntegerField(
        label=gettext_lazy("Minimum respondents per published figure"),
        min_value=1,
        max_value=MAX_MIN_RESPONDENTS,
        help_text=gettext_lazy(
            "Figures with fewer valid respondents are not shown on the portal or in open data."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Note to readers (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def publication_context(run, user) -> dict:
    """What the run page shows about publication: the run's publication (live or withdrawn), the
    campaign's live one, and the forms for whoever may publish."""
    allowed = may_publish(user, run.campaign)
    mine = Publication.objects.filter(run=run).select_related("published_by", "withdrawn_by").first()
    live = (
        mine
        if mine is not None and mine.is_live
        else Publication.objects.filter(campaign=run.campaign, withdrawn_at__isnull=True).first()
    )
    publishable = allowed and run.is_done and run.official and mine is None
    return {
        "publication": mine,
        "live_publication": live,
        "may_publish": allowed,
        "publish_form": PublishForm(initial={"min_respondents": default_min_respondents()})
        if publishable
        else None,
        "withdraw_form": WithdrawForm() if allowed and mine is not None and mine.is_live else None,
    }


def _errors(request, exc: ValidationError) -> None:
    for _name, message in validation_messages(exc):
        messages.error(request, str(message))


@login_required
@require_POST
def run_publish_view(request, run_id: int):
    run = run_get_for(user=request.user, run_id=run_id)
    if not may_publish(request.user, run.campaign):
        raise PermissionDenied
    form = PublishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("indices:run", run.pk)
    try:
        run_publish(
            run=run,
            actor=request.user,
            min_respondents=form.cleaned_data["min_respondents"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The run is published on the public portal."))
    return redirect("indices:run", run.pk)


@login_required
@require_POST
def publication_withdraw_view(request, run_id: int):
    run = run_get_for(user=request.user, run_id=run_id)
    if not may_publish(request.user, run.campaign):
        raise PermissionDenied
    publication = get_object_or_404(Publication, run=run)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the results are withdrawn."))
        return redirect("indices:run", run.pk)
    try:
        publication_withdraw(
            publication=publication, actor=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The publication is withdrawn from the public portal."))
    return redirect("indices:run", run.pk)
