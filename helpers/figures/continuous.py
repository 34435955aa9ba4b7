"""Notebook 05's figures, drawn from :mod:`helpers.experiments.continuous`'s data.

The exploration view (the noise of the estimate against σ, and learning runs at
(σ, α)) with its ``*_moving`` part for the live view, the same view for a few settings
(:func:`exploration_figure`), and the runs that learn σ too.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    NullFormatter,
    NullLocator,
    ScalarFormatter,
)

from helpers.experiments.continuous import (
    ExplorationView,
    GaussianRuns,
    NoiseCurve,
    continuous_demand,
    learned_sigma,
    mean_objective,
)
from helpers.plotting import EXACT_COLOR, OKABE_ITO, PALETTE, subplots
from helpers.stats import mean_and_band

# --- REINFORCE with a Gaussian policy -------------------------------------------------------------

def draw_learned_sigma(runs: GaussianRuns, axes: list[Axes]) -> None:
    r"""Runs that learn μ and σ: the mean's slope and offset, σ at each p, and the gap to J*."""
    ax_mu, ax_sigma, ax_J = axes
    episodes = np.arange(runs.n_episodes + 1)
    lines = ((runs.theta[:, :, 0], r"slope $\theta_1$ of $\mu = \theta_1 p + \theta_2$", PALETTE[0]),
             (runs.theta[:, :, 1], r"offset $\theta_2$", PALETTE[1]))
    for values, label, color in lines:
        _, low, high = mean_and_band(values, "quartiles")
        ax_mu.fill_between(episodes, low, high, color=color, alpha=0.2, linewidth=0)
        ax_mu.plot(episodes, np.median(values, axis=0), color=color, label=label)
    ax_mu.axhline(1.0, color=EXACT_COLOR, linestyle="--", linewidth=1.0, label=r"best: $\mu = p$")
    ax_mu.axhline(0.0, color=EXACT_COLOR, linestyle="--", linewidth=1.0)
    ax_mu.set_xlabel("season k")
    ax_mu.set_ylabel("parameter value")
    ax_mu.set_title("The mean learns to order p")
    ax_mu.legend(loc="center right", fontsize=8)

    learned = learned_sigma(runs)
    sigma_median = np.median(learned.sigma, axis=0)  # (n_episodes + 1, 4)
    _, low, high = mean_and_band(learned.sigma[:, :, 3], "quartiles")
    ax_sigma.fill_between(episodes, low, high, color=PALETTE[0], alpha=0.2, linewidth=0,
                          label="middle half of the runs, p = +2")
    for i, p in enumerate(continuous_demand().p):
        ax_sigma.plot(episodes, sigma_median[:, i], color=PALETTE[0], linewidth=1.0 if p != 2 else 2.0,
                      alpha=0.5 if p != 2 else 1.0)
    ax_sigma.plot([], [], color=PALETTE[0], linewidth=1.0, alpha=0.5,
                  label="median at p = −2, −1, +1, +2")
    ax_sigma.set_yscale("log")
    ax_sigma.yaxis.set_major_formatter(ScalarFormatter())
    ax_sigma.yaxis.set_minor_formatter(NullFormatter())
    ax_sigma.set_yticks([0.2, 0.3, 0.5, 0.7, 1.0])
    ax_sigma.set_xlabel("season k")
    ax_sigma.set_ylabel(r"$\sigma(p) = e^{\theta_3 p + \theta_4}$ (log scale)")
    ax_sigma.set_title(r"Exploration $\sigma$ shrinks, the same at every p")
    ax_sigma.legend(loc="upper right", fontsize=8)

    parts = ((-runs.J, r"total $J^* - J = -J$", PALETTE[0], "-"),
             (learned.mean_error, r"mean's error $\sum_t \mathbb{E}[(\mu - p)^2]$", PALETTE[2], "--"),
             (learned.exploration, r"exploration $\sum_t \mathbb{E}[\sigma^2]$", PALETTE[1], "--"))
    for values, label, color, linestyle in parts:
        ax_J.plot(episodes, np.median(values, axis=0), color=color, linestyle=linestyle, label=label)
    ax_J.set_yscale("log")
    ax_J.set_ylim(1e-3, 20)
    ax_J.set_xlabel("season k")
    ax_J.set_ylabel(r"$-J(\theta_k)$, median over runs (log scale)")
    ax_J.set_title("What is left: mostly the cost of exploring")
    ax_J.legend(loc="upper right", fontsize=8)


