"""Notebook 02's figures and tables, drawn from :mod:`helpers.experiments.demand`'s data.

Each ``draw_*`` function draws one kind of data on given axes; the ``*_moving``
functions draw only what moves with a slider, for the live view.
"""

from __future__ import annotations

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.ticker import NullLocator

from helpers.envs import DemandEnv
from helpers.experiments.demand import (
    LESS,
    MORE,
    THETA_LIMITS,
    EstimatesView,
    LearningRuns,
    PolicyView,
    SmoothnessComparison,
    UpdateEffect,
    UpdateStep,
    demand_problem,
    epsilon_greedy_more,
    first_flip,
)
from helpers.plotting import EXACT_COLOR, OKABE_ITO, PALETTE, exact_line
from helpers.policies import sigmoid
from helpers.stats import mean_and_band

P_COLORS = dict(zip(DemandEnv.demand_changes, (OKABE_ITO["vermillion"], OKABE_ITO["orange"],
                                               OKABE_ITO["sky"], OKABE_ITO["blue"]), strict=True))
"""One colour per demand change: falls warm, rises cool."""


P_STYLES = {2.0: "solid", 1.0: (0, (4, 2))}
"""Line style by size of the demand change: solid for |p| = 2, dashed for |p| = 1."""


# --- the problem and its exact quantities ---------------------------------------------------------

def reward_table_markdown(horizon: int = 3) -> str:
    """The reward of each order for each change in demand, as a Markdown table."""
    env = demand_problem(horizon).env
    rows = ["| change in demand p | reward for MORE | reward for LESS | order that follows demand |",
            "|:---:|:---:|:---:|:---:|"]
    for p in env.demand_changes:
        more, less = float(env.reward(p, MORE)), float(env.reward(p, LESS))
        best = "MORE" if more > less else "LESS"
        rows.append(f"| {p:+.0f} | {more:+.1f} | {less:+.1f} | {best} |")
    return "\n".join(rows)


def draw_demand_chain(ax: Axes, horizon: int = 3) -> None:
    """The demand chain's transition matrix P(p'|p) as an annotated heat map."""
    env = demand_problem(horizon).env
    P = env.demand_transitions
    labels = [f"{p:+.0f}" for p in env.demand_changes]
    image = ax.imshow(P, cmap="Blues", vmin=0, vmax=0.6)
    for i in range(P.shape[0]):
        for j in range(P.shape[1]):
            ax.text(j, i, f"{P[i, j]:.2f}", ha="center", va="center",
                    color="white" if P[i, j] > 0.35 else "black", fontsize=10)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("next week's change in demand p'")
    ax.set_ylabel("this week's change in demand p")
    ax.set_title("Demand chain P(p'|p): rises follow rises")
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label="P(p'|p)", shrink=0.85)


# --- dashboard 1: the policy and where θ sits on J ------------------------------------------------

# The three dashboards label their figures in plain Unicode, not mathtext: every figure gets a
# new renderer whose mathtext cache is empty, so each $...$ string costs several milliseconds on
# every slider move.


def draw_policy_view(view: PolicyView, axes: list[Axes]) -> list[Artist]:
    """Left: the policy curve with the four demand changes; right: J(θ) with its tangent at θ."""
    ax_pi, ax_J = axes
    ax_pi.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax_pi.axvline(0.0, color="grey", linewidth=0.8, linestyle=":")
    ax_pi.set_xlim(-2.6, 2.6)
    ax_pi.set_ylim(-0.04, 1.04)
    ax_pi.set_xticks(view.demand_changes)
    ax_pi.set_xlabel("change in demand p (hundreds of units / week)")
    ax_pi.set_ylabel("π(MORE | p, θ)")
    ax_pi.set_title("Policy σ(θp) at the four demand changes")

    ax_J.plot(view.theta_grid, view.J_grid, color=EXACT_COLOR, label="exact J(θ)")
    ax_J.axhline(view.J_best, color="grey", linestyle="--", linewidth=1.2,
                 label=f"best J* = {view.J_best:.2f} (θ → ∞)")
    ax_J.set_xlim(*THETA_LIMITS)
    ax_J.set_ylim(-3.6, 4.0)
    ax_J.set_xlabel("policy parameter θ")
    ax_J.set_ylabel("J(θ): expected season return\n(hundreds of units)")
    moving = policy_view_moving(view, axes)
    ax_J.legend(loc="lower right")  # fixed labels: part of the frame
    return moving


