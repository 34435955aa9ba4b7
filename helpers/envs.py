"""The toy problems of the collection, as Gymnasium environments with exact models.

Each environment simulates its dynamics step by step from its own description
(``reset``/``step``, randomness only from ``self.np_random``), and separately
builds its exact model as a :class:`~helpers.mdp.TabularMDP` with ``tabular()``.
The two are independent implementations of the same problem; the tests check
that they agree in distribution.

Observations are the index of the tabular state. ``policy_inputs()`` gives, for
every tabular state, the input its natural policy sees (the change in demand p,
or features x(s, a)), so ``policy_inputs()[obs]`` turns an observation into a
policy input.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from helpers._validate import check_choice, check_discount, check_positive_int
from helpers.mdp import TabularMDP
from helpers.policies import GaussianPolicy, left_down_right_features
from helpers.reinforce import EpisodeBatch


class TabularEnv(gym.Env):
    """Shared Gymnasium plumbing for a finite problem with an exact model.

    Subclasses define ``n_states``, ``n_actions``, ``_initial_state``,
    ``_transition`` (one sampled step of the real dynamics), ``is_terminal`` and
    ``_build_model`` (the exact model of the same dynamics).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    n_states: int
    n_actions: int

    def __init__(self, max_episode_steps: int | None = None) -> None:
        self.max_episode_steps = (
            None if max_episode_steps is None
            else check_positive_int("max_episode_steps", max_episode_steps)
        )
        self.observation_space = spaces.Discrete(self.n_states)
        self.action_space = spaces.Discrete(self.n_actions)
        self._state: int | None = None
        self._steps = 0

    def _initial_state(self) -> int:
        raise NotImplementedError

    def _transition(self, state: int, action: int) -> tuple[int, float]:
        raise NotImplementedError

    def is_terminal(self, state: int) -> bool:
        """Whether ``state`` ends the episode."""
        raise NotImplementedError

    def _build_model(self) -> TabularMDP:
        raise NotImplementedError

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """Start an episode; ``seed`` seeds ``self.np_random``."""
        super().reset(seed=seed)
        self._state = self._initial_state()
        self._steps = 0
        return self._state, {}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        """Take ``action``; return (observation, reward, terminated, truncated, info)."""
        if self._state is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an integer in 0..{self.n_actions - 1}, got {action!r}")
        if self.is_terminal(self._state):
            raise RuntimeError("the episode has ended; call reset()")
        self._state, reward = self._transition(self._state, int(action))
        self._steps += 1
        terminated = self.is_terminal(self._state)
        truncated = (not terminated and self.max_episode_steps is not None
                     and self._steps >= self.max_episode_steps)
        return self._state, float(reward), terminated, truncated, {}

    @cached_property
    def _model(self) -> TabularMDP:
        return self._build_model()

    def tabular(self) -> TabularMDP:
        """The exact model of this environment as dense arrays."""
        return self._model


