"""Notebook 02's quantitative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false for the
numbers the notebook prints (section 5: 2000 single-episode estimates per θ, seed 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers.dashboards import demand

TABLE_THETAS = (-2.0, -1.0, 0.0, 0.5, 1.0, 2.5)


@pytest.fixture(scope="module")
def views():
    return {theta: demand.single_episode_estimates(theta, seed=0) for theta in TABLE_THETAS}


def test_spread_of_single_episode_estimates(views):
    """The spread of one episode's estimate, as section 5 states it.

    "Their standard deviation s is 0.9 to 2 times the gradient they estimate: about one
    episode in ten gives more than twice the gradient".
    """
    spreads = [v.estimates.std(ddof=1) / abs(v.exact) for v in views.values()]
    assert round(min(spreads), 1) == 0.9
    assert round(max(spreads), 1) == 2.0
    above_twice = [np.mean(v.estimates > 2 * v.exact) for v in views.values()]
    assert all(0.09 <= share <= 0.13 for share in above_twice), above_twice


def test_share_of_estimates_with_the_wrong_sign(views):
    """The share of wrong signs, as section 5 states it.

    "away from θ = 0 between 3.6% (at θ = 0.5) and 8.9% (at θ = ±1) of them even have the wrong sign".
    """
    shares = {theta: np.mean(v.estimates < 0) for theta, v in views.items() if theta != 0.0}
    assert np.mean(views[0.0].estimates < 0) == 0.0
    low, high = min(shares, key=shares.get), max(shares.values())
    assert low == 0.5
    assert f"{shares[low]:.1%}" == "3.6%"
    assert f"{high:.1%}" == "8.9%"
    assert f"{shares[-1.0]:.1%}" == f"{shares[1.0]:.1%}" == "8.9%"


def test_most_estimates_are_small_far_from_zero(views):
    """Far from 0 most estimates are small: "at θ = 2.5, 88% of the episodes give |ĝᵐ| < 0.5"."""
    assert f"{np.mean(np.abs(views[2.5].estimates) < 0.5):.0%}" == "88%"
