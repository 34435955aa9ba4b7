r"""Notebook 06's dashboards and figures: one update per batch, reuse, PPO's clipped ratio, CartPole.

**Reusing a batch on the grid** (:class:`helpers.envs.WindyHighway` with the
softmax-linear policy of notebook 03): the bias of naive reuse against the exact
gradient (:func:`reuse_bias`), learning runs of the four ways to spend a batch
(:func:`reuse_runs`, with the runs stranded on the plateau), the ``clipped``
dashboard (PPO's clipped objective of one step as its ratio varies), the PPO
paper's Figure 2 computed exactly (:func:`figure2_line`, :func:`draw_figure2`) and
the clip fraction and approximate KL of every update (:func:`draw_diagnostics`).

**CartPole**: many seeds trained with :func:`helpers.cartpole.train_cartpole_seeds`,
and when each was solved by PyTorch's running-average rule and by Gymnasium's
475-over-100-episodes rule (:func:`draw_cartpole_seeds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from helpers import cartpole
from helpers._validate import check_positive_int
from helpers.envs import WindyHighway
from helpers.mdp import TabularMDP, exact_gradient
from helpers.plotting import (
    EXACT_COLOR,
    OKABE_ITO,
    PALETTE,
    compared_line_style,
    exact_line,
    mean_and_band,
)
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import sample_episodes
from helpers.surrogate import (
    METHODS,
    ReuseHistory,
    SurrogateLine,
    clipped_objective,
    clipped_objective_slope,
    importance_weighted_estimates,
    naive_reuse_estimates,
    objectives,
    steps_to_reach,
    surrogate_line,
    train_with_reuse,
)
from helpers.widgets import Dashboard, slider

METHOD_LABELS = {
    "reinforce": "REINFORCE: one update per batch",
    "naive": "naive reuse",
    "importance": "importance-weighted reuse",
    "clipped": "PPO's clipped ratio",
}
METHOD_COLORS = dict(zip(METHODS, (PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[1]), strict=True))
EPSILON = 0.2
"""PPO's clip range ε, as in the paper."""
PLATEAU_J = 4.5
"""A run that ends below this J with almost no gradient left is stranded on the plateau (J ≈ 4.29)."""
PLATEAU_GRADIENT = 0.01
"""'Almost no gradient': the exact |∇J| below this."""




@dataclass(frozen=True)
class GridProblem:
    """The windy highway with the softmax-linear policy on the lane-offset feature."""

    env: WindyHighway
    mdp: TabularMDP
    policy: SoftmaxLinearPolicy
    inputs: np.ndarray
    J_sup: float

    def objective(self, theta: np.ndarray) -> np.ndarray:
        """The exact J for any array of θ (shape (..., 2))."""
        return objectives(self.mdp, self.policy, theta, self.inputs)


@lru_cache(maxsize=1)
def grid_problem() -> GridProblem:
    r"""``WindyHighway()`` with ``SoftmaxLinearPolicy(3, 2)`` on ``policy_inputs("offset")`` (cached).

    ``J_sup`` is the supremum of J: every one of the ``n_rows - 1`` steps pays at
    most the best lane reward, and a policy that keeps to the two middle lanes
    earns exactly that; this policy class approaches it as θ grows.
    """
    env = WindyHighway()
    mdp = env.tabular()
    inputs = env.policy_inputs("offset")
    inputs.setflags(write=False)
    J_sup = float((env.n_rows - 1) * env.lane_rewards.max() + env.reward_shift)
    return GridProblem(env, mdp, SoftmaxLinearPolicy(3, 2), inputs, J_sup)


@dataclass(frozen=True)
class ReuseBias:
    r"""Estimates of :math:`\nabla J(\theta)` from one batch played by θ_old, as θ moves away.

    Attributes
    ----------
    theta_old : ndarray, shape (2,)
    direction : ndarray, shape (2,)
        The unit vector along which θ moves (the exact gradient's direction at θ_old).
    distances : ndarray, shape (k,)
        :math:`\|\theta - \theta_\text{old}\|`.
    exact : ndarray, shape (k, 2)
    naive, importance : ndarray, shape (k, 2)
        Means over the batch of the naive and importance-weighted estimates.
    naive_se, importance_se : ndarray, shape (k, 2)
        Their standard errors :math:`s/\sqrt{n}`.
    n_episodes : int
    """

    theta_old: np.ndarray
    direction: np.ndarray
    distances: np.ndarray
    exact: np.ndarray
    naive: np.ndarray
    naive_se: np.ndarray
    importance: np.ndarray
    importance_se: np.ndarray
    n_episodes: int


