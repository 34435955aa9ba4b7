r"""Rollouts, returns and the REINFORCE family (Sutton & Barto, chapter 13; Williams 1992).

Two ways to produce episodes:

- :func:`run_episode` plays one episode in a Gymnasium environment, step by step;
- :func:`sample_episodes` simulates many episodes at once in numpy from a
  :class:`~helpers.mdp.TabularMDP`, one θ for all of them or one θ per episode.

From a batch of episodes, :func:`reinforce_estimates` gives one gradient estimate
per episode,

.. math:: \hat g = \sum_t \gamma^t \big(G_t - b(S_t)\big) \nabla \ln \pi(A_t|S_t, \theta),

and :func:`reinforce` trains many independent runs at once, with Sutton & Barto's
per-step updates or the batch form
:math:`\theta \leftarrow \theta + \alpha \frac1M \sum_m \sum_t (g_t^m - b(s_t^m))
\nabla \ln \pi(a_t^m|s_t^m, \theta)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from helpers import reinforce_loop as loop
from helpers._validate import (
    check_choice,
    check_discount,
    check_positive_int,
    check_step_size,
    check_theta,
)
from helpers.mdp import TabularMDP, stacked_bellman
from helpers.policies import DiscretePolicy, GaussianPolicy, categorical_sample

BASELINES = ("none", "mean", "learned", "exact")
UPDATES = ("per-step", "batch")


def returns_to_go(rewards: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    r"""The return from every step on, along the last axis.

    .. math:: G_t = \sum_{k=t}^{T-1} \gamma^{k-t} r_{k+1} = r_{t+1} + \gamma G_{t+1},
              \qquad G_T = 0,

    where ``rewards[..., t]`` is :math:`r_{t+1}`, the reward that follows action
    :math:`A_t`. Padding after the end of an episode must be 0.
    """
    gamma = check_discount("gamma", gamma)
    rewards = np.asarray(rewards, dtype=float)
    T = rewards.shape[-1]
    if gamma == 1.0:  # the same additions as the loop below, in the same order
        return np.cumsum(rewards[..., ::-1], axis=-1)[..., ::-1].copy()
    if gamma > 0.0 and T * -np.log10(gamma) < 100:  # γ^t stays far from underflow
        discounts = gamma ** np.arange(T)
        return np.cumsum((rewards * discounts)[..., ::-1], axis=-1)[..., ::-1] / discounts
    G = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[:-1])
    for t in range(rewards.shape[-1] - 1, -1, -1):
        running = rewards[..., t] + gamma * running
        G[..., t] = running
    return G


@dataclass(frozen=True)
class Episode:
    r"""One episode: :math:`S_0, A_0, R_1, S_1, A_1, R_2, \dots`.

    ``states[t]`` is :math:`S_t` and ``rewards[t]`` is :math:`R_{t+1}`, for t < T.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    terminated: bool
    truncated: bool

    def __len__(self) -> int:
        return len(self.actions)


def run_episode(env: gym.Env, policy: DiscretePolicy | GaussianPolicy, theta: np.ndarray,
                features: np.ndarray | Callable[[object], np.ndarray],
                rng: np.random.Generator, max_steps: int = 10_000) -> Episode:
    """Play one episode in a Gymnasium environment, one step at a time.

    Parameters
    ----------
    env : gymnasium.Env
        Reset with a seed drawn from ``rng``, so one generator drives everything.
    policy : a policy from :mod:`helpers.policies`
    theta : ndarray, shape (d,)
    features : ndarray or callable
        The policy input of an observation: ``features[obs]`` (for example
        ``env.policy_inputs()``) or ``features(obs)``.
    rng : numpy.random.Generator
        Draws the actions and the environment's seed.
    max_steps : int
        Truncate the episode after this many steps.
    """
    max_steps = check_positive_int("max_steps", max_steps)
    lookup = features if callable(features) else features.__getitem__
    obs, _ = env.reset(seed=int(rng.integers(2**63)))
    states, actions, rewards = [], [], []
    terminated = truncated = False
    while not (terminated or truncated):
        action = policy.sample(theta, lookup(obs), rng)
        action = action.item() if isinstance(action, np.ndarray) else action
        states.append(obs)
        actions.append(action)
        obs, reward, terminated, truncated, _ = env.step(action)
        rewards.append(reward)
        truncated = truncated or (not terminated and len(actions) >= max_steps)
    return Episode(np.asarray(states), np.asarray(actions), np.asarray(rewards, dtype=float),
                   bool(terminated), bool(truncated))


