r"""Reusing a batch of episodes: naive reuse, importance weighting and PPO's clipped ratio.

REINFORCE spends a batch on one update: its estimate

.. math:: \hat g^m(\theta) = \sum_{t=0}^{T-1} \gamma^t \big(G_t - b\big) \nabla \ln \pi(A_t|S_t, \theta)

for episode m (and their mean :math:`\hat g` over the M episodes of a batch) is
unbiased only for the θ that played the episodes. After one step θ is new and
the batch is stale. This module is a small numpy teaser of three ways to take
several steps per batch, played by :math:`\theta_\text{old}`:

- **naive reuse**: evaluate the score at the new θ and use the old episodes as if
  the new policy had played them (:func:`naive_reuse_estimates`). Biased as soon as
  :math:`\theta \ne \theta_\text{old}`, because the episodes follow the old policy.
- **importance weighting**: multiply each episode's estimate by how much more
  (or less) likely the new policy makes that episode,

  .. math:: \rho(\tau) = \frac{\pi_\theta(\tau)}{\pi_{\theta_\text{old}}(\tau)}
            = \prod_{t=0}^{T-1} \frac{\pi(A_t|S_t, \theta)}{\pi(A_t|S_t, \theta_\text{old})},

  where the environment's probabilities cancel as in the theorem. Then
  :math:`\mathbb{E}_{\theta_\text{old}}[\rho(\tau^m)\,\hat g^m(\theta)] = \nabla J(\theta)`
  exactly (:func:`importance_weighted_estimates`), but ρ is a product of T ratios
  and its variance grows quickly as θ moves away.
- **PPO's clipped surrogate** (Schulman et al. 2017): keep one ratio per step,
  :math:`r_t(\theta) = \pi(A_t|S_t, \theta) / \pi(A_t|S_t, \theta_\text{old})`, with the
  advantage :math:`\hat A_t` fixed from the old batch, and maximise

  .. math:: L^\text{CLIP}(\theta) = \hat{\mathbb{E}}_t\Big[\min\big(r_t \hat A_t,\;
            \mathrm{clip}(r_t, 1 - \epsilon, 1 + \epsilon)\, \hat A_t\big)\Big]

  (:func:`clipped_objective` for one step). :math:`\hat{\mathbb{E}}_t` is the paper's
  average over the batch's steps; :func:`train_with_reuse` averages over episodes the
  sum over each episode's steps, which is T times that when every episode has T steps
  (a rescaled step size, the same direction). Its gradient equals REINFORCE's at
  :math:`\theta = \theta_\text{old}` and is zero for a step once its ratio has left
  :math:`[1 - \epsilon, 1 + \epsilon]` in the direction the advantage favours, so the
  new policy cannot run far from the one that collected the data.

:func:`train_with_reuse` runs the four variants side by side on a tabular problem,
many independent runs at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers._validate import check_choice, check_discount, check_positive_int, check_step_size, check_theta
from helpers.mdp import TabularMDP
from helpers.policies import DiscretePolicy
from helpers.reinforce import (
    EpisodeBatch,
    leave_one_out_mean_baseline,
    reinforce_estimates,
    returns_to_go,
    sample_episodes,
)

METHODS = ("reinforce", "naive", "importance", "clipped")
"""The ways :func:`train_with_reuse` can spend a batch."""


def _check_epsilon(epsilon: float) -> float:
    epsilon = float(epsilon)
    if not 0.0 < epsilon < 1.0:
        raise ValueError(f"epsilon must lie strictly between 0 and 1, got {epsilon!r}")
    return epsilon


def _per_episode_theta(theta: np.ndarray, batch: EpisodeBatch) -> np.ndarray:
    """θ broadcast against the (N, T) steps of a batch: (d,) stays, (N, d) becomes (N, 1, d)."""
    return theta[:, None, :] if theta.ndim == 2 else theta


def log_ratios(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray, inputs: np.ndarray,
               batch: EpisodeBatch) -> np.ndarray:
    r""":math:`\ln r_t = \ln \pi(A_t|S_t, \theta) - \ln \pi(A_t|S_t, \theta_\text{old})`, shape (N, T).

    0 on the padding after an episode's end (a ratio of 1). θ and θ_old may each be
    one vector (d,) or one per episode (N, d).
    """
    theta = check_theta("theta", theta, policy.n_params)
    theta_old = check_theta("theta_old", theta_old, policy.n_params)
    x = inputs[batch.states]
    new = policy.log_prob(_per_episode_theta(theta, batch), x, batch.actions)
    old = policy.log_prob(_per_episode_theta(theta_old, batch), x, batch.actions)
    return np.where(batch.mask, new - old, 0.0)


def importance_ratios(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray,
                      inputs: np.ndarray, batch: EpisodeBatch) -> np.ndarray:
    r"""The per-step ratios :math:`r_t(\theta) = \pi(A_t|S_t, \theta) / \pi(A_t|S_t, \theta_\text{old})`.

    Shape (N, T).

    1 on the padding after an episode's end.
    """
    return np.exp(log_ratios(policy, theta, theta_old, inputs, batch))


def trajectory_ratios(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray,
                      inputs: np.ndarray, batch: EpisodeBatch) -> np.ndarray:
    r"""Episode ratios :math:`\rho(\tau) = \prod_t r_t = \pi_\theta(\tau) / \pi_{\theta_\text{old}}(\tau)`.

    Shape (N,).

    Computed as the exponential of a sum of log-ratios. The environment's
    probabilities :math:`p(s_0)` and :math:`p(s_{t+1}|s_t, a_t)` are the same under both
    policies and cancel.
    """
    return np.exp(log_ratios(policy, theta, theta_old, inputs, batch).sum(axis=1))


def naive_reuse_estimates(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray,
                          batch: EpisodeBatch, gamma: float = 1.0,
                          baseline: float | np.ndarray | None = None) -> np.ndarray:
    r"""REINFORCE's estimate at θ computed from episodes that another θ played: biased.

    .. math:: \hat g^m_\text{naive}(\theta) = \sum_t \gamma^t (G_t - b)\, \nabla \ln \pi(A_t|S_t, \theta),
              \qquad A_t \sim \pi(\cdot|S_t, \theta_\text{old}).

    Its mean is :math:`\nabla J(\theta)` only when :math:`\theta = \theta_\text{old}`.
    Shape (N, d), one estimate per episode. The arguments are those of
    :func:`helpers.reinforce.reinforce_estimates`.
    """
    return reinforce_estimates(policy, theta, inputs, batch, gamma, baseline)


def importance_weighted_estimates(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray,
                                  inputs: np.ndarray, batch: EpisodeBatch, gamma: float = 1.0,
                                  baseline: float | np.ndarray | None = None) -> np.ndarray:
    r"""Unbiased estimates of :math:`\nabla J(\theta)` from episodes played by :math:`\theta_\text{old}`.

    .. math:: \hat g^m_\text{IS}(\theta) = \rho(\tau^m)\, \sum_t \gamma^t (G_t - b)\,
              \nabla \ln \pi(A_t|S_t, \theta), \qquad
              \mathbb{E}_{\tau^m \sim \pi_{\theta_\text{old}}}\big[\hat g^m_\text{IS}(\theta)\big]
              = \nabla J(\theta),

    because :math:`\mathbb{E}_{\theta_\text{old}}[\rho(\tau) f(\tau)] = \mathbb{E}_\theta[f(\tau)]`
    for any f. Shape (N, d). The baseline must not depend on the episode's own
    actions (a constant, b(s), or :func:`helpers.reinforce.leave_one_out_mean_baseline`).
    """
    rho = trajectory_ratios(policy, theta, theta_old, inputs, batch)
    return rho[:, None] * reinforce_estimates(policy, theta, inputs, batch, gamma, baseline)


def clipped_objective(ratio: float | np.ndarray, advantage: float | np.ndarray,
                      epsilon: float = 0.2) -> np.ndarray:
    r"""PPO's clipped surrogate for one step, elementwise (Schulman et al. 2017, eq. 7).

    .. math:: L^\text{CLIP}(r, \hat A) = \min\big(r \hat A,\;
              \mathrm{clip}(r, 1 - \epsilon, 1 + \epsilon)\, \hat A\big)

    For :math:`\hat A > 0` it grows like :math:`r\hat A` up to :math:`r = 1 + \epsilon`,
    then stays flat; for :math:`\hat A < 0` it is flat below :math:`r = 1 - \epsilon`.

    Raises
    ------
    ValueError
        If ε is not strictly between 0 and 1, or a ratio is negative.
    """
    epsilon = _check_epsilon(epsilon)
    ratio = np.asarray(ratio, dtype=float)
    advantage = np.asarray(advantage, dtype=float)
    if np.any(ratio < 0):
        raise ValueError(f"ratio must be >= 0 (a ratio of probabilities), got {ratio!r}")
    return np.minimum(ratio * advantage, np.clip(ratio, 1 - epsilon, 1 + epsilon) * advantage)


def clipped_objective_slope(ratio: float | np.ndarray, advantage: float | np.ndarray,
                            epsilon: float = 0.2) -> np.ndarray:
    r"""The slope :math:`\partial L^\text{CLIP} / \partial r`: :math:`\hat A`, or 0 where r is clipped.

    The slope is 0 when :math:`\hat A > 0` and :math:`r > 1 + \epsilon` (the step is already
    more likely enough) or :math:`\hat A < 0` and :math:`r < 1 - \epsilon` (already unlikely
    enough). Elsewhere the minimum is :math:`r\hat A` and the slope is :math:`\hat A`; at
    :math:`r = 1 \pm \epsilon` exactly it is the slope from inside the interval, :math:`\hat A`.
    """
    epsilon = _check_epsilon(epsilon)
    ratio = np.asarray(ratio, dtype=float)
    advantage = np.asarray(advantage, dtype=float)
    if np.any(ratio < 0):
        raise ValueError(f"ratio must be >= 0 (a ratio of probabilities), got {ratio!r}")
    clipped = ((advantage > 0) & (ratio > 1 + epsilon)) | ((advantage < 0) & (ratio < 1 - epsilon))
    return np.where(clipped, 0.0, advantage)


def clipped_surrogate_gradients(policy: DiscretePolicy, theta: np.ndarray, theta_old: np.ndarray,
                                inputs: np.ndarray, batch: EpisodeBatch, advantages: np.ndarray,
                                epsilon: float = 0.2) -> np.ndarray:
    r"""The gradient of :math:`L^\text{CLIP}` for each episode, shape (N, d).

    .. math:: \nabla_\theta L^\text{CLIP} = \sum_t \frac{\partial L^\text{CLIP}}{\partial r_t}\,
              r_t(\theta)\, \nabla \ln \pi(A_t|S_t, \theta),

    using :math:`\nabla r_t = r_t \nabla \ln \pi(A_t|S_t, \theta)`. At
    :math:`\theta = \theta_\text{old}` every :math:`r_t = 1` and this is REINFORCE's estimate
    :math:`\sum_t \hat A_t \nabla \ln \pi(A_t|S_t, \theta)`.

    Parameters
    ----------
    policy, theta, theta_old, inputs, batch
        As for :func:`log_ratios`.
    advantages : ndarray, shape (N, T)
        :math:`\hat A_t`, fixed from the old batch (for example :math:`G_t - b`).
    epsilon : float
        The clip range ε in (0, 1); 0.2 in the paper.
    """
    advantages = np.asarray(advantages, dtype=float)
    if advantages.shape != batch.states.shape:
        raise ValueError(f"advantages must have the batch's shape {batch.states.shape}, "
                         f"got {advantages.shape}")
    ratios = importance_ratios(policy, theta, theta_old, inputs, batch)
    slope = clipped_objective_slope(ratios, advantages, epsilon) * batch.mask
    scores = policy.grad_log_prob(_per_episode_theta(check_theta("theta", theta, policy.n_params), batch),
                                  inputs[batch.states], batch.actions)
    return np.einsum("nt,ntd->nd", slope * ratios, scores)


def objectives(mdp: TabularMDP, policy: DiscretePolicy, thetas: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    r"""The exact :math:`J(\theta)` for many θ at once, shape ``thetas.shape[:-1]``.

    .. math:: J(\theta) = d_0^\top v_\pi, \qquad (I - \gamma P_\pi)\, v_\pi = r_\pi,

    the same numbers as :func:`helpers.mdp.objective`, which takes one θ at a time.
    Where every episode ends within n steps whatever the actions (the grid: one row a
    step), :math:`J = \sum_{t<n} \gamma^t\, d_0^\top P_\pi^t\, r_\pi` is summed forward in
    n products, far cheaper than a linear solve per θ; otherwise one batched solve per θ.
    Every policy must end its episodes.
    """
    thetas = check_theta("thetas", thetas, policy.n_params)
    lead = thetas.shape[:-1]
    flat = thetas.reshape(-1, policy.n_params)
    unique_inputs, input_index = _distinct_inputs(inputs)
    pi = policy.probs(flat[:, None, ...], unique_inputs[None])[:, input_index]  # (K, S, A)
    r_pi = np.where(mdp.terminal, 0.0, np.sum(pi * mdp.R, axis=2))
    horizon = _longest_episode(mdp)
    if horizon is None:
        P_pi = np.einsum("ksa,sat->kst", pi, mdp.P)
        P_pi[:, mdp.terminal] = 0.0
        v = np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * P_pi, r_pi[..., None])[..., 0]
        return (v @ mdp.d0).reshape(lead)
    P_flat = mdp.P.reshape(mdp.n_states * mdp.n_actions, mdp.n_states)
    occupancy = np.broadcast_to(np.where(mdp.terminal, 0.0, mdp.d0), r_pi.shape)
    J = np.zeros(len(flat))
    for t in range(horizon):  # occupancy[k, s] = Pr(S_t = s) under θ_k, terminal states dropped
        J += mdp.gamma**t * np.sum(occupancy * r_pi, axis=1)
        occupancy = (occupancy[:, :, None] * pi).reshape(len(flat), -1) @ P_flat
        occupancy[:, mdp.terminal] = 0.0
    return J.reshape(lead)


def _longest_episode(mdp: TabularMDP) -> int | None:
    """The most steps any episode can take whatever the actions; None if an episode can go on for ever."""
    step = (mdp.P.sum(axis=1) > 0) & ~mdp.terminal[:, None]  # s -> s' possible under some action
    alive = (mdp.d0 > 0) & ~mdp.terminal
    for t in range(mdp.n_states + 1):
        if not alive.any():
            return t
        alive = step[alive].any(axis=0) & ~mdp.terminal
    return None


def _distinct_inputs(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct policy inputs of a tabular problem and, for every state, the index of its own."""
    flat = np.asarray(inputs, dtype=float).reshape(len(inputs), -1)
    unique, index = np.unique(flat, axis=0, return_inverse=True)
    return unique.reshape((-1, *np.shape(inputs)[1:])), index.reshape(-1)


