r"""Notebook 03's experiments: REINFORCE on the windy highway.

The problem is :class:`helpers.envs.WindyHighway` (7 rows, 6 lanes, a crosswind to
the right) with the seed's policy: a softmax over (left, down, right) whose left
and right preferences are :math:`\theta_1 \phi(s)` and :math:`\theta_2 \phi(s)` for
one state feature φ(s), and whose down preference is fixed at 0.

Because θ has two entries, the whole objective :math:`J(\theta_1, \theta_2)` can be
computed exactly on a grid of θ values. :func:`exact_objective_and_gradient` does
that for many θ at once with one stacked Bellman solve
(:func:`helpers.mdp.stacked_bellman`). Also here: sampled paths, REINFORCE and
gradient-ascent paths for a step size, the discounted against the undiscounted
update direction, and single-episode against batch updates; and the dashboards' data,
the policy and gradient at one θ (:func:`policy_view`) and the learning paths for one
step size (:func:`paths_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from helpers._validate import check_choice, check_discount, check_positive_int, check_step_size
from helpers.envs import WindyHighway
from helpers.mdp import (
    GradientTerms,
    StackedBellman,
    TabularMDP,
    gradient_terms,
    reachable_states,
    stacked_bellman,
)
from helpers.policies import SoftmaxLinearPolicy, log_softmax
from helpers.reinforce import UPDATES, reinforce, reinforce_estimates, sample_episodes

FEATURE = "offset"
"""The state feature of the notebook's main thread (see the notebook for why)."""


THETA1_LIMITS = (-10.0, 40.0)


THETA2_LIMITS = (-25.0, 25.0)
"""The θ box of the landscape figures and the θ sliders."""


RESOLUTION = 61
"""Grid points per axis of the landscape (61 × 61 = 3721 values of θ, 5/6 apart)."""


THETA0 = (0.0, 0.0)
"""Where every REINFORCE run starts: the uniform policy."""


ACTION_NAMES = ("left", "down", "right")


