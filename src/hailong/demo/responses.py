"""Synthetic answers for the demo campaign: realistic enough that results pages look real.

Each unit has its own service quality, each element its own strength, and a respondent's answers
are correlated (a happy respondent is happy on most items), so unit rankings, weak criteria and
the drivers of overall satisfaction all show patterns worth reading. Deterministic (seeded).
"""

import random
from dataclasses import dataclass

from hailong.collection.formspec import FormSpec, QuestionSpec
from hailong.methodology.choices import Measure, QuestionKind

COMMENTS = [
    "Cán bộ hướng dẫn tận tình, chu đáo.",
    "Thời gian chờ đợi còn lâu, cần bố trí thêm quầy tiếp nhận.",
    "Nên công khai rõ hơn các khoản phí, lệ phí.",
    "Thủ tục còn nhiều giấy tờ, đề nghị đơn giản hóa.",
    "Khu vực chờ chật, thiếu chỗ ngồi vào giờ cao điểm.",
    "Trả kết quả đúng hẹn, rất hài lòng.",
    "Dịch vụ công trực tuyến còn khó sử dụng với người lớn tuổi.",
    "Cần có bãi để xe rộng hơn.",
    "Máy lấy số thứ tự hay bị lỗi.",
    "Cán bộ trả lời điện thoại chưa kịp thời.",
    "Phải đi lại nhiều lần vì hồ sơ thiếu giấy tờ mà không được hướng dẫn ngay từ đầu.",
    "Rất tốt, cảm ơn cán bộ phường.",
]


@dataclass(frozen=True)
class UnitProfile:
    quality: float  # mean latent satisfaction, roughly 2.5 (poor) … 4.6 (excellent) on the 1–5 scale
    element_effects: dict[str, float]


def unit_profile(rng: random.Random, elements: list[str]) -> UnitProfile:
    quality = rng.gauss(3.9, 0.35)
    return UnitProfile(quality, {e: rng.gauss(0, 0.3) for e in elements})


def _scale(latent: float) -> str:
    return str(min(5, max(1, round(latent))))


def _element_of(question: QuestionSpec, parents: dict[str, str]) -> str:
    code = question.criterion or ""
    while code in parents and parents[code]:
        if parents[code] in ("PA", "PB", ""):
            break
        code = parents[code]
    return code


def synthetic_answers(
    spec: FormSpec, profile: UnitProfile, rng: random.Random, parents: dict[str, str]
) -> dict[str, object]:
    mood = rng.gauss(0, 0.45)  # this respondent's general disposition
    answers: dict[str, object] = {}
    for question in spec.questions:
        if not question.takes_answer or not question.web_supported:
            continue
        values = [c.value for c in question.choices]
        kind = question.kind
        if kind == QuestionKind.SATISFACTION:
            if "9" in values and rng.random() < 0.03 and question.measure != Measure.OVERALL:
                answers[question.name] = "9"
                continue
            effect = profile.element_effects.get(_element_of(question, parents), 0.0)
            latent = profile.quality + effect + mood + rng.gauss(0, 0.55)
            answers[question.name] = _scale(latent)
        elif kind == QuestionKind.YES_NO:
            # Few people send feedback or complaints; most are interested in policies.
            yes = 0.22 if "gop" in question.name or "phan_anh" in question.name else 0.8
            answers[question.name] = "yes" if rng.random() < yes else "no"
        elif kind == QuestionKind.SINGLE:
            # Profiles lean one way (most respondents are individuals, most are Kinh…).
            weights = (
                [1.0 / (i + 1) for i in range(len(values))]
                if len(values) > 2
                else [0.82, 0.18][: len(values)]
            )
            if "quay_roi" in question.name or "phien_ha" in question.name:
                weights = [0.9, 0.09, 0.01][: len(values)] + [0] * max(0, len(values) - 3)
            answers[question.name] = rng.choices(values, weights=weights)[0] if values else ""
        elif kind == QuestionKind.MULTIPLE:
            answers[question.name] = sorted(rng.sample(values, k=min(len(values), rng.randint(1, 2))))
        elif kind == QuestionKind.RANKING:
            # The weakest elements of the unit come first, with some disagreement.
            order = sorted(
                values, key=lambda v: profile.element_effects.get(v.upper(), 0) + rng.gauss(0, 0.25)
            )
            answers[question.name] = order[:3]
        elif kind == QuestionKind.INTEGER:
            answers[question.name] = max(0, int(rng.expovariate(0.6)) + 1)
        elif kind == QuestionKind.LONG_TEXT:
            if rng.random() < 0.18:
                answers[question.name] = rng.choice(COMMENTS)
        elif kind == QuestionKind.TEXT and question.required:
            answers[question.name] = "—"
    return answers
