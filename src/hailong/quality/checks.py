"""The automatic checks: rules over a campaign's responses, plain data in, findings out.

Nothing here reads or writes the database: ``services.flags_compute`` loads the responses into
``Row`` objects (only the answers the checks need), runs ``run_checks`` and stores every
``Finding`` as a ``QualityFlag``. Each finding carries a short explanation with its numbers (a
lazy message, rendered in Vietnamese and English when stored) and a ``detail`` dictionary with
every number behind it. The formulas and defaults are documented in docs/quality.md.

Checks (``FlagKind``):

- duplicate dossier: two or more responses linked to the same dossier code (through the sampled
  person's frame record, or answered in the questionnaire's dossier-code question);
- duplicate phone: two or more responses with the same phone number (digits only, +84 → 0);
- speeder: duration (completed − started) below ``speeder_ratio`` × the campaign's median, the
  median taken over at least ``speeder_min_responses`` timed responses (paper forms have no
  answering time and take no part);
- straight-lining: at least ``straight_min_items`` valid answers to the version's satisfaction-scale
  questions, all the same code;
- out of period: completed (else received) before the campaign's first day or after its last,
  give or take ``period_grace_days``;
- impossible profile: a rule of ``profile_rules`` (data: question → allowed values, all must hold)
  matches the answers;
- interviewer: among interviewers with at least ``interviewer_min_responses`` responses, when at
  least ``interviewer_min_interviewers`` of them qualify, an interviewer whose median duration or
  mean satisfied share has a robust z-score beyond ``interviewer_z``, or whose distribution of
  satisfaction answers differs from what the other interviewers got in the same units
  (chi-square, corrected for answers clustered in responses, p below ``interviewer_p_value``):
  every response of that interviewer is flagged with the evidence.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.utils.translation import gettext_lazy as _

from hailong.core.formatting import format_number
from hailong.core.messages import lazy_format
from hailong.core.texts import text_in
from hailong.quality.choices import SEVERITY_BY_NAME, FlagKind, Severity

PAPER_CHANNEL = "paper"
# The interviewer comparison's expected answers in a unit lean on the campaign-wide shares with the
# weight of this many responses (``expected_counts``).
PRIOR_RESPONSES = 10
DOSSIER_QUESTIONS = ("ma_ho_so", "so_ho_so", "dossier_code")
# Names a profile rule may use besides question names: facts about the response, not answers.
CONTEXT_KEYS = {
    "@template": "the questionnaire's template (sipas_service, sipas_household)",
    "@applicant_type": "the sampled dossier's applicant type (citizen, organisation)",
    "@channel": "the channel the response came through",
}

# Impossible or implausible profiles of the SIPAS templates' respondent profile
# (methodology/builtin_templates/common.py: doi_tuong, nhom_tuoi, nghe_nghiep). Editable per campaign.
DEFAULT_PROFILE_RULES: tuple[dict, ...] = (
    {
        "code": "retired_18_25",
        "label": {"vi": "Nghỉ hưu nhưng từ 18 đến 25 tuổi", "en": "Retired but aged 18 to 25"},
        "when": {"nghe_nghiep": ["huu_tri"], "nhom_tuoi": ["18_25"]},
        "severity": "medium",
    },
    {
        "code": "student_over_60",
        "label": {"vi": "Học sinh, sinh viên nhưng trên 60 tuổi", "en": "Student but over 60"},
        "when": {"nghe_nghiep": ["hoc_sinh_sinh_vien"], "nhom_tuoi": ["tren_60"]},
        "severity": "medium",
    },
    {
        "code": "organisation_in_household_survey",
        "label": {
            "vi": "Trả lời với tư cách tổ chức trong khảo sát hộ gia đình",
            "en": "Answered as an organisation in a household survey",
        },
        "when": {"doi_tuong": ["to_chuc"], "@template": ["sipas_household"]},
        "severity": "medium",
    },
    {
        "code": "organisation_dossier_answered_as_citizen",
        "label": {
            "vi": "Hồ sơ của tổ chức nhưng trả lời với tư cách cá nhân",
            "en": "An organisation's dossier answered as a citizen",
        },
        "when": {"doi_tuong": ["ca_nhan"], "@applicant_type": ["organisation"]},
        "severity": "low",
    },
    {
        "code": "citizen_dossier_answered_as_organisation",
        "label": {
            "vi": "Hồ sơ của cá nhân nhưng trả lời với tư cách tổ chức",
            "en": "A citizen's dossier answered as an organisation",
        },
        "when": {"doi_tuong": ["to_chuc"], "@applicant_type": ["citizen"]},
        "severity": "low",
    },
)


@dataclass(frozen=True)
class Thresholds:
    """The settings of the checks; the defaults are those of a new campaign."""

    kinds: frozenset[str] = frozenset(FlagKind.values)
    dossier_question: str = ""
    speeder_ratio: float = 1 / 3
    speeder_min_responses: int = 20
    straight_min_items: int = 10
    period_grace_days: int = 0
    interviewer_z: float = 3.5
    interviewer_min_interviewers: int = 5
    interviewer_min_responses: int = 10
    interviewer_p_value: float = 0.001
    profile_rules: tuple[dict, ...] = DEFAULT_PROFILE_RULES


@dataclass(frozen=True)
class Row:
    """One response, reduced to what the checks read."""

    id: int
    channel: str = "web"
    interviewer: int | None = None
    unit: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    received_at: datetime | None = None
    answers: Mapping[str, object] = field(default_factory=dict)
    phone: str = ""  # normalised (``normalise_phone``); never stored in a flag
    dossier_codes: tuple[str, ...] = ()  # normalised (``normalise_dossier``)
    applicant_type: str = ""  # of the sampled dossier, when the response came from a sample

    @property
    def duration(self) -> float | None:
        """Seconds from start to completion; None when unknown, untimed (paper) or negative."""
        if self.channel == PAPER_CHANNEL or self.started_at is None or self.completed_at is None:
            return None
        seconds = (self.completed_at - self.started_at).total_seconds()
        return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class Context:
    """What the checks know about the campaign and its questionnaire."""

    starts_on: date
    ends_on: date
    # Satisfaction-scale questions (kind ``satisfaction``): straight-lining looks at all of them.
    scale_items: tuple[str, ...] = ()
    # Satisfaction questions proper (measures satisfaction, element_overall, overall): the
    # interviewer comparison's satisfied share and answer distribution.
    satisfaction_items: tuple[str, ...] = ()
    valid_codes: tuple[str, ...] = ("1", "2", "3", "4", "5")
    satisfied_codes: tuple[str, ...] = ("4", "5")
    template: str = ""
    interviewer_names: Mapping[int, str] = field(default_factory=dict)
    # Turns a timestamp into the local calendar day (the service passes Django's localdate).
    local_date: Callable[[datetime], date] = field(default=lambda moment: moment.date())


@dataclass
class Finding:
    response_id: int
    kind: str
    severity: int
    message: object  # a lazy, translatable message
    detail: dict


# ---------------------------------------------------------------------------------------------------
# Numbers in messages, formatted in whatever language is active when the message is rendered


class _Number:
    def __init__(self, value: float, decimals: int | None = 1) -> None:
        self.value, self.decimals = value, decimals

    def __format__(self, spec: str) -> str:
        return format_number(self.value, self.decimals)

    def __str__(self) -> str:
        return format(self)


class _Minutes(_Number):
    def __init__(self, seconds: float) -> None:
        super().__init__(seconds / 60, 1)


class _Percent(_Number):
    def __format__(self, spec: str) -> str:
        return f"{format_number(self.value * 100, 1)}%"


class _PValue(_Number):
    def __format__(self, spec: str) -> str:
        if self.value < 0.001:
            return f"< {format_number(0.001, 3)}"
        return f"= {format_number(self.value, 3)}"


class _Text:
    """A per-language text (``{"vi": …, "en": …}``) in the active language."""

    def __init__(self, texts) -> None:
        self.texts = texts

    def __format__(self, spec: str) -> str:
        return text_in(self.texts) if isinstance(self.texts, dict) else str(self.texts)

    def __str__(self) -> str:
        return format(self)


class _Joined:
    def __init__(self, parts: Sequence[object], separator: str = "; ") -> None:
        self.parts, self.separator = parts, separator

    def __format__(self, spec: str) -> str:
        return self.separator.join(str(part) for part in self.parts)

    def __str__(self) -> str:
        return format(self)


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


# ---------------------------------------------------------------------------------------------------
# Normalising


def normalise_phone(raw: str | None) -> str:
    """Digits only, the international prefix written the national way: ``+84 905 000 001`` →
    ``0905000001``. Too short to be a phone number → ``""`` (never matched)."""
    text = (raw or "").strip()
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and (text.startswith("+") or len(digits) >= 11):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def normalise_dossier(raw: object) -> str:
    """Dossier codes compare without case or spaces: ``" hs-001 "`` and ``"HS-001"`` are one."""
    if raw is None:
        return ""
    return re.sub(r"\s+", "", str(raw)).upper()


# ---------------------------------------------------------------------------------------------------
# The checks


def _duplicates(rows: Iterable[Row], keys: Callable[[Row], Iterable[str]]) -> dict[int, tuple[set, set]]:
    """Response id → (the keys it shares, the other responses sharing them)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        for key in set(keys(row)):
            if key:
                groups[key].append(row.id)
    found: dict[int, tuple[set, set]] = {}
    for key, ids in groups.items():
        if len(ids) < 2:
            continue
        for response_id in ids:
            shared, others = found.setdefault(response_id, (set(), set()))
            shared.add(key)
            others.update(i for i in ids if i != response_id)
    return found