@dataclass(frozen=True)
class GridProblem:
    """The windy highway, its exact model and the seed's two-parameter policy.

    Attributes
    ----------
    env : WindyHighway
    mdp : TabularMDP
        ``env.tabular()``.
    policy : SoftmaxLinearPolicy
        Three actions, θ = (θ_1, θ_2) = (θ_L, θ_R).
    inputs : ndarray, shape (S, 3, 2)
        x(s, a) for every state, ``env.policy_inputs(feature)``.
    feature : str
        ``"offset"`` or ``"constant"``.
    """

    env: WindyHighway
    mdp: TabularMDP
    policy: SoftmaxLinearPolicy
    inputs: np.ndarray
    feature: str

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, lanes) of the road."""
        return self.env.n_rows, self.env.n_cols

    @property
    def best_return(self) -> float:
        r"""The best J over *all* policies, :math:`\max_\pi v_\pi(s_0)`, by backward induction."""
        return _best_return(self.feature, self.mdp.gamma)

    @property
    def solved_states(self) -> np.ndarray:
        """The non-terminal states that can be reached from the start, as a boolean mask.

        A softmax policy gives every action a positive probability, so the set is the
        same for every θ; the other states have η(s) = 0 and take no part in J or ∇J
        (on the road: row 0 except the start lane, and the two edge lanes of row 1).
        """
        return _solved_states(self.feature, self.mdp.gamma)


@lru_cache(maxsize=8)
def grid_problem(feature: str = FEATURE, gamma: float = 1.0) -> GridProblem:
    """The windy highway with default settings, discount ``gamma``, and the policy on ``feature``.

    Cached: the same object is returned for the same arguments.
    """
    check_choice("feature", feature, WindyHighway.features)
    gamma = check_discount("gamma", gamma)
    env = WindyHighway(gamma=gamma)
    inputs = env.policy_inputs(feature)
    inputs.setflags(write=False)
    return GridProblem(env, env.tabular(), SoftmaxLinearPolicy(3, 2), inputs, feature)


@lru_cache(maxsize=8)
def _solved_states(feature: str, gamma: float) -> np.ndarray:
    mask = reachable_states(grid_problem(feature, gamma).mdp)
    mask.setflags(write=False)
    return mask


@lru_cache(maxsize=8)
def _best_return(feature: str, gamma: float) -> float:
    mdp = grid_problem(feature, gamma).mdp
    v = np.zeros(mdp.n_states)
    for _ in range(mdp.n_states):  # the road is a DAG: n_rows sweeps are exact
        q = mdp.R + mdp.gamma * mdp.P @ v
        q[mdp.terminal] = 0.0
        v = q.max(axis=1)
    return float(mdp.d0 @ v)


def worst_return(problem: GridProblem) -> float:
    r"""The lowest return any episode can have: the worst path of positive probability from the start.

    By backward induction over rows, taking the worst action *and* the worst wind outcome:
    :math:`w(s) = \min_a \big(R(s,a) + \gamma \min_{s': p(s'|s,a) > 0} w(s')\big)`, :math:`w = 0` at
    the finish. (``best_return`` is the best *expected* return; with the wind a best path
    and a best policy differ, a worst path and a worst policy too.)
    """
    mdp = problem.mdp
    w = np.zeros(mdp.n_states)
    for _ in range(problem.shape[0]):  # the road is a DAG: n_rows sweeps are exact
        successors = np.where(mdp.P > 0, w[None, None, :], np.inf).min(axis=2)
        w = np.where(mdp.terminal, 0.0, (mdp.R + mdp.gamma * successors).min(axis=1))
    starts = np.flatnonzero(mdp.d0 > 0)
    return float(w[starts].min())


def _check_thetas(thetas: np.ndarray) -> np.ndarray:
    thetas = np.asarray(thetas, dtype=float)
    if thetas.ndim != 2 or thetas.shape[1] != 2:
        raise ValueError(f"thetas must have shape (N, 2), one θ = (θ_1, θ_2) per row, got {thetas.shape}")
    if not np.all(np.isfinite(thetas)):
        raise ValueError("thetas must be finite")
    return thetas


@dataclass(frozen=True)
class ExactBatch:
    r"""Exact quantities for N values of θ at once.

    Attributes
    ----------
    J : ndarray, shape (N,)
        :math:`J(\theta) = v_\pi(s_0)`.
    gradient : ndarray, shape (N, 2)
        :math:`\nabla J(\theta)`.
    """

    J: np.ndarray
    gradient: np.ndarray


def exact_objective_and_gradient(problem: GridProblem, thetas: np.ndarray) -> ExactBatch:
    r"""J(θ) and ∇J(θ) for many θ at once, exactly, with stacked linear solves.

    For every θ_n the policy table :math:`\pi_n(a|s)` gives the transition matrix
    :math:`P_{\pi_n}` among the non-terminal states that can be reached from the
    start (``problem.solved_states``: 29 of the road's 42), and two linear systems
    are solved for all n in one :func:`numpy.linalg.solve` call each:

    .. math:: (I - \gamma P_{\pi_n})\, v_n = r_{\pi_n}, \qquad
              (I - \gamma P_{\pi_n})^\top \eta_n = d_0,

    then :math:`J(\theta_n) = d_0^\top v_n`,
    :math:`q_n(s, a) = R(s, a) + \gamma \sum_{s'} p(s'|s, a) v_n(s')` and, by the
    policy gradient theorem with discounted visits
    :math:`\eta_n(s) = \sum_t \gamma^t \Pr(S_t = s)`,

    .. math:: \nabla J(\theta_n) = \sum_s \eta_n(s) \sum_a q_n(s, a)\,
              \pi_n(a|s)\, \nabla \ln \pi_n(a|s)
              = \sum_s \eta_n(s) \sum_a \pi_n(a|s) \big(q_n(s, a) - v_n(s)\big)\, x(s, a).

    The second form holds for the softmax-linear policy, whose score is
    :math:`x(s, a) - \sum_b \pi(b|s) x(s, b)` (Sutton & Barto eq. 13.9), because
    :math:`\sum_a \pi(a|s) q(s, a) = v(s)`; it avoids building the scores of all
    θ. Products are written as elementwise sums and ``einsum`` rather than BLAS
    calls: the matrices are small, and multithreaded BLAS on a busy machine costs
    more than it saves (``benchmarks/landscape.py``). The results are the numbers of
    :func:`helpers.mdp.objective` and :func:`helpers.mdp.exact_gradient`, one θ at a
    time (tested).

    Parameters
    ----------
    problem : GridProblem
    thetas : ndarray, shape (N, 2)

    Returns
    -------
    ExactBatch
    """
    system = _bellman(problem, thetas)
    live = system.states
    x, P, R, pi, v = problem.inputs[live], problem.mdp.P[live][:, :, live], problem.mdp.R[live], \
        system.pi, system.values[:, live]
    d0 = problem.mdp.d0[live]
    eta = np.linalg.solve(system.matrices.transpose(0, 2, 1),
                          np.broadcast_to(d0[:, None], (len(pi), len(d0), 1)))[..., 0]
    gamma = problem.mdp.gamma
    q = R + gamma * np.einsum("nt,sat->nsa", v, P)
    gradient = np.einsum("nsa,sad->nd", eta[..., None] * pi * (q - v[..., None]), x)
    return ExactBatch(J=system.objective(problem.mdp), gradient=gradient)


def exact_objective(problem: GridProblem, thetas: np.ndarray) -> np.ndarray:
    r"""J(θ) for many θ at once: the first half of :func:`exact_objective_and_gradient`.

    One stacked solve :math:`(I - \gamma P_{\pi_n}) v_n = r_{\pi_n}`
    (:func:`helpers.mdp.stacked_bellman`) and :math:`J(\theta_n) = d_0^\top v_n`; shape (N,).
    """
    return _bellman(problem, thetas).objective(problem.mdp)


def _bellman(problem: GridProblem, thetas: np.ndarray) -> StackedBellman:
    """The policy tables of many θ and their stacked Bellman systems, with v solved."""
    thetas = _check_thetas(thetas)
    pi = np.exp(log_softmax(np.einsum("nd,sad->nsa", thetas, problem.inputs)))
    return stacked_bellman(problem.mdp, pi)


@dataclass(frozen=True)
class Landscape:
    r"""J and ∇J on a grid of θ values.

    Attributes
    ----------
    theta1, theta2 : ndarray, shapes (n,), (n,)
        The grid axes.
    J : ndarray, shape (n, n)
        ``J[j, i]`` = :math:`J(\theta_1 = \text{theta1}[i], \theta_2 = \text{theta2}[j])`.
    gradient : ndarray, shape (n, n, 2)
        :math:`\nabla J` at the same points.
    """

    theta1: np.ndarray
    theta2: np.ndarray
    J: np.ndarray
    gradient: np.ndarray


@lru_cache(maxsize=8)
def landscape(feature: str = FEATURE, gamma: float = 1.0,
              theta1_limits: tuple[float, float] = THETA1_LIMITS,
              theta2_limits: tuple[float, float] = THETA2_LIMITS,
              resolution: int = RESOLUTION) -> Landscape:
    """The exact landscape J(θ_1, θ_2) and its gradient field on a ``resolution`` × ``resolution`` grid.

    Cached (the arrays are read-only); see :func:`exact_objective_and_gradient`.
    """
    resolution = check_positive_int("resolution", resolution)
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, got {resolution}")
    for name, limits in (("theta1_limits", theta1_limits), ("theta2_limits", theta2_limits)):
        if len(limits) != 2 or not limits[0] < limits[1]:
            raise ValueError(f"{name} must be (low, high) with low < high, got {limits!r}")
    theta1 = np.linspace(*theta1_limits, resolution)
    theta2 = np.linspace(*theta2_limits, resolution)
    grid = np.stack(np.meshgrid(theta1, theta2), axis=-1)       # (n, n, 2), [j, i]
    exact = exact_objective_and_gradient(grid_problem(feature, gamma), grid.reshape(-1, 2))
    result = Landscape(theta1, theta2, exact.J.reshape(resolution, resolution),
                       exact.gradient.reshape(resolution, resolution, 2))
    for array in (result.theta1, result.theta2, result.J, result.gradient):
        array.setflags(write=False)
    return result


# --- episodes, paths and learning runs ------------------------------------------------------------

@dataclass(frozen=True)
class EpisodePath:
    r"""One episode on the road, with the final state included.

    Attributes
    ----------
    states : ndarray of int, shape (T + 1,)
        :math:`S_0, \dots, S_T` (the last one is in the finish row).
    actions : ndarray of int, shape (T,)
        :math:`A_0, \dots, A_{T-1}`.
    rewards : ndarray, shape (T,)
        ``rewards[t]`` is :math:`R_{t+1}`.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray


def sample_path(problem: GridProblem, theta: np.ndarray, rng: np.random.Generator) -> EpisodePath:
    """Play one episode in the Gymnasium environment with π(·|s, θ), keeping the final state.

    The environment is reset with a seed drawn from ``rng`` and the actions are
    drawn from ``rng``, so one generator makes the episode reproducible.
    """
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (2,):
        raise ValueError(f"theta must have shape (2,), got {theta.shape}")
    env = problem.env
    obs, _ = env.reset(seed=int(rng.integers(2**63)))
    states, actions, rewards = [obs], [], []
    terminated = truncated = False
    while not (terminated or truncated):
        action = int(problem.policy.sample(theta, problem.inputs[obs], rng))
        obs, reward, terminated, truncated, _ = env.step(action)
        states.append(obs)
        actions.append(action)
        rewards.append(reward)
    return EpisodePath(np.array(states), np.array(actions), np.array(rewards))


N_RUNS = 10
"""Independent REINFORCE runs drawn per step size."""


N_EPISODES = 200
"""Episodes per run (one per-step REINFORCE update after each)."""


SEED = 2018
"""The seed of every learning run in the figures (Sutton & Barto's year), so that
different α are compared on the same random numbers at the start."""


ALPHA_EXPONENTS = tuple(k / 4 for k in range(-6, 5))
"""The α slider's positions: α = 10^e for e = -1.5, -1.25, ..., 1 (quarter decades)."""


def snap_alpha(alpha: float) -> float:
    """The slider position nearest to ``alpha`` on a log scale (α = 10^e, e in ``ALPHA_EXPONENTS``)."""
    alpha = check_step_size("alpha", alpha)
    exponents = np.array(ALPHA_EXPONENTS)
    return float(10 ** exponents[np.argmin(np.abs(exponents - np.log10(alpha)))])


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@lru_cache(maxsize=64)
def reinforce_paths(alpha: float, *, n_runs: int = N_RUNS, n_episodes: int = N_EPISODES,
                    seed: int = SEED, feature: str = FEATURE, update: str = "per-step",
                    batch_size: int = 1) -> np.ndarray:
    r"""θ-paths of independent REINFORCE runs from θ = (0, 0), shape (n_runs, n_updates + 1, 2).

    A cached call of :func:`helpers.reinforce.reinforce` on the undiscounted road,
    seeded with ``seed``. With ``update="per-step"`` each run makes Sutton & Barto's
    update :math:`\theta \leftarrow \theta + \alpha G_t \nabla \ln \pi(A_t|S_t, \theta)`
    for every step of every episode; with ``"batch"`` one update per ``batch_size``
    episodes.
    """
    check_choice("update", update, UPDATES)
    problem = grid_problem(feature)
    history = reinforce(problem.mdp, problem.policy, np.array(THETA0), problem.inputs, alpha,
                        n_episodes, np.random.default_rng(seed), n_runs=n_runs, update=update,
                        batch_size=batch_size)
    return _read_only(history.theta)


@lru_cache(maxsize=64)
def gradient_ascent_path(alpha: float, n_steps: int = N_EPISODES,
                         feature: str = FEATURE) -> np.ndarray:
    r"""Exact gradient ascent :math:`\theta_{k+1} = \theta_k + \alpha \nabla J(\theta_k)` from (0, 0).

    Where REINFORCE would go if every update used the exact gradient: the path its
    runs scatter around (for small α). Shape (n_steps + 1, 2).
    """
    alpha = check_step_size("alpha", alpha)
    n_steps = check_positive_int("n_steps", n_steps)
    problem = grid_problem(feature)
    path = np.empty((n_steps + 1, 2))
    path[0] = THETA0
    for k in range(n_steps):
        path[k + 1] = path[k] + alpha * exact_objective_and_gradient(problem, path[k:k + 1]).gradient[0]
    return _read_only(path)


@dataclass(frozen=True)
class PathsView:
    """What the α dashboard shows for one step size.

    Attributes
    ----------
    alpha : float
    paths : ndarray, shape (n_runs, n_episodes + 1, 2)
        REINFORCE's θ after each episode, for every run.
    J : ndarray, shape (n_runs, n_episodes + 1)
        The exact J at those θ.
    ascent : ndarray, shape (n_episodes + 1, 2)
        Exact gradient ascent with the same α.
    ascent_J : ndarray, shape (n_episodes + 1,)
    landscape : Landscape
    best_return : float
        The best J of any policy (the supremum of J(θ) here).
    """

    alpha: float
    paths: np.ndarray
    J: np.ndarray
    ascent: np.ndarray
    ascent_J: np.ndarray
    landscape: Landscape
    best_return: float


@lru_cache(maxsize=len(ALPHA_EXPONENTS))
def _paths_view(alpha: float) -> PathsView:
    problem = grid_problem(FEATURE)
    paths = reinforce_paths(alpha)
    ascent = gradient_ascent_path(alpha)
    J = exact_objective(problem, paths.reshape(-1, 2)).reshape(paths.shape[:2])
    ascent_J = exact_objective(problem, ascent)
    return PathsView(alpha, paths, _read_only(J), ascent, _read_only(ascent_J), landscape(),
                     problem.best_return)


@lru_cache(maxsize=1)
def _all_slider_positions() -> None:
    for exponent in ALPHA_EXPONENTS:
        _paths_view(float(10**exponent))


def paths_view(alpha: float) -> PathsView:
    """The α dashboard's data: α is snapped to the slider's quarter-decade grid.

    On the first call every slider position is computed once (a few seconds), so that
    every later move of the slider is a cache look-up.
    """
    alpha = snap_alpha(alpha)
    _all_slider_positions()
    return _paths_view(alpha)


def wind_steps(problem: GridProblem, path: EpisodePath) -> np.ndarray:
    """For each step of ``path``, whether the wind pushed the car one lane further right.

    A step ends one lane right of where the action alone (clipped at the walls) would take it.
    """
    _, lanes = problem.env.position(np.asarray(path.states))
    moves = np.array([-1, 0, 1])[np.asarray(path.actions)]
    intended = np.clip(lanes[:-1] + moves, 0, problem.shape[1] - 1)
    return lanes[1:] == intended + 1


# --- the gamma^t factor ---------------------------------------------------------------------------

GAMMA_DISCOUNTED = 0.9
"""The discount of the notebook's discounted version of the road."""


def undiscounted_visit_direction(problem: GridProblem, theta: np.ndarray) -> np.ndarray:
    r"""What REINFORCE estimates when the :math:`\gamma^t` factor is dropped, exactly.

    Without :math:`\gamma^t`, the estimate :math:`\sum_t G_t \nabla \ln \pi(A_t|S_t, \theta)`
    has the mean

    .. math:: \sum_s \eta(s) \sum_a q_\pi(s, a)\, \nabla \pi(a|s, \theta),
              \qquad \eta(s) = \sum_t \Pr(S_t = s),

    with *undiscounted* visits η and discounted :math:`q_\pi`; the gradient of the
    discounted objective has :math:`\eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s)`
    instead. The two agree only when γ = 1.
    """
    terms = gradient_terms(problem.mdp, problem.policy, np.asarray(theta, dtype=float), problem.inputs)
    return np.einsum("s,sa,sad->d", terms.eta, terms.q, terms.grad_pi)


@dataclass(frozen=True)
class DiscountComparison:
    r"""REINFORCE's estimate with and without :math:`\gamma^t`, against the exact gradient.

    Attributes
    ----------
    theta : ndarray, shape (2,)
    gamma : float
    exact : ndarray, shape (2,)
        The exact gradient of the discounted objective :math:`\nabla J_\gamma(\theta)`.
    undiscounted_visits : ndarray, shape (2,)
        The exact mean of the estimate without :math:`\gamma^t`
        (:func:`undiscounted_visit_direction`).
    with_discount, without_discount : ndarray, shape (n_episodes, 2)
        One estimate per episode, from the same episodes.
    """

    theta: np.ndarray
    gamma: float
    exact: np.ndarray
    undiscounted_visits: np.ndarray
    with_discount: np.ndarray
    without_discount: np.ndarray

    @staticmethod
    def mean_and_se(estimates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r"""The sample mean and its standard error :math:`s / \sqrt{n}`, per component."""
        return estimates.mean(axis=0), estimates.std(axis=0, ddof=1) / np.sqrt(len(estimates))

    def z_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean - exact) / standard error, with and without γ^t, per component."""
        out = []
        for estimates in (self.with_discount, self.without_discount):
            mean, se = self.mean_and_se(estimates)
            out.append((mean - self.exact) / se)
        return out[0], out[1]


def discount_comparison(theta: np.ndarray, n_episodes: int, rng: np.random.Generator, *,
                        gamma: float = GAMMA_DISCOUNTED) -> DiscountComparison:
    r"""Estimate the gradient of the discounted road from ``n_episodes`` episodes, two ways.

    Both estimates are computed from the same episodes by
    :func:`helpers.reinforce.reinforce_estimates`: with the :math:`\gamma^t` factor
    (Sutton & Barto's REINFORCE) and without it.
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    gamma = check_discount("gamma", gamma)
    problem = grid_problem(FEATURE, gamma)
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (2,):
        raise ValueError(f"theta must have shape (2,), got {theta.shape}")
    batch = sample_episodes(problem.mdp, problem.policy, theta, problem.inputs, n_episodes, rng)
    with_discount = reinforce_estimates(problem.policy, theta, problem.inputs, batch, gamma)
    without_discount = reinforce_estimates(problem.policy, theta, problem.inputs, batch, gamma,
                                           discount_weighting=False)
    exact = exact_objective_and_gradient(problem, theta[None]).gradient[0]
    return DiscountComparison(theta, gamma, exact, undiscounted_visit_direction(problem, theta),
                              with_discount, without_discount)


def discount_bias_curve(theta: np.ndarray, gammas: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""How far dropping :math:`\gamma^t` moves the estimate's mean, exactly, for each γ.

    With :math:`b` the mean without :math:`\gamma^t` (:func:`undiscounted_visit_direction`)
    and :math:`g = \nabla J_\gamma(\theta)`, returns, each of shape ``gammas.shape``:

    - the relative bias :math:`\|b - g\| / \|g\|`;
    - the length ratio :math:`\|b\| / \|g\|`;
    - the angle between b and g, in degrees.
    """
    gammas = np.asarray(gammas, dtype=float)
    theta = np.asarray(theta, dtype=float)
    relative, ratio, angle = np.empty(gammas.shape), np.empty(gammas.shape), np.empty(gammas.shape)
    for index, gamma in np.ndenumerate(gammas):
        problem = grid_problem(FEATURE, float(gamma))
        exact = exact_objective_and_gradient(problem, theta[None]).gradient[0]
        biased = undiscounted_visit_direction(problem, theta)
        relative[index] = np.linalg.norm(biased - exact) / np.linalg.norm(exact)
        ratio[index] = np.linalg.norm(biased) / np.linalg.norm(exact)
        cosine = biased @ exact / (np.linalg.norm(biased) * np.linalg.norm(exact))
        angle[index] = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    return relative, ratio, angle


# --- the theorem's state form ---------------------------------------------------------------------

def time_step_terms(problem: GridProblem, terms: GradientTerms) -> np.ndarray:
    r"""The theorem's sum split by row (= time step t), shape (n_rows - 1, 2).

    On this road the car is in row t at step t, so the terms of row t,
    :math:`\sum_{s \in \text{row } t} \eta(s) \sum_a q_\pi(s, a) \nabla\pi(a|s, \theta)`,
    are the time-t terms of the gradient; they add up to ∇J.

    Parameters
    ----------
    problem : GridProblem
    terms : helpers.mdp.GradientTerms
        At the θ of interest, for ``problem``.
    """
    n_rows, n_cols = problem.shape
    if terms.eta.shape != (problem.mdp.n_states,):
        raise ValueError(f"terms must be the gradient terms of this problem ({problem.mdp.n_states} states), "
                         f"got terms for {terms.eta.shape[0]} states")
    per_state = terms.eta[:, None] * np.einsum("sa,sad->sd", terms.q, terms.grad_pi)
    return per_state.reshape(n_rows, n_cols, 2)[:-1].sum(axis=1)


# --- batch against per-episode updates ------------------------------------------------------------

@dataclass(frozen=True)
class UpdateClouds:
    r"""Update directions at one θ: single-episode estimates and M-episode averages.

    Attributes
    ----------
    theta : ndarray, shape (2,)
    batch_size : int
        M.
    single : ndarray, shape (n, 2)
        :math:`\hat g^{(m)}` from one episode each.
    batch : ndarray, shape (n, 2)
        :math:`\hat g = \frac1M \sum_m \hat g^{(m)}`, each from M fresh episodes.
    exact : ndarray, shape (2,)
        ∇J(θ).
    """

    theta: np.ndarray
    batch_size: int
    single: np.ndarray
    batch: np.ndarray
    exact: np.ndarray


def update_clouds(theta: np.ndarray, n_points: int, batch_size: int,
                  rng: np.random.Generator) -> UpdateClouds:
    """``n_points`` single-episode estimates and ``n_points`` M-episode averages at θ (undiscounted road)."""
    n_points = check_positive_int("n_points", n_points)
    batch_size = check_positive_int("batch_size", batch_size)
    problem = grid_problem(FEATURE)
    theta = np.asarray(theta, dtype=float)
    if theta.shape != (2,):
        raise ValueError(f"theta must have shape (2,), got {theta.shape}")

    def estimates(n: int) -> np.ndarray:
        batch = sample_episodes(problem.mdp, problem.policy, theta, problem.inputs, n, rng)
        return reinforce_estimates(problem.policy, theta, problem.inputs, batch)

    single = estimates(n_points)
    batch = estimates(n_points * batch_size).reshape(n_points, batch_size, 2).mean(axis=1)
    exact = exact_objective_and_gradient(problem, theta[None]).gradient[0]
    return UpdateClouds(theta, batch_size, single, batch, exact)


def objective_along_rays(directions: np.ndarray, radii: np.ndarray, feature: str = FEATURE) -> np.ndarray:
    r"""J(r u) for every direction u and radius r, exactly: where J goes as θ runs off to infinity.

    Parameters
    ----------
    directions : ndarray, shape (k, 2)
        Directions; each is normalised to a unit vector u, so that r = |θ|.
    radii : ndarray, shape (m,)

    Returns
    -------
    ndarray, shape (k, m)
    """
    directions = np.asarray(directions, dtype=float)
    if directions.ndim != 2 or directions.shape[1] != 2 or np.any(np.linalg.norm(directions, axis=1) == 0):
        raise ValueError(f"directions must have shape (k, 2) with non-zero rows, got {directions!r}")
    unit = directions / np.linalg.norm(directions, axis=1, keepdims=True)
    radii = np.asarray(radii, dtype=float).ravel()
    if radii.size == 0 or not np.all(np.isfinite(radii)):
        raise ValueError(f"radii must be finite numbers, got {radii!r}")
    thetas = unit[:, None, :] * radii[None, :, None]
    J = exact_objective(grid_problem(feature), thetas.reshape(-1, 2))
    return J.reshape(len(unit), len(radii))


@dataclass(frozen=True)
class PolicyView:
    """What the θ dashboard shows: the policy at one θ, and where θ sits on the landscape.

    Attributes
    ----------
    theta : ndarray, shape (2,)
    pi : ndarray, shape (S, 3)
        π(a|s, θ) in every state.
    J : float
    gradient : ndarray, shape (2,)
    landscape : Landscape
    problem : GridProblem
        The road the policy is drawn on.
    """

    theta: np.ndarray
    pi: np.ndarray
    J: float
    gradient: np.ndarray
    landscape: Landscape
    problem: GridProblem


def policy_view(theta1: float, theta2: float) -> PolicyView:
    """The policy table, J(θ) and ∇J(θ) at θ = (θ_1, θ_2), with the (cached) landscape."""
    problem = grid_problem(FEATURE)
    theta = np.array([theta1, theta2], dtype=float)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"theta1 and theta2 must be finite numbers, got {theta1!r}, {theta2!r}")
    exact = exact_objective_and_gradient(problem, theta[None])
    return PolicyView(theta, problem.policy.table(theta, problem.inputs), float(exact.J[0]),
                      exact.gradient[0], landscape(), problem)
