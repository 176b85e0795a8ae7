import numpy as np
import pytest

from hailong.stats import correlation_sums, correlations, weighted_correlations


def test_equal_weights_give_the_pearson_correlation_and_frequency_weights_repeat_rows():
    rng = np.random.default_rng(3)
    x = rng.random((200, 2))
    y = x[:, 0] * 0.7 + rng.random(200) * 0.3
    x[5, 1] = np.nan  # undefined for that criterion only
    r, n = weighted_correlations(np.ones(200), x, y, np.zeros(200, int), 1)
    assert r[0, 0] == pytest.approx(np.corrcoef(x[:, 0], y)[0, 1], abs=1e-12)
    keep = ~np.isnan(x[:, 1])
    assert r[0, 1] == pytest.approx(np.corrcoef(x[keep, 1], y[keep])[0, 1], abs=1e-12)
    assert n.tolist() == [[200, 199]]
    weights = rng.integers(1, 4, size=200).astype(float)
    repeated = np.repeat(np.arange(200), weights.astype(int))
    r_weighted, _ = weighted_correlations(weights, x[:, :1], y, np.zeros(200, int), 1)
    assert r_weighted[0, 0] == pytest.approx(np.corrcoef(x[repeated, 0], y[repeated])[0, 1], abs=1e-12)


def test_sums_of_small_domains_add_up_to_the_larger_and_constant_scores_have_no_correlation():
    rng = np.random.default_rng(4)
    x, y = rng.random((90, 1)), rng.random(90)
    domains = np.repeat([0, 1, 2], 30)
    sums = correlation_sums(np.ones(90), x, y, domains, 3)
    merged, _ = correlations(sums.sum(axis=0, keepdims=True))
    direct, _ = weighted_correlations(np.ones(90), x, y, np.zeros(90, int), 1)
    assert merged[0, 0] == pytest.approx(direct[0, 0], abs=1e-12)
    flat, _ = weighted_correlations(np.ones(90), np.ones((90, 1)), y, domains, 3)
    assert np.isnan(flat).all()
