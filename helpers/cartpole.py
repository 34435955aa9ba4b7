r"""REINFORCE with a learned baseline on Gymnasium's CartPole-v1, in numpy.

The same pieces as on the toy problems, on a real environment:

- the policy is :class:`helpers.policies.SigmoidPolicy` on the scaled observation,
  :math:`\pi(\text{push right}|s, \theta) = \sigma(\theta^\top x(s))`,
  :math:`x(s) = (\text{cart position}/2.4,\ \text{cart velocity}/3,\ \text{pole angle}/0.21,\
  \text{pole angular velocity}/3)`: each entry of order 1 (2.4 and 0.21 rad are where
  the episode ends), so one step size suits all four weights;
- episodes are played with :func:`helpers.reinforce.run_episode` and
  :math:`G_t` comes from :func:`helpers.reinforce.returns_to_go`, undiscounted (γ = 1:
  the task counts every step balanced);
- the baseline is linear, :math:`\hat v(s_t, w) = w^\top x_v(s_t, t)`, with
  :math:`x_v = (1,\ (500 - t)/500,\ x(s)^2)`: the steps left before the 500-step
  limit bound the return, and the squares say how far from upright and centred the
  cart is (the problem is mirror-symmetric, so the signs carry no value).

After each episode, with :math:`\delta_t = G_t - \hat v(S_t, w)`:

.. math:: w \leftarrow w + \alpha^w \frac1T \sum_t \delta_t\, x_v(S_t, t), \qquad
          \theta \leftarrow \theta + \alpha \sum_t \frac{\delta_t}{s_\delta}\,
          \nabla \ln \pi(A_t|S_t, \theta),

where :math:`s_\delta` is the standard deviation of the episode's δ's. Dividing by
it keeps the step in the same range whether the returns are 10 or 500: early
episodes last 10 to 40 steps, late ones 500. (This choice, the features and the
step sizes were tuned on seeds 0 to 29; ``benchmarks/cartpole.py`` reports seeds 0 to 9.)

The policy has no constant feature: CartPole is mirror-symmetric, so the best
linear rule has no offset, and a free offset only gives the noise one more
direction to drift in (it slowed learning in the tuning runs).

Two rules say when CartPole-v1 is solved:

- the running average of PyTorch's REINFORCE example: running ≥ 475 with
  running ← 0.95·running + 0.05·(episode return), starting from the first
  episode's return (:func:`episodes_to_solve`);
- Gymnasium's threshold for CartPole-v1: an average return of at least 475 over
  100 consecutive episodes (:func:`episodes_to_solve_gymnasium`).

:func:`train_cartpole_seeds` trains many seeds side by side: each seed has its own
generator, θ and w, and plays its own episodes; only the physics of the steps
they take at the same moment is computed in one numpy operation
(:func:`cartpole_step`, Gymnasium's equations). A seed's run does not depend on the
other seeds trained with it, and :func:`train_cartpole` is the same loop for one seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from helpers._validate import check_choice, check_positive_int, check_step_size
from helpers.policies import SigmoidPolicy, log_sigmoid
from helpers.reinforce import returns_to_go
from helpers.summation import correctly_rounded_dot, correctly_rounded_std, correctly_rounded_sum

ENV_ID = "CartPole-v1"
MAX_STEPS = 500
"""CartPole-v1 truncates episodes at 500 steps."""
OBSERVATION_SCALE = np.array([2.4, 3.0, 0.21, 3.0])
"""Sizes of cart position, cart velocity, pole angle (rad), pole angular velocity: x(s) is of order 1."""
SOLVED_RETURN = 475.0
RUNNING_WEIGHT = 0.05
GYMNASIUM_WINDOW = 100
"""Gymnasium's rule averages the returns of this many consecutive episodes."""
TUNING_SEEDS = range(30)
"""The seeds on which the features and step sizes were chosen."""
STOP_RULES = ("running", "gymnasium", "none")
ALPHA = 0.08
"""The policy's step size α (on normalised δ's)."""
ALPHA_W = 0.1
"""The baseline's step size α^w."""
POLICY = SigmoidPolicy(n_features=4)
"""π(push right|s, θ) = σ(θᵀx(s)); action 1 pushes the cart right."""