def check_duplicate_dossiers(rows: Sequence[Row]) -> list[Finding]:
    findings = []
    for response_id, (codes, others) in sorted(_duplicates(rows, lambda r: r.dossier_codes).items()):
        codes_text = ", ".join(sorted(codes))
        findings.append(
            Finding(
                response_id,
                FlagKind.DUPLICATE_DOSSIER,
                Severity.HIGH,
                lazy_format(
                    _("Dossier {code} appears on {n} responses."), code=codes_text, n=len(others) + 1
                ),
                {"dossier_codes": sorted(codes), "others": sorted(others)},
            )
        )
    return findings


def check_duplicate_phones(rows: Sequence[Row]) -> list[Finding]:
    # The number itself stays out of the flag: it is personal data, readable only with
    # ``personal_data.view`` on the response's own page.
    return [
        Finding(
            response_id,
            FlagKind.DUPLICATE_PHONE,
            Severity.MEDIUM,
            lazy_format(_("The same phone number is on {n} responses."), n=len(others) + 1),
            {"others": sorted(others)},
        )
        for response_id, (_phones, others) in sorted(_duplicates(rows, lambda r: (r.phone,)).items())
    ]


def check_speeders(rows: Sequence[Row], thresholds: Thresholds) -> list[Finding]:
    timed = [(row.id, row.duration) for row in rows if row.duration is not None]
    if len(timed) < max(1, thresholds.speeder_min_responses):
        return []
    median = float(np.median([seconds for _id, seconds in timed]))
    if median <= 0:
        return []
    limit = thresholds.speeder_ratio * median
    return [
        Finding(
            response_id,
            FlagKind.SPEEDER,
            Severity.MEDIUM,
            lazy_format(
                _(
                    "Answered in {duration} minutes; the campaign's median is {median} minutes (limit {limit} minutes)."
                ),
                duration=_Minutes(seconds),
                median=_Minutes(median),
                limit=_Minutes(limit),
            ),
            {
                "duration_seconds": round(seconds, 1),
                "median_seconds": round(median, 1),
                "limit_seconds": round(limit, 1),
                "ratio": thresholds.speeder_ratio,
                "timed_responses": len(timed),
            },
        )
        for response_id, seconds in timed
        if seconds < limit
    ]