@lru_cache(maxsize=4)
def reuse_bias(n_episodes: int = 5000, seed: int = 0, max_distance: float = 3.0) -> ReuseBias:
    """Naive and importance-weighted estimates from one batch at θ_old = 0, against the exact gradient."""
    problem = grid_problem()
    theta_old = np.zeros(2)
    g = exact_gradient(problem.mdp, problem.policy, theta_old, problem.inputs)
    direction = g / np.linalg.norm(g)
    batch = sample_episodes(problem.mdp, problem.policy, theta_old, problem.inputs,
                            check_positive_int("n_episodes", n_episodes), np.random.default_rng(seed))
    distances = np.linspace(0.0, max_distance, 25)
    rows = []
    for distance in distances:
        theta = theta_old + distance * direction
        naive = naive_reuse_estimates(problem.policy, theta, problem.inputs, batch)
        weighted = importance_weighted_estimates(problem.policy, theta, theta_old, problem.inputs, batch)
        rows.append((exact_gradient(problem.mdp, problem.policy, theta, problem.inputs),
                     naive.mean(axis=0), naive.std(axis=0, ddof=1) / np.sqrt(n_episodes),
                     weighted.mean(axis=0), weighted.std(axis=0, ddof=1) / np.sqrt(n_episodes)))
    exact, naive, naive_se, importance, importance_se = (np.array(column)
                                                         for column in zip(*rows, strict=True))
    return ReuseBias(theta_old, direction, distances, exact, naive, naive_se, importance, importance_se,
                     n_episodes)


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


@dataclass(frozen=True)
class ReuseRuns:
    r"""Learning runs with one way of spending a batch, and when each got close to the optimum.

    Attributes
    ----------
    history : ReuseHistory
    alpha : float
    J : ndarray, shape (n_runs, n_batches + 1)
        The exact J after each batch.
    target : float
    steps_to_target : ndarray, shape (n_runs,)
        Environment steps played before J first reached ``target`` (NaN if never).
    """

    history: ReuseHistory
    alpha: float
    J: np.ndarray
    target: float
    steps_to_target: np.ndarray

    @property
    def label(self) -> str:
        """The method, its updates per batch and α, for legends and tables."""
        k = "" if self.history.method == "reinforce" else f", K = {self.history.n_reuse}"
        return f"{METHOD_LABELS[self.history.method]}{k}, α = {self.alpha:g}"

    @property
    def n_reached(self) -> int:
        """How many runs reached the target."""
        return int(np.isfinite(self.steps_to_target).sum())

    @property
    def stranded(self) -> np.ndarray:
        """Runs that end below J = 4.5 with |∇J| < 0.01: stranded on the plateau, not merely slow."""
        problem = grid_problem()
        low = np.flatnonzero(self.J[:, -1] < PLATEAU_J)
        flat = [run for run in low if np.linalg.norm(exact_gradient(
            problem.mdp, problem.policy, self.history.theta[run, -1], problem.inputs)) < PLATEAU_GRADIENT]
        return np.isin(np.arange(len(self.J)), flat)

    @property
    def n_stranded(self) -> int:
        """How many runs are stranded on the plateau at the end."""
        return int(self.stranded.sum())

    def reached_within(self, steps: float) -> int:
        """How many runs reached the target within ``steps`` environment steps."""
        return int(np.sum(self.steps_to_target <= steps))

    @property
    def median_steps(self) -> float:
        """The median steps to the target over all runs (a run that never reached it counts as infinite)."""
        steps = np.where(np.isfinite(self.steps_to_target), self.steps_to_target, np.inf)
        return float(np.median(steps))


GRID_TARGET = 5.5
"""'Close to the optimum' on the grid: J within 0.5 of its supremum 6."""


@lru_cache(maxsize=32)
def reuse_runs(method: str, alpha: float, n_reuse: int = 4, *, n_runs: int = 200, n_batches: int = 100,
               batch_size: int = 10, epsilon: float = EPSILON, seed: int = 1,
               target: float = GRID_TARGET) -> ReuseRuns:
    """Runs of :func:`helpers.surrogate.train_with_reuse` on the grid from θ = 0 (cached)."""
    problem = grid_problem()
    history = train_with_reuse(problem.mdp, problem.policy, np.zeros(2), problem.inputs, alpha, n_batches,
                               batch_size, np.random.default_rng(seed), method=method, n_reuse=n_reuse,
                               epsilon=epsilon, n_runs=n_runs)
    J = problem.objective(history.theta)
    return ReuseRuns(history, float(alpha), J, float(target), steps_to_reach(history, J, target))


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


# --- the clipped objective -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClippedView:
    r"""PPO's clipped objective of one step as its ratio varies.

    Attributes
    ----------
    ratio, advantage, epsilon : float
    r_grid : ndarray
    clipped, unclipped : ndarray
        :math:`L^\text{CLIP}(r)` and :math:`r\hat A` over ``r_grid``.
    slope_grid : ndarray
        :math:`\partial L^\text{CLIP}/\partial r` over ``r_grid``.
    value, slope : float
        :math:`L^\text{CLIP}` and its slope at ``ratio``.
    """

    ratio: float
    advantage: float
    epsilon: float
    r_grid: np.ndarray
    clipped: np.ndarray
    unclipped: np.ndarray
    slope_grid: np.ndarray
    value: float
    slope: float


