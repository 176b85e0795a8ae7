"""Design weights of a campaign's responses from its drawn sample — what ``indices.weights`` asks for.

A response that came from a sampled person (``SampledPerson.response``) of the campaign's latest
drawn sample weighs ``N_h / c_h``: ``N_h`` the frame's records in its stratum, ``c_h`` the counted
responses from that stratum's sampled people (``stats.sampling.weights_for_realised``: the weights of
a stratum add up to its frame count, after non-response and replacements). In a two-stage sample the
stratum is a selected unit, and the weight is further divided by the unit's first-stage probability.

Sample weights are used only when every counted response came from the sample. A campaign that also
took answers from open links, counters or walk-ins is not a probability sample as a whole: giving a
few sampled answers weights of N_h / c_h (often tens) next to hundreds of unweighted ones would let
those few dominate their unit. Then every response weighs 1 and the note says why; estimating on the
sample alone means counting only its responses (e.g. a campaign of its own for the sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from hailong.campaigns.models import Campaign
from hailong.core.messages import bilingual, lazy_format
from hailong.sampling.choices import SampleStatus
from hailong.sampling.models import Sample, SampledPerson
from hailong.stats.sampling import weights_for_realised


@dataclass(frozen=True)
class ResponseWeights:
    weights: np.ndarray
    sample_id: int | None
    from_sample: int
    outside: int
    # Some counted responses are from the sample and some are not: all weigh 1.
    mixed: bool = False

    @property
    def note(self) -> str:
        """A short note for the run: how many responses were weighted from the sample."""
        if self.sample_id is None:
            return bilingual(_("No sample has been drawn: every response weighs 1."))
        if self.mixed:
            return bilingual(
                lazy_format(
                    _(
                        "Sample #{sample} weights are not used: {inside} responses come from sampled people but {outside} do not, so every response weighs 1."
                    ),
                    sample=self.sample_id,
                    inside=self.from_sample,
                    outside=self.outside,
                )
            )
        return bilingual(
            lazy_format(
                _(
                    "Design weights from sample #{sample}: {inside} responses from sampled people; {outside} responses not from the sample weigh 1."
                ),
                sample=self.sample_id,
                inside=self.from_sample,
                outside=self.outside,
            )
        )


def latest_drawn_sample(campaign: Campaign) -> Sample | None:
    return (
        Sample.objects.filter(campaign=campaign, status=SampleStatus.DRAWN)
        .order_by("-drawn_at", "-id")
        .first()
    )


def campaign_response_weights(*, campaign: Campaign, response_ids) -> ResponseWeights:
    """The weight of each response of ``response_ids`` (in that order) and how it was obtained."""
    ids = np.asarray(response_ids, dtype=np.int64)
    weights = np.ones(len(ids), dtype=float)
    sample = latest_drawn_sample(campaign)
    if sample is None or len(ids) == 0:
        return ResponseWeights(weights, sample.pk if sample else None, 0, len(ids))
    linked = list(
        SampledPerson.objects.filter(sample=sample, response_id__isnull=False).values_list(
            "response_id", "stratum"
        )
    )
    if not linked:
        return ResponseWeights(weights, sample.pk, 0, len(ids))
    linked_ids = np.array([r for r, _s in linked], dtype=np.int64)
    linked_strata = np.array([s for _r, s in linked], dtype=object)
    order = np.argsort(ids, kind="stable")
    where = np.minimum(np.searchsorted(ids[order], linked_ids), len(ids) - 1)
    counted = ids[order][where] == linked_ids
    positions = order[where[counted]]
    strata = linked_strata[counted]
    if len(positions) == 0:
        return ResponseWeights(weights, sample.pk, 0, len(ids))
    population = {row["stratum"]: row["population"] for row in sample.allocation}
    realised = weights_for_realised(
        strata.astype(str), population, np.ones(len(strata), dtype=bool), partial=True
    )
    outside = len(ids) - len(positions)
    if outside:
        return ResponseWeights(weights, sample.pk, len(positions), outside, mixed=True)
    first_stage = {row["stratum"]: row.get("unit_probability") or 1.0 for row in sample.allocation}
    weights[positions] = realised / np.array([first_stage[s] for s in strata], dtype=float)
    return ResponseWeights(weights, sample.pk, len(positions), 0)