class DemandEnv(TabularEnv):
    r"""The manager's ordering problem from the seed (RitvikMath, "Policy Gradient").

    Description
        Each week a manager sees p, the change in demand for a product, and orders
        MORE or LESS. Demand changes follow a Markov chain that the orders do not
        affect: rises tend to follow rises and falls tend to follow falls. A season
        lasts ``horizon`` weeks.

    Action Space
        ``Discrete(2)``: 0 = LESS, 1 = MORE. The natural policy is
        :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)` (:class:`SigmoidPolicy`).

    Observation Space
        ``Discrete(horizon * 4 + 1)``: the index of (week t, demand change p),
        ``t * 4 + i`` with p = ``demand_changes[i]``; the last index is the end of the
        season. ``demand_change(obs)`` and ``policy_inputs()[obs]`` give p.

    Starting State
        Week 0, p drawn uniformly from ``demand_changes`` = (-2, -1, +1, +2)
        (hundreds of units a week).

    Rewards
        Positive when the order follows demand, negative otherwise. Ordering MORE
        earns p (extra sales when demand rises, unsold stock when it falls);
        ordering LESS earns -p/2 (holding costs saved when demand falls, sales
        missed when it rises). So the stakes of MORE are twice those of LESS.

    Episode End
        Terminated after ``horizon`` orders. Never truncated.

    Arguments
        ``horizon`` (default 3), ``gamma`` (default 1).

    Notes
    -----
    Since the action never changes the demand, the best order is always the one
    that follows the sign of p, and J(θ) increases with θ towards its supremum
    at θ → +∞; its slope dJ/dθ is largest near θ = 0 and vanishes as the policy
    becomes deterministic.
    """

    LESS, MORE = 0, 1
    demand_changes = np.array([-2.0, -1.0, 1.0, 2.0])
    demand_transitions = np.array([
        [0.50, 0.30, 0.15, 0.05],
        [0.20, 0.40, 0.30, 0.10],
        [0.10, 0.30, 0.40, 0.20],
        [0.05, 0.15, 0.30, 0.50],
    ])
    demand_changes.setflags(write=False)
    demand_transitions.setflags(write=False)
    n_actions = 2

    def __init__(self, horizon: int = 3, gamma: float = 1.0) -> None:
        self.horizon = check_positive_int("horizon", horizon)
        self.gamma = gamma
        self.n_states = self.horizon * len(self.demand_changes) + 1
        super().__init__()
        self._model  # noqa: B018  (validates gamma at construction)

    def demand_change(self, state: int) -> float:
        """The change in demand p in ``state`` (0 at the end of the season)."""
        return float(self.policy_inputs()[state])

    def reward(self, p: float | np.ndarray, action: int | np.ndarray) -> np.ndarray:
        """The reward: p for MORE, -p/2 for LESS."""
        return np.where(np.asarray(action) == self.MORE, p, -0.5 * np.asarray(p))

    def policy_inputs(self) -> np.ndarray:
        """The change in demand p of every tabular state, shape (S,); 0 at the end."""
        return np.append(np.tile(self.demand_changes, self.horizon), 0.0)

    def is_terminal(self, state: int) -> bool:
        """Whether the season has ended."""
        return state == self.n_states - 1

    def _initial_state(self) -> int:
        return int(self.np_random.integers(len(self.demand_changes)))

    def _transition(self, state: int, action: int) -> tuple[int, float]:
        n = len(self.demand_changes)
        week, index = divmod(state, n)
        reward = float(self.reward(self.demand_changes[index], action))
        if week + 1 == self.horizon:
            return self.n_states - 1, reward
        next_index = int(self.np_random.choice(n, p=self.demand_transitions[index]))
        return (week + 1) * n + next_index, reward

    def _build_model(self) -> TabularMDP:
        n, T = len(self.demand_changes), self.horizon
        S, end = self.n_states, self.n_states - 1
        P = np.zeros((S, 2, S))
        R = np.zeros((S, 2))
        for t in range(T):
            block = slice(t * n, (t + 1) * n)
            for a in (self.LESS, self.MORE):
                R[block, a] = self.reward(self.demand_changes, a)
                if t + 1 < T:
                    P[block, a, (t + 1) * n:(t + 2) * n] = self.demand_transitions
                else:
                    P[block, a, end] = 1.0
        P[end, :, end] = 1.0
        d0 = np.zeros(S)
        d0[:n] = 1.0 / n
        terminal = np.zeros(S, dtype=bool)
        terminal[end] = True
        names = tuple(f"t={t}, p={p:+g}" for t in range(T) for p in self.demand_changes)
        return TabularMDP(P, R, d0, terminal, self.gamma,
                          state_names=(*names, "end"), action_names=("LESS", "MORE"))