def make_env() -> gym.Env:
    """``gymnasium.make("CartPole-v1")``: no extras needed, nothing is rendered."""
    return gym.make(ENV_ID)


def policy_features(observations: np.ndarray) -> np.ndarray:
    """x(s) = observation / :data:`OBSERVATION_SCALE`, for one observation (4,) or many (T, 4).

    Raises
    ------
    ValueError
        If the last axis does not have the 4 entries of a CartPole observation.
    """
    observations = np.asarray(observations, dtype=float)
    if observations.ndim == 0 or observations.shape[-1] != 4:
        raise ValueError(f"observations must have 4 entries on the last axis, got shape {observations.shape}")
    return observations / OBSERVATION_SCALE


def value_features(observations: np.ndarray) -> np.ndarray:
    r"""The baseline's features :math:`x_v = (1, (500 - t)/500, x(s)^2)` of an episode's steps, shape (T, 6).

    ``observations`` are :math:`S_0, \dots, S_{T-1}` in order, so row t is step t.
    """
    x = policy_features(observations)
    if x.ndim != 2:
        raise ValueError(f"observations must have shape (T, 4), got {np.shape(observations)}")
    steps_left = (MAX_STEPS - np.arange(len(x))) / MAX_STEPS
    return np.column_stack([np.ones(len(x)), steps_left, x**2])


def running_average(returns: np.ndarray, weight: float = RUNNING_WEIGHT) -> np.ndarray:
    r"""The running average of the solved rule, :math:`\bar G_k = (1 - w)\bar G_{k-1} + w\,G^{(k)}`.

    It starts at the first return, :math:`\bar G_1 = G^{(1)}`; w = 0.05.
    """
    returns = np.asarray(returns, dtype=float)
    if not 0.0 < weight <= 1.0:
        raise ValueError(f"weight must lie in (0, 1], got {weight!r}")
    running = np.empty_like(returns)
    value = returns[0] if returns.size else 0.0
    for k, episode_return in enumerate(returns):
        value = (1 - weight) * value + weight * episode_return
        running[k] = value
    return running


def episodes_to_solve(returns: np.ndarray, threshold: float = SOLVED_RETURN,
                      weight: float = RUNNING_WEIGHT) -> int | None:
    """The number of episodes after which the running average first reaches ``threshold``; None if never."""
    reached = np.flatnonzero(running_average(returns, weight) >= threshold)
    return int(reached[0]) + 1 if reached.size else None


def episodes_to_solve_gymnasium(returns: np.ndarray, threshold: float = SOLVED_RETURN,
                                window: int = GYMNASIUM_WINDOW) -> int | None:
    r"""Gymnasium's rule: episodes played when the mean of the last ``window`` returns first reaches 475.

    .. math:: \min\Big\{k \ge w : \frac1w \sum_{i=k-w+1}^{k} G^{(i)} \ge 475\Big\}, \qquad w = 100,

    with episodes counted from 1; None if no ``window`` consecutive episodes average that much.
    """
    returns = np.asarray(returns, dtype=float)
    window = check_positive_int("window", window)
    if returns.size < window:
        return None
    totals = np.convolve(returns, np.ones(window), mode="valid")  # sums of whole numbers: exact
    reached = np.flatnonzero(totals >= threshold * window)
    return int(reached[0]) + window if reached.size else None