def policy_view_moving(view: PolicyView, axes: list[Axes]) -> list[Artist]:
    """What moves with θ: the policy curve and its four points, the tangent, the point and the title."""
    ax_pi, ax_J = axes
    moving = ax_pi.plot(view.p_grid, view.pi_more, color=PALETTE[0], label="σ(θp)")
    for p, prob in zip(view.demand_changes, view.pi_at_changes, strict=True):
        moving += ax_pi.plot(p, prob, "o", color=P_COLORS[p], markersize=8, zorder=3)
        moving.append(ax_pi.annotate(f"{prob:.2f}", (p, prob), textcoords="offset points",
                                     xytext=_label_offset(prob), ha="center", fontsize=9))
    moving += ax_J.plot(*_tangent(view), color=PALETTE[1], linewidth=2.5, label="tangent at θ")
    moving += ax_J.plot(view.theta, view.J, "o", color=PALETTE[1], markersize=8, zorder=3)
    moving.append(ax_J.set_title(_policy_title(view)))
    return moving


def _label_offset(prob: float) -> tuple[int, int]:
    """Offset of a probability's label in points: above the dot, below it near the top."""
    return (0, 9 if prob < 0.85 else -16)


def _tangent(view: PolicyView, half: float = 1.2) -> tuple[list[float], list[float]]:
    """The tangent segment at θ, 2 × ``half`` wide."""
    return ([view.theta - half, view.theta + half], [view.J - half * view.slope, view.J + half * view.slope])


def _policy_title(view: PolicyView) -> str:
    return f"J(θ) = {view.J:.2f}, slope dJ/dθ = {view.slope:.2f}"


# --- dashboard 2: the step size -------------------------------------------------------------------

def draw_learning_runs(runs: LearningRuns, axes: list[Axes]) -> list[Artist]:
    """Left: mean exact J(θ_k) over runs with a ±2 SE band; right: every run's θ_k.

    Returns the artists that move with α (:func:`learning_runs_moving`).
    """
    ax_J, ax_theta = axes
    exact_line(ax_J, runs.J_best, f"best J* = {runs.J_best:.2f}")
    ax_J.set_xlim(0, runs.n_episodes)
    ax_J.set_ylim(-0.2, 3.6)
    ax_J.set_xlabel("episode k")
    ax_J.set_ylabel("exact J(θₖ) (hundreds of units)")
    ax_J.set_title("Learning curve: exact J(θₖ) after k episodes")

    right, wrong = PALETTE[0], PALETTE[3]
    ax_theta.plot([], [], color=right, label="run ends with θ ≥ 0")
    ax_theta.plot([], [], color=wrong, linewidth=1.4, label="run ends with θ < 0")
    ax_theta.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
    ax_theta.set_xlim(0, runs.n_episodes)
    ax_theta.set_yscale("symlog", linthresh=2.0)
    ax_theta.set_ylim(-60, 250)
    ticks = [-50, -10, -2, 0, 2, 10, 50, 200]
    ax_theta.set_yticks(ticks, [f"{tick:d}".replace("-", "−") for tick in ticks])
    ax_theta.set_xlabel("episode k")
    ax_theta.set_ylabel("θₖ (symmetric log scale)")
    ax_theta.set_title(f"θₖ of each of the {runs.n_runs} runs")
    ax_theta.legend(loc="center right", bbox_to_anchor=(1.0, 0.31))
    moving = learning_runs_moving(runs, axes)
    handles, labels = ax_J.get_legend_handles_labels()
    ax_J.legend([handles[i] for i in (1, 2, 0)], [labels[i] for i in (1, 2, 0)], loc="center right")
    return moving


