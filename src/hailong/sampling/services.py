"""Every write of the sampling app: frames (upload, import, purge of personal data) and samples
(plan, sizes, draw).

A frame is created ``importing`` with its uploaded file (``frame_create``, which enqueues the import
once the transaction commits); ``frame_import`` (the task) reads the file in chunks, checks every row
and writes the good ones in batches, keeping the progress on the frame. All or nothing by default:
if any row is bad the frame ends ``failed`` with its report and no records; with
``skip_invalid_rows`` (the manager's explicit choice, recorded on the frame) the good rows stay and
the bad ones are reported. The uploaded file is deleted when the import ends.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import date
from itertools import islice
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.core.messages import bilingual, lazy_format
from hailong.sampling.choices import AllocationMethod, FrameStatus, SampleStatus, SelectionMethod, SizeRule
from hailong.sampling.imports import (
    FrameFileError,
    FrameProblem,
    RowChecker,
    UnitIndex,
    open_frame_file,
)
from hailong.sampling.models import Frame, FrameContact, FrameRecord, Sample, SampledPerson
from hailong.sampling.plans import (
    DEFAULT_PARAMETERS,
    STRATUM_ORDER,
    check_two_stage,
    computed_sizes,
    draw,
)
from hailong.sampling.selectors import frame_arrays, strata_counts
from hailong.sampling.writers import frame_rows_delete, writer_for
from hailong.units.models import Unit

logger = logging.getLogger(__name__)

BATCH_ROWS = 50_000
PREVIEW_PROBLEMS = 20
REPORT_LIMIT = 100_000
AUDIT_PURGED = AuditAction.PERSONAL_DATA_PURGED
AUDIT_SAMPLE_DRAWN = AuditAction.SAMPLE_DRAWN
COLLECTING = (CampaignStatus.DRAFT, CampaignStatus.OPEN)


def new_seed() -> int:
    """A random seed for a new sample (shown to the manager and stored, so the draw can be repeated)."""
    return secrets.randbelow(2_000_000_000) + 1


def _require_collecting(campaign: Campaign) -> None:
    if campaign.status not in COLLECTING:
        raise ValidationError(
            _(
                "This campaign is closed: its personal data has been deleted, so no frame or sample can be added."
            )
        )


# -----------------------------------------------------------------------------------------------
# Frames
# -----------------------------------------------------------------------------------------------
@transaction.atomic
def frame_create(
    *,
    campaign: Campaign,
    upload: UploadedFile,
    name: str = "",
    skip_invalid_rows: bool = False,
    actor=None,
    enqueue: bool = True,
) -> Frame:
    """A new frame waiting for its import; the import task starts once this transaction commits."""
    _require_collecting(campaign)
    filename = Path(upload.name or "frame.csv").name[:255]
    frame = Frame(
        campaign=campaign,
        name=(name or Path(filename).stem)[:200],
        source_filename=filename,
        skip_invalid_rows=skip_invalid_rows,
        imported_by=actor,
    )
    frame.source_file.save(filename, upload, save=False)
    frame.save()
    if enqueue:
        from hailong.sampling.tasks import frame_import_task

        transaction.on_commit(lambda: frame_import_task.enqueue(frame.pk))
    return frame


def unit_index(campaign: Campaign) -> UnitIndex:
    """The units a frame of ``campaign`` may name: those under its organiser that exist on some day of
    its collection period, by code and by exact name."""
    organiser = campaign.organiser
    during = Unit.objects.overlapping(campaign.starts_on, campaign.ends_on)
    by_code: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    for pk, code, name in during.filter(path__startswith=organiser.path).values_list("pk", "code", "name"):
        by_code.setdefault(code, []).append(pk)
        by_name.setdefault(" ".join(name.split()), []).append(pk)
    outside = {
        code: f"{name} ({code})"
        for code, name in during.exclude(path__startswith=organiser.path).values_list("code", "name")
        if code not in by_code
    }
    return UnitIndex(by_code, by_name, outside, campaign.starts_on, campaign.ends_on)


def _other_frames_lookup(frame: Frame):
    others = dict(
        Frame.objects.filter(campaign_id=frame.campaign_id, status=FrameStatus.READY)
        .exclude(pk=frame.pk)
        .values_list("pk", "name")
    )
    if not others or not FrameRecord.objects.filter(frame_id__in=list(others)).exists():
        return None

    def lookup(codes: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for start in range(0, len(codes), 900):
            rows = FrameRecord.objects.filter(
                frame_id__in=list(others), dossier_code__in=codes[start : start + 900]
            ).values_list("dossier_code", "frame_id")
            for code, frame_id in rows:
                found.setdefault(code, others[frame_id])
        return found

    return lookup


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while True:
        chunk = list(islice(rows, size))
        if not chunk:
            return
        yield chunk


@contextlib.contextmanager
def _local_path(field_file) -> Iterator[Path]:
    """A path on this machine for a stored file (the file itself, or a temporary copy)."""
    try:
        local = field_file.path
    except NotImplementedError:  # a storage without local files
        local = None
    if local is not None:
        yield Path(local)
        return
    with tempfile.NamedTemporaryFile(suffix=Path(field_file.name).suffix) as copy:
        with field_file.open("rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


class _Report:
    """Every problem, as a CSV written while the import runs (never all in memory)."""

    def __init__(self) -> None:
        self.file = tempfile.NamedTemporaryFile("w+", encoding="utf-8-sig", newline="", suffix=".csv")  # noqa: SIM115
        self.writer = csv.writer(self.file)
        self.writer.writerow(["Dòng / Row", "Cột / Column", "Lỗi / Problem"])
        self.count = 0
        self.preview: list[dict] = []

    def add(self, problems: list[FrameProblem]) -> None:
        for problem in problems:
            if self.count < REPORT_LIMIT:
                self.writer.writerow(problem.report_row())
            if len(self.preview) < PREVIEW_PROBLEMS:
                self.preview.append(problem.preview())
            self.count += 1

    def close(self) -> None:
        if self.count > REPORT_LIMIT:
            self.writer.writerow(
                [
                    "",
                    "",
                    bilingual(
                        lazy_format(_("… and {n} more problems, not listed."), n=self.count - REPORT_LIMIT)
                    ),
                ]
            )
        self.file.flush()


def frame_import(*, frame: Frame, batch_size: int = BATCH_ROWS, today: date | None = None) -> Frame:
    """Read, check and store the frame's file; the frame ends ``ready`` or ``failed``."""
    frame = Frame.objects.select_related("campaign__organiser").get(pk=frame.pk)
    if frame.status != FrameStatus.IMPORTING or frame.finished_at is not None:
        return frame
    today = today or timezone.localdate()
    began = time.monotonic()
    report = _Report()
    counts = {"read": 0, "imported": 0, "rejected": 0, "duplicates": 0}
    failed_whole_file = False
    purged = False
    try:
        with _local_path(frame.source_file) as path:
            source = open_frame_file(path, frame.source_filename)
            try:
                Frame.objects.filter(pk=frame.pk).update(encoding=source.encoding, progress=1)
                checker = RowChecker(
                    source, unit_index(frame.campaign), today=today, other_frames=_other_frames_lookup(frame)
                )
                writer = writer_for(frame.pk)
                try:
                    counts["imported"] = _read_and_write(
                        frame, source, checker, writer, report, counts, batch_size
                    )
                finally:
                    written = writer.close()
                if written is not None:
                    counts["imported"] = written
                purged = counts.pop("purged", False)
            finally:
                source.close()
    except FrameFileError as exc:
        report.add([exc.problem])
        failed_whole_file = True
    except Exception:
        # A fault of the machine, not of the file: the frame must not stay "importing" for ever.
        logger.exception("frame %s: the import stopped", frame.pk)
        report.add(
            [
                FrameProblem(
                    None,
                    None,
                    _("The import stopped because of an error on the server; upload the file again."),
                )
            ]
        )
        _finish(frame, report, counts, failed_whole_file=True, purged=False, began=began)
        raise
    return _finish(frame, report, counts, failed_whole_file=failed_whole_file, purged=purged, began=began)