@dataclass(frozen=True)
class EpisodeBatch:
    """Many episodes of a tabular problem, padded to a common length T.

    Attributes
    ----------
    states, actions : ndarray, shape (N, T)
        :math:`S_t` (int) and :math:`A_t` (int for discrete actions, float for
        continuous ones); past an episode's end, padding (masked out).
    rewards : ndarray, shape (N, T)
        :math:`R_{t+1}`, 0 after the end.
    mask : ndarray of bool, shape (N, T)
        True where step t belongs to the episode.
    truncated : ndarray of bool, shape (N,)
        True where the episode was cut at ``max_steps`` before reaching a terminal state.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray
    truncated: np.ndarray

    @property
    def lengths(self) -> np.ndarray:
        """The number of steps of each episode, shape (N,)."""
        return self.mask.sum(axis=1)

    def returns(self, gamma: float = 1.0) -> np.ndarray:
        r"""The return :math:`G_0` of each episode, shape (N,)."""
        return returns_to_go(self.rewards, gamma)[:, 0] if self.rewards.shape[1] else \
            np.zeros(len(self.rewards))

    def __len__(self) -> int:
        return len(self.states)


def _episode_thetas(policy: DiscretePolicy, theta: np.ndarray, n_episodes: int) -> np.ndarray:
    theta = check_theta("theta", theta, policy.n_params)
    if theta.ndim == 2 and theta.shape[0] != n_episodes:
        raise ValueError(
            f"theta must have shape (d,) or (n_episodes, d) = ({n_episodes}, {policy.n_params}), "
            f"got {theta.shape}"
        )
    if theta.ndim > 2:
        raise ValueError(f"theta must have shape (d,) or (n_episodes, d), got {theta.shape}")
    return theta


def sample_episodes(mdp: TabularMDP, policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray,
                    n_episodes: int, rng: np.random.Generator,
                    max_steps: int = 10_000) -> EpisodeBatch:
    """Simulate many episodes at once from the exact model, vectorised in numpy.

    Parameters
    ----------
    mdp : TabularMDP
    policy : a discrete policy from :mod:`helpers.policies`
    theta : ndarray, shape (d,) or (n_episodes, d)
        One θ for every episode, or one per episode (independent learning runs).
    inputs : ndarray
        The policy input of every state (``env.policy_inputs()``).
    n_episodes : int
    rng : numpy.random.Generator
    max_steps : int
        Episodes still running after this many steps are truncated.
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    max_steps = check_positive_int("max_steps", max_steps)
    theta = _episode_thetas(policy, theta, n_episodes)
    cumulative_P = np.cumsum(mdp.P, axis=2)
    shared_pi = policy.table(theta, inputs) if theta.ndim == 1 else None
    state = categorical_sample(np.broadcast_to(mdp.d0, (n_episodes, mdp.n_states)), rng)
    running = np.flatnonzero(~mdp.terminal[state])  # only running episodes are simulated
    steps: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for _ in range(max_steps):
        if running.size == 0:
            break
        s = state[running]
        probs = shared_pi[s] if shared_pi is not None else policy.probs(theta[running], inputs[s])
        a = categorical_sample(probs, rng)
        cumulative = cumulative_P[s, a]
        u = rng.random(running.size)[:, None] * cumulative[:, -1:]  # rows may sum to 1 - 1e-9
        next_s = np.minimum((u >= cumulative).sum(axis=1), mdp.n_states - 1)
        steps.append((running, s, a, mdp.R[s, a]))
        state[running] = next_s
        running = running[~mdp.terminal[next_s]]
    T = len(steps)
    states = np.empty((n_episodes, T), dtype=int)
    actions = np.zeros((n_episodes, T), dtype=int)
    rewards = np.zeros((n_episodes, T))
    mask = np.zeros((n_episodes, T), dtype=bool)
    for t, (episodes, s, a, r) in enumerate(steps):
        states[:, t] = state if t == 0 else states[:, t - 1]  # padding: the last state
        states[episodes, t], actions[episodes, t], rewards[episodes, t] = s, a, r
        mask[episodes, t] = True
    truncated = np.zeros(n_episodes, dtype=bool)
    truncated[running] = True
    return EpisodeBatch(states, actions, rewards, mask, truncated)


def _scores(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray, batch: EpisodeBatch) -> np.ndarray:
    """∇ln π(A_t|S_t, θ) for every step of every episode, shape (N, T, d); 0 after the end."""
    theta = theta[:, None, :] if theta.ndim == 2 else theta
    scores = policy.grad_log_prob(theta, inputs[batch.states], batch.actions)
    return scores * batch.mask[..., None]


