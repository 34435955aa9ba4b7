"""helpers.stats: running means and their standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.stats import running_mean


def test_running_mean_and_its_standard_error_match_each_prefix():
    values = np.random.default_rng(3).normal(1e6, 2.0, size=50)  # a large offset: no cancellation
    mean, se = running_mean(values)
    for m in (1, 2, 17, 50):
        assert mean[m - 1] == pytest.approx(values[:m].mean(), rel=1e-12)
        expected = values[:m].std(ddof=1) / np.sqrt(m) if m > 1 else 0.0
        assert se[m - 1] == pytest.approx(expected, rel=1e-6, abs=1e-12)
    with pytest.raises(ValueError, match="values must be a non-empty 1-D array"):
        running_mean(np.zeros((2, 2)))
