"""Notebook 04's figures, drawn from :mod:`helpers.experiments.baselines`'s data.

The learning curves of one baseline and final J against the step size (with the
``*_moving`` part for the live view), the variance histograms, the shifted-reward
runs, the step-size heat map, and the short corridor's diagram, value and learning curves.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from helpers.envs import SHORT_CORRIDOR_BEST_P, ShortCorridor, short_corridor_value
from helpers.experiments.baselines import (
    BOOK_THETA0,
    GRID_BASELINES,
    J_STAR,
    N_EPISODES,
    THETA_EXPONENTS,
    CorridorRuns,
    CorridorStepSizes,
    LearningCurves,
    corridor_curve,
    expected_return_curve,
)
from helpers.plotting import EXACT_COLOR, OKABE_ITO, PALETTE, compared_line_style, subplots

J_RANGE = (-4.5, 5.0)
"""The J axis of the dashboard: J on the grid runs from about -4 (steering into the edges) to about +4.5."""


LEARNING_LABELS = {"none": "no baseline", "mean": "mean return", "learned": "learned v̂(s, w)",
                   "exact": "exact v_π(s)"}
"""The baselines of the learning runs (the mean return is the running mean of earlier returns)."""


BASELINE_LABELS = {
    "none": "no baseline",
    "mean": "mean return (leave one out)",
    "learned": "learned v̂(s, w)",
    "exact": "exact v_π(s)",
    "min-variance": "min-variance constant b*",
}
"""The baselines of the variance study (the mean return leaves the episode itself out)."""


BASELINE_COLORS = {"none": OKABE_ITO["vermillion"], "mean": OKABE_ITO["orange"], "learned": OKABE_ITO["blue"],
                   "exact": OKABE_ITO["green"], "min-variance": OKABE_ITO["purple"]}
"""One colour per baseline, in the variance study and the learning runs."""


def draw_learning_curves(data: LearningCurves, axes: list[Axes]) -> list[Artist]:
    """Left: J of every run and the mean; right: final J against α^θ per baseline.

    Returns the artists that move with the step sizes (:func:`learning_curves_moving`); the frame
    depends on the baseline only.
    """
    ax, ax_final = axes
    ax.set(xlabel="episode", ylabel="J(θ) of the unshifted grid", xlim=(0, N_EPISODES), ylim=J_RANGE,
           title="Every run (thin) and their mean")
    ax_final.set_xscale("log", base=2)
    # plain-text tick labels: the default 2^k labels are mathtext, parsed again on every redraw
    ax_final.set_xticks(data.alphas_theta, [f"2^{k}" for k in THETA_EXPONENTS])
    ax_final.minorticks_off()
    ax_final.set(xlabel="α^θ", ylabel=f"mean J after {N_EPISODES} episodes", ylim=J_RANGE,
                 title="Final J against the step size")
    moving = learning_curves_moving(data, axes)
    ax.legend(loc="lower right")
    ax_final.legend(loc="lower left", fontsize=8)
    return moving


def learning_curves_moving(data: LearningCurves, axes: list[Axes]) -> list[Artist]:
    """What moves with α^θ and α^w: every run, the means, the final J of each baseline, the marker."""
    ax, ax_final = axes
    episodes, baseline = data.episodes, data.baseline
    color = BASELINE_COLORS[baseline]
    moving: list[Artist] = []
    if baseline != "none":
        moving += ax.plot(episodes, data.reference.mean(axis=0), color=BASELINE_COLORS["none"], ls="--",
                          lw=1.5, label="no baseline, mean")
    runs = np.stack(np.broadcast_arrays(episodes[None, :], data.curves), axis=-1)
    light = 0.65 + 0.35 * np.array(to_rgb(color))  # a pale shade instead of transparency (faster to render)
    moving.append(ax.add_collection(LineCollection(runs, colors=[tuple(light)], linewidths=0.6)))
    moving += ax.plot(episodes, data.curves.mean(axis=0), color=color, lw=2.4,
                      label=f"{LEARNING_LABELS[baseline]}, mean")
    for index, b in enumerate(GRID_BASELINES):
        moving += ax_final.plot(data.alphas_theta, data.final[b], color=BASELINE_COLORS[b],
                                **compared_line_style(index), lw=2.4 if b == baseline else 1.2,
                                label=LEARNING_LABELS[b])
    moving.append(ax_final.axvline(data.alpha_theta, color=PALETTE[4], lw=1, ls=":"))
    return moving


def variance_figure(problem_name: str, estimates: dict[str, np.ndarray], exact_gradient: np.ndarray,
                    component: int = 0) -> Figure:
    """Histograms of one component of the per-episode estimates under each baseline, exact ∂J/∂θ dashed.

    ``estimates`` maps each baseline to its estimates, shape (n_episodes, d), as
    :func:`helpers.experiments.baselines.variance_estimates` gives them.
    """
    exact = exact_gradient[component]
    names = list(estimates)
    fig, axes = subplots(len(names), panel_size=(2.6, 2.4), sharex=True, sharey=True)
    values = np.concatenate([g[:, component] for g in estimates.values()])
    low, high = np.percentile(values, [0.5, 99.5])
    bins = np.linspace(low, high, 41)
    for ax, name in zip(axes[0], names, strict=True):
        g = estimates[name][:, component]
        ax.hist(np.clip(g, low, high), bins=bins, color=BASELINE_COLORS[name], alpha=0.85)
        ax.axvline(exact, color=EXACT_COLOR, ls="--", lw=1.2)
        ax.set_title(f"{BASELINE_LABELS[name]}\nsd = {g.std(ddof=1):.2f}", fontsize=9)
        ax.set_xlabel(f"ĝᵐ_{component + 1} (one episode's estimate of ∂J/∂θ_{component + 1})", fontsize=8)
    axes[0][0].set_ylabel("episodes")
    fig.suptitle(f"{problem_name}: {len(values) // len(names)} single-episode estimates per baseline, "
                 f"same episodes (the outer 1 % piled at the edges); dashed: exact ∂J/∂θ_{component + 1} = "
                 f"{exact:.3f}")
    return fig


def reward_shift_figure(result: dict[str, np.ndarray], curves: dict[tuple[float, str], np.ndarray],
                        eval_every: int) -> Figure:
    """Left: total variance against the shift c with and without v_π; right: learning curves at two shifts."""
    fig, axes = subplots(2, panel_size=(5.0, 3.6))
    ax_var, ax_learn = axes[0]
    shift = result["shift"]
    for key, label, color in (("none", "no baseline", BASELINE_COLORS["none"]),
                              ("exact", "baseline v_π(s)", BASELINE_COLORS["exact"])):
        value, se = result[key].T
        ax_var.errorbar(shift, value, yerr=2 * se, marker="o", ms=4, capsize=3, color=color, label=label)
    ax_var.set_yscale("log")
    ax_var.set(xlabel="reward shift c", ylabel="total variance of ĝᵐ (one episode)",
               title="Shifting rewards: variance grows without a baseline")
    ax_var.legend()
    styles = {0.0: "-", max(k[0] for k in curves): "--"}
    for (c, baseline), values in curves.items():
        episodes = np.arange(values.shape[1]) * eval_every
        shifted = c != 0.0  # open circles: a shifted curve stays visible where it lies on the unshifted one
        ax_learn.plot(episodes, values.mean(axis=0), color=BASELINE_COLORS[baseline], ls=styles.get(c, ":"),
                      marker="o" if shifted else None, ms=5, mfc="none", markevery=2,
                      label=f"{BASELINE_LABELS[baseline]}, c = {c:g}")
    top = max(k[0] for k in curves)
    title = f"Learning with shifted rewards ({next(iter(curves.values())).shape[0]} runs)"
    if (0.0, "exact") in curves and (top, "exact") in curves and top != 0.0 \
            and np.allclose(curves[(0.0, "exact")], curves[(top, "exact")]):
        title += f"\nwith v_π the c = {top:g} runs are the c = 0 runs"
    ax_learn.set(xlabel="episode", ylabel="mean J(θ) of the unshifted grid", title=title)
    ax_learn.legend(fontsize=8, loc="lower right")
    return fig


def corridor_step_size_figure(grid: CorridorStepSizes) -> Figure:
    """A heat map of the mean reward per episode for every (α^θ, α^w), with the runs stopped in each cell."""
    mean_reward, stopped = grid.mean_reward, grid.stopped
    fig, axes = subplots(1, panel_size=(7.0, 4.4))
    ax = axes[0][0]
    shown = np.maximum(mean_reward, -60.0)
    image = ax.imshow(shown, origin="lower", cmap="viridis", aspect="auto", vmin=-60, vmax=J_STAR)
    for i in range(shown.shape[0]):
        for j in range(shown.shape[1]):
            text = f"{mean_reward[i, j]:.0f}" + (f"\n{stopped[i, j]} stopped" if stopped[i, j] else "")
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] < -35 else "black")
    ax.set_xticks(range(len(grid.theta_exponents)), [f"2^{k}" for k in grid.theta_exponents])
    ax.set_yticks(range(len(grid.w_exponents)), [f"2^{k}" for k in grid.w_exponents])
    ax.set(xlabel="α^θ", ylabel="α^w",
           title=f"Short corridor with baseline: mean reward, first {grid.n_episodes} episodes, "
                 f"{grid.n_runs} runs per cell")
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="mean reward per episode (below -60 drawn as -60)")
    return fig


def draw_corridor_diagram(ax: Axes) -> None:
    """Sutton & Barto's short corridor: where "right" (above) and "left" (below) lead from each cell.

    Three cells and the goal G; in the second cell the actions are reversed. The
    destinations are read from the environment's own model, ``ShortCorridor().tabular()``.
    """
    mdp = ShortCorridor().tabular()
    names = ("start", "reversed", "", "G")
    for cell in range(4):
        face = "#d9d9d9" if cell == 3 else ("#fde0c5" if cell == 1 else "white")
        ax.add_patch(Rectangle((cell - 0.4, -0.35), 0.8, 0.7, facecolor=face, edgecolor=EXACT_COLOR))
        label = "G" if cell == 3 else f"cell {cell}" + (f"\n({names[cell]})" if names[cell] else "")
        ax.text(cell, 0.0, label, ha="center", va="center", fontsize=8)
    heights = {}  # each move on its own level: above the cells "right", below them "left"
    for cell in range(3):
        for action, color, side, label in ((ShortCorridor.RIGHT, PALETTE[0], 1, "right"),
                                           (ShortCorridor.LEFT, OKABE_ITO["vermillion"], -1, "left")):
            target = int(np.argmax(mdp.P[cell, action]))
            level = heights.get(side, 0)
            heights[side] = level + 1
            y = side * (0.55 + 0.28 * level)
            style = "-" if side > 0 else "--"
            shift = 0.15 if level == 0 else -0.15  # moves on different levels start and end apart
            start, end = cell + shift, target + shift
            if target == cell:  # into the wall: it stays
                start, end = cell - 0.15, cell + 0.15
            ax.plot([start, start, end], [side * 0.35, y, y], color=color, linestyle=style, linewidth=1.2)
            ax.annotate("", xy=(end, side * 0.35), xytext=(end, y),
                        arrowprops={"arrowstyle": "->", "color": color, "linestyle": style})
            text = f"{label} in cell {cell}" + (": stays" if target == cell else "")
            ax.text((start + end) / 2, y + side * 0.09, text, ha="center", va="center", fontsize=7,
                    color=color)
    ax.text(1.5, -1.45, "reward −1 on every step, the step into G included", ha="center", fontsize=8)
    ax.set(xlim=(-0.6, 3.6), ylim=(-1.55, 1.45),
           title="The short corridor: the actions are reversed in cell 1")
    ax.set_aspect("equal")
    ax.axis("off")


def corridor_value_figure() -> Figure:
    """The corridor's diagram, and J(p) exactly, with its maximum and the start of Figures 13.1/13.2."""
    p = np.linspace(0.01, 0.99, 400)
    fig, axes = subplots(2, panel_size=(6.0, 3.6))
    draw_corridor_diagram(axes[0][0])
    ax = axes[0][1]
    ax.plot(p, short_corridor_value(p), color=PALETTE[0], label="J(p) = (2p - 4) / (p(1 - p))")
    ax.plot([SHORT_CORRIDOR_BEST_P], [J_STAR], "o", color=EXACT_COLOR,
            label=f"optimum p* = 2 - √2 = {SHORT_CORRIDOR_BEST_P:.3f}, J* = {J_STAR:.2f}")
    p0 = float(1 / (1 + np.exp(BOOK_THETA0[1] - BOOK_THETA0[0])))
    ax.plot([p0], [short_corridor_value(p0)], "s", color=OKABE_ITO["vermillion"],
            label=f"start of Figures 13.1, 13.2: p = {p0:.3f}, J = {float(short_corridor_value(p0)):.1f}")
    ax.set(ylim=(-100, 0), xlabel="p = π(right)", ylabel="J(p) = v_π(s₀)",
           title="Short corridor: the best policy is stochastic")
    ax.legend(loc="lower center")
    return fig


def corridor_figure(runs: dict[str, CorridorRuns], labels: dict[str, str], title: str) -> Figure:
    """Mean G_0 per episode over the runs still going (thin) and mean exact J(p_k) (thick), J* dashed."""
    fig, axes = subplots(1, panel_size=(7.0, 4.0))
    ax = axes[0][0]
    for index, ((key, r), color) in enumerate(zip(runs.items(), PALETTE, strict=False)):
        mean, _ = corridor_curve(r)
        episodes = np.arange(1, r.returns.shape[1] + 1)
        ax.plot(episodes, mean, color=color, lw=0.6, alpha=0.45)
        ax.plot(episodes, expected_return_curve(r), color=color, lw=2.2,
                **compared_line_style(index, episodes.size),
                label=f"{labels[key]} ({r.n_runaways} of {len(r.returns)} runs stopped)")
    ax.axhline(J_STAR, color=EXACT_COLOR, ls="--", lw=1.2, label=f"v*(s₀) = J(p*) = {J_STAR:.2f}")
    ax.set(ylim=(-90, -10), xlabel="episode", ylabel="total reward per episode",
           title=title)
    ax.legend(loc="lower right", fontsize=8)
    return fig