def reinforce_estimates(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray, batch: EpisodeBatch,
                        gamma: float = 1.0, baseline: float | np.ndarray | None = None,
                        reward_to_go: bool = True, discount_weighting: bool = True) -> np.ndarray:
    r"""One REINFORCE gradient estimate per episode, shape (N, d).

    With ``reward_to_go`` (the default; Sutton & Barto's REINFORCE):

    .. math:: \hat g = \sum_{t=0}^{T-1} \gamma^t \big(G_t - b(S_t)\big)
              \nabla \ln \pi(A_t|S_t, \theta).

    Without it, the trajectory form of the theorem (notebook 01):
    :math:`\hat g = \big(G_0 - b\big) \sum_t \nabla \ln \pi(A_t|S_t, \theta)`.
    Both are unbiased for :math:`\nabla J(\theta)`; their mean over M episodes is
    the seed's batch form.

    Parameters
    ----------
    policy, theta, inputs
        As for :func:`sample_episodes` (θ per episode allowed).
    batch : EpisodeBatch
    gamma : float
        The discount γ in [0, 1].
    baseline : None, float or ndarray of shape (S,) or (N, T)
        b(s) by state, a constant, or one value per step; it must not depend on
        the action (that is what keeps the estimate unbiased).
    reward_to_go : bool
    discount_weighting : bool
        Keep the :math:`\gamma^t` factor (the default). Without it the estimate is
        biased when γ < 1: it weights late steps as if they counted fully. Offered
        to show that bias, not to use.
    """
    gamma = check_discount("gamma", gamma)
    theta = check_theta("theta", theta, policy.n_params)
    scores = _scores(policy, theta, inputs, batch)
    T = batch.states.shape[1]
    b = _baseline_values(baseline, batch)
    if reward_to_go:
        discounts = gamma ** np.arange(T) if discount_weighting else np.ones(T)
        weights = discounts * (returns_to_go(batch.rewards, gamma) - b)
    else:
        weights = np.broadcast_to(batch.returns(gamma)[:, None] - b, batch.states.shape)
    return np.einsum("nt,ntd->nd", weights * batch.mask, scores)


def _baseline_values(baseline: float | np.ndarray | None, batch: EpisodeBatch) -> np.ndarray:
    if baseline is None:
        return np.zeros(batch.states.shape)
    b = np.asarray(baseline, dtype=float)
    if b.ndim == 0:
        return np.full(batch.states.shape, float(b))
    if b.shape == batch.states.shape:
        return b
    if b.ndim == 1:
        return b[batch.states]
    raise ValueError(
        "baseline must be None, a number, an array over states (S,) or one value per step "
        f"{batch.states.shape}; got shape {b.shape}"
    )