def _log_prob_table(policy: DiscretePolicy, theta: np.ndarray, unique_inputs: np.ndarray,
                    scores: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The table of ln π(a|x, θ_run) for every run, distinct input and action, shape (n_runs, U, A).

    With ``scores``, also ∇ln π, shape (n_runs, U, A, d). A tabular problem has few
    distinct inputs, so tables indexed by (run, input, action) are far cheaper than
    evaluating the policy at every step of every episode.
    """
    theta = theta[:, None, :]
    log_pi = policy.log_probs(theta, unique_inputs[None])
    if not scores:
        return log_pi
    return log_pi, policy.grad_log_probs(theta, unique_inputs[None])


@dataclass(frozen=True)
class ReuseHistory:
    r"""What :func:`train_with_reuse` records, for ``n_runs`` independent runs.

    Attributes
    ----------
    method : str
    n_reuse : int
        Updates per batch (1 for ``"reinforce"``).
    theta : ndarray, shape (n_runs, n_batches + 1, d)
        θ before the first batch and after the updates of each batch.
    steps : ndarray of int, shape (n_runs, n_batches + 1)
        Environment steps played before each θ (0 at the start).
    clip_fraction : ndarray, shape (n_runs, n_batches, n_reuse)
        After update k of batch j: the fraction of the batch's steps whose ratio
        :math:`r_t = \pi(A_t|S_t, \theta)/\pi(A_t|S_t, \theta_\text{old})` lies outside
        :math:`[1 - \epsilon, 1 + \epsilon]` (PPO code's ``clipfrac``).
    approx_kl : ndarray, shape (n_runs, n_batches, n_reuse)
        After update k of batch j: the mean over the batch's steps of
        :math:`(r_t - 1) - \ln r_t`, an estimate of
        :math:`\mathrm{KL}(\pi_{\theta_\text{old}} \| \pi_\theta)` per step that is never negative.
    """

    method: str
    n_reuse: int
    theta: np.ndarray
    steps: np.ndarray
    clip_fraction: np.ndarray | None = None
    approx_kl: np.ndarray | None = None


def train_with_reuse(mdp: TabularMDP, policy: DiscretePolicy, theta0: np.ndarray, inputs: np.ndarray,
                     alpha: float, n_batches: int, batch_size: int, rng: np.random.Generator, *,
                     method: str = "reinforce", n_reuse: int = 4, epsilon: float = 0.2,
                     n_runs: int = 1) -> ReuseHistory:
    r"""Batch REINFORCE that takes ``n_reuse`` updates from each batch, ``n_runs`` runs at once.

    Each run plays M = ``batch_size`` episodes with :math:`\theta_\text{old}`, fixes
    :math:`\hat A_t = G_t - b` with b the mean return of the batch's other episodes
    (:func:`helpers.reinforce.leave_one_out_mean_baseline`), then repeats K times

    .. math:: \theta \leftarrow \theta + \alpha \frac1M \sum_{m=1}^M \hat g^m(\theta),

    with :math:`\hat g^m` episode m's REINFORCE estimate (``"reinforce"``: K = 1), the naive
    reuse, the importance-weighted estimate or the clipped surrogate's gradient.

    Parameters
    ----------
    mdp, policy, inputs
        A tabular problem (γ is ``mdp.gamma``), a discrete policy and its inputs per state.
    theta0 : ndarray, shape (d,)
    alpha : float
        The step size α > 0.
    n_batches : int
    batch_size : int
        M >= 2 (the baseline of an episode is the mean of the others).
    rng : numpy.random.Generator
    method : {"reinforce", "naive", "importance", "clipped"}
    n_reuse : int
        K, updates per batch; ignored (1) for ``"reinforce"``.
    epsilon : float
        The clip range of ``"clipped"``.
    n_runs : int
    """
    check_choice("method", method, METHODS)
    alpha = check_step_size("alpha", alpha)
    n_batches = check_positive_int("n_batches", n_batches)
    batch_size = check_positive_int("batch_size", batch_size)
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2 (the baseline leaves one episode out), "
                         f"got {batch_size}")
    n_reuse = 1 if method == "reinforce" else check_positive_int("n_reuse", n_reuse)
    epsilon = _check_epsilon(epsilon)
    n_runs = check_positive_int("n_runs", n_runs)
    gamma = check_discount("gamma", mdp.gamma)
    theta0 = check_theta("theta0", theta0, policy.n_params)
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,) = ({policy.n_params},), got {theta0.shape}")
    M = batch_size
    unique_inputs, input_index = _distinct_inputs(inputs)
    run_of = np.repeat(np.arange(n_runs), M)  # the run that plays each episode of a batch
    theta = np.tile(theta0, (n_runs, 1))
    thetas = np.empty((n_runs, n_batches + 1, policy.n_params))
    thetas[:, 0] = theta
    steps = np.zeros((n_runs, n_batches + 1), dtype=int)
    clip_fraction = np.zeros((n_runs, n_batches, n_reuse))
    approx_kl = np.zeros((n_runs, n_batches, n_reuse))
    for k in range(n_batches):
        batch = sample_episodes(mdp, policy, np.repeat(theta, M, axis=0), inputs, n_runs * M, rng)
        steps[:, k + 1] = steps[:, k] + batch.lengths.reshape(n_runs, M).sum(axis=1)
        b = leave_one_out_mean_baseline(batch, gamma, group_size=M)
        advantages = (gamma ** np.arange(batch.states.shape[1]) * (returns_to_go(batch.rewards, gamma) - b)
                      * batch.mask)
        where = (run_of[:, None], input_index[batch.states], batch.actions)
        log_old = _log_prob_table(policy, theta, unique_inputs)[where]
        n_steps = batch.mask.reshape(n_runs, M, -1).sum(axis=(1, 2))
        for j in range(n_reuse):
            log_pi, scores = _log_prob_table(policy, theta, unique_inputs, scores=True)
            log_now, score_now = log_pi[where], scores[where] * batch.mask[..., None]
            if method in ("reinforce", "naive"):  # REINFORCE's estimate at θ (naive after the first)
                g = np.einsum("nt,ntd->nd", advantages, score_now)
            elif method == "importance":
                rho = np.exp(np.sum(np.where(batch.mask, log_now - log_old, 0.0), axis=1))
                g = rho[:, None] * np.einsum("nt,ntd->nd", advantages, score_now)
            else:
                ratios = np.exp(np.where(batch.mask, log_now - log_old, 0.0))
                slope = clipped_objective_slope(ratios, advantages, epsilon) * batch.mask
                g = np.einsum("nt,ntd->nd", slope * ratios, score_now)
            theta = theta + alpha * g.reshape(n_runs, M, -1).mean(axis=1)
            log_new = _log_prob_table(policy, theta, unique_inputs)[where]
            log_ratio = np.where(batch.mask, log_new - log_old, 0.0)
            outside = batch.mask & (np.abs(np.exp(log_ratio) - 1.0) > epsilon)
            clip_fraction[:, k, j] = outside.reshape(n_runs, M, -1).sum(axis=(1, 2)) / n_steps
            kl = np.where(batch.mask, np.expm1(log_ratio) - log_ratio, 0.0)
            approx_kl[:, k, j] = kl.reshape(n_runs, M, -1).sum(axis=(1, 2)) / n_steps
        thetas[:, k + 1] = theta
    return ReuseHistory(method, n_reuse, thetas, steps, clip_fraction, approx_kl)


def steps_to_reach(history: ReuseHistory, J: np.ndarray, target: float) -> np.ndarray:
    """Environment steps each run played before its exact J first reached ``target``; NaN if never.

    Parameters
    ----------
    history : ReuseHistory
    J : ndarray, shape (n_runs, n_batches + 1)
        The exact J of ``history.theta`` (:func:`objectives`).
    target : float
    """
    J = np.asarray(J, dtype=float)
    if J.shape != history.steps.shape:
        raise ValueError(f"J must have shape {history.steps.shape} (one value per θ), got {J.shape}")
    reached = target <= J
    first = np.argmax(reached, axis=1)
    return np.where(reached.any(axis=1), history.steps[np.arange(len(J)), first], np.nan)


# --- the surrogate objectives exactly, on a tabular problem (the PPO paper's Figure 2) -------------


@dataclass(frozen=True)
class SurrogateLine:
    r"""The exact J, L^CPI and L^CLIP along a line :math:`\theta_\text{old} + s u` (PPO paper, Figure 2).

    With the old policy's discounted visits :math:`\eta(s)` and its exact advantages
    :math:`A(s, a) = q_{\pi_\text{old}}(s, a) - v_{\pi_\text{old}}(s)`, and
    :math:`r(s, a) = \pi(a|s, \theta)/\pi(a|s, \theta_\text{old})`:

    .. math:: L^\text{CPI}(\theta) = \sum_s \eta(s) \sum_a \pi(a|s, \theta_\text{old})\, r(s, a)\, A(s, a),

    .. math:: L^\text{CLIP}(\theta) = \sum_s \eta(s) \sum_a \pi(a|s, \theta_\text{old})\,
              \min\big(r A,\ \mathrm{clip}(r, 1 - \epsilon, 1 + \epsilon) A\big),

    the expectations over the old policy's episodes of :math:`\sum_t r_t \hat A_t` and of
    :math:`\sum_t \min(r_t \hat A_t, \mathrm{clip}(r_t)\hat A_t)` with the true advantages.
    Both are 0 at :math:`\theta_\text{old}` and have the gradient :math:`\nabla J(\theta_\text{old})`
    there (the policy gradient theorem), so :math:`J(\theta_\text{old}) + L` is tangent to J.

    Attributes
    ----------
    distances : ndarray, shape (k,)
        s, the distance from θ_old along the unit vector u.
    direction : ndarray, shape (d,)
    J_gain : ndarray, shape (k,)
        :math:`J(\theta) - J(\theta_\text{old})`.
    L_cpi, L_clip : ndarray, shape (k,)
    clip_fraction : ndarray, shape (k,)
        The expected fraction of the old policy's steps whose ratio lies outside
        :math:`[1 - \epsilon, 1 + \epsilon]`.
    zero_gradient_fraction : ndarray, shape (k,)
        The expected fraction of steps whose ratio lies outside on the side their
        advantage favours (:math:`A > 0,\ r > 1 + \epsilon` or :math:`A < 0,\ r < 1 - \epsilon`):
        the steps that no longer pull.
    kl : ndarray, shape (k,)
        :math:`\mathrm{KL}(\pi_\text{old} \| \pi_\theta)` averaged over the old policy's steps.
    epsilon : float
    """

    distances: np.ndarray
    direction: np.ndarray
    J_gain: np.ndarray
    L_cpi: np.ndarray
    L_clip: np.ndarray
    clip_fraction: np.ndarray
    zero_gradient_fraction: np.ndarray
    kl: np.ndarray
    epsilon: float

    @property
    def first_clipped(self) -> float:
        """The first distance at which some step's ratio lies outside the clip range (NaN if none)."""
        outside = np.flatnonzero(self.clip_fraction > 0)
        return float(self.distances[outside[0]]) if outside.size else float("nan")


def surrogate_line(mdp: TabularMDP, policy: DiscretePolicy, inputs: np.ndarray, theta_old: np.ndarray,
                   direction: np.ndarray, distances: np.ndarray, epsilon: float = 0.2) -> SurrogateLine:
    r"""The exact J, :math:`L^\text{CPI}` and :math:`L^\text{CLIP}` along :math:`\theta_\text{old} + s\,u`.

    See :class:`SurrogateLine`. ``direction`` is scaled to unit length.

    Raises
    ------
    ValueError
        If ``direction`` is zero or has the wrong length, or ε is not in (0, 1).
    """
    from helpers.mdp import action_values, state_values, visit_counts

    epsilon = _check_epsilon(epsilon)
    theta_old = check_theta("theta_old", theta_old, policy.n_params)
    direction = np.asarray(direction, dtype=float)
    if direction.shape != (policy.n_params,) or not np.linalg.norm(direction) > 0:
        raise ValueError(f"direction must be a non-zero vector of length {policy.n_params}, "
                         f"got {direction!r}")
    direction = direction / np.linalg.norm(direction)
    distances = np.asarray(distances, dtype=float)
    pi_old = policy.table(theta_old, inputs)
    eta = visit_counts(mdp, pi_old, discounted=True)
    advantage = action_values(mdp, pi_old) - state_values(mdp, pi_old)[:, None]
    weight = eta[:, None] * pi_old  # expected discounted visits to each (s, a) under the old policy
    steps = visit_counts(mdp, pi_old)[:, None] * pi_old  # expected undiscounted visits: for averages per step
    thetas = theta_old + distances[:, None] * direction
    pi = np.array([policy.table(theta, inputs) for theta in thetas])
    ratio = pi / pi_old
    J = objectives(mdp, policy, thetas, inputs)
    J_old = float(objectives(mdp, policy, theta_old[None], inputs)[0])
    clipped = np.clip(ratio, 1 - epsilon, 1 + epsilon)
    L_clip = np.sum(weight * np.minimum(ratio * advantage, clipped * advantage), axis=(1, 2))
    outside = (np.abs(ratio - 1) > epsilon) & (np.abs(advantage) > 1e-12)
    no_pull = ((advantage > 1e-12) & (ratio > 1 + epsilon)) | ((advantage < -1e-12) & (ratio < 1 - epsilon))
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_state = np.sum(np.where(pi_old > 0, pi_old * (np.log(pi_old) - np.log(pi)), 0.0), axis=2)
    n_steps = steps.sum()
    return SurrogateLine(distances, direction, J - J_old, np.sum(weight * ratio * advantage, axis=(1, 2)),
                         L_clip, np.sum(steps * outside, axis=(1, 2)) / n_steps,
                         np.sum(steps * no_pull, axis=(1, 2)) / n_steps,
                         (kl_state @ steps.sum(axis=1)) / n_steps, epsilon)


# --- the surrogate ("pseudo-") loss that code differentiates --------------------------------------


def surrogate_loss(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray, batch: EpisodeBatch,
                   gamma: float = 1.0, baseline: float | np.ndarray | None = None) -> float:
    r"""The loss a PyTorch or JAX program differentiates to get REINFORCE's step.

    .. math:: L(\theta) = -\frac1M \sum_{m=1}^M \sum_{t} \gamma^t \big(G_t^m - b(S_t^m)\big)
              \ln \pi(A_t^m|S_t^m, \theta),

    with the returns and the baseline held fixed (no gradient flows through them).
    Its gradient is minus the mean of :func:`helpers.reinforce.reinforce_estimates`,
    :math:`\nabla L(\theta) = -\hat g`, but only at the θ that played the batch is
    :math:`-\hat g` an estimate of :math:`-\nabla J(\theta)`; its value is no estimate of
    anything (it is not :math:`-J`).

    Parameters
    ----------
    policy, theta, inputs, batch
        As for :func:`helpers.reinforce.reinforce_estimates` (one θ).
    gamma : float
    baseline : float or ndarray of shape (N, T), optional
    """
    theta = check_theta("theta", theta, policy.n_params)
    gamma = check_discount("gamma", gamma)
    returns = returns_to_go(batch.rewards, gamma)
    b = 0.0 if baseline is None else np.asarray(baseline, dtype=float)
    weights = gamma ** np.arange(batch.states.shape[1]) * (returns - b) * batch.mask
    log_pi = policy.log_prob(theta, inputs[batch.states], batch.actions)
    return float(-np.sum(weights * log_pi) / len(batch))
