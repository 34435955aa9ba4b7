"""Notebook 03's figures, drawn from :mod:`helpers.experiments.grid`'s data.

The road with a policy's arrows and visits, the landscape J(θ₁, θ₂) with its
gradient field, learning paths, the discount comparison, the state form's terms and
the clouds of single-episode and batch updates. The ``*_moving`` functions draw only
what moves with a slider, for the live view.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.colors as mcolors
import numpy as np
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, Rectangle

from helpers.experiments.grid import (
    ACTION_NAMES,
    THETA0,
    THETA1_LIMITS,
    THETA2_LIMITS,
    DiscountComparison,
    EpisodePath,
    GridProblem,
    Landscape,
    PathsView,
    PolicyView,
    UpdateClouds,
    landscape,
    time_step_terms,
    wind_steps,
)
from helpers.mdp import (
    GradientTerms,
)
from helpers.plotting import EXACT_COLOR, OKABE_ITO, draw_filled_landscape, subplots
from helpers.policies import left_down_right_features

J_LEVELS = tuple(np.arange(-7.5, 6.01, 0.75))
"""Contour levels of every landscape figure, shared so that a colour means the same J everywhere."""


REWARD_CMAP = mcolors.LinearSegmentedColormap.from_list(
    "lane_reward", [OKABE_ITO["vermillion"], "#FFFFFF", OKABE_ITO["blue"]])
"""Lane colours: vermillion for costly lanes, blue for paying ones (colour-blind safe)."""


_ACTION_DIRECTIONS = np.array([[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]])
"""Where each action moves the car in the drawing (x = lane, y = -row): down-left, down, down-right."""


def _cell_xy(problem: GridProblem, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    row, col = problem.env.position(np.asarray(states))
    return col.astype(float), -row.astype(float)


def _policy_arrows(ax: Axes, pi: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[Artist]:
    """Three arrows per cell (down-left, down, down-right), as long as the action is likely.

    The arrows start just outside a dot (the car); an arrow of probability 1 is 0.64
    of a cell long; actions below 2% are not drawn.
    """
    unit = _ACTION_DIRECTIONS / np.linalg.norm(_ACTION_DIRECTIONS, axis=1, keepdims=True)
    cell, action = np.nonzero(pi >= 0.02)
    length = 0.64 * pi[cell, action][:, None] * unit[action]
    tail_x = x[cell] + 0.1 * unit[action, 0]
    tail_y = y[cell] + 0.25 + 0.1 * unit[action, 1]
    cars = ax.plot(x, y + 0.25, "o", color=EXACT_COLOR, markersize=2.0, linestyle="none", zorder=3)
    arrows = ax.quiver(tail_x, tail_y, length[:, 0], length[:, 1], angles="xy", scale_units="xy",
                       scale=1.0, width=0.0065, headwidth=3.2, headlength=3.0, headaxislength=2.7,
                       color=EXACT_COLOR, zorder=3)
    return [*cars, arrows]


def _road_policy(ax: Axes, problem: GridProblem, pi: np.ndarray) -> list[Artist]:
    """The policy's arrows in every non-terminal cell of the road; returns the artists."""
    live = np.flatnonzero(~problem.mdp.terminal)
    x, y = _cell_xy(problem, live)
    return _policy_arrows(ax, np.asarray(pi)[live], x, y)