def check_straight_lining(rows: Sequence[Row], context: Context, thresholds: Thresholds) -> list[Finding]:
    valid = set(context.valid_codes)
    findings = []
    for row in rows:
        values = [str(row.answers.get(name)) for name in context.scale_items]
        values = [v for v in values if v in valid]
        if len(values) >= max(2, thresholds.straight_min_items) and len(set(values)) == 1:
            findings.append(
                Finding(
                    row.id,
                    FlagKind.STRAIGHT_LINING,
                    Severity.MEDIUM,
                    lazy_format(
                        _("All {n} satisfaction-scale answers are “{value}”."), n=len(values), value=values[0]
                    ),
                    {"value": values[0], "answers": len(values), "min_items": thresholds.straight_min_items},
                )
            )
    return findings


def check_period(rows: Sequence[Row], context: Context, thresholds: Thresholds) -> list[Finding]:
    grace = timedelta(days=thresholds.period_grace_days)
    first, last = context.starts_on - grace, context.ends_on + grace
    findings = []
    for row in rows:
        moment = row.completed_at or row.received_at
        if moment is None:
            continue
        day = context.local_date(moment)
        if first <= day <= last:
            continue
        before = day < first
        message = (
            lazy_format(
                _("Completed on {day}, before the collection period began on {start}."),
                day=_day(day),
                start=_day(context.starts_on),
            )
            if before
            else lazy_format(
                _("Completed on {day}, after the collection period ended on {end}."),
                day=_day(day),
                end=_day(context.ends_on),
            )
        )
        findings.append(
            Finding(
                row.id,
                FlagKind.OUT_OF_PERIOD,
                # A paper form's time is when it was typed in, not when it was answered.
                Severity.LOW if row.channel == PAPER_CHANNEL else Severity.MEDIUM,
                message,
                {
                    "date": day.isoformat(),
                    "starts_on": context.starts_on.isoformat(),
                    "ends_on": context.ends_on.isoformat(),
                    "days_outside": (first - day).days if before else (day - last).days,
                    "timestamp": "completed_at" if row.completed_at else "received_at",
                },
            )
        )
    return findings