def learning_runs_moving(runs: LearningRuns, axes: list[Axes]) -> list[Artist]:
    """What moves with α: the mean curve and its band, the count of wrong-way runs, every run's θₖ."""
    ax_J, ax_theta = axes
    episodes = np.arange(runs.n_episodes + 1)
    mean, low, high = mean_and_band(runs.J, "se")
    moving: list[Artist] = [ax_J.fill_between(episodes, low, high, color=PALETTE[0], alpha=0.25, linewidth=0,
                                              label="±2 standard errors")]
    moving += ax_J.plot(episodes, mean, color=PALETTE[0], label=f"mean of {runs.n_runs} runs")
    n_wrong = int(runs.wrong_way.sum())
    moving.append(ax_J.text(0.98, 0.05, f"{n_wrong} of {runs.n_runs} runs end with θ < 0\n"
                                        f"final mean J = {mean[-1]:.2f}",
                            transform=ax_J.transAxes, ha="right", va="bottom", fontsize=9))
    segments = np.stack(np.broadcast_arrays(episodes[None, :], runs.theta), axis=-1)
    # RGBA rows, not colour names: matplotlib parses every name in a list one by one.
    colors = np.where(runs.wrong_way[:, None], to_rgba(PALETTE[3]), to_rgba(PALETTE[0]))
    widths = np.where(runs.wrong_way, 1.4, 0.7)
    moving.append(ax_theta.add_collection(LineCollection(segments, colors=colors, linewidths=widths,
                                                         alpha=0.5)))
    return moving


# --- dashboard 3: single-episode estimates --------------------------------------------------------

BIN_WIDTHS = (0.05, 0.1, 0.2, 0.25, 0.5, 1.0)
"""Histogram bin widths to choose from: the first that gives at most 60 bins."""


FRACTION_LIMITS = (1.5e-4, 5.0)
"""The y-range of the histogram (log scale): one episode in 2000 shows; room for the legend."""


FIRST_M = 20
"""The running mean is drawn from M = 20 episodes on."""


def histogram_bins(values: np.ndarray, max_bins: int = 60) -> np.ndarray:
    """Bin edges over the range of ``values`` and 0, with a bin centred on every multiple of the width."""
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    width = next((w for w in BIN_WIDTHS if (high - low) / w <= max_bins), BIN_WIDTHS[-1])
    first, last = np.floor(low / width + 0.5), np.ceil(high / width - 0.5)
    return (np.arange(first, last + 2) - 0.5) * width


def _plain_ticks(ax: Axes, axis: str, ticks: list[float]) -> None:
    """Fixed ticks with plain labels and no minor ticks on a log axis.

    A log axis would label its ticks with mathtext and draw dozens of minor ticks,
    which together cost about half of a redraw.
    """
    labels = [f"{tick:g}" for tick in ticks]
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_ticks(ticks, labels)
    target.set_minor_locator(NullLocator())