def draw_road(ax: Axes, problem: GridProblem, *, pi: np.ndarray | None = None,
              path: EpisodePath | None = None, title: str | None = None) -> None:
    """Draw the road: lanes coloured by reward, the wind, the start, the finish row.

    Parameters
    ----------
    ax : Axes
    problem : GridProblem
    pi : ndarray, shape (S, 3), optional
        A policy table, drawn in every cell as three arrows (down-left, down,
        down-right) whose lengths are the action probabilities.
    path : EpisodePath, optional
        One episode, drawn as a line through the cells it visits.
    title : str, optional
    """
    env = problem.env
    n_rows, n_cols = problem.shape
    if pi is not None and np.shape(pi) != (problem.mdp.n_states, 3):
        raise ValueError(f"pi must be a policy table of shape ({problem.mdp.n_states}, 3), "
                         f"got {np.shape(pi)}")
    norm = mcolors.TwoSlopeNorm(vmin=min(env.lane_rewards.min(), -1.0), vcenter=0.0,
                                vmax=max(env.lane_rewards.max(), 1.0))
    for col, reward in enumerate(env.lane_rewards + env.reward_shift):
        ax.add_patch(Rectangle((col - 0.5, -(n_rows - 1) + 0.5), 1.0, n_rows - 1,
                               facecolor=REWARD_CMAP(norm(reward)), alpha=0.55, edgecolor="none"))
        ax.text(col, 0.82, f"{reward:+g}", ha="center", va="bottom", fontsize=9)
    ax.text(-0.55, 0.82, "reward:", ha="right", va="bottom", fontsize=8)
    ax.add_patch(Rectangle((-0.5, -(n_rows - 1) - 0.5), n_cols, 1.0, facecolor="0.85",
                           hatch="//", edgecolor="0.6", linewidth=0.0))
    ax.text(n_cols - 1.5, -(n_rows - 1), "finish", ha="center", va="center", fontsize=9, zorder=6,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})
    ax.vlines(np.arange(n_cols + 1) - 0.5, -(n_rows - 1) - 0.5, 0.5, color="white", linewidth=1.0)
    ax.hlines(-np.arange(n_rows + 1) + 0.5, -0.5, n_cols - 0.5, color="white", linewidth=1.0)
    wind_rows = -np.arange(n_rows - 1.0)
    ax.quiver(np.full(n_rows - 1, -1.15), wind_rows, np.full(n_rows - 1, 0.5), np.zeros(n_rows - 1),
              angles="xy", scale_units="xy", scale=1.0, color="0.45", width=0.008, headwidth=4.0,
              headlength=4.0, headaxislength=3.6)
    ax.plot([], [], linestyle="none", marker=r"$\rightarrow$", markersize=10, color="0.45",
            label=f"wind: {env.wind:.0%} chance of one lane right")
    ax.add_patch(Rectangle((env.start_col - 0.47, -0.47), 0.94, 0.94, fill=False,
                           edgecolor=EXACT_COLOR, linewidth=1.8, zorder=2))
    ax.text(env.start_col, 0.5, "start", ha="center", va="bottom", fontsize=8, fontweight="bold")
    if pi is not None:
        _road_policy(ax, problem, pi)
    if path is not None:
        x, y = _cell_xy(problem, path.states)
        outline = [patheffects.withStroke(linewidth=4.5, foreground="white")]
        windy = wind_steps(problem, path)
        for t in range(len(path.actions)):
            ax.plot(x[t:t + 2], y[t:t + 2], color=EXACT_COLOR, linewidth=2.0, zorder=4,
                    linestyle="--" if windy[t] else "-", path_effects=outline, solid_capstyle="round")
        ax.plot(x, y, "o", color=EXACT_COLOR, markersize=5, markeredgecolor="white", markeredgewidth=1.0,
                zorder=5)
        ax.plot([], [], color=EXACT_COLOR, linewidth=2.0, label="the episode: own move")
        ax.plot([], [], color=EXACT_COLOR, linewidth=2.0, linestyle="--",
                label="the episode: pushed by the wind")
    ax.legend(loc="upper left", bbox_to_anchor=(-0.05, -0.12), fontsize=8, frameon=False)
    ax.set_xlim(-1.3, n_cols - 0.5)
    ax.set_ylim(-(n_rows - 1) - 0.55, 1.3)
    ax.set_aspect("equal")
    _label_road_axes(ax, n_rows, n_cols)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)


def frame_gradient_plane(ax: Axes, points: np.ndarray, pad_fraction: float) -> None:
    """Frame gradient vectors: the origin marked, all ``points`` (n, 2) in view, equal axes, labels."""
    ax.plot(0, 0, "+", color="0.4")
    low, high = points.min(axis=0), points.max(axis=0)
    pad = pad_fraction * (high - low).max()
    ax.set_xlim(low[0] - pad, high[0] + pad)
    ax.set_ylim(low[1] - pad, high[1] + pad)
    ax.set_aspect("equal")
    ax.set_xlabel(r"component along $\theta_1$")
    ax.set_ylabel(r"component along $\theta_2$")


def _label_road_axes(ax: Axes, n_rows: int, n_cols: int) -> None:
    """Lane numbers below, row numbers (= time steps) at the side, no grid: the road's axes."""
    ax.set_xticks(range(n_cols), [f"{c}" for c in range(n_cols)])
    ax.set_yticks(-np.arange(n_rows), [f"{r}" for r in range(n_rows)])
    ax.set_xlabel("lane")
    ax.set_ylabel("row  (= time step t)")
    ax.tick_params(length=0)
    ax.grid(False)