def _read_and_write(frame, source, checker, writer, report, counts, batch_size) -> int:
    """The import loop: check chunk after chunk, write while every row is good (or bad rows are
    skipped), keep the frame's progress. Returns the rows handed to the writer."""
    writing = True
    imported = 0
    for chunk in _chunks(source.rows, batch_size):
        checked = checker.check(chunk)
        report.add(checked.problems)
        counts["read"] += checked.read
        counts["rejected"] += checked.rejected
        counts["duplicates"] += checked.duplicates
        if checked.problems and not frame.skip_invalid_rows:
            # All or nothing: keep checking (to report everything) but stop writing.
            writing = False
        if writing:
            imported += writer.write(checked.rows)
        updated = Frame.objects.filter(pk=frame.pk, purged_at__isnull=True).update(
            progress=min(99, max(1, int(100 * source.progress()))),
            rows_read=counts["read"],
            rows_imported=getattr(writer, "written", imported),
            rows_rejected=counts["rejected"],
            duplicates=counts["duplicates"],
        )
        if not updated:
            # The campaign closed meanwhile and its personal data was purged.
            counts["purged"] = True
            break
    return imported


def _finish(
    frame: Frame, report: _Report, counts: dict, *, failed_whole_file: bool, purged: bool, began: float
) -> Frame:
    if not failed_whole_file and not purged and counts["read"] == 0:
        report.add([FrameProblem(None, None, _("The file has a header row but no dossier under it."))])
        failed_whole_file = True
    if purged:
        report.add([FrameProblem(None, None, _("The campaign closed during the import; nothing was kept."))])
    report.close()
    failed = (
        failed_whole_file
        or purged
        or counts["imported"] == 0
        or (report.count and not frame.skip_invalid_rows)
    )
    if failed:
        # Nothing half-imported: whatever was written before the problem goes.
        frame_rows_delete(frame.pk)
        counts["imported"] = 0
    frame.refresh_from_db()
    frame.status = FrameStatus.FAILED if failed else FrameStatus.READY
    frame.progress = 100
    frame.rows_read = counts["read"]
    frame.rows_imported = counts["imported"]
    frame.rows_rejected = counts["rejected"]
    frame.duplicates = counts["duplicates"]
    frame.errors_preview = report.preview
    frame.finished_at = timezone.now()
    if report.count:
        report.file.seek(0)
        frame.error_report.save(f"frame-{frame.pk}-problems.csv", File(report.file), save=False)
    report.file.close()
    if frame.source_file:
        # The upload holds names and phone numbers: once read, it must not stay on disk.
        frame.source_file.delete(save=False)
    frame.save()
    logger.info(
        "frame %s: %s rows read, %s imported, %s problems in %.1f s",
        frame.pk,
        counts["read"],
        counts["imported"],
        report.count,
        time.monotonic() - began,
    )
    return frame