def draw_estimates(view: EstimatesView, axes: list[Axes]) -> None:
    """Left: the histogram of the ĝᵐ (log scale); right: their running mean ĝ ± 2 SE against dJ/dθ."""
    ax_hist, ax_mean = axes
    values = view.estimates
    bins = histogram_bins(values)
    counts, _ = np.histogram(values, bins=bins)
    ax_hist.stairs(counts / values.size, bins, fill=True, color=PALETTE[5], linewidth=0)
    ax_hist.axvline(view.mean, color=PALETTE[1], linewidth=3.5, zorder=3,
                    label=f"mean ĝ of {values.size}: {view.mean:.2f}")
    ax_hist.axvline(view.exact, color=EXACT_COLOR, linestyle=(0, (3, 2)), linewidth=1.5, zorder=4,
                    label=f"exact dJ/dθ = {view.exact:.2f}")
    ax_hist.axvline(0.0, color="grey", linewidth=0.8, linestyle=":")
    ax_hist.set_yscale("log")
    ax_hist.set_ylim(*FRACTION_LIMITS)
    _plain_ticks(ax_hist, "y", [0.001, 0.01, 0.1, 1.0])
    pad = 0.04 * (bins[-1] - bins[0])
    ax_hist.set_xlim(bins[0] - pad, bins[-1] + pad)
    ax_hist.set_xlabel("single-episode estimate ĝᵐ of dJ/dθ")
    ax_hist.set_ylabel("fraction of episodes (log scale)")
    ax_hist.set_title(view.shape_summary())
    ax_hist.legend(loc="upper right")

    M, mean, standard_error = view.running_mean()
    # every M up to 100, then 300 points evenly spaced in log M: the same picture, fewer vertices
    shown = np.unique(np.concatenate([np.arange(FIRST_M, 101),
                                      np.geomspace(100, M[-1], 300).round()])).astype(int)
    M, mean, standard_error = M[shown - 2], mean[shown - 2], standard_error[shown - 2]
    ax_mean.fill_between(M, mean - 2 * standard_error, mean + 2 * standard_error, color=PALETTE[1],
                         alpha=0.3, linewidth=0, label="±2 standard errors, 2s/√M")
    ax_mean.plot(M, mean, color=PALETTE[1], label="mean ĝ of the first M")
    ax_mean.axhline(view.exact, color=EXACT_COLOR, linestyle=(0, (3, 2)), linewidth=1.5, zorder=4,
                    label="exact dJ/dθ")
    half = 1.3 * 2 * values.std(ddof=1) / np.sqrt(FIRST_M)
    ax_mean.set_ylim(view.exact - half, view.exact + half)
    ax_mean.set_xscale("log")
    ax_mean.set_xlim(FIRST_M, values.size)
    _plain_ticks(ax_mean, "x", [20, 100, 500, 2000])
    ax_mean.text(0.97, 0.04, f"M = {values.size}: ĝ = {view.mean:.2f} ± {2 * view.standard_error:.2f}",
                 transform=ax_mean.transAxes, ha="right", va="bottom", fontsize=9)
    ax_mean.set_xlabel("number of episodes M (log scale)")
    ax_mean.set_ylabel("ĝ, the mean of ĝ¹ … ĝᴹ")
    ax_mean.set_title("Their mean ĝ closes in on dJ/dθ")
    ax_mean.legend(loc="upper right")


# --- one episode's update, step by step -----------------------------------------------------------

def draw_update_effect(effect: UpdateEffect, axes: list[Axes]) -> None:
    """One panel per G_t: π(LESS|p) and π(MORE|p) before (hatched) and after (solid) the step."""
    names = ("LESS", "MORE")
    for ax, G, after, theta_after in zip(axes, effect.returns, effect.after, effect.theta_after, strict=True):
        x = np.arange(2)
        ax.bar(x - 0.19, effect.before, width=0.36, color="white", edgecolor=EXACT_COLOR, hatch="//",
               label=f"before: θ = {effect.theta:g}")
        color = PALETTE[0] if G > 0 else OKABE_ITO["vermillion"]
        ax.bar(x + 0.19, after, width=0.36, color=color, label=f"after: θ = {theta_after:.3f}")
        for k in range(2):
            ax.text(x[k] - 0.19, effect.before[k] + 0.02, f"{effect.before[k]:.2f}", ha="center", fontsize=8)
            ax.text(x[k] + 0.19, after[k] + 0.02, f"{after[k]:.2f}", ha="center", fontsize=8)
        taken = names[effect.action]
        verb = "more" if G > 0 else "less"
        ax.set(xticks=x, xticklabels=[f"π({n} | p = {effect.p:+g})" for n in names], ylim=(0, 1.05),
               ylabel="probability", title=f"G_t = {G:+g}: {taken} becomes {verb} likely")
        ax.legend(loc="upper left", fontsize=8)