def draw_visits(ax: Axes, problem: GridProblem, values: np.ndarray, *, label: str = r"$\mu(s)$",
                title: str | None = None, fmt: str = "{:.2f}") -> None:
    """A heat map of one number per non-terminal state (μ(s) or η(s)), printed in each cell."""
    n_rows, n_cols = problem.shape
    values = np.asarray(values, dtype=float)
    if values.shape != (problem.mdp.n_states,):
        raise ValueError(f"values must have one entry per state, shape ({problem.mdp.n_states},), "
                         f"got {values.shape}")
    table = values.reshape(n_rows, n_cols)[:-1]
    image = ax.imshow(table, cmap="Blues", vmin=0.0, extent=(-0.5, n_cols - 0.5, -(n_rows - 1) + 0.5, 0.5),
                      origin="upper")
    ax.figure.colorbar(image, ax=ax, label=label, shrink=0.8)
    threshold = 0.6 * table.max()
    for row in range(n_rows - 1):
        for col in range(n_cols):
            value = table[row, col]
            ax.text(col, -row, "·" if value == 0 else fmt.format(value), ha="center", va="center",
                    fontsize=8, color="white" if value > threshold else EXACT_COLOR)
    ax.add_patch(Rectangle((-0.5, -(n_rows - 1) - 0.5), n_cols, 1.0, facecolor="0.85",
                           hatch="//", edgecolor="0.6", linewidth=0.0))
    ax.text((n_cols - 1) / 2, -(n_rows - 1), "finish", ha="center", va="center", fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0})
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(-(n_rows - 1) - 0.5, 0.5)
    _label_road_axes(ax, n_rows, n_cols)
    if title:
        ax.set_title(title)


def draw_landscape(ax: Axes, land: Landscape, *, colorbar: bool = True, arrows_every: int = 6,
                   optimum_note: bool = True) -> None:
    r"""J(θ_1, θ_2) as filled contours with the direction of ∇J as white arrows on a coarser grid.

    Arrows have a common length: they show the direction of steepest ascent; the
    spacing of the contour lines shows how steep it is (levels ``J_LEVELS``, 0.75 apart).
    With ``optimum_note`` the cone θ_1 > θ_2 > 0, in which J tends to its supremum,
    is outlined.
    """
    draw_filled_landscape(ax, land.theta1, land.theta2, land.J, levels=np.array(J_LEVELS), colorbar=colorbar,
                     labels=(r"$\theta_1$ (left's weight, $\theta_L$)",
                             r"$\theta_2$ (right's weight, $\theta_R$)"))
    sub = slice(arrows_every // 2, None, arrows_every)
    gradient = land.gradient[sub, sub]
    norm = np.linalg.norm(gradient, axis=-1, keepdims=True)
    unit = np.divide(gradient, norm, out=np.zeros_like(gradient), where=norm > 0)
    spacing = arrows_every * (land.theta1[1] - land.theta1[0])
    ax.quiver(land.theta1[sub], land.theta2[sub], unit[..., 0], unit[..., 1], color="white",
              alpha=0.85, angles="xy", scale_units="xy", scale=1.0 / (0.6 * spacing),
              pivot="mid", width=0.005)
    if optimum_note:
        t1_max, t2_max = land.theta1[-1], land.theta2[-1]
        edge = min(t1_max, t2_max)
        dark = [patheffects.withStroke(linewidth=2.8, foreground=EXACT_COLOR)]
        ax.plot([0, edge], [0, edge], color="white", linestyle=":", linewidth=1.4, path_effects=dark)
        ax.plot([0, t1_max], [0, 0], color="white", linestyle=":", linewidth=1.4, path_effects=dark)
    ax.set_xlim(land.theta1[0], land.theta1[-1])
    ax.set_ylim(land.theta2[0], land.theta2[-1])
    ax.set_aspect("equal")


RUN_COLORS = (OKABE_ITO["orange"], OKABE_ITO["sky"], OKABE_ITO["vermillion"], OKABE_ITO["purple"],
              OKABE_ITO["yellow"], OKABE_ITO["blue"], OKABE_ITO["green"], "#44AA99", "#999999", "#882255")
"""One colour per run of the α dashboard (Okabe–Ito, then three of Tol's muted colours).

Runs are also numbered where they end, so no run depends on its colour alone."""


def run_colors(n_runs: int) -> list[str]:
    """``n_runs`` run colours, cycling through ``RUN_COLORS``."""
    return [RUN_COLORS[k % len(RUN_COLORS)] for k in range(n_runs)]


def draw_paths(ax: Axes, paths: np.ndarray, *, ascent: np.ndarray | None = None,
               label: str | None = "REINFORCE runs") -> list[Artist]:
    """θ-paths of several runs (one colour each, numbered where they end), and the exact-ascent path.

    Draw the landscape (or set the axes limits) first: a run that ends outside
    the limits gets a hollow dot at the nearest point of the box. Returns the artists.
    """
    outline = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    colors = run_colors(len(paths))
    runs = LineCollection(paths, colors=colors, linewidths=1.1, label=label, path_effects=outline)
    ax.add_collection(runs, autolim=False)
    drawn: list[Artist] = [runs]
    low, high = np.array([ax.get_xlim(), ax.get_ylim()]).T
    ends = paths[:, -1]
    inside = np.all((ends >= low) & (ends <= high), axis=1)
    shown = np.clip(ends, low, high)
    drawn.append(ax.scatter(
        shown[:, 0], shown[:, 1], s=np.where(inside, 30, 45), zorder=4, clip_on=False,
        c=np.where(inside[:, None], np.array([mcolors.to_rgba(c) for c in colors]), (1, 1, 1, 1)),
        edgecolors=np.where(inside[:, None], mcolors.to_rgba(EXACT_COLOR),
                            np.array([mcolors.to_rgba(c) for c in colors])),
        linewidths=np.where(inside, 0.6, 1.8)))
    offset = 0.025 * (high - low)
    for run, (x, y) in enumerate(shown, start=1):  # plain text: an outline would cost ~1 ms per number
        drawn.append(ax.text(x + offset[0], y + offset[1], f"{run}", fontsize=7, fontweight="bold",
                             zorder=6, clip_on=False, color=EXACT_COLOR))
    if ascent is not None:
        drawn += ax.plot(ascent[:, 0], ascent[:, 1], color=EXACT_COLOR, linewidth=1.6, linestyle="--",
                         path_effects=outline, label="exact ascent θ ← θ + α∇J")
    drawn += ax.plot(*THETA0, marker="s", color="white", markeredgecolor=EXACT_COLOR, markersize=6)
    return drawn


# --- the gamma^t factor ---------------------------------------------------------------------------

def _covariance_ellipse(ax: Axes, points: np.ndarray, center: np.ndarray, n_sd: float,
                        **kwargs) -> None:
    """The ellipse of ``n_sd`` standard deviations of ``points``' covariance, around ``center``."""
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(points.T))
    angle = np.degrees(np.arctan2(eigenvectors[1, -1], eigenvectors[0, -1]))
    width, height = 2 * n_sd * np.sqrt(eigenvalues[::-1])
    ax.add_patch(Ellipse(center, width, height, angle=angle, fill=False, **kwargs))