def validate_profile_rules(rules: object) -> list[object]:
    """Problems with a list of profile rules (empty when it is fine), as translatable messages."""
    if not isinstance(rules, list):
        return [_("The rules must be a list.")]
    problems: list[object] = []
    codes: set[str] = set()
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            problems.append(lazy_format(_("Rule {n}: must be an object."), n=number))
            continue
        code = rule.get("code")
        if not isinstance(code, str) or not code.strip():
            problems.append(lazy_format(_("Rule {n}: “code” is missing."), n=number))
        elif code in codes:
            problems.append(lazy_format(_("Rule {n}: the code {code} is used twice."), n=number, code=code))
        else:
            codes.add(code)
        label = rule.get("label")
        if not (isinstance(label, str) and label.strip()) and not (
            isinstance(label, dict) and any(isinstance(v, str) and v.strip() for v in label.values())
        ):
            problems.append(lazy_format(_("Rule {n}: “label” is missing."), n=number))
        when = rule.get("when")
        if not isinstance(when, dict) or not when:
            problems.append(lazy_format(_("Rule {n}: “when” must name at least one question."), n=number))
        else:
            for name, values in when.items():
                if name.startswith("@") and name not in CONTEXT_KEYS:
                    problems.append(
                        lazy_format(
                            _("Rule {n}: {name} is unknown; use {known}."),
                            n=number,
                            name=name,
                            known=", ".join(CONTEXT_KEYS),
                        )
                    )
                if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                    problems.append(
                        lazy_format(
                            _("Rule {n}: the values of {name} must be a list of texts."), n=number, name=name
                        )
                    )
        severity = rule.get("severity", "medium")
        if severity not in SEVERITY_BY_NAME:
            problems.append(lazy_format(_("Rule {n}: severity must be low, medium or high."), n=number))
    return problems


def _holds(value: object, allowed: Sequence[str]) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, list | tuple):
        return any(str(v) in allowed for v in value)
    return str(value) in allowed


def check_profiles(rows: Sequence[Row], context: Context, thresholds: Thresholds) -> list[Finding]:
    rules = [r for r in thresholds.profile_rules if isinstance(r, dict) and isinstance(r.get("when"), dict)]
    if not rules:
        return []
    findings = []
    for row in rows:
        facts = {
            "@template": context.template,
            "@applicant_type": row.applicant_type,
            "@channel": row.channel,
        }
        matched = [
            rule
            for rule in rules
            if all(
                _holds(facts.get(name) if name.startswith("@") else row.answers.get(name), list(values or ()))
                for name, values in rule["when"].items()
            )
        ]
        if not matched:
            continue
        severity = max(
            SEVERITY_BY_NAME.get(rule.get("severity", "medium"), Severity.MEDIUM) for rule in matched
        )
        findings.append(
            Finding(
                row.id,
                FlagKind.IMPOSSIBLE_PROFILE,
                severity,
                lazy_format(
                    _("Impossible profile: {rules}."),
                    rules=_Joined([_Text(rule.get("label") or rule.get("code")) for rule in matched]),
                ),
                {
                    "rules": [str(rule.get("code")) for rule in matched],
                    "answers": {
                        name: row.answers.get(name)
                        for rule in matched
                        for name in rule["when"]
                        if not name.startswith("@")
                    },
                },
            )
        )
    return findings