J_LIMITS = (-16.0, 0.5)
"""The J axis of the exploration dashboard: from below the runs with σ = 2 (ceiling −12) to above J* = 0."""


NOISE_COLORS = (PALETTE[0], PALETTE[2], PALETTE[4])
"""The colours of the noise curves, one per θ of :data:`helpers.experiments.continuous.NOISE_THETAS`."""


def draw_noise_curves(curves: tuple[NoiseCurve, ...], ax: Axes, sigma: float | None = None) -> None:
    r"""Noise-to-signal :math:`\mathrm{std}(\hat g^m)/|\partial J/\partial\theta|` against σ, one line per θ.

    With ``sigma``, a dot marks each curve at that σ (:func:`sigma_marks`).
    """
    for curve, color in zip(curves, NOISE_COLORS, strict=False):
        ratio = curve.noise_to_signal
        ax.plot(curve.sigmas, ratio, color=color)
        best = int(np.argmin(ratio))
        ax.plot(curve.sigmas[best], ratio[best], "v", color=color, markersize=6)
        # a short label under each curve's ▼, where no other curve and no slider dot (they sit on the
        # curves) come near: cheaper to redraw than a legend
        ax.text(curve.sigmas[best], ratio[best] / 1.1, f"θ = {curve.theta:g}", ha="center", va="top",
                fontsize=8, color=color)
    ax.set_xscale("log")
    ax.set_yscale("log")
    # fixed, plain tick labels and no minor ticks: a redraw's time is mostly spent on text
    for axis, ticks in ((ax.xaxis, (0.03, 0.1, 0.3, 1.0, 3.0)), (ax.yaxis, (1, 2, 5, 10, 20, 50))):
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FixedFormatter([f"{tick:g}" for tick in ticks]))
        axis.set_minor_locator(NullLocator())
    ax.set_xlabel("exploration σ (hundreds of units)")
    ax.set_ylabel("std(ĝᵐ) / |∂J/∂θ|")
    ax.set_ylim(1, 60)
    ax.set_title("Noise of one season's ĝᵐ; ▼ least noisy σ")
    if sigma is not None:
        sigma_marks(curves, ax, sigma)


def sigma_marks(curves: tuple[NoiseCurve, ...], ax: Axes, sigma: float, color: str | None = None
                ) -> list[Artist]:
    """A dot on each noise curve at σ (in the curve's colour, or ``color``) and a dotted line through them."""
    marks: list[Artist] = []
    for curve, curve_color in zip(curves, NOISE_COLORS, strict=False):
        marks += ax.plot(sigma, curve.noise_to_signal_at(sigma), "o", color=color or curve_color,
                         markersize=7, markeredgecolor="white", zorder=3)
    marks.append(ax.axvline(sigma, color="grey", linewidth=0.8, linestyle=":"))
    return marks


def draw_exploration(view: ExplorationView, axes: list[Axes]) -> list[Artist]:
    """Left: noise-to-signal against σ; right: exact J(θ_k) of the runs and the cost of exploring.

    Returns the artists that move with σ and α (:func:`exploration_moving`).
    """
    ax_noise, ax_J = axes
    draw_noise_curves(view.noise, ax_noise)
    _runs_frame(view, ax_J)
    return exploration_moving(view, axes)


def exploration_moving(view: ExplorationView, axes: list[Axes]) -> list[Artist]:
    """What moves with σ and α: the marks at σ on the noise curves, and the learning runs."""
    ax_noise, ax_J = axes
    return sigma_marks(view.noise, ax_noise, view.sigma) + _runs_moving(view, ax_J)