R_LIMITS = (0.0, 2.0)
R_TICKS = (0.0, 0.5, 1.0, 1.5, 2.0)


def clipped_view(ratio: float, advantage: float, epsilon: float = 0.2) -> ClippedView:
    """The clipped dashboard's data: the objective and its slope over r, and their values at ``ratio``."""
    r_grid = np.linspace(*R_LIMITS, 401)
    return ClippedView(float(ratio), float(advantage), float(epsilon), r_grid,
                       clipped_objective(r_grid, advantage, epsilon), r_grid * advantage,
                       clipped_objective_slope(r_grid, advantage, epsilon),
                       float(clipped_objective(ratio, advantage, epsilon)),
                       float(clipped_objective_slope(ratio, advantage, epsilon)))


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


def clipped_dashboard(ratio: float = 1.3, advantage: float = 1.0, epsilon: float = 0.2) -> Dashboard:
    """Sliders for the ratio r, the advantage Â and the clip range ε."""
    return Dashboard(
        compute=clipped_view,
        draw=draw_clipped,
        moving=clipped_moving,
        frame=lambda ratio, advantage, epsilon: (advantage, epsilon),
        controls={"ratio": slider("ratio r", ratio, 0.0, 2.0, 0.05),
                  "advantage": slider("advantage Â", advantage, -2.0, 2.0, 0.25),
                  "epsilon": slider("clip ε", epsilon, 0.05, 0.5, 0.05)},
        state=lambda ratio, advantage, epsilon: f"r = {ratio:.2f}, Â = {advantage:+.2f}, ε = {epsilon:.2f}",
        n_panels=2,
        panel_size=(4.6, 3.4),
    )


# --- the PPO paper's Figure 2, exactly ---------------------------------------------------------------------


@lru_cache(maxsize=4)
def figure2_line(direction: tuple[float, ...] | None = None, max_distance: float = 6.0, n_points: int = 601,
                 epsilon: float = EPSILON) -> SurrogateLine:
    """J, L^CPI and L^CLIP exactly, from θ_old = 0 along ``direction`` (cached).

    The PPO paper's Figure 2 interpolates between θ_old and the parameter after one
    update: pass that update as ``direction``. Without it, the exact gradient's direction.
    """
    problem = grid_problem()
    theta_old = np.zeros(2)
    if direction is None:
        direction = tuple(exact_gradient(problem.mdp, problem.policy, theta_old, problem.inputs))
    return surrogate_line(problem.mdp, problem.policy, problem.inputs, theta_old, np.array(direction),
                          np.linspace(0.0, max_distance, check_positive_int("n_points", n_points)), epsilon)


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


# --- several updates per batch: diagnostics -----------------------------------------------------------------


@lru_cache(maxsize=8)
def first_batch_J(n_reuse: int, alpha: float = 3.0, n_runs: int = 200, seed: int = 2) -> np.ndarray:
    """The exact J after the first batch of PPO's clipped updates (K = ``n_reuse``), one per run (cached).

    Every K plays the same first batches (the same seed); K = 1 is one REINFORCE step.
    """
    problem = grid_problem()
    method = "reinforce" if n_reuse == 1 else "clipped"
    history = train_with_reuse(problem.mdp, problem.policy, np.zeros(2), problem.inputs, alpha, 1, 10,
                               np.random.default_rng(seed), method=method, n_reuse=n_reuse, epsilon=EPSILON,
                               n_runs=n_runs)
    J = problem.objective(history.theta[:, 1])
    J.setflags(write=False)
    return J


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


# --- CartPole over seeds ------------------------------------------------------------------------------------


NEW_SEEDS = tuple(range(100, 110))
"""CartPole seeds that played no part in choosing the features and step sizes."""
SHOWN_TUNING_SEEDS = tuple(range(3))
"""Some of the seeds the features and step sizes were chosen on (0 to 29)."""


@lru_cache(maxsize=2)
def cartpole_seeds(seeds: tuple[int, ...] = SHOWN_TUNING_SEEDS + NEW_SEEDS,
                   max_episodes: int = 400) -> tuple[cartpole.CartPoleHistory, ...]:
    """One CartPole run per seed, trained until Gymnasium's rule is met (cached)."""
    return tuple(cartpole.train_cartpole_seeds(list(seeds), stop="gymnasium", max_episodes=max_episodes))


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


def dashboards() -> dict[str, Dashboard]:
    """The notebook's dashboards, for the slider benchmark and the tests."""
    return {"clipped": clipped_dashboard()}
