"""Summaries of estimates and of learning runs, shared by the notebooks' experiments and figures."""

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


def mean_and_band(values: np.ndarray, band: str = "se") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Mean over runs (axis 0) and a band around it.

    Parameters
    ----------
    values : ndarray, shape (n_runs, n_points)
    band : {"se", "quartiles"}
        ``"se"``: mean ± 2 standard errors, :math:`2 s / \sqrt{n}`; ``"quartiles"``: the
        25th and 75th percentiles over runs.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must have shape (n_runs, n_points), got {values.shape}")
    mean = values.mean(axis=0)
    if band == "se":
        half = 2 * values.std(axis=0, ddof=1) / np.sqrt(len(values)) if len(values) > 1 else 0 * mean
        return mean, mean - half, mean + half
    if band == "quartiles":
        low, high = np.percentile(values, [25, 75], axis=0)
        return mean, low, high
    raise ValueError(f"band must be 'se' or 'quartiles', got {band!r}")