def update_table_markdown(rows: list[UpdateStep]) -> str:
    """The rows of :func:`helpers.experiments.demand.episode_update` as a Markdown table."""
    lines = [r"| $t$ | $p_t$ | $A_t$ | $R_{t+1}$ | $G_t$ | $\theta$ | $\pi(A_t \mid S_t, \theta)$ "
             r"| $\nabla \ln \pi(A_t \mid S_t, \theta)$ | $\alpha \gamma^t G_t \nabla \ln \pi$ "
             r"| $\theta$ after |",
             "|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        name = "MORE" if row.action == MORE else "LESS"
        lines.append(f"| {row.t} | {row.p:+.0f} | {name} | {row.reward:+.2f} | {row.G:+.2f} "
                     f"| {row.theta_before:.4f} | {row.prob:.4f} | {row.score:+.4f} | {row.step:+.4f} "
                     f"| {row.theta_after:.4f} |")
    return "\n".join(lines)


# --- smooth probabilities against ε-greedy jumps --------------------------------------------------

def draw_smoothness(data: SmoothnessComparison, axes: list[Axes], run: int = 0) -> None:
    """Three panels: how each method maps what it learns to π, then π(MORE|p) over episodes for both."""
    ax_map, ax_pg, ax_greedy = axes
    learned = np.linspace(-3, 3, 601)
    ax_map.plot(learned, sigmoid(learned), color=PALETTE[0], label=r"REINFORCE: $\sigma(\theta p)$")
    ax_map.plot(learned, epsilon_greedy_more(learned, data.epsilon), color=PALETTE[3],
                drawstyle="steps-mid", label=r"ε-greedy in $\hat q$")
    ax_map.set_xlabel(r"$\theta p$, or $\hat q(p,\mathrm{MORE}) - \hat q(p,\mathrm{LESS})$")
    ax_map.set_ylabel(r"$\pi(\mathrm{MORE}\,|\,p)$")
    ax_map.set_title("A small change in what is learned…")
    ax_map.set_ylim(-0.04, 1.04)
    ax_map.legend(loc="lower right")

    episodes = np.arange(data.pi_reinforce.shape[1])
    # ε-greedy's lines sit on the same three values: nudge them apart so that all four show.
    nudge = 0.012 * (np.arange(len(data.demand_changes)) - (len(data.demand_changes) - 1) / 2)
    for ax, pi, title in ((ax_pg, data.pi_reinforce, r"…moves REINFORCE's $\pi$ a little"),
                          (ax_greedy, data.pi_greedy, rf"…can flip ε-greedy's $\pi$ (ε = {data.epsilon:g})")):
        greedy = ax is ax_greedy
        for i, p in enumerate(data.demand_changes):
            ax.plot(episodes, pi[run, :, i] + (nudge[i] if greedy else 0.0), color=P_COLORS[p],
                    linestyle=P_STYLES[abs(p)], label=f"p = {p:+.0f}".replace("-", "−"),
                    drawstyle="steps-post" if greedy else "default")
        ax.set_xlim(0, episodes[-1])
        ax.set_ylim(-0.04, 1.04)
        ax.set_xlabel("episode k")
        ax.set_ylabel(r"$\pi(\mathrm{MORE}\,|\,p)$ after k episodes")
        ax.set_title(title)
    ax_pg.legend(loc="center right", ncols=2, fontsize=8, handlelength=2.6)
    ax_greedy.text(0.98, 0.72, "lines nudged apart\nto show all four", transform=ax_greedy.transAxes,
                   ha="right", va="center", fontsize=8, color="grey")
    flip = first_flip(data, run)
    if flip is not None:
        k, i = flip
        before, after = data.pi_greedy[run, k, i], data.pi_greedy[run, k + 1, i]
        left = k + 1 > episodes[-1] / 2  # put the text on the side with room
        where = f"{data.demand_changes[i]:+.0f}".replace("-", "−")
        ax_greedy.annotate(f"flip at p = {where}:\n{before:.2f} → {after:.2f} in episode {k + 1}",
                           xy=(k + 1, 0.3), xytext=(k + 1 + (-3 if left else 3), 0.3), fontsize=9,
                           va="center", ha="right" if left else "left",
                           arrowprops={"arrowstyle": "->", "color": "black", "linewidth": 1.0})