def leave_one_out_mean_baseline(batch: EpisodeBatch, gamma: float = 1.0,
                                group_size: int | None = None) -> np.ndarray:
    r"""A constant baseline per episode: the mean :math:`G_t` of the *other* episodes.

    Leaving the episode's own returns out keeps b independent of its actions, so
    the estimate stays exactly unbiased. With ``group_size`` = M, the batch is read
    as consecutive groups of M episodes (one group per learning run) and the mean
    is taken within each group. Shape (N, T).
    """
    N = len(batch)
    group_size = N if group_size is None else check_positive_int("group_size", group_size)
    if N % group_size:
        raise ValueError(f"group_size must divide the number of episodes {N}, got {group_size}")
    G = (returns_to_go(batch.rewards, gamma) * batch.mask).reshape(N // group_size, group_size, -1)
    mask = batch.mask.reshape(N // group_size, group_size, -1)
    own_total, own_count = G.sum(axis=2), mask.sum(axis=2)
    total, count = own_total.sum(axis=1, keepdims=True), own_count.sum(axis=1, keepdims=True)
    b = (total - own_total) / np.maximum(count - own_count, 1)
    return np.broadcast_to(b.reshape(-1, 1), batch.states.shape).copy()


@dataclass(frozen=True)
class History:
    """What :func:`reinforce` records, for ``n_runs`` independent runs.

    Attributes
    ----------
    theta : ndarray, shape (n_runs, n_updates + 1, d)
        θ before the first update and after each update.
    returns : ndarray, shape (n_runs, n_episodes)
        The return :math:`G_0` of every episode played.
    lengths : ndarray of int, shape (n_runs, n_episodes)
    truncated : ndarray of bool, shape (n_runs, n_episodes)
        Episodes cut at ``max_steps`` (their return is what was collected until then).
    w : ndarray, shape (n_runs, n_updates + 1, k) or None
        The baseline's weights, when it is learned.
    """

    theta: np.ndarray
    returns: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    w: np.ndarray | None = None


def reinforce(mdp: TabularMDP, policy: DiscretePolicy, theta0: np.ndarray, inputs: np.ndarray,
              alpha: float | np.ndarray, n_episodes: int, rng: np.random.Generator, *, n_runs: int = 1,
              update: str = "per-step", batch_size: int = 1, baseline: str = "none",
              alpha_w: float | np.ndarray | None = None, value_features: np.ndarray | None = None,
              max_steps: int = 10_000, on_truncation: str = "continue",
              discount_weighting: bool = True) -> History:
    r"""Train REINFORCE on a tabular problem, ``n_runs`` independent runs at once.

    ``update="per-step"`` follows Sutton & Barto's pseudocode (sections 13.3, 13.4):
    after each episode, for t = 0, 1, ..., T-1,

    .. math:: \delta = G_t - b(S_t), \quad
              w \leftarrow w + \alpha^w \delta \nabla \hat v(S_t, w), \quad
              \theta \leftarrow \theta + \alpha \gamma^t \delta \nabla \ln \pi(A_t|S_t, \theta),

    where b is 0 (``"none"``), the learned :math:`\hat v(S_t, w)` (``"learned"``, the only
    one with a w-update), the exact :math:`v_\pi(S_t)` at the θ the episode was played
    with (``"exact"``), or the mean of all :math:`G_t` of the run's earlier episodes
    (``"mean"``). The score is taken at the current θ, which changes within the
    episode. Each run plays and learns at its own pace, in the compiled loop of
    :func:`helpers.reinforce_loop.play_and_learn`; a single run draws its random numbers
    in the order of :func:`sample_episodes` playing one episode at a time.

    ``update="batch"`` plays ``batch_size`` = M episodes with a fixed θ, then

    .. math:: \theta \leftarrow \theta + \alpha \frac1M \sum_{m=1}^M \sum_t \gamma^t
              \big(G_t^m - b(S_t^m)\big) \nabla \ln \pi(A_t^m|S_t^m, \theta),

    where b is 0, the mean return of the other episodes of the batch (``"mean"``), or
    :math:`\hat v(s, w)` (``"learned"``, with
    :math:`w \leftarrow w + \alpha^w \frac1M \sum_m \sum_t \delta_t^m \nabla \hat v`).

    Parameters
    ----------
    mdp, policy, inputs
        The problem, a discrete policy and its inputs per state.
    theta0 : ndarray, shape (d,)
        The initial θ of every run.
    alpha : float or ndarray of shape (n_runs,)
        The step size α > 0 (α^θ with a baseline); one per run to compare step
        sizes in one call.
    n_episodes : int
        Episodes per run (a multiple of ``batch_size`` for the batch form).
    rng : numpy.random.Generator
    n_runs : int
        Independent runs, simulated together.
    update : {"per-step", "batch"}
    batch_size : int
        M, for ``update="batch"``.
    baseline : {"none", "mean", "learned", "exact"}
        ``"exact"`` is for the per-step form only.
    alpha_w : float or ndarray of shape (n_runs,)
        The baseline's step size α^w > 0, required when ``baseline="learned"``.
    value_features : ndarray, shape (S, k), optional
        Features of :math:`\hat v(s, w) = w^\top x_v(s)`; one-hot states by default.
    max_steps : int
        Episodes still running after this many steps are truncated; their return
        is what was collected until then.
    on_truncation : {"continue", "stop"}
        ``"continue"`` learns from a truncated episode like from any other;
        ``"stop"`` (per-step updates only) ends the run there, without learning
        from it: its later entries in the :class:`History` are NaN. A run whose
        policy no longer reaches the goal would otherwise spend ``max_steps`` on
        every remaining episode.
    discount_weighting : bool
        Keep the :math:`\gamma^t` factor of the update (the default); ``False``
        drops it, as many tutorials silently do, to show what that changes.

    Returns
    -------
    History
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    alpha = per_run_step_sizes("alpha", alpha, n_runs)
    batch_size = check_positive_int("batch_size", batch_size)
    max_steps = check_positive_int("max_steps", max_steps)
    check_choice("update", update, UPDATES)
    check_choice("baseline", baseline, BASELINES)
    check_choice("on_truncation", on_truncation, ("continue", "stop"))
    theta0 = check_theta("theta0", theta0, policy.n_params)
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,) = ({policy.n_params},), got {theta0.shape}")
    if update == "batch" and baseline == "exact":
        raise ValueError("baseline='exact' needs update='per-step'; use 'none', 'mean' or 'learned' "
                         "with update='batch'")
    if update == "per-step" and batch_size != 1:
        raise ValueError(f"batch_size must be 1 with update='per-step', got {batch_size}")
    if update == "batch" and on_truncation == "stop":
        raise ValueError("on_truncation='stop' needs update='per-step'")
    if n_episodes % batch_size:
        raise ValueError(f"n_episodes must be a multiple of batch_size={batch_size}, "
                         f"got {n_episodes}")
    learner = _Learner(np.tile(theta0, (n_runs, 1)), alpha)
    if baseline == "learned":
        if alpha_w is None:
            raise ValueError("alpha_w must be given (a finite number > 0) when baseline='learned'")
        x_v = np.eye(mdp.n_states) if value_features is None else np.asarray(value_features, float)
        if x_v.ndim != 2 or x_v.shape[0] != mdp.n_states:
            raise ValueError(f"value_features must have shape (S, k) with S={mdp.n_states}, "
                             f"got {x_v.shape}")
        learner.value_features = x_v
        learner.w = np.zeros((n_runs, x_v.shape[1]))
        learner.alpha_w = per_run_step_sizes("alpha_w", alpha_w, n_runs)
    if update == "per-step":
        return _train_per_step(mdp, policy, inputs, learner, n_episodes, rng, max_steps, baseline,
                               on_truncation == "stop", discount_weighting)
    return _train_batch(mdp, policy, inputs, learner, n_episodes, batch_size, baseline, rng,
                        max_steps, discount_weighting)


def per_run_step_sizes(name: str, value: float | np.ndarray, n_runs: int) -> np.ndarray:
    """One step size per run, from a number or an array of shape (n_runs,), each finite and > 0."""
    values = np.asarray(value, dtype=float)
    if values.ndim == 0:
        return np.full(n_runs, check_step_size(name, float(values)))
    if values.shape != (n_runs,):
        raise ValueError(f"{name} must be a number or an array of shape (n_runs,) = ({n_runs},), "
                         f"got shape {values.shape}")
    for v in values:
        check_step_size(name, v)
    return values


@dataclass
class _Learner:
    """The parameters of ``n_runs`` runs and their step sizes (w only with a learned baseline)."""

    theta: np.ndarray
    alpha: np.ndarray
    w: np.ndarray | None = None
    alpha_w: np.ndarray | None = None
    value_features: np.ndarray | None = None

    def value(self, runs: np.ndarray, states: np.ndarray) -> np.ndarray:
        r""":math:`\hat v(s, w) = w^\top x_v(s)` of each run's state (0 without a baseline)."""
        if self.w is None:
            return np.zeros(len(runs))
        return np.sum(self.w[runs] * self.value_features[states], axis=-1)


def _train_per_step(mdp: TabularMDP, policy: DiscretePolicy, inputs: np.ndarray, learner: _Learner,
                    n_episodes: int, rng: np.random.Generator, max_steps: int, baseline: str,
                    stop_on_truncation: bool, discount_weighting: bool) -> History:
    r"""Per-step REINFORCE: each episode of every run is played and learned from by the compiled loop.

    The loop (:func:`helpers.reinforce_loop.play_and_learn`) advances each run through
    one episode at its own pace; between episodes this function records θ and w,
    solves :math:`v_\pi` of every run for the exact baseline, and stops runs.
    """
    n_runs, n_params = learner.theta.shape
    x = np.ascontiguousarray(policy.preference_features(inputs), dtype=float)
    if x.shape != (mdp.n_states, mdp.n_actions, n_params):
        raise ValueError(f"inputs must give features of shape (S, A, d) = "
                         f"{(mdp.n_states, mdp.n_actions, n_params)}, got {x.shape}")
    learned = learner.w is not None
    w = learner.w if learned else np.zeros((n_runs, 1))
    x_v = (np.ascontiguousarray(learner.value_features, dtype=float) if learned
           else np.zeros((mdp.n_states, 1)))
    alpha_w = learner.alpha_w if learned else np.zeros(n_runs)
    code = {"none": loop.NO_BASELINE, "exact": loop.EXACT_BASELINE, "learned": loop.LEARNED_BASELINE,
            "mean": loop.MEAN_BASELINE}[baseline]
    v_exact = np.zeros((n_runs, mdp.n_states if baseline == "exact" else 1))
    mean_total, mean_count = np.zeros(n_runs), np.zeros(n_runs)
    model = (np.cumsum(mdp.P, axis=2), np.ascontiguousarray(mdp.R), np.cumsum(mdp.d0),
             np.ascontiguousarray(mdp.terminal))

    theta_history = np.full((n_runs, n_episodes + 1, n_params), np.nan)
    theta_history[:, 0] = learner.theta
    w_history = np.full((n_runs, n_episodes + 1, w.shape[1]), np.nan) if learned else None
    if learned:
        w_history[:, 0] = w
    returns = np.full((n_runs, n_episodes), np.nan)
    lengths = np.zeros((n_runs, n_episodes), dtype=int)
    truncated = np.zeros((n_runs, n_episodes), dtype=bool)
    episode_return, episode_length = np.zeros(n_runs), np.zeros(n_runs, dtype=np.int64)
    episode_cut = np.zeros(n_runs, dtype=bool)
    runs = np.arange(n_runs)
    for e in range(n_episodes):
        if runs.size == 0:
            break
        if baseline == "exact":
            pi = policy.probs(learner.theta[runs, None, :], inputs[None])
            v_exact[runs] = stacked_bellman(mdp, pi).values
        loop.play_and_learn(runs, learner.theta, learner.alpha, w, alpha_w, code, v_exact, mean_total,
                            mean_count, *model, x, x_v, mdp.gamma, discount_weighting, max_steps,
                            not stop_on_truncation, rng, episode_return, episode_length, episode_cut)
        returns[runs, e] = episode_return[runs]
        lengths[runs, e] = episode_length[runs]
        truncated[runs, e] = episode_cut[runs]
        if stop_on_truncation:
            runs = runs[~episode_cut[runs]]
        theta_history[runs, e + 1] = learner.theta[runs]
        if learned:
            w_history[runs, e + 1] = w[runs]
    return History(theta_history, returns, lengths, truncated, w_history)


def _train_batch(mdp: TabularMDP, policy: DiscretePolicy, inputs: np.ndarray, learner: _Learner,
                 n_episodes: int, M: int, baseline: str, rng: np.random.Generator, max_steps: int,
                 discount_weighting: bool) -> History:
    """The batch form: M episodes with a fixed θ per run, then one update of every run."""
    n_runs, gamma = len(learner.theta), mdp.gamma
    n_updates = n_episodes // M
    thetas = np.empty((n_runs, n_updates + 1, learner.theta.shape[1]))
    thetas[:, 0] = learner.theta
    ws = None
    if learner.w is not None:
        ws = np.empty((n_runs, n_updates + 1, learner.w.shape[1]))
        ws[:, 0] = learner.w
    returns = np.empty((n_runs, n_episodes))
    lengths = np.empty((n_runs, n_episodes), dtype=int)
    truncated = np.empty((n_runs, n_episodes), dtype=bool)
    for k in range(n_updates):
        episode_theta = np.repeat(learner.theta, M, axis=0)
        batch = sample_episodes(mdp, policy, episode_theta, inputs, n_runs * M, rng, max_steps)
        done = slice(k * M, (k + 1) * M)
        returns[:, done] = batch.returns(gamma).reshape(n_runs, M)
        lengths[:, done] = batch.lengths.reshape(n_runs, M)
        truncated[:, done] = batch.truncated.reshape(n_runs, M)
        if baseline == "mean":
            b = leave_one_out_mean_baseline(batch, gamma, group_size=M)
        elif baseline == "learned":
            b = np.sum(np.repeat(learner.w, M, axis=0)[:, None, :]
                       * learner.value_features[batch.states], axis=2)
        else:
            b = None
        estimates = reinforce_estimates(policy, episode_theta, inputs, batch, gamma, b,
                                        discount_weighting=discount_weighting)
        if learner.w is not None:
            delta = (returns_to_go(batch.rewards, gamma) - b) * batch.mask
            step_w = np.einsum("nt,ntk->nk", delta, learner.value_features[batch.states])
            learner.w += learner.alpha_w[:, None] * step_w.reshape(n_runs, M, -1).mean(axis=1)
            ws[:, k + 1] = learner.w
        learner.theta += learner.alpha[:, None] * estimates.reshape(n_runs, M, -1).mean(axis=1)
        thetas[:, k + 1] = learner.theta
    return History(thetas, returns, lengths, truncated, ws)
