"""Summaries of a sequence of estimates, shared by the notebooks' experiments."""

from __future__ import annotations

import numpy as np


def running_mean(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""The mean of the first m values and its standard error, for m = 1, ..., n.

    .. math:: \bar x_m = \frac1m \sum_{i \le m} x_i, \qquad
              \mathrm{se}_m = \frac{s_m}{\sqrt m},

    with :math:`s_m` the sample standard deviation of the first m values (0 for
    m = 1). The sums of squares are taken about the overall mean, so that they do
    not cancel catastrophically.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}")
    m = np.arange(1, values.size + 1, dtype=float)
    mean = np.cumsum(values) / m
    shift = values.mean()
    squares = np.cumsum((values - shift) ** 2)
    variance = np.zeros_like(mean)
    variance[1:] = (squares - m * (mean - shift) ** 2)[1:] / (m[1:] - 1)
    return mean, np.sqrt(np.maximum(variance, 0.0) / m)