def _arrow(ax: Axes, tip: np.ndarray, *, color: str, label: str, linestyle: str = "-",
           tail: np.ndarray | None = None, width: float = 2.0, outline: bool = False) -> None:
    tail = np.zeros(2) if tail is None else tail
    props = {"arrowstyle": "-|>", "color": color, "linewidth": width, "linestyle": linestyle,
             "shrinkA": 0, "shrinkB": 0}
    if outline:
        props["path_effects"] = [patheffects.withStroke(linewidth=width + 2.5, foreground="white")]
    ax.annotate("", xy=tip, xytext=tail, arrowprops=props, zorder=6 if outline else None)
    ax.plot([], [], color=color, linestyle=linestyle, linewidth=width, label=label)


def draw_discount_comparison(axes: list[Axes], comparison: DiscountComparison, gammas: np.ndarray,
                             relative_bias: np.ndarray) -> None:
    r"""Left: the two estimates' means (± 2 standard errors) against the exact ∇J_γ.

    Right: the exact relative bias of dropping :math:`\gamma^t`, as γ varies.
    """
    ax = axes[0]
    _arrow(ax, comparison.exact, color=EXACT_COLOR, label=r"exact $\nabla J_\gamma(\theta)$")
    _arrow(ax, comparison.undiscounted_visits, color=OKABE_ITO["vermillion"], linestyle="--",
           width=1.4, label=r"exact mean without $\gamma^t$")
    for estimates, color, label in (
            (comparison.with_discount, OKABE_ITO["blue"], r"sample mean, with $\gamma^t$"),
            (comparison.without_discount, OKABE_ITO["vermillion"], r"sample mean, without $\gamma^t$")):
        mean = estimates.mean(axis=0)
        ax.plot(*mean, "o", color=color, markersize=5, label=label)
        _covariance_ellipse(ax, estimates / np.sqrt(len(estimates)), mean, 2.0, color=color,
                            linewidth=1.2)
    frame_gradient_plane(ax, np.vstack([comparison.exact, comparison.undiscounted_visits, np.zeros(2)]),
                         pad_fraction=0.25)
    n = len(comparison.with_discount)
    ax.plot([], [], color="0.3", marker="o", markersize=9, markerfacecolor="none", linestyle="none",
            label="2 standard errors of a mean")
    theta = comparison.theta
    ax.set_title(f"γ = {comparison.gamma:g}, θ = ({theta[0]:g}, {theta[1]:g}): means of {n:,} estimates")
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[1]
    ax.plot(gammas, 100 * relative_bias, color=OKABE_ITO["vermillion"])
    ax.axvline(comparison.gamma, color="0.5", linestyle=":", linewidth=1.0)
    ax.set_xlabel(r"discount $\gamma$")
    ax.set_ylabel(r"bias without $\gamma^t$ (% of $\|\nabla J_\gamma\|$)")
    ax.set_title(r"dropping $\gamma^t$: the exact bias at the same $\theta$")
    ax.set_xlim(gammas.min(), gammas.max())
    ax.set_ylim(bottom=0)