@dataclass(frozen=True)
class CartPoleHistory:
    """One training run on CartPole-v1.

    Attributes
    ----------
    seed : int
    returns : ndarray, shape (n_episodes,)
        The return of every episode (steps balanced).
    running : ndarray, shape (n_episodes,)
        The running average of the solved rule.
    solved_at : int or None
        Episodes played when the running average first reached 475, or None.
    theta : ndarray, shape (n_episodes + 1, 4)
        θ before the first episode and after each.
    w : ndarray, shape (6,)
        The baseline's final weights.
    """

    seed: int
    returns: np.ndarray
    running: np.ndarray
    solved_at: int | None
    theta: np.ndarray
    w: np.ndarray

    @property
    def n_episodes(self) -> int:
        """The number of episodes played."""
        return self.returns.size

    @property
    def n_steps(self) -> int:
        """The number of environment steps played."""
        return int(self.returns.sum())

    @property
    def gymnasium_solved_at(self) -> int | None:
        """Episodes played when the last 100 returns first averaged 475 (Gymnasium's rule), or None."""
        return episodes_to_solve_gymnasium(self.returns)


def cartpole_step(state: np.ndarray, action: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of CartPole-v1's physics for many carts at once: Gymnasium's equations, Euler's method.

    Parameters
    ----------
    state : ndarray, shape (n, 4)
        Cart position, cart velocity, pole angle, pole angular velocity (float64).
    action : ndarray of int, shape (n,)
        1 pushes the cart right, 0 left.

    Returns
    -------
    next_state : ndarray, shape (n, 4)
    terminated : ndarray of bool, shape (n,)
        The pole leans more than 12° or the cart has left the track.
    """
    x, x_dot, theta, theta_dot = np.asarray(state, dtype=float).T
    force = np.where(np.asarray(action) == 1, _FORCE, -_FORCE)
    costheta, sintheta = np.cos(theta), np.sin(theta)
    temp = (force + _POLEMASS_LENGTH * np.square(theta_dot) * sintheta) / _TOTAL_MASS
    thetaacc = (_GRAVITY * sintheta - costheta * temp) / (
        _LENGTH * (4.0 / 3.0 - _MASSPOLE * np.square(costheta) / _TOTAL_MASS))
    xacc = temp - _POLEMASS_LENGTH * thetaacc * costheta / _TOTAL_MASS
    next_state = np.empty((len(x), 4))
    next_state[:, 0] = x + _TAU * x_dot
    next_state[:, 1] = x_dot + _TAU * xacc
    next_state[:, 2] = theta + _TAU * theta_dot
    next_state[:, 3] = theta_dot + _TAU * thetaacc
    terminated = (np.abs(next_state[:, 0]) > _X_LIMIT) | (np.abs(next_state[:, 2]) > _ANGLE_LIMIT)
    return next_state, terminated


_PHYSICS = gym.make(ENV_ID).unwrapped  # Gymnasium's CartPole-v1, read for its constants
_FORCE, _GRAVITY, _TAU = float(_PHYSICS.force_mag), float(_PHYSICS.gravity), float(_PHYSICS.tau)
_LENGTH, _MASSPOLE = float(_PHYSICS.length), float(_PHYSICS.masspole)
_POLEMASS_LENGTH, _TOTAL_MASS = float(_PHYSICS.polemass_length), float(_PHYSICS.total_mass)
_X_LIMIT, _ANGLE_LIMIT = float(_PHYSICS.x_threshold), float(_PHYSICS.theta_threshold_radians)


def _reset_state(rng: np.random.Generator) -> np.ndarray:
    """A start state as ``env.reset(seed=...)`` draws it, its seed drawn from ``rng`` as run_episode does."""
    return np.random.default_rng(int(rng.integers(2**63))).uniform(-0.05, 0.05, size=4)


def _learn_from_episode(theta: np.ndarray, w: np.ndarray, observations: np.ndarray, actions: np.ndarray,
                        alpha: float, alpha_w: float) -> tuple[np.ndarray, np.ndarray]:
    """The update after one episode (module docstring): the baseline's w, then the policy's θ."""
    x = policy_features(observations)
    x_v = value_features(observations)
    # Every sum below is correctly rounded, so θ is the same to the last bit on every
    # machine (a BLAS product would not be, and CartPole amplifies the last bit).
    delta = returns_to_go(np.ones(len(actions))) - correctly_rounded_sum(x_v * w, axis=1)
    w = w + alpha_w * correctly_rounded_dot(delta, x_v) / len(delta)
    spread = correctly_rounded_std(delta)
    advantages = delta / spread if spread > 0 else delta
    scores = POLICY.grad_log_prob(theta, x, actions)
    return theta + alpha * correctly_rounded_dot(advantages, scores), w


def train_cartpole_seeds(seeds: list[int] | range, *, alpha: float = ALPHA, alpha_w: float = ALPHA_W,
                         max_episodes: int = 1000, stop: str = "running") -> list[CartPoleHistory]:
    r"""Train REINFORCE with a learned baseline on CartPole-v1 from θ = 0, w = 0, one run per seed.

    See the module docstring for the update. Everything random in a run (its
    episodes' starting states, its actions) comes from ``numpy.random.default_rng(seed)``
    and is drawn in the order :func:`helpers.reinforce.run_episode` draws it, so a
    seed gives the same run whichever seeds are trained beside it. The runs advance
    together, one environment step at a time: their policies and CartPole's physics
    are evaluated for all running carts at once.

    Parameters
    ----------
    seeds : sequence of int
    alpha, alpha_w : float
        The step sizes α > 0 and α^w > 0.
    max_episodes : int
        The most episodes a run plays.
    stop : {"running", "gymnasium", "none"}
        Stop a run when the running average reaches 475 (PyTorch's rule), when its
        last 100 returns average 475 (Gymnasium's rule), or only after ``max_episodes``.

    Returns
    -------
    list of CartPoleHistory
        One per seed, in the order of ``seeds``.
    """
    alpha = check_step_size("alpha", alpha)
    alpha_w = check_step_size("alpha_w", alpha_w)
    max_episodes = check_positive_int("max_episodes", max_episodes)
    check_choice("stop", stop, STOP_RULES)
    seeds = [int(seed) for seed in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none")
    n = len(seeds)
    rngs = [np.random.default_rng(seed) for seed in seeds]
    thetas = [[np.zeros(POLICY.n_params)] for _ in range(n)]
    ws = [np.zeros(6) for _ in range(n)]
    returns: list[list[float]] = [[] for _ in range(n)]
    running = [0.0] * n
    # The running carts only, compacted: row j is run runs[j]. A run that stops is removed.
    runs = list(range(n))
    state = np.array([_reset_state(rng) for rng in rngs])
    theta_now = np.zeros((n, POLICY.n_params))
    observations = np.zeros((n, MAX_STEPS, 4))
    actions = np.zeros((n, MAX_STEPS), dtype=int)
    steps = np.zeros(n, dtype=int)
    while runs:
        rows = np.arange(len(runs))
        obs = state.astype(np.float32).astype(float)  # Gymnasium returns the state as float32
        observations[rows, steps] = obs
        # π(·|s, θ) as POLICY.probs gives it, and the draw of categorical_sample, for every running cart
        z = np.sum(theta_now * (obs / OBSERVATION_SCALE), axis=-1)
        p_left, p_right = np.exp(log_sigmoid(-z)), np.exp(log_sigmoid(z))
        total = p_left + p_right
        u = np.array([rngs[i].random() for i in runs]) * total
        action = np.minimum((u >= p_left).astype(int) + (u >= total), 1)
        actions[rows, steps] = action
        state, terminated = cartpole_step(state, action)
        steps += 1
        ended = np.flatnonzero(terminated | (steps >= MAX_STEPS))
        if not ended.size:
            continue
        keep = np.ones(len(runs), dtype=bool)
        for j in ended:
            i, T = runs[j], int(steps[j])
            theta, ws[i] = _learn_from_episode(theta_now[j], ws[i], observations[j, :T], actions[j, :T],
                                               alpha, alpha_w)
            thetas[i].append(theta)
            theta_now[j] = theta
            returns[i].append(float(T))  # +1 for every step, the last one included
            running[i] = float(T) if len(returns[i]) == 1 else \
                (1 - RUNNING_WEIGHT) * running[i] + RUNNING_WEIGHT * float(T)
            done = len(returns[i]) >= max_episodes
            if stop == "running":
                done |= running[i] >= SOLVED_RETURN
            elif stop == "gymnasium":
                done |= len(returns[i]) >= GYMNASIUM_WINDOW and \
                    sum(returns[i][-GYMNASIUM_WINDOW:]) >= SOLVED_RETURN * GYMNASIUM_WINDOW
            if done:
                keep[j] = False
            else:
                steps[j] = 0
                state[j] = _reset_state(rngs[i])
        if not keep.all():
            runs = [i for i, kept in zip(runs, keep, strict=True) if kept]
            state, theta_now, steps = state[keep], theta_now[keep], steps[keep]
            observations, actions = observations[keep], actions[keep]
    histories = []
    for seed, run_returns, run_thetas, w in zip(seeds, returns, thetas, ws, strict=True):
        returns_array = np.asarray(run_returns)
        histories.append(CartPoleHistory(seed, returns_array, running_average(returns_array),
                                         episodes_to_solve(returns_array), np.asarray(run_thetas), w))
    return histories


def train_cartpole(seed: int, *, alpha: float = ALPHA, alpha_w: float = ALPHA_W, max_episodes: int = 1000,
                   stop_when_solved: bool = True) -> CartPoleHistory:
    r"""Train REINFORCE with a learned baseline on CartPole-v1 from θ = 0, w = 0: one seed.

    :func:`train_cartpole_seeds` for a single seed: everything random comes from
    ``numpy.random.default_rng(seed)``, so a seed gives the same run every time.

    Parameters
    ----------
    seed : int
    alpha, alpha_w : float
        The step sizes α > 0 and α^w > 0.
    max_episodes : int
    stop_when_solved : bool
        Stop as soon as the running average reaches 475.

    Returns
    -------
    CartPoleHistory
    """
    return train_cartpole_seeds([seed], alpha=alpha, alpha_w=alpha_w, max_episodes=max_episodes,
                                stop="running" if stop_when_solved else "none")[0]


def greedy_return(theta: np.ndarray, seed: int, n_episodes: int = 10) -> np.ndarray:
    """Returns of the deterministic rule "push right when θᵀx(s) > 0" in ``n_episodes`` seeded episodes."""
    rng = np.random.default_rng(seed)
    env = make_env()
    totals = np.empty(check_positive_int("n_episodes", n_episodes))
    try:
        for i in range(totals.size):
            obs, _ = env.reset(seed=int(rng.integers(2**63)))
            total, done = 0.0, False
            while not done:
                action = int(correctly_rounded_dot(policy_features(obs), theta) > 0)
                obs, reward, terminated, truncated, _ = env.step(action)
                total += reward
                done = terminated or truncated
            totals[i] = total
    finally:
        env.close()
    return totals


def describe_seeds(solved_at: list[int | None], bin_width: int = 50) -> str:
    """A summary of episodes-to-solve over seeds that a last-bit difference cannot change.

    One seeded run is chaotic: on another platform (its ``exp``, ``sin`` and ``cos`` may
    differ in the last bit) a run can solve a few episodes sooner or later. So this says
    how many seeds solved and, in bins of ``bin_width`` episodes, where the median and
    the slowest seed fall, not their exact counts.

    Examples
    --------
    >>> describe_seeds([98, 117, 126, None])
    '3 of 4 seeds solved; median seed between 100 and 150 episodes; slowest between 100 and 150'
    """
    bin_width = check_positive_int("bin_width", bin_width)
    solved = sorted(int(n) for n in solved_at if n is not None)
    text = f"{len(solved)} of {len(solved_at)} seeds solved"
    if not solved:
        return text

    def bin_of(episodes: float) -> str:
        low = int(episodes // bin_width) * bin_width
        return f"between {low} and {low + bin_width}"

    return (f"{text}; median seed {bin_of(float(np.median(solved)))} episodes; "
            f"slowest {bin_of(solved[-1])}")