def frame_contacts_purge(*, frame: Frame, actor=None, reason: str = "campaign closed") -> int:
    """Delete the personal data of a frame (its contacts and any uploaded file); recorded on the frame
    and in the audit log. Returns the number of contacts deleted."""
    frame = Frame.objects.select_for_update().select_related("campaign__organiser").get(pk=frame.pk)
    if frame.purged_at is not None:
        return 0
    deleted, _detail = FrameContact.objects.filter(record__frame=frame).delete()
    if frame.source_file:
        frame.source_file.delete(save=False)
    frame.purged_at = timezone.now()
    frame.purged_by = actor
    frame.save(update_fields=["purged_at", "purged_by", "source_file", "updated_at"])
    audit_record(
        action=AUDIT_PURGED,
        actor=actor,
        actor_username="" if actor else "(system)",
        unit=frame.campaign.organiser,
        target=frame,
        details={"what": "sample frame contacts", "contacts": deleted, "reason": reason},
    )
    return deleted


def campaign_contacts_purge(*, campaign: Campaign, actor=None) -> int:
    """Purge every frame of the campaign (when it closes)."""
    return sum(
        frame_contacts_purge(frame=frame, actor=actor)
        for frame in Frame.objects.filter(campaign=campaign, purged_at__isnull=True)
    )


