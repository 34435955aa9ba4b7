r"""Sutton & Barto's REINFORCE box, played and learned one run at a time, compiled with numba.

This is the one per-step update loop of the collection: :func:`helpers.reinforce.reinforce`
(``update="per-step"``) calls :func:`play_and_learn` once per episode for all its
runs, and every notebook, dashboard and experiment trains through that function.
For each run, the episode is played with θ fixed, then, for t = 0, 1, …, T-1
(sections 13.3 and 13.4 of the book):

.. math:: \delta = G_t - b(S_t), \qquad
          w \leftarrow w + \alpha^w \delta\, x_v(S_t), \qquad
          \theta \leftarrow \theta + \alpha \gamma^t \delta\, \nabla \ln \pi(A_t|S_t, \theta),

where b is 0, the exact :math:`v_\pi`, a learned :math:`\hat v(s, w) = w^\top x_v(s)`
(the only baseline with a w-update) or the mean of the run's earlier returns. The
policy is a softmax over linear preferences :math:`h(s, a) = \theta^\top x(s, a)`
(every discrete policy of :mod:`helpers.policies` is one), so the score is
:math:`x(s, a) - \sum_b \pi(b|s, \theta)\, x(s, b)` (Sutton & Barto eq. 13.9).

Why compiled: an episode is a short sequential loop over 2-element vectors. In
NumPy every step costs several array calls of a microsecond or more whatever the
arrays' size, and vectorising over runs makes every run wait for the longest
episode of the batch. Compiled, a step costs tens of nanoseconds, each run
advances at its own pace, and the code is the book's loop as written.

Random numbers come from the caller's ``numpy.random.Generator`` (numba draws from
the same stream) in the order of :func:`helpers.reinforce.sample_episodes`: the
start state, then for each step the action and the next state, by inverting the
cumulative probabilities. So a single run follows, draw for draw, the episodes that
``sample_episodes`` plays one at a time. Every sum over actions and features is
taken in a fixed order, so no result depends on the CPU's vector width.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NO_BASELINE, EXACT_BASELINE, LEARNED_BASELINE, MEAN_BASELINE = 0, 1, 2, 3
"""The baseline codes :func:`play_and_learn` understands."""


@njit(cache=True)
def _draw(cumulative: np.ndarray, rng: np.random.Generator) -> int:
    """An index drawn from cumulative probabilities, as :func:`helpers.policies.categorical_sample`."""
    u = rng.random() * cumulative[-1]
    index = 0
    for c in cumulative:
        if u >= c:
            index += 1
    return min(index, cumulative.size - 1)


@njit(cache=True)
def _probabilities(theta: np.ndarray, x_s: np.ndarray, out: np.ndarray) -> None:
    r""":math:`\pi(\cdot|s, \theta) = \mathrm{softmax}(\theta^\top x(s, \cdot))` into ``out`` (stable)."""
    n_actions, n_params = x_s.shape
    for a in range(n_actions):
        h = 0.0
        for i in range(n_params):
            h += theta[i] * x_s[a, i]
        out[a] = h
    top = out.max()
    total = 0.0
    for a in range(n_actions):
        out[a] = np.exp(out[a] - top)
        total += out[a]
    for a in range(n_actions):
        out[a] /= total


@njit(cache=True)
def play_and_learn(runs: np.ndarray, theta: np.ndarray, alpha: np.ndarray, w: np.ndarray,
                   alpha_w: np.ndarray, baseline: int, v_exact: np.ndarray, mean_total: np.ndarray,
                   mean_count: np.ndarray, cumulative_P: np.ndarray, R: np.ndarray, cumulative_d0: np.ndarray,
                   terminal: np.ndarray, x: np.ndarray, x_v: np.ndarray, gamma: float,
                   discount_weighting: bool, max_steps: int, learn_from_truncated: bool,
                   rng: np.random.Generator, returns: np.ndarray, lengths: np.ndarray,
                   truncated: np.ndarray) -> None:
    r"""One episode of each run in ``runs``, then its per-step REINFORCE updates; θ and w in place.

    Parameters
    ----------
    runs : ndarray of int
        The runs to advance, in order (their draws follow one another in ``rng``).
    theta, alpha : ndarray, shapes (n, d), (n,)
    w, alpha_w : ndarray, shapes (n, k), (n,)
        The learned baseline's weights and step sizes (read only with ``LEARNED_BASELINE``).
    baseline : int
        ``NO_BASELINE``, ``EXACT_BASELINE`` (b = ``v_exact[run, s]``), ``LEARNED_BASELINE``
        or ``MEAN_BASELINE`` (b = ``mean_total / mean_count``, the run's earlier :math:`G_t`).
    v_exact : ndarray, shape (n, S)
        :math:`v_\pi` at each run's θ of this episode (read only with ``EXACT_BASELINE``).
    mean_total, mean_count : ndarray, shape (n,)
        Sum and number of the run's earlier :math:`G_t`, updated after the episode.
    cumulative_P, R, cumulative_d0, terminal
        The tabular model: cumulative :math:`p(\cdot|s, a)` (S, A, S), R(s, a), the
        cumulative start distribution and the terminal mask.
    x : ndarray, shape (S, A, d)
        The preference features x(s, a).
    x_v : ndarray, shape (S, k)
        The value features of :math:`\hat v(s, w) = w^\top x_v(s)`.
    gamma : float
    discount_weighting : bool
        Keep the :math:`\gamma^t` factor of the θ-update.
    max_steps : int
        An episode still running after this many steps is cut (truncated).
    learn_from_truncated : bool
        Whether a cut episode is learned from (otherwise the run is left as it was).
    rng : numpy.random.Generator
    returns, lengths, truncated : ndarray, shape (n,)
        Out: each run's :math:`G_0`, number of steps, and whether it was cut.
    """
    n_states, n_actions, n_params = x.shape
    states = np.empty(max_steps, dtype=np.int64)
    actions = np.empty(max_steps, dtype=np.int64)
    G = np.empty(max_steps + 1)
    cumulative_pi = np.empty((n_states, n_actions))
    pi = np.empty(n_actions)
    score = np.empty(n_params)
    for run in runs:
        # Play one episode with θ fixed: S_0, A_0, R_1, S_1, …
        for s in range(n_states):
            _probabilities(theta[run], x[s], pi)
            running_sum = 0.0
            for a in range(n_actions):
                running_sum += pi[a]
                cumulative_pi[s, a] = running_sum
        s = _draw(cumulative_d0, rng)
        T = 0
        while not terminal[s] and max_steps > T:
            a = _draw(cumulative_pi[s], rng)
            states[T], actions[T] = s, a
            G[T] = R[s, a]  # R_{T+1}, turned into G_T below
            s = _draw(cumulative_P[s, a], rng)
            T += 1
        G[T] = 0.0
        for t in range(T - 1, -1, -1):  # G_t = R_{t+1} + γ G_{t+1}
            G[t] += gamma * G[t + 1]
        returns[run], lengths[run], truncated[run] = G[0], T, not terminal[s]
        if truncated[run] and not learn_from_truncated:
            continue
        b_mean = mean_total[run] / max(mean_count[run], 1.0)
        # Learn from it, step by step, each step scored at the current θ.
        for t in range(T):
            s, a = states[t], actions[t]
            if baseline == EXACT_BASELINE:
                b = v_exact[run, s]
            elif baseline == LEARNED_BASELINE:
                b = 0.0
                for j in range(x_v.shape[1]):
                    b += w[run, j] * x_v[s, j]
            elif baseline == MEAN_BASELINE:
                b = b_mean
            else:
                b = 0.0
            delta = G[t] - b
            if baseline == LEARNED_BASELINE:
                for j in range(x_v.shape[1]):
                    w[run, j] += alpha_w[run] * delta * x_v[s, j]
            _probabilities(theta[run], x[s], pi)
            for i in range(n_params):  # ∇ln π(A_t|S_t, θ) = x(s, a) - Σ_b π(b|s) x(s, b)
                expected = 0.0
                for other in range(n_actions):
                    expected += pi[other] * x[s, other, i]
                score[i] = x[s, a, i] - expected
            step = alpha[run] * delta * (gamma**t if discount_weighting else 1.0)
            for i in range(n_params):
                theta[run, i] += step * score[i]
        for t in range(T):
            mean_total[run] += G[t]
        mean_count[run] += T
