"""Pages of the sampling app: frames (upload, progress, problems, purge) and samples (plan, sizes,
draw, the drawn people). Writes and reads need ``surveys.manage`` on the campaign's organiser;
contacts need ``personal_data.view`` too, and reading or exporting them is audited."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.core.messages import validation_messages
from hailong.sampling.choices import SelectionMethod
from hailong.sampling.forms import FrameUploadForm, SamplePlanForm
from hailong.sampling.models import Frame, Sample
from hailong.sampling.selectors import (
    allocation_rows,
    campaign_get_for,
    campaigns_for,
    frame_get_for,
    frame_unit_counts,
    may_see_contacts,
    sample_get_for,
    sample_people,
)
from hailong.sampling.services import (
    COLLECTING,
    frame_create,
    new_seed,
    sample_draw,
    sample_plan,
    sample_set_sizes,
)

REFRESH_SECONDS = 3
PEOPLE_PER_PAGE = 200


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for _f, m in validation_messages(exc))


@login_required
def home(request):
    permissions.require(request.user, Perm.SURVEYS_MANAGE)
    campaigns = campaigns_for(user=request.user).annotate(
        n_frames=Count("frames", distinct=True), n_samples=Count("samples", distinct=True)
    )
    return render(request, "sampling/home.html", {"campaigns": campaigns})


@login_required
def campaign_frames(request, campaign_id: int):
    campaign = campaign_get_for(user=request.user, campaign_id=campaign_id)
    form = FrameUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            frame = frame_create(
                campaign=campaign,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                skip_invalid_rows=form.cleaned_data["skip_invalid_rows"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("The file is uploaded; this page follows its import."))
            return redirect("sampling:frame", frame.pk)
    return render(
        request,
        "sampling/campaign.html",
        {
            "campaign": campaign,
            "form": form,
            "collecting": campaign.status in COLLECTING,
            "frames": Frame.objects.filter(campaign=campaign).select_related("imported_by"),
            "samples": Sample.objects.filter(campaign=campaign)
            .select_related("frame")
            .annotate(n_people=Count("people")),
        },
    )


@login_required
def frame_detail(request, frame_id: int):
    frame = frame_get_for(user=request.user, frame_id=frame_id)
    context = {
        "frame": frame,
        "campaign": frame.campaign,
        "refresh": REFRESH_SECONDS if frame.is_importing else None,
        "collecting": frame.campaign.status in COLLECTING,
        "samples": frame.samples.all(),
    }
    if frame.is_ready:
        context["unit_counts"] = frame_unit_counts(frame)
    return render(request, "sampling/frame_detail.html", context)


@login_required
def frame_report(request, frame_id: int):
    """The CSV of every problem found in the file (row, column, problem; no personal data)."""
    frame = frame_get_for(user=request.user, frame_id=frame_id)
    if not frame.error_report:
        raise Http404
    return FileResponse(
        frame.error_report.open("rb"),
        as_attachment=True,
        filename=f"loi-khung-mau-{frame.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


def _frame_units(frame: Frame) -> list[tuple[int, str]]:
    return [
        (row["unit_id"], f"{row['unit__name']} ({row['unit__code']})") for row in frame_unit_counts(frame)
    ]


@login_required
def sample_new(request, frame_id: int):
    frame = frame_get_for(user=request.user, frame_id=frame_id)
    if not frame.is_ready:
        messages.error(request, _("Only a frame that finished importing can be sampled."))
        return redirect("sampling:frame", frame.pk)
    units = _frame_units(frame)
    today = timezone.localdate().strftime("%d/%m/%Y")
    form = SamplePlanForm(
        request.POST or None,
        units=units,
        initial={"name": _("Sample of %(day)s") % {"day": today}, "seed": new_seed()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = sample_plan(
                frame=frame,
                name=data["name"],
                strata_by=data["strata_by"],
                method=data["method"],
                allocation_method=data["allocation_method"],
                parameters=form.parameters(),
                reserve_per_stratum=data["reserve_per_stratum"],
                seed=data["seed"],
                actor=request.user,
            )
        except ValidationError as exc:
            for name, message in validation_messages(exc):
                form.add_error(name if name in form.fields else None, str(message))
        else:
            messages.success(request, _("The sample sizes are computed; check or adjust them, then draw."))
            return redirect("sampling:sample", sample.pk)
    return render(
        request,
        "sampling/sample_new.html",
        {"frame": frame, "campaign": frame.campaign, "form": form, "units": units},
    )


@login_required
def sample_detail(request, sample_id: int):
    sample = sample_get_for(user=request.user, sample_id=sample_id)
    campaign = sample.campaign
    contacts_allowed = may_see_contacts(request.user, campaign)
    show_contacts = sample.is_drawn and request.GET.get("contacts") == "1"
    if show_contacts and not contacts_allowed:
        raise PermissionDenied
    rows = allocation_rows(sample)
    context = {
        "sample": sample,
        "campaign": campaign,
        "frame": sample.frame,
        "rows": rows,
        "two_stage": sample.method == SelectionMethod.PPS,
        "totals": {
            "population": sum(r["population"] for r in rows),
            "computed": sum(r["computed"] for r in rows),
            "size": sum(r["size"] for r in rows),
            "drawn": sum(r["drawn"] for r in rows),
            "reserve": sum(r["reserve"] for r in rows),
        },
        "contacts_allowed": contacts_allowed,
        "show_contacts": show_contacts,
        "collecting": campaign.status in COLLECTING,
        "purged": sample.frame.purged_at is not None,
    }
    if sample.is_drawn:
        labels = {r["stratum"]: r for r in rows}
        page = Paginator(sample_people(sample, contacts=show_contacts), PEOPLE_PER_PAGE).get_page(
            request.GET.get("page")
        )
        for person in page:
            person.stratum_row = labels.get(person.stratum)
        context["page"] = page
        if show_contacts:
            audit_record(
                action=AuditAction.PERSONAL_DATA_VIEWED,
                request=request,
                unit=campaign.organiser,
                target=sample,
                details={"what": "sampled people's contacts", "page": page.number, "rows": len(page)},
            )
    return render(request, "sampling/sample_detail.html", context)


@login_required
@require_POST
def sample_sizes(request, sample_id: int):
    """Save the sizes typed in the allocation table, and draw if asked to."""
    sample = sample_get_for(user=request.user, sample_id=sample_id)
    sizes = {}
    for index, row in enumerate(sample.allocation):
        value = request.POST.get(f"size-{index}", "").strip().replace(".", "").replace(" ", "")
        if value:
            sizes[row["stratum"]] = value
    try:
        sample = sample_set_sizes(sample=sample, sizes=sizes)
        if request.POST.get("action") == "draw":
            sample = sample_draw(sample=sample, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if sample.is_drawn:
            messages.success(request, _("The sample is drawn."))
        else:
            messages.success(request, _("Sizes saved."))
    return redirect("sampling:sample", sample.pk)


@login_required
def sample_people_csv(request, sample_id: int):
    """The drawn people as CSV; with their contacts for those allowed to see them (audited)."""
    sample = sample_get_for(user=request.user, sample_id=sample_id)
    if not sample.is_drawn:
        raise Http404
    contacts = may_see_contacts(request.user, sample.campaign) and request.GET.get("contacts") == "1"
    if request.GET.get("contacts") == "1" and not contacts:
        raise PermissionDenied
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = [
        "stratum",
        "reserve_rank",
        "dossier_code",
        "unit_code",
        "unit",
        "procedure",
        "procedure_field",
        "applicant_type",
        "received",
        "returned",
        "probability",
        "weight",
    ]
    if contacts:
        header += ["name", "phone", "email", "address"]
    writer.writerow(header)
    count = 0
    for person in sample_people(sample, contacts=contacts).iterator(chunk_size=2000):
        record = person.record
        line = [
            person.stratum,
            person.reserve_rank or "",
            record.dossier_code,
            person.unit.code,
            person.unit.name,
            record.procedure,
            record.procedure_field,
            record.applicant_type,
            record.received_on.strftime("%d/%m/%Y") if record.received_on else "",
            record.returned_on.strftime("%d/%m/%Y") if record.returned_on else "",
            f"{person.probability:.8g}",
            f"{person.weight:.6g}",
        ]
        if contacts:
            contact = getattr(record, "contact", None)
            line += (
                [contact.name, contact.phone, contact.email, contact.address] if contact else ["", "", "", ""]
            )
        writer.writerow(line)
        count += 1
    if contacts:
        audit_record(
            action=AuditAction.PERSONAL_DATA_EXPORTED,
            request=request,
            unit=sample.campaign.organiser,
            target=sample,
            details={"what": "sampled people with contacts", "rows": count},
        )
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = "-lien-he" if contacts else ""
    response["Content-Disposition"] = f'attachment; filename="mau-{sample.pk}{suffix}.csv"'
    return response
