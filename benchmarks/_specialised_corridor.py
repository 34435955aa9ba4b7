"""The specialised short-corridor learner the collection used before its one REINFORCE engine.

Kept only as the yardstick of ``benchmarks/short_corridor.py``: the same algorithm as
:func:`helpers.reinforce.reinforce` on the short corridor, written for that problem
alone (all runs in lockstep, one episode at a time, in NumPy). Nothing in the
collection calls it. Returns the returns and π(right) histories.
"""

from __future__ import annotations

import numpy as np

from helpers._validate import check_positive_int
from helpers.experiments.baselines import BOOK_THETA0
from helpers.reinforce import per_run_step_sizes

_NEXT = np.array([[0, 1], [2, 0], [1, 3], [3, 3]])
"""The short corridor's next cell by [cell, action] (0 = left, 1 = right; reversed in cell 1)."""


def _sigmoid(h: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * h)


def _play_corridor(p: np.ndarray, rng: np.random.Generator,
                   max_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode per run with π(right) = p: actions (L, n), lengths (n,), and whether the goal was reached.

    All cells look alike, so the actions are independent draws with probability p
    of "right"; the cells follow from them. An episode that has not reached the
    goal after ``max_steps`` steps is cut there (length ``max_steps``, not reached).
    """
    n = p.size
    cell = np.zeros(n, dtype=int)
    length = np.full(n, max_steps)
    arrived = np.zeros(n, dtype=bool)
    chunks, t = [], 0
    while t < max_steps and not arrived.all():
        size = min(max(64, t), max_steps - t)
        actions = (rng.random((size, n)) < p).astype(np.int8)
        cells = np.empty((size, n), dtype=int)
        for k in range(size):
            cell = _NEXT[cell, actions[k]]
            cells[k] = cell
        hit = cells == 3
        new = hit.any(axis=0) & ~arrived
        length[new] = t + hit.argmax(axis=0)[new] + 1
        arrived |= new
        chunks.append(actions)
        t += size
    return np.concatenate(chunks)[: int(length.max())], length, arrived


def short_corridor_reinforce(alpha: float | np.ndarray, n_episodes: int, n_runs: int,
                             rng: np.random.Generator, *, alpha_w: float | np.ndarray | None = None,
                             theta0: np.ndarray = BOOK_THETA0,
                             max_steps: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    r"""The old lockstep learner: what ``helpers.experiments.baselines.short_corridor_reinforce`` computes.

    All runs play one episode at a time in NumPy; each run's h = θ₁ - θ₂ moves by
    :math:`2\alpha\delta(\mathbb 1[A_t = \text{right}] - \sigma(h))` per step, with
    :math:`\delta = G_t - w` (w = 0 without ``alpha_w``). A run whose episode reaches
    ``max_steps`` is stopped. Returns the returns (n_runs, n_episodes) and the π(right)
    histories (n_runs, n_episodes + 1), NaN after a stop.
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    max_steps = check_positive_int("max_steps", max_steps)
    alpha = per_run_step_sizes("alpha", alpha, n_runs)
    a_w = np.full(n_runs, np.nan) if alpha_w is None else per_run_step_sizes("alpha_w", alpha_w, n_runs)
    theta0 = np.asarray(theta0, dtype=float)
    if theta0.shape != (2,) or not np.all(np.isfinite(theta0)):
        raise ValueError(f"theta0 must be 2 finite numbers (θ_right, θ_left), got {theta0!r}")
    h = np.full(n_runs, theta0[0] - theta0[1])
    w = np.zeros(n_runs)
    returns = np.full((n_runs, n_episodes), np.nan)
    p_hist = np.full((n_runs, n_episodes + 1), np.nan)
    stopped = np.full(n_runs, -1)
    p_at_stop = np.full(n_runs, np.nan)
    active = np.arange(n_runs)
    p_hist[:, 0] = _sigmoid(h)
    use_w = alpha_w is not None
    for e in range(n_episodes):
        if active.size == 0:
            break
        p = _sigmoid(h[active])
        actions, length, arrived = _play_corridor(p, rng, max_steps)
        returns[active, e] = -length.astype(float)
        cut = ~arrived
        if cut.any():
            stopped[active[cut]] = e
            p_at_stop[active[cut]] = p[cut]
            returns[active[cut], e] = np.nan
            active, actions, length = active[arrived], actions[:, arrived], length[arrived]
            if active.size:
                actions = actions[: int(length.max())]
        if active.size == 0:
            break
        T = actions.shape[0]
        steps = np.arange(T)[:, None]
        inside = steps < length
        G = np.where(inside, -(length - steps), 0.0)  # G_t = -(T - t)
        # x - σ(h) = (1[A_t = right] - 1/2) - tanh(h/2)/2, computed in place (the loop over t is the hot path)
        x_centred = actions - 0.5
        step_h = np.where(inside, 2.0 * alpha[active], 0.0)
        hh, ww = h[active].copy(), w[active].copy()
        if use_w:
            step_w = np.where(inside, a_w[active], 0.0)
            delta = np.empty_like(ww)
        else:
            coefficient = step_h * G  # 2αδ with δ = G_t
        score = np.empty_like(hh)
        for t in range(T):
            np.multiply(hh, 0.5, out=score)
            np.tanh(score, out=score)
            score *= -0.5
            score += x_centred[t]
            if use_w:
                np.subtract(G[t], ww, out=delta)
                score *= step_h[t]
                score *= delta
                ww += step_w[t] * delta
            else:
                score *= coefficient[t]
            hh += score
        h[active], w[active] = hh, ww
        p_hist[active, e + 1] = _sigmoid(hh)
    return returns, p_hist