def draw_exploration_runs(view: ExplorationView, ax_J: Axes) -> None:
    """The exact J(θ_k, σ) of every run (diverged ones in vermillion), their median and the ceiling −Tσ²."""
    _runs_frame(view, ax_J)
    _runs_moving(view, ax_J)


def _runs_frame(view: ExplorationView, ax_J: Axes) -> None:
    ax_J.set_xlim(0, view.runs.n_episodes)
    ax_J.set_ylim(*J_LIMITS)  # a diverging run leaves through the bottom
    ax_J.set_xticks([0, 50, 100, 150])
    ax_J.set_yticks([-15, -12, -9, -6, -3, 0])
    ax_J.set_xlabel("season k")
    ax_J.set_ylabel("exact J(θ, σ) after season k")


def _runs_moving(view: ExplorationView, ax_J: Axes) -> list[Artist]:
    runs = view.runs
    episodes = np.arange(runs.n_episodes + 1)
    segments = np.stack(np.broadcast_arrays(episodes[None, :], runs.J), axis=-1)
    colors = np.where(runs.diverged, OKABE_ITO["vermillion"], PALETTE[0])
    moving: list[Artist] = [ax_J.add_collection(LineCollection(segments, colors=colors, linewidths=0.6,
                                                               alpha=0.35))]
    median = np.median(runs.J, axis=0)
    moving += ax_J.plot(episodes, median, color=EXACT_COLOR, linewidth=2.0,
                        label=f"median of {runs.n_runs} runs")
    ceiling = float(mean_objective(1.0, view.sigma))
    moving.append(ax_J.axhline(ceiling, color=PALETTE[1], linestyle="--", linewidth=1.4,
                               label=f"best with this σ: −Tσ² = {ceiling:.2f}"))
    # the count of diverged runs (vermillion, leaving through the bottom) goes in the title: no extra text
    n_diverged = int(runs.diverged.sum())
    moving.append(ax_J.set_title(exploration_title(float(median[-1]), n_diverged, runs.n_runs)))
    if median[-1] < J_LIMITS[0]:  # the median itself leaves the axes: show where
        leaves = int(np.argmax(median < J_LIMITS[0]))
        moving.append(ax_J.annotate("the median leaves\nthe axes here", (leaves, J_LIMITS[0]),
                                    xytext=(25, J_LIMITS[0] + 3),
                                    arrowprops={"arrowstyle": "->", "color": EXACT_COLOR}, fontsize=8))
    moving.append(ax_J.legend(loc="center right", fontsize=8))
    return moving


def exploration_title(final_median: float, n_diverged: int, n_runs: int) -> str:
    """The runs panel's title: the final median J, said to lie off the axes when it is below them."""
    where = f"{final_median:.2f}" if final_median >= J_LIMITS[0] else f"{final_median:.0f} (off the axes)"
    return f"{n_diverged} of {n_runs} runs diverged\nmedian J at the end: {where}"


def exploration_figure(views: list[ExplorationView], titles: list[str]) -> Figure:
    """The exploration view for a few (σ, α) side by side, its shared noise panel drawn once.

    The noise curves do not depend on the setting: one panel shows them with grey dots at
    each setting's σ, then one panel of learning runs per setting, its title led by ``titles``.
    """
    if not views or len(views) != len(titles):
        raise ValueError(f"views and titles must be non-empty and of one length, got {len(views)} and "
                         f"{len(titles)}")
    fig, axes = subplots(len(views) + 1, panel_size=(3.9, 3.5))
    ax_noise = axes[0, 0]
    draw_noise_curves(views[0].noise, ax_noise)
    for view in views:
        sigma_marks(view.noise, ax_noise, view.sigma, color="grey")
        ax_noise.text(view.sigma, 55, f"σ = {view.sigma:g}", rotation=90, ha="right", va="top",
                      fontsize=8, color="grey")
    ax_noise.set_title("Noise of ĝᵐ; ▼ least noisy σ")
    for view, title, ax in zip(views, titles, axes[0, 1:], strict=True):
        draw_exploration_runs(view, ax)
        ax.set_title(f"{title}: {ax.get_title()}", fontsize=9)
    return fig