def robust_z(values: Sequence[float]) -> np.ndarray:
    """Modified z-scores (Iglewicz and Hoaglin, 1993): 0.6745 (x − median) / MAD.

    When the median absolute deviation is 0 (more than half the values equal), the mean absolute
    deviation stands in: (x − median) / (1.253314 · meanAD). All values equal → all 0.
    """
    x = np.asarray(values, dtype=float)
    median = np.median(x)
    deviation = np.abs(x - median)
    mad = np.median(deviation)
    if mad > 0:
        return 0.6745 * (x - median) / mad
    mean_ad = np.mean(deviation)
    if mean_ad > 0:
        return (x - median) / (1.253314 * mean_ad)
    return np.zeros_like(x)


def chi_square_test(
    observed: np.ndarray, expected: np.ndarray, design_effect: float = 1.0
) -> tuple[float, int, float, float] | None:
    """Pearson's goodness-of-fit statistic Σ (O − E)² / E over the categories with E > 0, divided
    by ``design_effect`` (Rao–Scott first-order correction), with (categories − 1) degrees of
    freedom: ``(statistic, degrees of freedom, p of the corrected statistic, corrected statistic)``,
    or None when there is nothing to compare."""
    from scipy.stats import chi2

    observed, expected = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    keep = expected > 0
    if keep.sum() < 2 or observed[keep].sum() == 0:
        return None
    statistic = float((((observed - expected) ** 2)[keep] / expected[keep]).sum())
    df = int(keep.sum()) - 1
    corrected = statistic / max(1.0, design_effect)
    return statistic, df, float(chi2.sf(corrected, df)), corrected


def expected_counts(
    own: Mapping[object, np.ndarray], others: Mapping[object, np.ndarray], prior_answers: float
) -> np.ndarray:
    """What an interviewer's answers would look like if they followed the other interviewers' in
    the same units: Σ_u m_u · q_u, with m_u the interviewer's answers in unit u and q_u the other
    interviewers' shares there, shrunk towards their campaign-wide shares q by ``prior_answers``
    pseudo-answers: q_u = (c_u + λ q) / (n_u + λ). Comparing within units keeps an interviewer
    sent to a poorly served commune from looking like a cheat."""
    overall = np.sum(list(others.values()), axis=0) if others else None
    if overall is None or overall.sum() == 0:
        return np.zeros_like(next(iter(own.values()))) if own else np.zeros(0)
    share = overall / overall.sum()
    expected = np.zeros_like(share)
    for unit, counts in own.items():
        answered = counts.sum()
        if answered == 0:
            continue
        reference = others.get(unit)
        if reference is None:
            q = share
        else:
            q = (reference + prior_answers * share) / (reference.sum() + prior_answers)
        expected += answered * q
    return expected


def answers_design_effect(groups: Sequence[np.ndarray]) -> float:
    """Mean design effect of the answer shares when answers are clustered in responses.

    ``groups`` holds, per interviewer, an (responses × codes) matrix of answer counts. For each code
    k the within-interviewer variance of its share with responses as clusters (ratio estimator,
    n / (n − G) small-sample factor) is compared with the variance if every answer were
    independent: deff_k = n/(n − G) · Σ_g Σ_i (c_ik − m_i p_gk)² / Σ_g M_g p_gk (1 − p_gk), with
    m_i the answers of response i, M_g those of interviewer g, p_gk its share of code k. The mean
    over the codes with any variation, never below 1, is the factor the chi-square statistic is
    divided by (Rao and Scott, 1981, first-order correction).
    """
    residual, independent = None, None
    responses, groups_used = 0, 0
    for counts in groups:
        counts = np.asarray(counts, dtype=float)
        if counts.ndim != 2 or counts.shape[0] == 0:
            continue
        per_response = counts.sum(axis=1)
        counts, per_response = counts[per_response > 0], per_response[per_response > 0]
        total = per_response.sum()
        if total == 0:
            continue
        share = counts.sum(axis=0) / total
        r = ((counts - np.outer(per_response, share)) ** 2).sum(axis=0)
        v = total * share * (1 - share)
        residual = r if residual is None else residual + r
        independent = v if independent is None else independent + v
        responses += counts.shape[0]
        groups_used += 1
    if residual is None or responses <= groups_used:
        return 1.0
    keep = independent > 0
    if not keep.any():
        return 1.0
    factor = responses / (responses - groups_used)
    return max(1.0, float(np.mean(factor * residual[keep] / independent[keep])))


