"""Notebook 01's figures, drawn from :mod:`helpers.experiments.theorem`'s data.

:func:`draw_gradient_cloud` draws J(θ) with its tangent (left) and the cloud of
single-episode estimates with their running mean and the exact slope (right);
:func:`gradient_cloud_moving` draws only what moves with θ and the weight, for the live
view; :func:`draw_trajectory_tree` draws the tree of trajectories.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes

from helpers.experiments.theorem import WEIGHTS, GradientCloud, TrajectoryTree
from helpers.plotting import EXACT_COLOR, OKABE_ITO

ESTIMATE_YLIM = (-2.5, 9.5)
r"""Fixed y-range of the estimates, the same for every θ so that spreads can be compared.

For T = 2 every single-episode estimate lies in [-2, 16] (|∂ ln π| ≤ |p| ≤ 2 per step,
R(τ) ≤ 4); the rare ones above the range are drawn as triangles on its upper edge and
counted in the legend.
"""


def draw_gradient_cloud(data: GradientCloud, axes: list[Axes]) -> list[Artist]:
    """Left: J(θ) and its tangent at θ. Right: the estimates, their running mean and the exact slope.

    Labels are plain Unicode, not mathtext: each new figure starts with an empty mathtext
    cache, so every ``$...$`` would be parsed again on every slider move. Returns the
    artists that move with θ (:func:`gradient_cloud_moving`).
    """
    left, right = axes
    left.plot(data.theta_grid, data.objective_grid, color=EXACT_COLOR, label="J(θ)")
    low, high = data.objective_grid.min(), data.objective_grid.max()
    pad = 0.15 * (high - low)
    left.set_ylim(low - pad, high + pad)
    left.set_xlim(data.theta_grid[0], data.theta_grid[-1])
    # fixed ticks: the tick locator's search is a noticeable part of each redraw
    left.set_xticks(np.arange(np.ceil(data.theta_grid[0]), data.theta_grid[-1] + 0.5))
    left.set_yticks(np.arange(np.ceil(low), np.floor(high) + 0.5))
    left.set_xlabel("policy parameter θ")
    left.set_ylabel("J(θ), expected total reward")
    left.set_title("Tangent at θ: estimated slope vs exact")

    right.set_ylim(*ESTIMATE_YLIM)
    right.set_xlim(0, data.estimates.size + 1)
    right.set_xticks(np.linspace(0, data.estimates.size, 5))
    right.set_yticks(np.arange(-2, ESTIMATE_YLIM[1], 2))
    right.set_xlabel("episode m")
    right.set_ylabel("ĝᵐ, one episode's estimate of dJ/dθ")
    return gradient_cloud_moving(data, axes)


def gradient_cloud_moving(data: GradientCloud, axes: list[Axes]) -> list[Artist]:
    """What moves with θ and the weight: tangents, estimates, running mean, titles and legends."""
    left, right = axes
    estimate_color, mean_color = OKABE_ITO["sky"], OKABE_ITO["vermillion"]
    span = np.linspace(data.theta - 1.0, data.theta + 1.0, 2)
    moving = left.plot(span, data.objective + data.mean * (span - data.theta), color=mean_color,
                       linewidth=1.4, label=f"estimated slope {data.mean:.3f}")
    moving += left.plot(span, data.objective + data.gradient * (span - data.theta), color=EXACT_COLOR,
                        linestyle="--", linewidth=1.2, label=f"exact slope {data.gradient:.3f}")
    moving += left.plot([data.theta], [data.objective], "o", color=EXACT_COLOR, markersize=5)
    moving.append(left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, columnspacing=1.0))

    m = np.arange(1, data.estimates.size + 1)
    running, se = data.running_mean(), data.running_standard_error()
    top = ESTIMATE_YLIM[1]
    above = data.estimates > top
    moving += right.plot(m[~above], data.estimates[~above], "o", color=estimate_color, markersize=3,
                         alpha=0.6, label="ĝᵐ, one per episode")
    if above.any():
        moving += right.plot(m[above], np.full(above.sum(), top - 0.25), "^", color=estimate_color,
                             markersize=5, clip_on=False,
                             label=f"{above.sum()} above {top:g} (largest {data.estimates.max():.1f})")
    moving.append(right.fill_between(m[1:], (running - 2 * se)[1:], (running + 2 * se)[1:],
                                     color=mean_color, alpha=0.25, linewidth=0))
    moving += right.plot(m, running, color=mean_color, label="running mean ± 2 SE")
    moving.append(right.axhline(data.gradient, color=EXACT_COLOR, linestyle="--", linewidth=1.2, zorder=3,
                                label=f"exact dJ/dθ = {data.gradient:.3f}"))
    verdict = "covers" if data.band_covers_exact else "misses"
    moving.append(right.set_title(f"{data.estimates.size} estimates, weight {WEIGHTS[data.weight]}: mean "
                                  f"{data.mean:.2f} ± {2 * data.standard_error:.2f}\n{verdict} the exact "
                                  f"{data.gradient:.2f}"))
    moving.append(right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2))
    return moving


def draw_trajectory_tree(tree: TrajectoryTree, ax: Axes,
                         highlight: tuple[int, int, int, int] | None = None) -> None:
    r"""The tree of a two-week season: p₀, a₀, p₁, a₁ from top to bottom, one leaf per trajectory.

    An edge's width is the probability of reaching its node, so the wide paths are the likely
    seasons; each leaf's colour (and the sign of its marker: ▲ for R(τ) > 0, ▼ for R(τ) < 0, ● for 0)
    is the season's total reward. J(θ) is the probability-weighted sum of the leaves. ``highlight``
    = (p₀, a₀, p₁, a₁) draws that trajectory's path in orange.
    """
    n = len(tree.probability)
    leaf_x = np.arange(n, dtype=float)

    def prefix(k: int, depth: int) -> tuple:
        parts = (tree.demand[k, 0], tree.actions[k, 0], tree.demand[k, 1], tree.actions[k, 1])
        return tuple(int(v) for v in parts[:depth])

    for depth in range(4, 0, -1):
        groups: dict[tuple, list[int]] = {}
        for k in range(n):
            groups.setdefault(prefix(k, depth), []).append(k)
        for node, members in groups.items():
            parent = [k for k in range(n) if prefix(k, depth - 1) == node[:-1]]
            x_child, x_parent = leaf_x[members].mean(), leaf_x[parent].mean()
            weight = tree.probability[members].sum()
            ax.plot([x_parent, x_child], [-(depth - 1), -depth], color=EXACT_COLOR,
                    linewidth=0.3 + 9.0 * weight, solid_capstyle="round", zorder=1)
            if highlight is not None and node == tuple(highlight[:depth]):
                ax.plot([x_parent, x_child], [-(depth - 1), -depth], color=OKABE_ITO["orange"],
                        linewidth=2.2, zorder=3)
            if depth == 1:
                ax.text(x_child, -0.55, f"p₀ = {node[0]:+d}", ha="center", va="center", fontsize=8,
                        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "none"})
            if depth == 2 and node[0] == int(tree.demand[0, 0]):
                ax.text(x_child, -2.0, "MORE " if node[1] == 1 else " LESS",
                        ha="left" if node[1] else "right", va="bottom", fontsize=7)
    colors = np.where(tree.total_reward > 0, OKABE_ITO["blue"],
                      np.where(tree.total_reward < 0, OKABE_ITO["vermillion"], "grey"))
    markers = np.where(tree.total_reward > 0, "^", np.where(tree.total_reward < 0, "v", "o"))
    for k in range(n):
        ax.scatter(leaf_x[k], -4.25, s=12 + 900 * tree.probability[k], color=colors[k], marker=markers[k],
                   zorder=2)
    ax.set_yticks([0, -1, -2, -3, -4],
                  ["start", "p₀ ~ ρ", "a₀ ~ π(·|p₀, θ)", "p₁ ~ P(p₀ → ·)", "a₁ ~ π(·|p₁, θ)"])
    ax.set_xticks([])
    ax.set_ylim(-4.7, 0.3)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"The 64 two-week seasons at θ = {tree.theta:g}: "
                 f"J(θ) = Σ π_θ(τ) R(τ) = {tree.objective:.3f}")
    ax.text(0.5, -0.04, "edge width: probability of the branch; leaves: ▲ R(τ) > 0, ▼ R(τ) < 0, ● R(τ) = 0, "
            "size π_θ(τ)" + ("; orange: the trajectory printed above" if highlight is not None else ""),
            transform=ax.transAxes, ha="center", va="top", fontsize=8)
