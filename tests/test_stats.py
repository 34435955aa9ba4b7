"""helpers.stats: running means and their standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.stats import mean_and_band, running_mean


def test_running_mean_and_its_standard_error_match_each_prefix():
    values = np.random.default_rng(3).normal(1e6, 2.0, size=50)  # a large offset: no cancellation
    mean, se = running_mean(values)
    for m in (1, 2, 17, 50):
        assert mean[m - 1] == pytest.approx(values[:m].mean(), rel=1e-12)
        expected = values[:m].std(ddof=1) / np.sqrt(m) if m > 1 else 0.0
        assert se[m - 1] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    with pytest.raises(ValueError, match="values must be a non-empty 1-D array"):
        running_mean(np.zeros((2, 2)))


def test_mean_and_band_gives_two_standard_errors_or_the_quartiles_over_runs():
    values = np.random.default_rng(4).normal(size=(9, 5))
    mean, low, high = mean_and_band(values, "se")
    half = 2 * values.std(axis=0, ddof=1) / 3.0  # 2 s / sqrt(9)
    np.testing.assert_allclose(mean, values.mean(axis=0))
    np.testing.assert_allclose(high - mean, half)
    np.testing.assert_allclose(mean - low, half)
    _, q1, q3 = mean_and_band(values, "quartiles")
    for column in range(5):
        ordered = np.sort(values[:, column])
        assert q1[column] == pytest.approx(ordered[2])
        assert q3[column] == pytest.approx(ordered[6])
    _, low_one, high_one = mean_and_band(values[:1], "se")
    np.testing.assert_array_equal(low_one, high_one)  # one run: no band
    with pytest.raises(ValueError, match="band must be 'se' or 'quartiles'"):
        mean_and_band(values, "sd")
    with pytest.raises(ValueError, match=r"values must have shape \(n_runs, n_points\)"):
        mean_and_band(values[0])
