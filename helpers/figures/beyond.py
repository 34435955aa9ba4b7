"""Notebook 06's figures, drawn from :mod:`helpers.experiments.beyond`'s data.

The reuse bias, learning runs, the clipped objective (with its ``*_moving`` part for
the live view), the exact Figure 2, the clip fraction and approximate KL of every
update, and when each CartPole seed was solved by PyTorch's running-average rule and
by Gymnasium's 475-over-100-episodes rule.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from helpers import cartpole
from helpers.experiments.beyond import (
    NEW_SEEDS,
    R_LIMITS,
    SHOWN_TUNING_SEEDS,
    ClippedView,
    ReuseBias,
    ReuseRuns,
    grid_problem,
)
from helpers.plotting import (
    EXACT_COLOR,
    OKABE_ITO,
    PALETTE,
    compared_line_style,
    exact_line,
)
from helpers.stats import mean_and_band
from helpers.surrogate import (
    METHODS,
    SurrogateLine,
)

METHOD_COLORS = dict(zip(METHODS, (PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[1]), strict=True))


def draw_reuse_bias(bias: ReuseBias, axes: list[Axes]) -> None:
    """One panel per component of θ: the exact gradient, naive reuse and importance weighting (±2 SE)."""
    names = (r"$\partial J/\partial\theta_1$ (left's weight)",
             r"$\partial J/\partial\theta_2$ (right's weight)")
    titles = ("Naive reuse drifts, importance weighting stays", "The same for the right's weight")
    for i, (ax, name, title) in enumerate(zip(axes, names, titles, strict=True)):
        ax.plot(bias.distances, bias.exact[:, i], color=EXACT_COLOR, linestyle="--",
                label=r"exact $\nabla J(\theta)$")
        for label, mean, se, color in (
                ("naive reuse", bias.naive, bias.naive_se, METHOD_COLORS["naive"]),
                ("importance-weighted", bias.importance, bias.importance_se, METHOD_COLORS["importance"])):
            ax.fill_between(bias.distances, mean[:, i] - 2 * se[:, i], mean[:, i] + 2 * se[:, i],
                            color=color, alpha=0.25, linewidth=0)
            ax.plot(bias.distances, mean[:, i], color=color, label=f"{label} (±2 SE)")
        ax.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xlabel(r"distance moved $\|\theta - \theta_\mathrm{old}\|$")
        ax.set_ylabel(name)
        ax.set_title(title)
    axes[0].legend(loc="upper left")


def draw_reuse_runs(runs: list[ReuseRuns], ax: Axes, title: str = "Exact J against the data played") -> None:
    """The median exact J against environment steps (log scale), the middle half of the runs shaded.

    Each method has its own colour, dashes and marker; a second REINFORCE entry (another
    α) shares its colour, has no band and is drawn thicker.
    """
    problem = grid_problem()
    seen_reinforce = False
    for index, run in enumerate(runs):
        color = METHOD_COLORS[run.history.method]
        steps = np.median(run.history.steps, axis=0)
        _, low, high = mean_and_band(run.J, "quartiles")
        second_reinforce = run.history.method == "reinforce" and seen_reinforce
        seen_reinforce |= run.history.method == "reinforce"
        if not second_reinforce:
            ax.fill_between(steps[1:], low[1:], high[1:], color=color, alpha=0.12, linewidth=0)
        ax.plot(steps[1:], np.median(run.J, axis=0)[1:], color=color,
                **compared_line_style(index, steps.size - 1), linewidth=2.2 if second_reinforce else 1.8,
                label=f"{run.label} ({run.n_reached}/{len(run.J)} reach {run.target:g})")
    exact_line(ax, problem.J_sup, rf"supremum $J^* = {problem.J_sup:.0f}$")
    ax.axhline(runs[0].target, color="grey", linewidth=0.8, linestyle=":")
    ax.text(0.01, runs[0].target + 0.06, f"target J = {runs[0].target:g}", transform=ax.get_yaxis_transform(),
            ha="left", va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("environment steps played (log scale)")
    ax.set_ylabel(r"exact $J(\theta)$: median, middle half of runs shaded")
    ax.set_ylim(-0.5, 6.3)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)


# --- the clipped objective ------------------------------------------------------------------------

R_TICKS = (0.0, 0.5, 1.0, 1.5, 2.0)


def draw_clipped(view: ClippedView, axes: list[Axes]) -> list[Artist]:
    """Left: L^CLIP and r·Â against r, the clip range shaded; right: the slope ∂L/∂r.

    The frame depends on Â (the axes' range) and ε (the shaded clip range); returns the
    artists that move with r (:func:`clipped_moving`).
    """
    ax_L, ax_slope = axes
    low, high = 1 - view.epsilon, 1 + view.epsilon
    for ax in axes:
        ax.axvspan(low, high, color=OKABE_ITO["yellow"], alpha=0.25, linewidth=0)
        ax.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax_L.plot(view.r_grid, view.unclipped, color="grey", linestyle="--", linewidth=1.2,
              label="unclipped r·Â")
    ax_L.set_xlim(*R_LIMITS)
    bound = 2.1 * max(abs(view.advantage), 0.1)
    ax_L.set_ylim(-bound, bound)
    for ax in axes:  # few tick labels: text is most of the time a redraw takes
        ax.set_xticks(R_TICKS)
        ax.yaxis.set_major_locator(MaxNLocator(5))
    ax_L.set_xlabel("ratio r = π(a|s, θ) / π(a|s, θ_old)")
    ax_L.set_ylabel(r"objective for this step")
    ax_slope.axhline(0.0, color="grey", linewidth=0.8)
    ax_slope.set_xlim(*R_LIMITS)
    ax_slope.set_ylim(-bound / 2, bound / 2)
    ax_slope.set_xlabel("ratio r")
    ax_slope.set_ylabel("slope ∂L/∂r of the clipped objective")
    ax_slope.text(1.0, 0.56, f"clip range\n[{low:.2f}, {high:.2f}]", ha="center", va="bottom",
                  transform=ax_slope.get_xaxis_transform(), fontsize=8)
    moving = clipped_moving(view, axes)
    ax_L.legend(loc="upper left" if view.advantage >= 0 else "lower left", fontsize=8)
    return moving


def clipped_moving(view: ClippedView, axes: list[Axes]) -> list[Artist]:
    """What moves with r: the clipped objective and its slope with their points, the titles."""
    ax_L, ax_slope = axes
    moving = ax_L.plot(view.r_grid, view.clipped, color=PALETTE[0], linewidth=2.2,
                       label="min(r·Â, clip(r, 1 − ε, 1 + ε)·Â)")
    moving += ax_L.plot(view.ratio, view.value, "o", color=PALETTE[1], markersize=8, zorder=3)
    moving.append(ax_L.set_title(f"Clipped objective at r = {view.ratio:.2f}: {view.value:+.2f}"))
    moving += ax_slope.plot(view.r_grid, view.slope_grid, color=PALETTE[0], linewidth=2.2)
    moving += ax_slope.plot(view.ratio, view.slope, "o", color=PALETTE[1], markersize=8, zorder=3)
    state = "clipped: no gradient" if view.slope == 0 and view.advantage != 0 else "the step still counts"
    moving.append(ax_slope.set_title(f"Slope at r = {view.ratio:.2f}: {view.slope:+.2f} ({state})"))
    return moving


# --- the PPO paper's Figure 2, exactly ------------------------------------------------------------

def draw_figure2(line: SurrogateLine, axes: list[Axes], step: float | None = None) -> None:
    """Left: J − J(θ_old), L^CPI and L^CLIP along the line; right: clipped steps and KL.

    A dotted line marks where the first ratio leaves the clip range; with ``step``,
    a dashed line marks a distance one update moved (REINFORCE's first step).
    """
    ax, ax_frac = axes
    s = line.distances
    ax.plot(s, line.J_gain, color=EXACT_COLOR, linewidth=2.2, label="J(θ) − J(θ_old), exact")
    ax.plot(s, line.L_cpi, color=PALETTE[0], linestyle="--", linewidth=1.8,
            label="L^CPI: Σ_t r_t A_t (unclipped)")
    ax.plot(s, line.L_clip, color=PALETTE[1], linewidth=2.2, label="L^CLIP: Σ_t min(r_t A_t, clip(r_t) A_t)")
    best = int(np.argmax(line.L_clip))
    ax.plot(s[best], line.L_clip[best], "o", color=PALETTE[1], markersize=7)
    ax.annotate(f"L^CLIP peaks at s = {s[best]:.2f}", (s[best], line.L_clip[best]), xytext=(8, 8),
                textcoords="offset points", fontsize=8, color=PALETTE[1])
    for a in axes:
        a.axvline(line.first_clipped, color="grey", linestyle=":", linewidth=1.0)
        if step is not None:
            a.axvline(step, color=PALETTE[3], linestyle="--", linewidth=1.0)
        a.set_xlabel("distance s from θ_old along the update")
        a.set_xlim(s[0], s[-1])
    ax.text(line.first_clipped, 0.45, " first ratio\n clipped", transform=ax.get_xaxis_transform(),
            fontsize=8, va="top", color="grey")
    if step is not None:
        ax.text(step, 0.02, " the update:\n REINFORCE, α = 3", transform=ax.get_xaxis_transform(), fontsize=8,
                va="bottom", color=PALETTE[3])
    ax.set_ylabel("gain over θ_old (expected return)")
    ax.set_title("Figure 2 of the PPO paper, exactly")
    ax.legend(loc="upper left", fontsize=8)
    ax_frac.plot(s, line.clip_fraction, color=PALETTE[2], linewidth=2.0,
                 label=f"steps with r outside [{1 - line.epsilon:g}, {1 + line.epsilon:g}]")
    ax_frac.plot(s, line.zero_gradient_fraction, color=PALETTE[4], linestyle="--", linewidth=2.0,
                 label="…on the side A favours: no pull")
    ax_frac.plot(s, line.kl, color=EXACT_COLOR, linestyle="-.", linewidth=1.6,
                 label="KL(π_old ‖ π_θ) per step")
    ax_frac.set_ylim(0, 1.05)
    ax_frac.set_ylabel("fraction of steps; KL (nats)")
    ax_frac.set_title("How many ratios the clip catches")
    ax_frac.legend(loc="upper left", fontsize=8)


# --- several updates per batch: diagnostics -------------------------------------------------------

def draw_diagnostics(runs: ReuseRuns, axes: list[Axes], batches: tuple[int, ...] = (1, 2, 5, 20, 60)) -> None:
    """PPO's diagnostics after each of the K updates of a batch: median clip fraction and approximate KL."""
    ax_clip, ax_kl = axes
    history = runs.history
    updates = np.arange(1, history.n_reuse + 1)
    for index, batch in enumerate(batches):
        style = compared_line_style(index, updates.size)
        ax_clip.plot(updates, np.median(history.clip_fraction[:, batch - 1], axis=0), color=PALETTE[index],
                     label=f"batch {batch}", **style)
        ax_kl.plot(updates, np.median(history.approx_kl[:, batch - 1], axis=0), color=PALETTE[index],
                   label=f"batch {batch}", **style)
    for ax in axes:
        ax.set_xticks(updates)
        ax.set_xlabel("update k on the same batch")
    ax_clip.set_ylabel("clip fraction: |r_t − 1| > ε (median of runs)")
    ax_clip.set_ylim(0, 1)
    ax_clip.set_title("Ratios outside [1 − ε, 1 + ε] after update k")
    ax_kl.set_ylabel("approx. KL: mean of (r_t − 1) − ln r_t")
    ax_kl.set_yscale("log")
    ax_kl.set_title("How far the policy moved after update k")
    ax_clip.legend(loc="upper right", fontsize=8)


# --- CartPole over seeds --------------------------------------------------------------------------

def draw_cartpole_seeds(histories: tuple[cartpole.CartPoleHistory, ...], axes: list[Axes]) -> None:
    """Left: every seed's running average and the bar; right: episodes to solve by both rules, per seed."""
    ax_run, ax_solve = axes
    for history in histories:
        new = history.seed not in cartpole.TUNING_SEEDS
        episodes = np.arange(1, history.n_episodes + 1)
        ax_run.plot(episodes, history.running, color=PALETTE[0] if new else PALETTE[1],
                    linestyle="-" if new else "--", linewidth=1.0, alpha=0.8)
    ax_run.plot([], [], color=PALETTE[0], label=f"new seeds ({NEW_SEEDS[0]}-{NEW_SEEDS[-1]})")
    tuning = f"tuning seeds ({SHOWN_TUNING_SEEDS[0]}-{SHOWN_TUNING_SEEDS[-1]})"
    ax_run.plot([], [], color=PALETTE[1], linestyle="--", label=tuning)
    ax_run.axhline(cartpole.SOLVED_RETURN, color=EXACT_COLOR, linestyle=":", linewidth=1.2,
                   label="475: both rules' bar")
    ax_run.set_ylim(0, 520)
    ax_run.set_xlabel("episode")
    ax_run.set_ylabel("running = 0.95·running + 0.05·return")
    ax_run.set_title("Every seed's running average")
    ax_run.legend(loc="lower right", fontsize=8)
    rules = (("running average ≥ 475\n(PyTorch example)", lambda h: h.solved_at),
             ("mean of last 100 ≥ 475\n(Gymnasium)", lambda h: h.gymnasium_solved_at))
    jitter = np.linspace(-0.15, 0.15, len(histories))
    for x, (_, rule) in enumerate(rules):
        for offset, history in zip(jitter, histories, strict=True):
            new = history.seed not in cartpole.TUNING_SEEDS
            value = rule(history)
            if value is not None:
                ax_solve.plot(x + offset, value, "o" if new else "s", color=PALETTE[0] if new else PALETTE[1],
                              markersize=6, alpha=0.85)
        values = [rule(h) for h in histories if rule(h) is not None]
        if values:
            ax_solve.plot([x - 0.25, x + 0.25], [np.median(values)] * 2, color=EXACT_COLOR, linewidth=2.0)
    ax_solve.plot([], [], "o", color=PALETTE[0], label="new seed")
    ax_solve.plot([], [], "s", color=PALETTE[1], label="tuning seed")
    ax_solve.plot([], [], color=EXACT_COLOR, linewidth=2.0, label="median")
    ax_solve.set_xticks([0, 1], [label for label, _ in rules])
    ax_solve.set_xlim(-0.6, 1.6)
    ax_solve.set_ylabel("episodes played when solved")
    ax_solve.yaxis.set_major_locator(MaxNLocator(6))
    ax_solve.set_title("When each seed counts as solved")
    ax_solve.legend(loc="lower right", fontsize=8)