def on_campaign_status_changed(sender, *, campaign: Campaign, to_status: str, actor=None, **kwargs) -> None:
    """Receiver of ``campaigns.signals.campaign_status_changed``: a closed campaign keeps no contacts."""
    if to_status in (CampaignStatus.CLOSED, CampaignStatus.ARCHIVED):
        campaign_contacts_purge(campaign=campaign, actor=actor)


# -----------------------------------------------------------------------------------------------
# Samples
# -----------------------------------------------------------------------------------------------
def _clean_parameters(method: str, allocation_method: str, parameters: Mapping) -> dict:
    p = {**DEFAULT_PARAMETERS, **{k: v for k, v in parameters.items() if k in DEFAULT_PARAMETERS}}
    if p["rule"] not in SizeRule.values:
        raise ValidationError({"rule": _("Unknown sample size rule.")})
    if allocation_method not in AllocationMethod.values:
        raise ValidationError({"allocation_method": _("Unknown allocation.")})
    if method not in SelectionMethod.values:
        raise ValidationError({"method": _("Unknown selection method.")})
    p["forced"] = sorted({int(u) for u in p.get("forced") or []})
    return p


@transaction.atomic
def sample_plan(
    *,
    frame: Frame,
    name: str,
    strata_by: list[str],
    method: str = SelectionMethod.STRATIFIED,
    allocation_method: str = AllocationMethod.SIZE_RULE,
    parameters: Mapping | None = None,
    reserve_per_stratum: int = 0,
    seed: int | None = None,
    actor=None,
) -> Sample:
    """A planned sample on a ready frame: its strata with their frame counts ``N`` and computed sizes
    (``Sample.allocation``), which the manager may adjust before drawing."""
    if frame.status != FrameStatus.READY:
        raise ValidationError(_("Only a frame that finished importing can be sampled."))
    _require_collecting(frame.campaign)
    strata_by = [str(f) for f in STRATUM_ORDER if f in strata_by]
    if method == SelectionMethod.PPS:
        # Two stages: the units are the first-stage units, so the strata are the units.
        strata_by = ["unit"]
    parameters = _clean_parameters(method, allocation_method, parameters or {})
    strata = strata_counts(frame, strata_by)
    if method == SelectionMethod.PPS:
        check_two_stage(strata, parameters)
    sizes = computed_sizes(strata, method=method, allocation_method=allocation_method, parameters=parameters)
    if reserve_per_stratum < 0:
        raise ValidationError({"reserve_per_stratum": _("The reserve cannot be negative.")})
    sample = Sample.objects.create(
        campaign=frame.campaign,
        frame=frame,
        name=name[:200] or frame.name,
        method=method,
        strata_by=strata_by,
        allocation_method=allocation_method,
        parameters=parameters,
        allocation=[
            {
                "stratum": s.key,
                "unit": s.unit_id,
                "procedure_field": s.procedure_field,
                "applicant_type": s.applicant_type,
                "population": s.population,
                "computed": n,
                "size": n,
            }
            for s, n in zip(strata, sizes, strict=True)
        ],
        reserve_per_stratum=reserve_per_stratum,
        seed=seed if seed is not None else new_seed(),
    )
    return sample


