from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.core.messages import validation_messages
from hailong.core.tabular import TableError, read_table
from hailong.indices.choices import RunStatus
from hailong.indices.forms import AGGREGATION_LABELS, PopulationForm, RunForm
from hailong.indices.models import EstimationRun, PopulationTotal
from hailong.indices.selectors import (
    baseline_candidates,
    baseline_default,
    campaign_results_get_for,
    campaign_results_list_for,
    may_analyse,
    run_compare,
    run_get_for,
    run_list,
    run_overview,
    run_unit_get_for,
    run_unit_report,
    stage_label,
    unit_results_for,
)
from hailong.indices.services import population_import, run_create
from hailong.indices.views_publication import publication_context
from hailong.units.imports import ImportRejected

REFRESH_SECONDS = 3


@login_required
def results_home(request):
    permissions.require(request.user, Perm.RESULTS_VIEW)
    campaigns = campaign_results_list_for(user=request.user).annotate(
        runs=Count("estimation_runs"),
        done=Count("estimation_runs", filter=Q(estimation_runs__status=RunStatus.DONE)),
        last_done=Max("estimation_runs__finished_at", filter=Q(estimation_runs__status=RunStatus.DONE)),
    )
    campaigns = list(campaigns)
    return render(
        request,
        "indices/results_home.html",
        {"campaigns": campaigns, "unit_results": [] if campaigns else unit_results_for(user=request.user)},
    )


@login_required
def campaign_runs(request, campaign_id: int):
    campaign = campaign_results_get_for(user=request.user, campaign_id=campaign_id)
    analyst = may_analyse(request.user, campaign)
    form = RunForm(request.POST or None, version=campaign.version) if analyst else None
    if request.method == "POST":
        if not analyst:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = run_create(
                    campaign=campaign,
                    actor=request.user,
                    aggregation=data["aggregation"],
                    interval_method=data["interval_method"],
                    level=data["level"],
                    weighting=data["weighting"],
                    counted=data["counted"],
                    map_to=data["map_to"],
                    national=data["national"],
                )
            except ValidationError as exc:
                for name, message in validation_messages(exc):
                    form.add_error(name if name in form.fields else None, str(message))
            else:
                messages.success(request, _("The estimation run is queued; this page follows its progress."))
                return redirect("indices:run", run.pk)
    return render(
        request,
        "indices/campaign_runs.html",
        {
            "campaign": campaign,
            "runs": run_list(campaign),
            "form": form,
            "may_analyse": analyst,
            "population_count": PopulationTotal.objects.filter(campaign=campaign).count(),
            "aggregations": AGGREGATION_LABELS,
        },
    )


@login_required
def population(request, campaign_id: int):
    campaign = campaign_results_get_for(user=request.user, campaign_id=campaign_id)
    if not may_analyse(request.user, campaign):
        raise PermissionDenied
    form = PopulationForm(request.POST or None, request.FILES or None)
    errors: list = []
    file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            totals = population_import(
                campaign=campaign, table=read_table(upload, filename=upload.name), actor=request.user
            )
        except TableError as exc:
            file_error = exc.message
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("%(n)d population totals saved.") % {"n": len(totals)})
            return redirect("indices:population", campaign.pk)
    totals = (
        PopulationTotal.objects.filter(campaign=campaign)
        .select_related("unit")
        .order_by("unit__name", "field")
    )
    return render(
        request,
        "indices/population.html",
        {"campaign": campaign, "form": form, "errors": errors, "file_error": file_error, "totals": totals},
    )


def _baseline(request, run: EstimationRun, candidates):
    chosen = request.GET.get("baseline", "")
    if chosen == "none":
        return None
    if chosen.isdigit():
        return next((c for c in candidates if c.pk == int(chosen)), None)
    return baseline_default(run, candidates)


@login_required
def run_detail(request, run_id: int):
    run = run_get_for(user=request.user, run_id=run_id)
    context = {"run": run, "stage": stage_label(run), "refresh": REFRESH_SECONDS if run.is_active else None}
    if run.is_done:
        candidates = baseline_candidates(run)
        baseline = _baseline(request, run, candidates)
        changes = run_compare(run, baseline, kinds=("overall",)) if baseline else []
        by_unit = {c.unit_id: c for c in changes if c.unit_id is not None}
        overview = run_overview(run)
        for ranking in overview.rankings:
            for row in ranking.rows:
                row.change = by_unit.get(row.unit_id)
        context.update(
            overview=overview,
            candidates=candidates,
            baseline=baseline,
            province_change=next((c for c in changes if c.unit_id is None), None),
            aggregation_label=AGGREGATION_LABELS.get(run.parameters.get("aggregation")),
        )
        context.update(publication_context(run, request.user))
    return render(request, "indices/run_detail.html", context)


@login_required
def run_unit(request, run_id: int, unit_id: int):
    run, unit = run_unit_get_for(user=request.user, run_id=run_id, unit_id=unit_id)
    report = run_unit_report(run, unit)
    candidates = [c for c in baseline_candidates(run) if c.values.filter(domain="unit", unit=unit).exists()]
    baseline = _baseline(request, run, candidates)
    if baseline is not None and baseline not in candidates:
        baseline = candidates[0] if candidates else None
    changes = {(c.kind, c.code): c for c in run_compare(run, baseline, unit=unit)} if baseline else {}
    for line in [report.overall, *report.nodes, *report.items, *report.perception]:
        line.change = changes.get((line.kind, line.code))
    return render(
        request,
        "indices/run_unit.html",
        {
            "run": run,
            "unit": unit,
            "report": report,
            "candidates": candidates,
            "baseline": baseline,
            "has_changes": bool(changes),
            "has_national": bool(run.parameters.get("national")),
            "may_see_run": permissions.has_perm(request.user, Perm.RESULTS_VIEW, run.campaign.organiser),
        },
    )
