"""Design weights of responses — the seam the sampling module will fill.

Today every response weighs 1: respondents are treated as a simple random sample within their unit
(each unit a stratum), which is what a province's counter and link survey is when nothing else is
known. When issue "Sampling" stores selection probabilities, ``response_weights`` returns their
inverses here, and every run (and its fingerprint) uses them without other changes.
"""

from __future__ import annotations

import numpy as np

from hailong.campaigns.models import Campaign


def response_weights(*, campaign: Campaign, response_ids: np.ndarray) -> np.ndarray:
    """The design weight of each response, in the order of ``response_ids`` (float64)."""
    import logging

    from hailong.sampling.weights import campaign_response_weights

    # Responses from the campaign's drawn sample weigh N_h / completed_h of their stratum; the
    # others 1 (docs/sampling.md, "Weights").
    result = campaign_response_weights(campaign=campaign, response_ids=response_ids)
    logging.getLogger(__name__).info("campaign %s: %s", campaign.pk, result.note)
    return np.asarray(result.weights, dtype=float)