# --- the theorem's state form ---------------------------------------------------------------------

def draw_state_form(axes: list[Axes], problem: GridProblem, terms: GradientTerms) -> None:
    r"""Left: μ(s) on the road. Right: ∇J built row by row, and the state-form sum.

    The right panel lays the row terms of :func:`time_step_terms` tip to tail; they
    end exactly at ∇J. The state-form sum
    :math:`\sum_s \mu(s) \sum_a q_\pi(s, a) \nabla\pi(a|s, \theta)` points the same
    way, :math:`\sum_s \eta(s)` times shorter.

    Parameters
    ----------
    axes : two Axes
    problem : GridProblem
    terms : helpers.mdp.GradientTerms
    """
    draw_visits(axes[0], problem, terms.mu,
                title="on-policy distribution " + r"$\mu(s)$" + "\n(· never visited; 0.00: below 0.005)")
    ax = axes[1]
    rows = time_step_terms(problem, terms)
    colors = [OKABE_ITO["sky"], OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["orange"],
              OKABE_ITO["purple"], "0.5"]
    tail, points = np.zeros(2), [np.zeros(2)]
    ax.plot([0, terms.gradient[0]], [0, terms.gradient[1]], color="0.55", linestyle=":", linewidth=1.0)
    for t, vector in enumerate(rows):
        label = f"row t = {t}" + ("  (zero)" if np.linalg.norm(vector) < 1e-12 else "")
        _arrow(ax, tail + vector, tail=tail, color=colors[t % len(colors)], label=label, width=1.6)
        tail = tail + vector
        points.append(tail)
    _arrow(ax, terms.state_sum, color=EXACT_COLOR, width=3.2,
           label="state-form sum\n" + r"$\sum_s \mu(s) \sum_a q_\pi(s,a) \nabla\pi(a|s,\theta)$")
    ax.plot(*terms.gradient, "o", color="white", markeredgecolor=EXACT_COLOR, markeredgewidth=1.8,
            markersize=8, label=r"exact $\nabla J(\theta)$", linestyle="none")
    frame_gradient_plane(ax, np.array(points), pad_fraction=0.15)
    ax.set_title(r"$\nabla J$ built row by row;" + "\n"
                 + f"thick: state-form sum (= ∇J / {terms.episode_length:.0f})")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)


# --- batch against per-episode updates ------------------------------------------------------------

def draw_update_clouds(ax: Axes, clouds: UpdateClouds) -> None:
    """Both clouds of update directions with their 2-SD ellipses, and the exact ∇J."""
    M = clouds.batch_size
    batch_label = rf"batch of M = {M}: $\hat g = \frac{{1}}{{M}}\sum_m \hat g^{{(m)}}$"
    for points, color, label, size in (
            (clouds.single, OKABE_ITO["orange"], r"one episode: $\hat g^{(m)}$", 6),
            (clouds.batch, OKABE_ITO["blue"], batch_label, 6)):
        ax.scatter(points[:, 0], points[:, 1], s=size, color=color, alpha=0.35, linewidths=0,
                   label=label)
        _covariance_ellipse(ax, points, points.mean(axis=0), 2.0, color=color, linewidth=1.5)
        ax.plot(*points.mean(axis=0), "o", color=color, markeredgecolor=EXACT_COLOR, markersize=6)
    _arrow(ax, clouds.exact, color=EXACT_COLOR, label=r"exact $\nabla J(\theta)$", width=2.4, outline=True)
    inset = ax.inset_axes((0.62, 0.5, 0.36, 0.36))
    for points, color in ((clouds.single, OKABE_ITO["orange"]), (clouds.batch, OKABE_ITO["blue"])):
        inset.plot(*points.mean(axis=0), "o", color=color, markeredgecolor=EXACT_COLOR, markersize=6)
    _arrow(inset, clouds.exact, color=EXACT_COLOR, label="", width=2.0, outline=True)
    inset.plot(0, 0, "+", color="0.4")
    corners = np.vstack([np.zeros(2), clouds.exact, clouds.single.mean(axis=0), clouds.batch.mean(axis=0)])
    pad = 0.25 * np.ptp(corners, axis=0).max()
    inset.set_xlim(corners[:, 0].min() - pad, corners[:, 0].max() + pad)
    inset.set_ylim(corners[:, 1].min() - pad, corners[:, 1].max() + pad)
    inset.set_aspect("equal")
    inset.tick_params(labelsize=7)
    inset.text(0.04, 0.05, "zoom: means, ∇J", transform=inset.transAxes, fontsize=7)
    ax.set_aspect("equal")
    ax.set_xlabel(r"component along $\theta_1$")
    ax.set_ylabel(r"component along $\theta_2$")
    theta = clouds.theta
    ax.set_title(f"update directions at θ = ({theta[0]:g}, {theta[1]:g}):\n"
                 "same mean, different spread (ellipses: 2 s.d.)")
    ax.legend(loc="lower left", fontsize=8, markerscale=2.5)


