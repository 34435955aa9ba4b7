r"""Notebook 02's dashboards and figures: REINFORCE on the demand problem.

The problem is :class:`helpers.envs.DemandEnv`: each week a manager sees p, the
change in demand, and orders MORE or LESS with probability
:math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`.

Three dashboards (:func:`dashboards`):

``policy``
    a θ slider: the policy curve :math:`\sigma(\theta p)` over p with the four
    demand changes marked, and where θ sits on the exact :math:`J(\theta)` with
    the tangent of slope :math:`dJ/d\theta`;
``step_size``
    an α slider (logarithmic): the exact :math:`J(\theta_k)` of many REINFORCE runs
    (mean with a band) beside the runs' θ trajectories;
``estimates``
    a θ slider: the histogram of M single-episode REINFORCE estimates
    :math:`\hat g^m` (log scale) and the running mean :math:`\hat g` of the first M
    with its ±2 standard errors, against the exact gradient.

Because the orders never change the demand, the expected visits
:math:`\eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s)` do not depend on θ, and the
objective and its slope are weighted sums of the immediate expected reward,

.. math:: J(\theta) = \sum_s \eta_\gamma(s) \sum_a \pi(a|s, \theta) R(s, a), \qquad
          \frac{dJ}{d\theta} = \sum_s \eta_\gamma(s) \sum_a \frac{\partial \pi(a|s, \theta)}{\partial\theta}
          R(s, a),

which :func:`exact_objective` and :func:`exact_slope` evaluate for many θ at
once (the tests check them against :func:`helpers.mdp.objective` and
:func:`helpers.mdp.exact_gradient`). Everything that does not depend on a
slider, and every set of learning runs, is cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.ticker import NullLocator

from helpers._validate import check_discount, check_positive_int, check_step_size
from helpers.envs import DemandEnv
from helpers.mdp import TabularMDP, exact_gradient, objective, visit_counts
from helpers.plotting import EXACT_COLOR, OKABE_ITO, PALETTE, exact_line, mean_and_band, running_mean
from helpers.policies import SigmoidPolicy, categorical_sample, sigmoid
from helpers.reinforce import EpisodeBatch, reinforce, reinforce_estimates, returns_to_go, sample_episodes
from helpers.widgets import Dashboard, log_slider, slider

LESS, MORE = DemandEnv.LESS, DemandEnv.MORE
THETA0 = 0.0
"""Every learning run starts at θ = 0: MORE and LESS equally likely whatever p."""
N_RUNS = 100
"""Independent runs behind each learning curve of the step-size dashboard."""
N_EPISODES = 200
"""Episodes per learning run in the step-size dashboard."""
N_ESTIMATES = 2000
"""Single-episode estimates behind each histogram of the estimates dashboard."""
P_COLORS = dict(zip(DemandEnv.demand_changes, (OKABE_ITO["vermillion"], OKABE_ITO["orange"],
                                               OKABE_ITO["sky"], OKABE_ITO["blue"]), strict=True))
"""One colour per demand change: falls warm, rises cool."""
P_STYLES = {2.0: "solid", 1.0: (0, (4, 2))}
"""Line style by size of the demand change: solid for |p| = 2, dashed for |p| = 1."""


# --- the problem and its exact quantities -----------------------------------------------------


@dataclass(frozen=True)
class DemandProblem:
    r"""The demand problem with everything the exact solvers and REINFORCE need.

    Attributes
    ----------
    env : DemandEnv
    mdp : TabularMDP
        ``env.tabular()``.
    policy : SigmoidPolicy
        :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`, one parameter.
    inputs : ndarray, shape (S,)
        The change in demand p of every state (``env.policy_inputs()``).
    visits : ndarray, shape (S,)
        :math:`\eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s)`, the same for every θ.
    """

    env: DemandEnv
    mdp: TabularMDP
    policy: SigmoidPolicy
    inputs: np.ndarray
    visits: np.ndarray


@lru_cache(maxsize=8)
def demand_problem(horizon: int = 3, gamma: float = 1.0) -> DemandProblem:
    """The demand problem of ``horizon`` weeks with discount γ (cached: build it once).

    Raises
    ------
    ValueError
        If ``horizon`` is not an integer >= 1 or γ is outside [0, 1].
    """
    horizon = check_positive_int("horizon", horizon)
    gamma = check_discount("gamma", gamma)
    env = DemandEnv(horizon=horizon, gamma=gamma)
    mdp = env.tabular()
    # The orders never change the demand: P[s, LESS] == P[s, MORE], so the visits
    # are the same under every policy; compute them under the uniform one.
    if not np.array_equal(mdp.P[:, LESS], mdp.P[:, MORE]):
        raise ValueError("the demand chain must not depend on the order")
    uniform = np.full((mdp.n_states, mdp.n_actions), 0.5)
    visits = visit_counts(mdp, uniform, discounted=True)
    inputs = env.policy_inputs()
    for array in (inputs, visits):
        array.setflags(write=False)
    return DemandProblem(env, mdp, SigmoidPolicy(), inputs, visits)


def _theta_array(theta: float | np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=float)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be finite, got {theta!r}")
    return theta


def exact_objective(theta: float | np.ndarray, horizon: int = 3, gamma: float = 1.0) -> np.ndarray:
    r"""The exact :math:`J(\theta)` for any array of θ, vectorised.

    .. math:: J(\theta) = \sum_s \eta_\gamma(s) \big[\sigma(\theta p_s) R(s, \mathrm{MORE})
              + \big(1 - \sigma(\theta p_s)\big) R(s, \mathrm{LESS})\big]

    Exact because the visits :math:`\eta_\gamma` do not depend on θ here.

    Parameters
    ----------
    theta : float or ndarray
        Any shape; the result has the same shape.
    horizon : int
    gamma : float
    """
    problem = demand_problem(horizon, gamma)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    R = problem.mdp.R
    return np.sum(problem.visits * (more * R[:, MORE] + (1.0 - more) * R[:, LESS]), axis=-1)


def exact_slope(theta: float | np.ndarray, horizon: int = 3, gamma: float = 1.0) -> np.ndarray:
    r"""The exact :math:`dJ/d\theta` for any array of θ, vectorised.

    .. math:: \frac{dJ}{d\theta} = \sum_s \eta_\gamma(s)\, \sigma(\theta p_s)
              \big(1 - \sigma(\theta p_s)\big)\, p_s \big[R(s, \mathrm{MORE}) - R(s, \mathrm{LESS})\big],

    since :math:`\partial\pi(\mathrm{MORE}|p)/\partial\theta = \sigma(1 - \sigma)\,p =
    -\partial\pi(\mathrm{LESS}|p)/\partial\theta`.
    """
    problem = demand_problem(horizon, gamma)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    R = problem.mdp.R
    return np.sum(problem.visits * more * (1.0 - more) * problem.inputs * (R[:, MORE] - R[:, LESS]),
                  axis=-1)


def best_return(horizon: int = 3, gamma: float = 1.0) -> float:
    r"""The supremum of J: follow the demand every week, :math:`J^* = \sum_s \eta_\gamma(s) \max_a R(s, a)`.

    It is approached as θ → +∞ and never reached by a finite θ.
    """
    problem = demand_problem(horizon, gamma)
    return float(problem.visits @ problem.mdp.R.max(axis=1))


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


# --- dashboard 1: the policy and where θ sits on J ----------------------------------------------


@dataclass(frozen=True)
class PolicyView:
    r"""What the θ dashboard shows for one θ.

    Attributes
    ----------
    theta : float
    p_grid, pi_more : ndarray
        The policy curve :math:`\sigma(\theta p)` over a fine grid of p.
    demand_changes, pi_at_changes : ndarray, shape (4,)
        The four demand changes and :math:`\pi(\mathrm{MORE}|p, \theta)` at each.
    theta_grid, J_grid : ndarray
        The exact :math:`J` over a grid of θ.
    J, slope : float
        The exact :math:`J(\theta)` and :math:`dJ/d\theta` (from :mod:`helpers.mdp`).
    J_best : float
        The supremum of J.
    """

    theta: float
    p_grid: np.ndarray
    pi_more: np.ndarray
    demand_changes: np.ndarray
    pi_at_changes: np.ndarray
    theta_grid: np.ndarray
    J_grid: np.ndarray
    J: float
    slope: float
    J_best: float


THETA_LIMITS = (-6.0, 6.0)


@lru_cache(maxsize=4)
def _objective_curve(horizon: int, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    theta_grid = np.linspace(*THETA_LIMITS, 241)
    J_grid = exact_objective(theta_grid, horizon, gamma)
    for array in (theta_grid, J_grid):
        array.setflags(write=False)
    return theta_grid, J_grid


def policy_view(theta: float, horizon: int = 3, gamma: float = 1.0) -> PolicyView:
    r"""The θ dashboard's data: the policy curve and the exact J and dJ/dθ at θ.

    J and dJ/dθ at θ come from :func:`helpers.mdp.objective` and
    :func:`helpers.mdp.exact_gradient` (a linear solve and the policy gradient theorem).
    """
    theta = float(_theta_array(theta))
    problem = demand_problem(horizon, gamma)
    p_grid = np.linspace(-2.5, 2.5, 201)
    changes = problem.env.demand_changes
    theta_grid, J_grid = _objective_curve(horizon, gamma)
    theta_vector = np.array([theta])
    return PolicyView(
        theta=theta,
        p_grid=p_grid,
        pi_more=problem.policy.probs(theta_vector, p_grid)[:, MORE],
        demand_changes=changes,
        pi_at_changes=problem.policy.probs(theta_vector, changes)[:, MORE],
        theta_grid=theta_grid,
        J_grid=J_grid,
        J=objective(problem.mdp, problem.policy, theta_vector, problem.inputs),
        slope=float(exact_gradient(problem.mdp, problem.policy, theta_vector, problem.inputs)[0]),
        J_best=best_return(horizon, gamma),
    )


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


def policy_dashboard(theta: float = 1.0) -> Dashboard:
    """The θ slider: the policy curve and where θ sits on the exact J(θ)."""
    return Dashboard(
        compute=policy_view,
        draw=draw_policy_view,
        moving=policy_view_moving,
        controls={"theta": slider("θ", theta, -4.0, 4.0, 0.1)},
        state=lambda theta: f"θ = {theta:.2f}",
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


# --- dashboard 2: the step size ------------------------------------------------------------------


@dataclass(frozen=True)
class LearningRuns:
    r"""Many REINFORCE runs with one step size, and the exact J along each run.

    Attributes
    ----------
    alpha : float
    theta : ndarray, shape (n_runs, n_episodes + 1)
        θ before the first episode and after each.
    J : ndarray, shape (n_runs, n_episodes + 1)
        The exact :math:`J(\theta_k)` of each run after k episodes.
    J_best : float
    """

    alpha: float
    theta: np.ndarray
    J: np.ndarray
    J_best: float

    @property
    def n_runs(self) -> int:
        """The number of independent runs."""
        return self.theta.shape[0]

    @property
    def n_episodes(self) -> int:
        """The number of episodes per run."""
        return self.theta.shape[1] - 1

    @property
    def wrong_way(self) -> np.ndarray:
        """Runs that end with θ < 0, on the side of the policy that orders against demand."""
        return self.theta[:, -1] < 0


def _canonical_alpha(alpha: float) -> float:
    """α rounded to 6 significant digits, so that a slider's float noise hits the cache."""
    alpha = check_step_size("alpha", alpha)
    return float(f"{alpha:.6g}")


@lru_cache(maxsize=64)
def _learning_runs(alpha: float, n_runs: int, n_episodes: int, seed: int, horizon: int,
                   theta0: float) -> LearningRuns:
    problem = demand_problem(horizon)
    history = reinforce(problem.mdp, problem.policy, np.array([theta0]), problem.inputs, alpha,
                        n_episodes, np.random.default_rng(seed), n_runs=n_runs)
    theta = history.theta[:, :, 0]
    J = exact_objective(theta, horizon)
    for array in (theta, J):
        array.setflags(write=False)
    return LearningRuns(alpha, theta, J, best_return(horizon))


def learning_runs(alpha: float, *, n_runs: int = N_RUNS, n_episodes: int = N_EPISODES, seed: int = 0,
                  horizon: int = 3, theta0: float = THETA0) -> LearningRuns:
    r"""``n_runs`` independent REINFORCE runs with step size α, batched; cached per setting.

    Each run plays ``n_episodes`` episodes from θ = ``theta0`` with Sutton & Barto's
    per-step update :math:`\theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`
    (:func:`helpers.reinforce.reinforce`). The generator is seeded with ``seed`` for
    every α, so all step sizes see the same random numbers where they can.

    Raises
    ------
    ValueError
        If α is not a finite number > 0, or a count is not an integer >= 1.
    """
    return _learning_runs(_canonical_alpha(alpha), check_positive_int("n_runs", n_runs),
                          check_positive_int("n_episodes", n_episodes), int(seed),
                          check_positive_int("horizon", horizon), float(_theta_array(theta0)))


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


def step_size_dashboard(alpha: float = 0.1, *, seed: int = 0, precompute: bool = True) -> Dashboard:
    """The α slider (logarithmic, 0.003 to 10): learning curves beside θ trajectories.

    With ``precompute`` the runs for every step of the slider (15 values of α, about
    50 ms each) are computed now, so that moving the slider only draws.
    """
    control = log_slider("α", alpha, -2.5, 1.0, step=0.25)
    if precompute:
        n_steps = round((control.max - control.min) / control.step)
        for k in range(n_steps + 1):
            learning_runs(control.base ** (control.min + k * control.step), seed=seed)
    return Dashboard(
        compute=lambda alpha: learning_runs(alpha, seed=seed),
        draw=draw_learning_runs,
        moving=learning_runs_moving,
        controls={"alpha": control},
        state=lambda alpha: f"α = {alpha:#.3g}",  # as the readout (d3 ".3g" keeps zeros: 0.100)
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


# --- dashboard 3: single-episode estimates ------------------------------------------------------


@dataclass(frozen=True)
class EstimatesView:
    r"""Single-episode REINFORCE estimates at one θ and the exact gradient.

    Attributes
    ----------
    theta : float
    estimates : ndarray, shape (M,)
        :math:`\hat g^m = \sum_t \gamma^t G_t^m \nabla \ln \pi(A_t^m|S_t^m, \theta)`, one per
        episode m = 1, ..., M.
    exact : float
        The exact :math:`dJ/d\theta`.
    against_demand : ndarray of bool, shape (M,)
        Whether episode m took at least one order against demand (MORE at a fall or
        LESS at a rise).
    """

    theta: float
    estimates: np.ndarray
    exact: float
    against_demand: np.ndarray

    @property
    def mean(self) -> float:
        r"""The average of the M estimates, :math:`\hat g = \frac1M \sum_m \hat g^m`."""
        return float(self.estimates.mean())

    @property
    def standard_error(self) -> float:
        r"""The standard error of the mean, :math:`s / \sqrt M`."""
        return float(self.estimates.std(ddof=1) / np.sqrt(self.estimates.size))

    def running_mean(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The average of the first M estimates and its standard error, for M = 2, 3, ...

        Returns
        -------
        M, mean, standard_error : ndarray, each shape (n - 1,)
            :math:`\hat g_M = \frac1M \sum_{m \le M} \hat g^m` and :math:`s_M / \sqrt M`, with
            :math:`s_M` the sample standard deviation of the first M estimates.
        """
        mean, standard_error = running_mean(self.estimates)
        M = np.arange(1, self.estimates.size + 1, dtype=float)
        return M[1:], mean[1:], standard_error[1:]

    def shape_summary(self) -> str:
        r"""What the histogram shows, in a few words (the estimates panel's title).

        "most ĝᵐ ≈ 0, a few large kicks" when at least 3/4 of the estimates lie within
        ±0.5 of 0 and the largest is more than 5 standard deviations out; "every ĝᵐ > 0"
        when none is negative; otherwise the share that points the wrong way
        (:math:`\hat g^m < 0`, while :math:`dJ/d\theta > 0`).
        """
        values = self.estimates
        near_zero = float(np.mean(np.abs(values) < 0.5))
        spread = values.std(ddof=1)
        if near_zero >= 0.75 and np.abs(values).max() > 5 * spread:
            return f"{near_zero:.0%} of ĝᵐ ≈ 0 (|ĝᵐ| < 0.5), a few large kicks"
        if values.min() >= 0:
            return f"every ĝᵐ > 0, from {values.min():.2f} to {values.max():.1f}"
        return f"{np.mean(values < 0):.0%} of ĝᵐ point the wrong way (ĝᵐ < 0)"


@lru_cache(maxsize=64)
def _estimates(theta: float, n_episodes: int, seed: int, horizon: int) -> EstimatesView:
    problem = demand_problem(horizon)
    theta_vector = np.array([theta])
    batch = sample_episodes(problem.mdp, problem.policy, theta_vector, problem.inputs, n_episodes,
                            np.random.default_rng(seed))
    estimates = reinforce_estimates(problem.policy, theta_vector, problem.inputs, batch,
                                    problem.mdp.gamma)[:, 0]
    p = problem.inputs[batch.states]
    against = batch.mask & np.where(batch.actions == MORE, p < 0, p > 0)
    against_demand = against.any(axis=1)
    for array in (estimates, against_demand):
        array.setflags(write=False)
    exact = float(exact_gradient(problem.mdp, problem.policy, theta_vector, problem.inputs)[0])
    return EstimatesView(theta, estimates, exact, against_demand)


def single_episode_estimates(theta: float, *, n_episodes: int = N_ESTIMATES, seed: int = 0,
                             horizon: int = 3) -> EstimatesView:
    r"""``n_episodes`` = M single-episode REINFORCE estimates of :math:`dJ/d\theta` at θ (cached).

    .. math:: \hat g^m = \sum_{t=0}^{T-1} \gamma^t G_t^m\, \nabla \ln \pi(A_t^m|S_t^m, \theta),
              \qquad \mathbb{E}[\hat g^m] = \frac{dJ}{d\theta},

    all scored at the same θ; their average is :math:`\hat g = \frac1M \sum_m \hat g^m`.

    Raises
    ------
    ValueError
        If θ is not finite or a count is not an integer >= 1.
    """
    theta = float(f"{float(_theta_array(theta)):.6g}")
    return _estimates(theta, check_positive_int("n_episodes", n_episodes), int(seed),
                      check_positive_int("horizon", horizon))


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


def estimates_dashboard(theta: float = 0.5, *, seed: int = 0) -> Dashboard:
    """The θ slider: the histogram of single-episode estimates ĝᵐ and their running mean ĝ."""
    return Dashboard(
        compute=lambda theta: single_episode_estimates(theta, seed=seed),
        draw=draw_estimates,
        controls={"theta": slider("θ", theta, -3.0, 3.0, 0.25)},
        state=lambda theta: f"θ = {theta:.2f}",
        n_panels=2,
        panel_size=(4.9, 3.5),
    )


# --- one episode's update, step by step -----------------------------------------------------------


@dataclass(frozen=True)
class UpdateStep:
    r"""One step of Sutton & Barto's per-step REINFORCE update within an episode.

    Attributes
    ----------
    t : int
    p : float
        The change in demand in :math:`S_t`.
    action : int
        :math:`A_t` (0 = LESS, 1 = MORE).
    reward : float
        :math:`R_{t+1}`.
    G : float
        The return :math:`G_t = \sum_{k=t+1}^{T} \gamma^{k-t-1} R_k`.
    theta_before : float
        The θ at which step t is scored.
    prob : float
        :math:`\pi(A_t|S_t, \theta)` at that θ.
    score : float
        :math:`\nabla \ln \pi(A_t|S_t, \theta) = (A_t - \sigma(\theta p))\, p`.
    step : float
        :math:`\alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`.
    theta_after : float
    """

    t: int
    p: float
    action: int
    reward: float
    G: float
    theta_before: float
    prob: float
    score: float
    step: float
    theta_after: float


def _check_episode_arrays(p: np.ndarray, actions: np.ndarray, rewards: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    actions = np.asarray(actions)
    rewards = np.asarray(rewards, dtype=float)
    if p.ndim != 1 or actions.shape != p.shape or rewards.shape != p.shape:
        raise ValueError("p, actions and rewards must be 1-D arrays of one common length T; got shapes "
                         f"{p.shape}, {actions.shape}, {rewards.shape}")
    if not np.all(np.isin(actions, (LESS, MORE))):
        raise ValueError(f"actions must hold 0 (LESS) or 1 (MORE), got {actions!r}")
    return p, actions.astype(int), rewards


def episode_update(theta: float, p: np.ndarray, actions: np.ndarray, rewards: np.ndarray,
                   alpha: float, gamma: float = 1.0) -> list[UpdateStep]:
    r"""Sutton & Barto's REINFORCE update for one episode, one row per step.

    For t = 0, 1, ..., T-1, with the score taken at the current θ:

    .. math:: \theta \leftarrow \theta + \alpha \gamma^t G_t\, \big(A_t - \sigma(\theta p_t)\big)\, p_t.

    Parameters
    ----------
    theta : float
        θ before the episode.
    p, actions, rewards : array_like, shape (T,)
        :math:`p_t` (the change in demand in :math:`S_t`), :math:`A_t` and :math:`R_{t+1}`.
    alpha : float
        The step size α > 0.
    gamma : float
        The discount γ in [0, 1].

    Raises
    ------
    ValueError
        On arrays of different lengths, actions other than 0 and 1, α <= 0 or γ outside [0, 1].
    """
    theta = float(_theta_array(theta))
    alpha = check_step_size("alpha", alpha)
    gamma = check_discount("gamma", gamma)
    p, actions, rewards = _check_episode_arrays(p, actions, rewards)
    G = returns_to_go(rewards, gamma)
    rows = []
    for t in range(len(p)):
        more = float(sigmoid(theta * p[t]))
        score = (actions[t] - more) * p[t]
        step = alpha * gamma**t * G[t] * score
        rows.append(UpdateStep(t, float(p[t]), int(actions[t]), float(rewards[t]), float(G[t]), theta,
                               more if actions[t] == MORE else 1.0 - more, float(score), float(step),
                               theta + step))
        theta = theta + step
    return rows


@dataclass(frozen=True)
class UpdateEffect:
    r"""π(·|p) before and after one REINFORCE step on one action, for several returns G_t.

    Attributes
    ----------
    theta, p, alpha : float
        θ before the step, the state's change in demand, the step size.
    action : int
        The action A_t whose score is used (MORE = 1, LESS = 0).
    returns : tuple of float
        The G_t of each case.
    before : ndarray, shape (2,)
        [π(LESS|p), π(MORE|p)] at θ.
    after : ndarray, shape (len(returns), 2)
        The same after :math:`\theta \leftarrow \theta + \alpha G_t \nabla \ln \pi(A_t|p, \theta)`.
    theta_after : ndarray, shape (len(returns),)
    """

    theta: float
    p: float
    alpha: float
    action: int
    returns: tuple[float, ...]
    before: np.ndarray
    after: np.ndarray
    theta_after: np.ndarray


def update_effect(theta: float = 0.5, p: float = 1.0, action: int = MORE,
                  returns: tuple[float, ...] = (2.0, -2.0), alpha: float = 0.5) -> UpdateEffect:
    r"""What one REINFORCE step does to π(·|p): the taken action's probability moves with the sign of G_t.

    .. math:: 	heta' = 	heta + lpha\, G_t\, ig(A_t - \sigma(	heta p)ig)\, p, \qquad
              \pi(	ext{MORE}|p, 	heta') = \sigma(	heta' p).

    Raises
    ------
    ValueError
        If θ, p or a return is not finite, the action is not 0 or 1, or α <= 0.
    """
    theta = float(_theta_array(theta))
    alpha = check_step_size("alpha", alpha)
    values = np.asarray([p, *returns], dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"p and returns must be finite numbers, got p={p!r}, returns={returns!r}")
    if action not in (LESS, MORE):
        raise ValueError(f"action must be {LESS} (LESS) or {MORE} (MORE), got {action!r}")
    G = np.asarray(returns, dtype=float)
    score = (action - float(sigmoid(theta * p))) * p
    theta_after = theta + alpha * G * score
    more_after = sigmoid(theta_after * p)
    more_before = float(sigmoid(theta * p))
    return UpdateEffect(theta, float(p), alpha, int(action), tuple(float(g) for g in G),
                        np.array([1.0 - more_before, more_before]),
                        np.column_stack([1.0 - more_after, more_after]), theta_after)


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
    """The rows of :func:`episode_update` as a Markdown table."""
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


def episode_arrays(batch: EpisodeBatch, index: int = 0, horizon: int = 3
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (p_t, A_t, R_{t+1}) of episode ``index`` of a batch of demand episodes, as three arrays.

    Raises
    ------
    ValueError
        If ``index`` is not the index of an episode in the batch.
    """
    if not 0 <= index < len(batch):
        raise ValueError(f"index must be in 0..{len(batch) - 1}, got {index!r}")
    inputs = demand_problem(horizon).inputs
    steps = batch.mask[index]
    return (inputs[batch.states[index, steps]], batch.actions[index, steps].copy(),
            batch.rewards[index, steps].copy())


def immediate_terms(theta: float | np.ndarray, horizon: int = 3) -> np.ndarray:
    r"""Every :math:`R(s, a)\, \nabla \ln \pi(a|s, \theta)`, shape (..., S, 2).

    The part of a REINFORCE step that comes from the reward of the step itself.
    For the demand problem it is never negative, so it always raises θ: a rewarded
    order (one that follows demand) is made more likely and a penalised one less
    likely, and for the policy σ(θp) both mean raising θ.
    """
    problem = demand_problem(horizon)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    scores = np.stack([(0.0 - more) * problem.inputs, (1.0 - more) * problem.inputs], axis=-1)
    return problem.mdp.R[~problem.mdp.terminal] * scores[..., ~problem.mdp.terminal, :]


# --- smooth probabilities against ε-greedy jumps -----------------------------------------------


@dataclass(frozen=True)
class SmoothnessComparison:
    r"""π(MORE|p) during learning, for REINFORCE and for ε-greedy Monte Carlo control.

    Attributes
    ----------
    demand_changes : ndarray, shape (4,)
    pi_reinforce : ndarray, shape (n_runs, n_episodes + 1, 4)
        :math:`\sigma(\theta_k p)` after k episodes of REINFORCE.
    pi_greedy : ndarray, shape (n_runs, n_episodes + 1, 4)
        The ε-greedy :math:`\pi(\mathrm{MORE}|p)` from the estimates :math:`\hat q(p, a)` after k episodes.
    advantage : ndarray, shape (n_runs, n_episodes + 1, 4)
        :math:`\hat q(p, \mathrm{MORE}) - \hat q(p, \mathrm{LESS})`, the number the argmax looks at.
    theta : ndarray, shape (n_runs, n_episodes + 1)
        REINFORCE's θ_k.
    epsilon : float
    """

    demand_changes: np.ndarray
    pi_reinforce: np.ndarray
    pi_greedy: np.ndarray
    advantage: np.ndarray
    theta: np.ndarray
    epsilon: float

    def largest_change(self) -> tuple[np.ndarray, np.ndarray]:
        """The largest change of π(MORE|p) in one episode, per run: (REINFORCE, ε-greedy)."""
        def per_run(pi: np.ndarray) -> np.ndarray:
            return np.abs(np.diff(pi, axis=1)).max(axis=(1, 2))
        return per_run(self.pi_reinforce), per_run(self.pi_greedy)


def epsilon_greedy_more(advantage: np.ndarray, epsilon: float) -> np.ndarray:
    r"""The ε-greedy :math:`\pi(\mathrm{MORE}|p)` from the estimated advantage of MORE.

    The advantage is :math:`\hat q(p, \mathrm{MORE}) - \hat q(p, \mathrm{LESS})`, and

    .. math:: \pi(\mathrm{MORE}|p) = (1 - \varepsilon)\, \mathbb{1}[\hat q(p, \mathrm{MORE})
              > \hat q(p, \mathrm{LESS})] + \varepsilon / 2,

    with ties split evenly (π = 1/2).
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon!r}")
    greedy = np.where(np.asarray(advantage) > 0, 1.0, np.where(np.asarray(advantage) < 0, 0.0, 0.5))
    return (1.0 - epsilon) * greedy + epsilon / 2


def smoothness_comparison(n_episodes: int, rng: np.random.Generator, *, alpha: float = 0.1,
                          epsilon: float = 0.1, n_runs: int = 1, horizon: int = 3) -> SmoothnessComparison:
    r"""Learn the demand problem twice, ``n_runs`` times each, and record π(MORE|p) after every episode.

    REINFORCE: :func:`helpers.reinforce.reinforce` from θ = 0 with step size α.
    ε-greedy Monte Carlo control: action values :math:`\hat q(p, a)`, the sample
    average of every return :math:`G_t` that followed order a at demand change p
    (every visit, all weeks pooled, like the sigmoid policy which also sees only p);
    actions ε-greedy in :math:`\hat q`; estimates start at 0.

    Raises
    ------
    ValueError
        On counts that are not integers >= 1, α <= 0 or ε outside [0, 1].
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    epsilon_greedy_more(0.0, epsilon)  # validates epsilon
    problem = demand_problem(horizon)
    mdp, inputs = problem.mdp, problem.inputs
    changes = problem.env.demand_changes
    history = reinforce(mdp, problem.policy, np.array([0.0]), inputs, alpha, n_episodes, rng,
                        n_runs=n_runs)
    theta = history.theta[:, :, 0]
    pi_reinforce = sigmoid(theta[..., None] * changes)

    n_p = len(changes)
    p_index = np.arange(mdp.n_states) % n_p  # the demand change of each state (the end maps to 0, unused)
    total = np.zeros((n_runs, n_p, 2))
    count = np.zeros((n_runs, n_p, 2))
    advantage = np.zeros((n_runs, n_episodes + 1, n_p))
    cumulative_P = np.cumsum(mdp.P, axis=2)
    runs = np.arange(n_runs)
    for k in range(n_episodes):
        q_hat = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        advantage[:, k] = q_hat[..., MORE] - q_hat[..., LESS]
        pi_more = epsilon_greedy_more(advantage[:, k], epsilon)
        state = categorical_sample(np.broadcast_to(mdp.d0, (n_runs, mdp.n_states)), rng)
        visited, taken, rewards = [], [], []
        while not mdp.terminal[state[0]]:  # every episode lasts exactly `horizon` weeks
            more = pi_more[runs, p_index[state]]
            action = (rng.random(n_runs) < more).astype(int)
            visited.append(p_index[state])
            taken.append(action)
            rewards.append(mdp.R[state, action])
            u = rng.random(n_runs)[:, None]
            state = np.minimum((u >= cumulative_P[state, action]).sum(axis=1), mdp.n_states - 1)
        G = returns_to_go(np.stack(rewards, axis=1), mdp.gamma)
        for t, (p_t, a_t) in enumerate(zip(visited, taken, strict=True)):
            np.add.at(total, (runs, p_t, a_t), G[:, t])
            np.add.at(count, (runs, p_t, a_t), 1.0)
    q_hat = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    advantage[:, -1] = q_hat[..., MORE] - q_hat[..., LESS]
    return SmoothnessComparison(changes, pi_reinforce, epsilon_greedy_more(advantage, epsilon), advantage,
                                theta, float(epsilon))


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


def first_flip(data: SmoothnessComparison, run: int = 0) -> tuple[int, int] | None:
    r"""The first ε-greedy flip of run ``run``: (k, i) where π(MORE|p_i) moves by ±(1 − ε) in episode k + 1.

    A flip is the greedy action changing from one order to the other after one
    episode, so that π(MORE|p) jumps between ε/2 and 1 − ε/2. None if the run has no flip.
    """
    if not 0 <= run < data.pi_greedy.shape[0]:
        raise ValueError(f"run must be in 0..{data.pi_greedy.shape[0] - 1}, got {run!r}")
    jumps = np.abs(np.diff(data.pi_greedy[run], axis=0))
    ks, indices = np.nonzero(np.isclose(jumps, 1.0 - data.epsilon) & (jumps > 0))
    if len(ks) == 0:
        return None
    return int(ks[0]), int(indices[0])


def dashboards() -> dict[str, Dashboard]:
    """Every dashboard of notebook 02, for the slider benchmark."""
    return {
        "policy": policy_dashboard(),
        "step_size": step_size_dashboard(),
        "estimates": estimates_dashboard(),
    }