class WindyHighway(TabularEnv):
    r"""The seed's grid world: a discrete "windy highway" seen from above.

    Description
        A car drives down a road of ``n_cols`` lanes and ``n_rows`` rows. Every step
        it moves one row down and may also change lane. A crosswind from the left
        pushes it one lane to the right with probability ``wind``. The middle lanes
        pay, the edges cost. (A discrete version of the continuous world in Mutual
        Information's "Policy Gradient Methods", whose reward is sin(2πx) and whose
        wind is 0.02·cos(2πx).)

    Action Space
        ``Discrete(3)``: 0 = left (down and one lane left), 1 = down, 2 = right.
        A move into the wall leaves the lane unchanged.

    Observation Space
        ``Discrete(n_rows * n_cols)``: ``row * n_cols + col``.

    Starting State
        Row 0, lane ``start_col`` (default: the left one of the two middle lanes).

    Rewards
        On every step, ``lane_rewards[col] + reward_shift`` for the lane the car is
        in when it acts. Defaults for 6 lanes: (-2, -1, +1, +1, -1, -2).

    Episode End
        Terminated on reaching the last row, after exactly ``n_rows - 1`` steps.

    Arguments
        ``n_rows`` (7), ``n_cols`` (6), ``wind`` (0.3), ``lane_rewards``,
        ``reward_shift`` (0.0), ``start_col``, ``gamma`` (1.0).

    Notes
    -----
    ``policy_inputs(feature)`` builds x(s, a) for :class:`SoftmaxLinearPolicy` with
    :func:`left_down_right_features` from one state feature φ(s), so θ has length 2:
    ``"offset"`` (default) is the lane's signed distance from the road's centre,
    scaled to [-1, 1]; ``"constant"`` is φ = 1 (the same probabilities everywhere).
    """

    LEFT, DOWN, RIGHT = 0, 1, 2
    n_actions = 3
    features = ("offset", "constant")

    def __init__(self, n_rows: int = 7, n_cols: int = 6, wind: float = 0.3,
                 lane_rewards: tuple[float, ...] | None = None, reward_shift: float = 0.0,
                 start_col: int | None = None, gamma: float = 1.0) -> None:
        self.n_rows = check_positive_int("n_rows", n_rows)
        self.n_cols = check_positive_int("n_cols", n_cols)
        if self.n_rows < 2 or self.n_cols < 2:
            raise ValueError(f"n_rows and n_cols must be at least 2, got {n_rows!r}, {n_cols!r}")
        if not 0.0 <= wind <= 1.0:
            raise ValueError(f"wind must be a probability in [0, 1], got {wind!r}")
        self.wind = float(wind)
        if lane_rewards is None:
            distance = np.abs(np.arange(self.n_cols) - (self.n_cols - 1) / 2)
            lane_rewards = tuple(np.where(distance < 1, 1.0, -np.floor(distance)))
        if len(lane_rewards) != self.n_cols:
            raise ValueError(f"lane_rewards must have n_cols={self.n_cols} entries, "
                             f"got {len(lane_rewards)}")
        self.lane_rewards = np.asarray(lane_rewards, dtype=float)
        if not np.isfinite(reward_shift):
            raise ValueError(f"reward_shift must be finite, got {reward_shift!r}")
        self.reward_shift = float(reward_shift)
        self.start_col = (self.n_cols - 1) // 2 if start_col is None else start_col
        if isinstance(self.start_col, bool) or int(self.start_col) != self.start_col \
                or not 0 <= self.start_col < self.n_cols:
            raise ValueError(f"start_col must be in 0..{self.n_cols - 1}, got {start_col!r}")
        self.gamma = gamma
        self.n_states = self.n_rows * self.n_cols
        super().__init__()
        self._model  # noqa: B018  (validates gamma at construction)

    def position(self, state: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (row, col) of a state index."""
        return np.divmod(state, self.n_cols)

    def is_terminal(self, state: int) -> bool:
        """Whether the car has reached the last row."""
        return state // self.n_cols == self.n_rows - 1

    def state_feature(self, feature: str = "offset") -> np.ndarray:
        """The state feature φ(s) of every state, shape (S, 1)."""
        check_choice("feature", feature, self.features)
        _, col = self.position(np.arange(self.n_states))
        if feature == "constant":
            return np.ones((self.n_states, 1))
        centre = (self.n_cols - 1) / 2
        return ((col - centre) / centre)[:, None]

    def policy_inputs(self, feature: str = "offset") -> np.ndarray:
        """Features x(s, a) of every state and action, shape (S, 3, 2); see the class notes."""
        return left_down_right_features(self.state_feature(feature))

    def _initial_state(self) -> int:
        return self.start_col

    def _transition(self, state: int, action: int) -> tuple[int, float]:
        row, col = divmod(state, self.n_cols)
        reward = self.lane_rewards[col] + self.reward_shift
        col = min(max(col + action - 1, 0), self.n_cols - 1)
        if self.np_random.random() < self.wind:
            col = min(col + 1, self.n_cols - 1)
        return (row + 1) * self.n_cols + col, reward

    def _build_model(self) -> TabularMDP:
        S, W = self.n_states, self.n_cols
        P = np.zeros((S, 3, S))
        R = np.zeros((S, 3))
        for state in range(S):
            row, col = divmod(state, W)
            if row == self.n_rows - 1:
                P[state, :, state] = 1.0
                continue
            R[state, :] = self.lane_rewards[col] + self.reward_shift
            for action in range(3):
                moved = min(max(col + action - 1, 0), W - 1)
                pushed = min(moved + 1, W - 1)
                P[state, action, (row + 1) * W + moved] += 1.0 - self.wind
                P[state, action, (row + 1) * W + pushed] += self.wind
        d0 = np.zeros(S)
        d0[self.start_col] = 1.0
        terminal = np.arange(S) // W == self.n_rows - 1
        names = tuple(f"({r},{c})" for r in range(self.n_rows) for c in range(W))
        return TabularMDP(P, R, d0, terminal, self.gamma,
                          state_names=names, action_names=("left", "down", "right"))


class ShortCorridor(TabularEnv):
    r"""Short corridor with switched actions: Sutton & Barto (2nd ed.), Example 13.1.

    Description
        Three non-terminal cells in a row, then the goal. In the first and third
        cells, left and right do what they say (left in the first cell bumps into
        the wall and stays); in the second cell they are reversed. Every cell looks
        the same to the agent: its features are x(s, right) = (1, 0) and
        x(s, left) = (0, 1) in every state, so it can only choose one probability
        p = π(right) for all of them.

    Action Space
        ``Discrete(2)``: 0 = left, 1 = right.

    Observation Space
        ``Discrete(4)``: cells 0, 1, 2 and the goal 3.

    Starting State
        Cell 0.

    Rewards
        -1 on every step, including the step into the goal.

    Episode End
        Terminated on reaching the goal. Truncated after ``max_episode_steps``
        steps if given (the book has no cap; a learner with p near 0 can take
        arbitrarily long).

    Notes
    -----
    With p = π(right), the value of the start is
    :math:`J(p) = v_\pi(s_0) = \frac{2p - 4}{p(1 - p)}`, largest at
    :math:`p^* = 2 - \sqrt 2 \approx 0.586` where :math:`J = -(6 + 4\sqrt 2) \approx -11.66`
    (:func:`short_corridor_value`).
    """

    LEFT, RIGHT = 0, 1
    GOAL = 3
    n_states = 4
    n_actions = 2

    def __init__(self, max_episode_steps: int | None = None) -> None:
        super().__init__(max_episode_steps)

    def is_terminal(self, state: int) -> bool:
        """Whether ``state`` is the goal."""
        return state == self.GOAL

    def policy_inputs(self) -> np.ndarray:
        """The book's features, identical in every state: shape (4, 2, 2), [left, right]."""
        return np.tile(np.array([[0.0, 1.0], [1.0, 0.0]]), (self.n_states, 1, 1))

    def _initial_state(self) -> int:
        return 0

    def _transition(self, state: int, action: int) -> tuple[int, float]:
        step = 1 if action == self.RIGHT else -1
        if state == 1:
            step = -step
        return max(state + step, 0), -1.0

    def _build_model(self) -> TabularMDP:
        P = np.zeros((4, 2, 4))
        for state in range(3):
            for action in (self.LEFT, self.RIGHT):
                step = 1 if action == self.RIGHT else -1
                if state == 1:
                    step = -step
                P[state, action, max(state + step, 0)] = 1.0
        P[self.GOAL, :, self.GOAL] = 1.0
        R = np.full((4, 2), -1.0)
        R[self.GOAL] = 0.0
        return TabularMDP(P, R, np.array([1.0, 0.0, 0.0, 0.0]),
                          np.array([False, False, False, True]), 1.0,
                          state_names=("s0", "s1 (switched)", "s2", "goal"),
                          action_names=("left", "right"))


def short_corridor_value(p: float | np.ndarray) -> np.ndarray:
    r"""The closed-form value of the short corridor's start state for π(right) = p in (0, 1).

    Solving :math:`v_0 = -1 + p v_1 + (1-p) v_0`, :math:`v_1 = -1 + p v_0 + (1-p) v_2`,
    :math:`v_2 = -1 + (1-p) v_1` gives

    .. math:: J(p) = v_0 = \frac{2p - 4}{p(1 - p)} = \frac{4 - 2p}{p^2 - p}.
    """
    p = np.asarray(p, dtype=float)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
    return (2 * p - 4) / (p * (1 - p))


SHORT_CORRIDOR_BEST_P = 2 - np.sqrt(2)
"""The optimal π(right) in the short corridor, the root of p² - 4p + 2 = 0 in (0, 1)."""


# Imported here, not at the top, so that ContinuousDemandEnv is one appended block.


class ContinuousDemandEnv(gym.Env):
    r"""The demand problem with a real order quantity: the continuous version of :class:`DemandEnv`.

    Description
        Each week a manager sees p, the change in demand (hundreds of units a week),
        and orders a change in stock a, any real number. Demand changes follow
        :class:`DemandEnv`'s Markov chain (its ``demand_changes`` and
        ``demand_transitions``), which the orders do not affect. A season lasts
        ``horizon`` weeks.

    Action Space
        ``Box(-inf, inf, (1,), float64)``: the order a. The bounds are infinite
        because a Gaussian policy :math:`a \sim N(\mu(s), \sigma^2)` can draw any real
        number; ``check_env`` warns that infinite bounds are unusual, and that is
        all it says. A plain float is accepted too.

    Observation Space
        ``Discrete(horizon * 4 + 1)``, as in :class:`DemandEnv`: the index of
        (week t, demand change p); the last index is the end of the season.
        ``policy_inputs()[obs]`` gives the policy's input x(s).

    Starting State
        Week 0, p drawn uniformly from (-2, -1, +1, +2).

    Rewards
        The squared mismatch between the order and the change in demand,

        .. math:: r = -(a - p)^2,

        the cost of unsold stock when a > p and of missed sales when a < p.

    Episode End
        Terminated after ``horizon`` orders. Never truncated.

    Arguments
        ``horizon`` (default 3), ``gamma`` (default 1).

    Notes
    -----
    The best order is a = p whatever the week, so the optimum is the deterministic
    policy μ(s) = p, σ → 0, with :math:`J^* = 0` (``best_order``, ``best_return``).
    For a Gaussian policy whose mean and standard deviation depend only on p the
    expected reward of a step is :math:`-(\mu(p) - p)^2 - \sigma(p)^2`, and since the
    orders never change the demand, :meth:`objective` gives :math:`J` exactly:

    .. math:: J = \sum_{t=0}^{T-1} \gamma^t \sum_p \Pr(p_t = p)
              \big[-(\mu(p) - p)^2 - \sigma(p)^2\big].
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    demand_changes = DemandEnv.demand_changes
    demand_transitions = DemandEnv.demand_transitions
    best_return = 0.0
    """The supremum of J, reached by μ(s) = p with σ → 0."""

    def __init__(self, horizon: int = 3, gamma: float = 1.0) -> None:
        self.horizon = check_positive_int("horizon", horizon)
        self.gamma = check_discount("gamma", gamma)
        self.n_states = self.horizon * len(self.demand_changes) + 1
        self.observation_space = spaces.Discrete(self.n_states)
        self.action_space = spaces.Box(-np.inf, np.inf, shape=(1,), dtype=np.float64)
        self._state: int | None = None

    @staticmethod
    def best_order(p: float | np.ndarray) -> np.ndarray:
        """The order that maximises the reward :math:`-(a - p)^2`: a = p."""
        return np.asarray(p, dtype=float).copy()

    @staticmethod
    def expected_reward(p: float | np.ndarray, mean: float | np.ndarray,
                        std: float | np.ndarray) -> np.ndarray:
        r"""The expected reward of an order a ~ N(mean, std²) at demand change p.

        .. math:: \mathbb{E}[-(a - p)^2] = -(\mu - p)^2 - \sigma^2.
        """
        p, mean, std = (np.asarray(v, dtype=float) for v in (p, mean, std))
        return -((mean - p) ** 2) - std**2

    def reward(self, p: float | np.ndarray, action: float | np.ndarray) -> np.ndarray:
        """The reward :math:`-(a - p)^2` of order ``action`` at demand change ``p``."""
        return -((np.asarray(action, dtype=float) - np.asarray(p, dtype=float)) ** 2)

    def demand_change(self, state: int) -> float:
        """The change in demand p in ``state`` (0 at the end of the season)."""
        return float(self.policy_inputs()[state])

    def policy_inputs(self, constant: bool = False) -> np.ndarray:
        """The policy input x(s) of every state: p, shape (S,); or (p, 1), shape (S, 2).

        With ``constant`` the second feature lets the mean have an offset,
        μ(s) = θ₁p + θ₂, and a learned σ a level, ln σ(s) = θ₃p + θ₄. The end of the
        season has p = 0.
        """
        p = np.append(np.tile(self.demand_changes, self.horizon), 0.0)
        return np.column_stack([p, np.ones_like(p)]) if constant else p

    def is_terminal(self, state: int) -> bool:
        """Whether the season has ended."""
        return state == self.n_states - 1

    def week_distribution(self) -> np.ndarray:
        r"""``[t, i]`` = :math:`\Pr(p_t = \text{demand\_changes}[i])`, shape (horizon, 4)."""
        n = len(self.demand_changes)
        rows = [np.full(n, 1.0 / n)]
        for _ in range(self.horizon - 1):
            rows.append(rows[-1] @ self.demand_transitions)
        return np.array(rows)

    def objective(self, mean: float | np.ndarray, std: float | np.ndarray) -> np.ndarray:
        r"""The exact J of a Gaussian policy with mean ``mean[..., i]`` and std ``std[..., i]`` at p_i.

        .. math:: J = \sum_t \gamma^t \sum_i \Pr(p_t = p_i)\big[-(\mu_i - p_i)^2 - \sigma_i^2\big]

        Parameters
        ----------
        mean, std : float or ndarray, shape (..., 4)
            μ and σ at each of the four demand changes (a number means the same at all four).

        Raises
        ------
        ValueError
            If ``std`` is negative or an array does not end in 4 entries.
        """
        mean = np.asarray(mean, dtype=float)
        std = np.asarray(std, dtype=float)
        n = len(self.demand_changes)
        for name, value in (("mean", mean), ("std", std)):
            if value.ndim and value.shape[-1] not in (1, n):
                raise ValueError(f"{name} must be a number or have {n} entries on its last axis, "
                                 f"got shape {value.shape}")
        if np.any(std < 0):
            raise ValueError(f"std must be >= 0, got {std!r}")
        weights = (self.gamma ** np.arange(self.horizon)) @ self.week_distribution()
        return np.sum(weights * self.expected_reward(self.demand_changes, mean, std), axis=-1)

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """Start a season; ``seed`` seeds ``self.np_random``."""
        super().reset(seed=seed)
        self._state = int(self.np_random.integers(len(self.demand_changes)))
        return self._state, {}

    def step(self, action: float | np.ndarray) -> tuple[int, float, bool, bool, dict[str, Any]]:
        """Order ``action``; return (observation, reward, terminated, truncated, info)."""
        if self._state is None:
            raise RuntimeError("call reset() before step()")
        if self.is_terminal(self._state):
            raise RuntimeError("the season has ended; call reset()")
        order = np.asarray(action, dtype=float)
        if order.size != 1 or not np.isfinite(order).all():
            raise ValueError(f"action must be one finite real number (the order), got {action!r}")
        n = len(self.demand_changes)
        week, index = divmod(self._state, n)
        reward = float(self.reward(self.demand_changes[index], order.item()))
        if week + 1 == self.horizon:
            self._state = self.n_states - 1
        else:
            next_index = int(self.np_random.choice(n, p=self.demand_transitions[index]))
            self._state = (week + 1) * n + next_index
        return self._state, reward, self.is_terminal(self._state), False, {}

    def sample_episodes(self, policy: GaussianPolicy, theta: np.ndarray, n_episodes: int,
                        rng: np.random.Generator, constant: bool = False) -> EpisodeBatch:
        r"""Simulate many seasons at once in numpy, with the same dynamics as :meth:`step`.

        The demand path does not depend on the orders, so each season's p_0, ..., p_{T-1}
        are drawn first, then the orders :math:`A_t \sim \pi(\cdot|S_t, \theta)` and the
        rewards :math:`R_{t+1} = -(A_t - p_t)^2`.

        Parameters
        ----------
        policy : GaussianPolicy
            Its input is ``policy_inputs(constant)``.
        theta : ndarray, shape (d,) or (n_episodes, d)
            One θ for every season, or one per season.
        n_episodes : int
        rng : numpy.random.Generator
        constant : bool
            Which inputs the policy sees (see :meth:`policy_inputs`).

        Returns
        -------
        EpisodeBatch
            With real orders in ``actions``; every season lasts ``horizon`` steps.
            :func:`helpers.reinforce.reinforce_estimates` accepts it with ``policy``.
        """
        states = self.sample_states(n_episodes, rng)
        theta = np.asarray(theta, dtype=float)
        x = self.policy_inputs(constant)[states]
        actions = policy.sample(theta[:, None, :] if theta.ndim == 2 else theta, x, rng)
        return self.batch_from_orders(states, actions)

    def sample_states(self, n_episodes: int, rng: np.random.Generator) -> np.ndarray:
        r"""The states :math:`S_0, \dots, S_{T-1}` of many seasons, shape (n_episodes, horizon).

        The demand chain does not depend on the orders, so whole seasons of demand
        can be drawn before any order is placed.
        """
        n_episodes = check_positive_int("n_episodes", n_episodes)
        n, T = len(self.demand_changes), self.horizon
        index = np.empty((n_episodes, T), dtype=int)
        index[:, 0] = rng.integers(n, size=n_episodes)
        cumulative = np.cumsum(self.demand_transitions, axis=1)
        for t in range(1, T):
            u = rng.random(n_episodes)[:, None] * cumulative[index[:, t - 1], -1:]
            index[:, t] = np.minimum((u >= cumulative[index[:, t - 1]]).sum(axis=1), n - 1)
        return np.arange(T) * n + index

    def batch_from_orders(self, states: np.ndarray, actions: np.ndarray) -> EpisodeBatch:
        """An :class:`~helpers.reinforce.EpisodeBatch` of seasons (N, T) with these states and orders."""
        states = np.asarray(states)
        actions = np.asarray(actions, dtype=float)
        if states.ndim != 2 or actions.shape != states.shape or np.any(states == self.n_states - 1):
            raise ValueError(f"states and actions must have one shape (N, T) without the end state, got "
                             f"{states.shape} and {actions.shape}")
        rewards = self.reward(self.demand_changes[states % len(self.demand_changes)], actions)
        return EpisodeBatch(states, actions, rewards, np.ones(states.shape, dtype=bool),
                            np.zeros(len(states), dtype=bool))