def draw_update_paths(ax: Axes, single: np.ndarray, batch: np.ndarray, *, n_drawn: int = 5,
                      land: Landscape | None = None, labels: tuple[str, str] = ("", ""),
                      colorbar: bool = False) -> None:
    """The first ``n_drawn`` paths of per-episode runs (``single``) and batch runs (``batch``).

    Batch runs get a square at every update, so their fewer, longer steps show.
    """
    outline = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    if land is not None:
        draw_landscape(ax, land, colorbar=colorbar, arrows_every=3, optimum_note=False)
    for paths, color, label, marker in ((single, OKABE_ITO["orange"], labels[0], None),
                                        (batch, OKABE_ITO["blue"], labels[1], "s")):
        for k, run in enumerate(paths[:n_drawn]):
            ax.plot(run[:, 0], run[:, 1], color=color, linewidth=1.1, path_effects=outline,
                    marker=marker, markersize=3, label=label if k == 0 else None)
    ax.plot(*THETA0, marker="s", color="white", markeredgecolor=EXACT_COLOR, markersize=6)
    ax.legend(loc="lower left", fontsize=8, facecolor="white", framealpha=0.85, frameon=True)


def draw_endpoints(ax: Axes, single: np.ndarray, batch: np.ndarray,
                   labels: tuple[str, str] = ("", "")) -> None:
    """Where every run ends, for both kinds of update, with means and 2-SD ellipses."""
    for paths, color, label, marker in ((single, OKABE_ITO["orange"], labels[0], "o"),
                                        (batch, OKABE_ITO["blue"], labels[1], "s")):
        ends = paths[:, -1]
        ax.scatter(ends[:, 0], ends[:, 1], s=10, color=color, alpha=0.45, marker=marker, linewidths=0,
                   label=label)
        _covariance_ellipse(ax, ends, ends.mean(axis=0), 2.0, color=color, linewidth=1.6)
        ax.plot(*ends.mean(axis=0), marker=marker, color=color, markeredgecolor=EXACT_COLOR,
                markersize=7, linestyle="none")
    ax.set_aspect("equal")
    ax.set_xlabel(r"$\theta_1$ at the end")
    ax.set_ylabel(r"$\theta_2$ at the end")
    ax.legend(loc="lower left", fontsize=8, markerscale=1.8)


def world_figure(problem: GridProblem, path: EpisodePath) -> Figure:
    """The road with one sampled episode."""
    fig, axes = subplots(1, panel_size=(4.6, 4.6))
    total = float(path.rewards.sum())
    draw_road(axes[0, 0], problem, path=path,
              title=f"one episode under the uniform policy: G₀ = {total:+.0f}" if total else
              "one episode under the uniform policy: G₀ = 0")
    return fig


def policy_form_figure(problem: GridProblem, thetas: Sequence[tuple[float, float]]) -> Figure:
    r"""π(left), π(down), π(right) against the lane's feature φ, for a few θ.

    The curves are the softmax of the preferences (θ_1 φ, 0, θ_2 φ); the dots are
    the six lanes.
    """
    fig, axes = subplots(len(thetas), panel_size=(3.5, 3.0))
    phi = np.linspace(-1.0, 1.0, 101)
    lanes = problem.env.state_feature(problem.feature)[: problem.shape[1], 0]
    colors = (OKABE_ITO["vermillion"], "0.35", OKABE_ITO["blue"])
    for ax, theta in zip(axes[0], thetas, strict=True):
        theta = np.asarray(theta, dtype=float)
        curve = problem.policy.probs(theta, left_down_right_features(phi[:, None]))
        dots = problem.policy.probs(theta, left_down_right_features(lanes[:, None]))
        for a, (name, color) in enumerate(zip(ACTION_NAMES, colors, strict=True)):
            ax.plot(phi, curve[:, a], color=color, label=f"π({name})",
                    linestyle=("-", "--", "-")[a])
            ax.plot(lanes, dots[:, a], "o", color=color, markersize=4)
        ax.set_title(f"θ = ({theta[0]:g}, {theta[1]:g})")
        ax.set_xlabel(r"lane offset $\phi(s)$  (left edge −1, right edge +1)")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlim(-1.05, 1.05)
    axes[0, 0].set_ylabel(r"$\pi(a|s,\theta)$")
    axes[0, 0].legend(loc="upper center", fontsize=8)
    return fig