@transaction.atomic
def sample_set_sizes(*, sample: Sample, sizes: Mapping[str, int]) -> Sample:
    """The manager's sizes per stratum key (0 ≤ n ≤ N), before drawing."""
    sample = Sample.objects.select_for_update().get(pk=sample.pk)
    if sample.status != SampleStatus.PLANNED:
        raise ValidationError(_("This sample has been drawn; its sizes no longer change."))
    rows = []
    problems = []
    for row in sample.allocation:
        size = sizes.get(row["stratum"], row["size"])
        try:
            size = int(size)
        except (TypeError, ValueError):
            problems.append(row)
            continue
        if not 0 <= size <= row["population"]:
            problems.append(row)
            continue
        rows.append({**row, "size": size})
    if problems:
        raise ValidationError(
            lazy_format(
                _(
                    "Every size must be a whole number from 0 to the number of records of its stratum ({n} are not)."
                ),
                n=len(problems),
            )
        )
    sample.allocation = rows
    sample.save(update_fields=["allocation", "updated_at"])
    return sample


def sample_draw(*, sample: Sample, actor=None) -> Sample:
    """Draw the planned sample with its seed and store the sampled people and their reserves."""
    with transaction.atomic():
        sample = (
            Sample.objects.select_for_update()
            .select_related("frame", "campaign__organiser")
            .get(pk=sample.pk)
        )
        if sample.status != SampleStatus.PLANNED:
            raise ValidationError(_("This sample has already been drawn."))
        _require_collecting(sample.campaign)
        strata = strata_counts(sample.frame, sample.strata_by)
        planned = {row["stratum"]: row for row in sample.allocation}
        if [s.key for s in strata] != list(planned) or any(
            planned[s.key]["population"] != s.population for s in strata
        ):
            raise ValidationError(_("The frame no longer matches this plan; plan the sample again."))
        sizes = [int(planned[s.key]["size"]) for s in strata]
        arrays = frame_arrays(
            sample.frame, strata, sample.strata_by, dates=sample.method == SelectionMethod.SYSTEMATIC
        )
        result = draw(
            arrays,
            strata,
            sizes,
            method=sample.method,
            seed=sample.seed,
            reserve=sample.reserve_per_stratum,
            parameters=sample.parameters,
        )
        keys = [s.key for s in strata]
        people = [
            SampledPerson(
                sample_id=sample.pk,
                record_id=int(arrays.ids[row]),
                unit_id=int(arrays.unit[row]),
                stratum=keys[int(h)],
                probability=float(p),
            )
            for row, h, p in zip(result.rows, result.strata, result.probabilities, strict=True)
        ]
        people += [
            SampledPerson(
                sample_id=sample.pk,
                record_id=int(arrays.ids[row]),
                unit_id=int(arrays.unit[row]),
                stratum=keys[int(h)],
                probability=float(p),
                is_reserve=True,
                reserve_rank=int(rank),
            )
            for row, h, rank, p in zip(
                result.reserve_rows,
                result.reserve_strata,
                result.reserve_ranks,
                result.reserve_probabilities,
                strict=True,
            )
        ]
        SampledPerson.objects.bulk_create(people, batch_size=2000)
        if sample.method == SelectionMethod.PPS:
            for row in sample.allocation:
                probability = result.unit_probabilities.get(row["unit"])
                row["selected"] = probability is not None
                row["unit_probability"] = probability
        sample.status = SampleStatus.DRAWN
        sample.drawn_at = timezone.now()
        sample.drawn_by = actor
        sample.save(update_fields=["status", "drawn_at", "drawn_by", "allocation", "updated_at"])
        audit_record(
            action=AUDIT_SAMPLE_DRAWN,
            actor=actor,
            actor_username="" if actor else "(system)",
            unit=sample.campaign.organiser,
            target=sample,
            details={
                "seed": sample.seed,
                "method": sample.method,
                "people": len(result.rows),
                "reserves": len(result.reserve_rows),
            },
        )
    return sample