@dataclass
class _InterviewerStats:
    interviewer: int
    rows: list[Row]
    median_duration: float = math.nan
    mean_share: float = math.nan
    counts: np.ndarray | None = None  # responses × codes


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


def check_interviewers(rows: Sequence[Row], context: Context, thresholds: Thresholds) -> list[Finding]:
    by_interviewer: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        if row.interviewer is not None:
            by_interviewer[row.interviewer].append(row)
    eligible = [
        _InterviewerStats(i, rs)
        for i, rs in sorted(by_interviewer.items())
        if len(rs) >= thresholds.interviewer_min_responses
    ]
    if len(eligible) < max(2, thresholds.interviewer_min_interviewers):
        return []
    codes = list(context.valid_codes)
    position = {code: k for k, code in enumerate(codes)}
    satisfied = set(context.satisfied_codes)
    for stats in eligible:
        durations = [r.duration for r in stats.rows if r.duration is not None]
        stats.median_duration = float(np.median(durations)) if durations else math.nan
        shares = []
        counts = np.zeros((len(stats.rows), len(codes)))
        for i, row in enumerate(stats.rows):
            answers = [str(row.answers.get(name)) for name in context.satisfaction_items]
            answers = [a for a in answers if a in position]
            if answers:
                shares.append(sum(a in satisfied for a in answers) / len(answers))
            for answer in answers:
                counts[i, position[answer]] += 1
        stats.mean_share = float(np.mean(shares)) if shares else math.nan
        stats.counts = counts

    def z_scores(attribute: str) -> dict[int, float]:
        known = [s for s in eligible if math.isfinite(getattr(s, attribute))]
        if len(known) < max(2, thresholds.interviewer_min_interviewers):
            return {}
        z = robust_z([getattr(s, attribute) for s in known])
        return {s.interviewer: float(value) for s, value in zip(known, z, strict=True)}

    z_duration, z_share = z_scores("median_duration"), z_scores("mean_share")
    durations_all = [s.median_duration for s in eligible if math.isfinite(s.median_duration)]
    shares_all = [s.mean_share for s in eligible if math.isfinite(s.mean_share)]
    typical_duration = float(np.median(durations_all)) if durations_all else math.nan
    typical_share = float(np.median(shares_all)) if shares_all else math.nan
    totals = {s.interviewer: s.counts.sum(axis=0) for s in eligible}
    total = np.sum(list(totals.values()), axis=0)
    design_effect = answers_design_effect([s.counts for s in eligible])
    # Answers per unit: of each interviewer, and of all of them together.
    by_unit: dict[int, dict[object, np.ndarray]] = {}
    for stats in eligible:
        mine: dict[object, np.ndarray] = defaultdict(lambda: np.zeros(len(codes)))
        for row, counts in zip(stats.rows, stats.counts, strict=True):
            mine[row.unit] += counts
        by_unit[stats.interviewer] = dict(mine)
    answered = [s.counts.sum(axis=1) for s in eligible]
    per_response = float(np.mean(np.concatenate(answered))) if answered else 0.0
    prior = PRIOR_RESPONSES * per_response

    def distribution_test(interviewer: int, excluded: set[int]):
        mine = by_unit[interviewer]
        others: dict[object, np.ndarray] = defaultdict(lambda: np.zeros(len(codes)))
        for other, units in by_unit.items():
            if other == interviewer or other in excluded:
                continue
            for unit, counts in units.items():
                others[unit] += counts
        expected = expected_counts(mine, {u: c for u, c in others.items() if c.sum() > 0}, prior)
        return expected, chi_square_test(totals[interviewer], expected, design_effect)

    # An interviewer who made up answers pulls the others' reference towards them and makes honest
    # interviewers look odd. So, one at a time, the most different of the interviewers found
    # different is left out of everyone's reference and all are tested again, until no one else
    # is found different (at most half the interviewers are ever left out).
    def significant(test) -> bool:
        return test is not None and test[2] < thresholds.interviewer_p_value

    excluded: set[int] = set()
    while True:
        tests = {s.interviewer: distribution_test(s.interviewer, excluded) for s in eligible}
        candidates = [i for i, (_e, test) in tests.items() if significant(test) and i not in excluded]
        if not candidates or (len(excluded) + 1) * 2 > len(eligible):
            break
        excluded.add(max(candidates, key=lambda i: tests[i][1][3]))

    findings = []
    for stats in eligible:
        reasons, parts = [], []
        zd, zs = z_duration.get(stats.interviewer), z_share.get(stats.interviewer)
        if zd is not None and abs(zd) > thresholds.interviewer_z:
            reasons.append("duration")
            parts.append(
                lazy_format(
                    _("median duration {own} minutes against {typical} (robust z {z})"),
                    own=_Minutes(stats.median_duration),
                    typical=_Minutes(typical_duration),
                    z=_Number(zd, 1),
                )
            )
        if zs is not None and abs(zs) > thresholds.interviewer_z:
            reasons.append("share")
            parts.append(
                lazy_format(
                    _("satisfied share {own} against {typical} (robust z {z})"),
                    own=_Percent(stats.mean_share),
                    typical=_Percent(typical_share),
                    z=_Number(zs, 1),
                )
            )
        own = totals[stats.interviewer]
        expected, test = tests[stats.interviewer]
        if test is not None and test[2] < thresholds.interviewer_p_value:
            reasons.append("distribution")
            parts.append(
                lazy_format(
                    _("answers distributed unlike the other interviewers' (χ² {chi2}, {df} df, p {p})"),
                    chi2=_Number(test[3], 1),
                    df=test[1],
                    p=_PValue(test[2]),
                )
            )
        if not reasons:
            continue
        name = context.interviewer_names.get(stats.interviewer) or f"#{stats.interviewer}"
        detail = {
            "interviewer": stats.interviewer,
            "interviewer_name": name,
            "reasons": reasons,
            "responses": len(stats.rows),
            "interviewers_compared": len(eligible),
            "median_duration_seconds": _finite(stats.median_duration),
            "interviewers_median_duration_seconds": _finite(typical_duration),
            "z_duration": _finite(zd),
            "mean_satisfied_share": _finite(stats.mean_share),
            "interviewers_median_satisfied_share": _finite(typical_share),
            "z_share": _finite(zs),
            "answer_counts": dict(zip(codes, (int(c) for c in own), strict=True)),
            "expected_answer_counts": dict(zip(codes, (round(float(c), 1) for c in expected), strict=True)),
            "others_answer_counts": dict(zip(codes, (int(c) for c in total - own), strict=True)),
            "reference_excludes": sorted(excluded - {stats.interviewer}),
            "chi2": _finite(test[0]) if test else None,
            "design_effect": _finite(design_effect),
            "chi2_corrected": _finite(test[3]) if test else None,
            "df": test[1] if test else None,
            "p": float(test[2]) if test else None,
        }
        message = lazy_format(_("Interviewer {name}: {reasons}."), name=name, reasons=_Joined(parts))
        findings.extend(
            Finding(row.id, FlagKind.INTERVIEWER, Severity.HIGH, message, dict(detail)) for row in stats.rows
        )
    return findings


def run_checks(rows: Sequence[Row], context: Context, thresholds: Thresholds) -> list[Finding]:
    """Every enabled check over ``rows``; at most one finding per response and kind."""
    kinds = thresholds.kinds
    findings: list[Finding] = []
    if FlagKind.DUPLICATE_DOSSIER in kinds:
        findings += check_duplicate_dossiers(rows)
    if FlagKind.DUPLICATE_PHONE in kinds:
        findings += check_duplicate_phones(rows)
    if FlagKind.SPEEDER in kinds:
        findings += check_speeders(rows, thresholds)
    if FlagKind.STRAIGHT_LINING in kinds:
        findings += check_straight_lining(rows, context, thresholds)
    if FlagKind.OUT_OF_PERIOD in kinds:
        findings += check_period(rows, context, thresholds)
    if FlagKind.IMPOSSIBLE_PROFILE in kinds:
        findings += check_profiles(rows, context, thresholds)
    if FlagKind.INTERVIEWER in kinds:
        findings += check_interviewers(rows, context, thresholds)
    return findings