def landscape_figure(problem_landscapes: Sequence[tuple[str, Landscape, bool]]) -> Figure:
    """Landscapes side by side: (title, landscape, whether to outline the cone θ_1 > θ_2 > 0) each."""
    fig, axes = subplots(len(problem_landscapes), panel_size=(5.4, 4.6))
    for ax, (title, land, show_cone) in zip(axes[0], problem_landscapes, strict=True):
        draw_landscape(ax, land, optimum_note=show_cone)
        ax.set_title(title)
    return fig


def marked_landscape_figure(points: dict[str, tuple[float, float]], title: str = "") -> Figure:
    """The landscape of the offset feature with a few θ marked and labelled (e.g. the exercise's A and B).

    Parameters
    ----------
    points : dict of name -> (θ_1, θ_2)
        Each must lie inside the landscape's box.
    title : str, optional
    """
    low, high = np.array([THETA1_LIMITS[0], THETA2_LIMITS[0]]), np.array([THETA1_LIMITS[1], THETA2_LIMITS[1]])
    for name, theta in points.items():
        if np.shape(theta) != (2,) or not np.all((low <= np.asarray(theta)) & (np.asarray(theta) <= high)):
            raise ValueError(f"points[{name!r}] must be a pair (θ_1, θ_2) inside the box "
                             f"{THETA1_LIMITS} x {THETA2_LIMITS}, got {theta!r}")
    fig, axes = subplots(1, panel_size=(5.4, 4.6))
    ax = axes[0, 0]
    draw_landscape(ax, landscape())
    outline = [patheffects.withStroke(linewidth=3.0, foreground="white")]
    for name, (t1, t2) in points.items():
        ax.plot(t1, t2, "o", markersize=9, markerfacecolor="none", markeredgecolor=OKABE_ITO["vermillion"],
                markeredgewidth=2.0, zorder=5)
        ax.annotate(f"{name} = ({t1:g}, {t2:g})", (t1, t2), xytext=(8, 8), textcoords="offset points",
                    fontsize=10, fontweight="bold", color=EXACT_COLOR, path_effects=outline, zorder=6)
    if title:
        ax.set_title(title)
    return fig


def discount_figure(comparison: DiscountComparison, gammas: np.ndarray,
                    relative_bias: np.ndarray) -> Figure:
    """The γ^t comparison: the two means against ∇J_γ, and the exact bias against γ."""
    fig, axes = subplots(2, panel_size=(4.8, 4.0))
    draw_discount_comparison(list(axes[0]), comparison, gammas, relative_bias)
    return fig


def state_form_figure(problem: GridProblem, terms: GradientTerms) -> Figure:
    """μ(s) on the road, and ∇J built row by row next to the state-form sum."""
    fig, axes = subplots(2, panel_size=(5.4, 4.4))
    draw_state_form(list(axes[0]), problem, terms)
    return fig


def batch_figure(clouds: UpdateClouds, single: np.ndarray, batch: np.ndarray, alpha: float) -> Figure:
    """Update directions at θ_0, a few learning paths, and where all runs end: per-episode vs batch."""
    M = clouds.batch_size
    labels = (f"per-episode, α = {alpha:g}", f"batch of M = {M}, α = {M * alpha:g}")
    fig, axes = subplots(3, panel_size=(4.3, 4.0))
    draw_update_clouds(axes[0, 0], clouds)
    draw_update_paths(axes[0, 1], single, batch, land=landscape(), labels=labels, colorbar=True)
    ends = np.vstack([single[:, -1], batch[:, -1], [THETA0]])
    low, high = ends.min(axis=0), ends.max(axis=0)
    axes[0, 1].set_xlim(low[0] - 1, high[0] + 1)
    axes[0, 1].set_ylim(low[1] - 1, high[1] + 1)
    n_episodes = single.shape[1] - 1
    axes[0, 1].set_title(f"{min(5, len(single))} runs of each,\n{n_episodes} episodes from θ = (0, 0)")
    draw_endpoints(axes[0, 2], single, batch, labels=labels)
    axes[0, 2].set_title(f"where {len(single)} runs of each end\n(ellipses: 2 s.d.)")
    return fig


def _mark_theta(ax: Axes, theta: np.ndarray, gradient: np.ndarray, span: float) -> list[Artist]:
    outline = [patheffects.withStroke(linewidth=3.5, foreground="white")]
    norm = np.linalg.norm(gradient)
    marks: list[Artist] = []
    if norm > 0:
        tip = theta + 0.12 * span * gradient / norm
        marks.append(ax.annotate("", xy=tip, xytext=theta, zorder=5,
                                 arrowprops={"arrowstyle": "-|>", "color": OKABE_ITO["vermillion"],
                                             "linewidth": 2.0, "path_effects": outline}))
    marks += ax.plot(*theta, marker="o", color=OKABE_ITO["vermillion"], markeredgecolor="white",
                     markeredgewidth=1.2, markersize=8, zorder=6)
    return marks


def draw_policy_view(data: PolicyView, axes: list[Axes], *, colorbar: bool = False) -> list[Artist]:
    """Left: the policy in every cell. Right: θ on the landscape, with the direction of ∇J.

    ``colorbar`` adds the colour bar of J (about 25 ms per redraw, so the live view leaves
    it out; the static small multiples show it). Returns the artists that move with θ.
    """
    draw_road(axes[0], data.problem, title=r"$\pi(a|s,\theta)$ in every cell")
    draw_landscape(axes[1], data.landscape, colorbar=colorbar)
    return policy_view_moving(data, axes)


def policy_view_moving(data: PolicyView, axes: list[Axes]) -> list[Artist]:
    """What moves with θ: the arrows of the policy, θ and the direction of ∇J, the title."""
    moving = _road_policy(axes[0], data.problem, data.pi)
    land = data.landscape
    moving += _mark_theta(axes[1], data.theta, data.gradient, land.theta1[-1] - land.theta1[0])
    g1, g2 = np.round(data.gradient, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    moving.append(axes[1].set_title(f"J(θ) = {data.J:.2f},  ∇J = ({g1:.2f}, {g2:.2f})"))
    return moving


def paths_summary(final_J: np.ndarray) -> str:
    """Where runs end, in words.

    In the basin (J < 0), still climbing (J < 4), on the plateau (4 ≤ J < 5), in the cone (J ≥ 5).
    """
    final_J = np.asarray(final_J, dtype=float)
    counts = ((np.sum(final_J < 0), "in the basin"),
              (np.sum((final_J >= 0) & (final_J < 4)), "still climbing"),
              (np.sum((final_J >= 4) & (final_J < 5)), "on the plateau"),
              (np.sum(final_J >= 5), "in the cone"))
    parts = [f"{n} {where}" for n, where in counts if n > 0]
    if len(parts) == 1:
        return "all runs " + parts[0].split(" ", 1)[1]
    return ",\n".join([", ".join(parts[:2])] + ([", ".join(parts[2:])] if len(parts) > 2 else []))


def draw_paths_view(data: PathsView, axes: list[Axes]) -> list[Artist]:
    """Left: the runs' θ-paths on the landscape. Right: the exact J(θ) along each run.

    Returns the artists that move with α (:func:`paths_view_moving`).
    """
    draw_landscape(axes[0], data.landscape, colorbar=False)
    ax = axes[1]
    ax.axhline(data.best_return, color=EXACT_COLOR, linestyle=":", linewidth=1.2,
               label=f"best possible J = {data.best_return:.0f}")
    ax.set_ylim(-6.2, 6.6)
    ax.set_xlim(0, data.J.shape[1] - 1)
    ax.set_xlabel("episode")
    ax.set_ylabel(r"exact $J(\theta)$ after the update")
    ax.set_title("how good each run's policy is\n(colours as on the left)")
    moving = paths_view_moving(data, axes)
    ax.plot([], [], "o", color="white", markeredgecolor="0.4", markeredgewidth=1.6,
            label="(left) run ended outside the box")
    handles, labels = ax.get_legend_handles_labels()
    order = [1, 2, 3, 0]  # runs, ascent, the hollow dot, then the best J
    ax.legend([handles[i] for i in order], [labels[i] for i in order], loc="center right",
              bbox_to_anchor=(1.0, 0.35), fontsize=8, facecolor="white", framealpha=0.9, frameon=True)
    return moving


def paths_view_moving(data: PathsView, axes: list[Axes]) -> list[Artist]:
    """What moves with α: the θ-paths, their ends and numbers, the title, and J along each run."""
    moving = draw_paths(axes[0], data.paths, ascent=data.ascent)
    moving.append(axes[0].set_title(f"α = {data.alpha:.3g}: {paths_summary(data.J[:, -1])}"))
    ax = axes[1]
    episodes = np.arange(data.J.shape[1])
    curves = np.stack([np.broadcast_to(episodes, data.J.shape), data.J], axis=-1)
    moving.append(ax.add_collection(LineCollection(curves, colors=run_colors(len(curves)), linewidths=0.9,
                                                   label="REINFORCE runs (one colour each)"),
                                    autolim=False))
    moving += ax.plot(episodes, data.ascent_J, color=EXACT_COLOR, linestyle="--", linewidth=1.6,
                      label="exact ascent θ ← θ + α∇J")
    return moving
