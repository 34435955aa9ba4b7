"""Exact tabular models and exact solvers for policy evaluation and the policy gradient.

Notation follows Sutton & Barto (2nd ed.), chapters 3, 9 and 13. A finite MDP is
dense arrays: ``P[s, a, s']`` the transition probabilities, ``R[s, a]`` the reward
received on taking action ``a`` in state ``s``, ``d0[s]`` the initial distribution,
a terminal mask, and the discount γ. A policy enters the solvers as its table
``pi[s, a] = π(a|s)``; the gradient solvers also take a differentiable policy from
:mod:`helpers.policies` with its parameters θ and per-state inputs.

Terminal states are absorbing and worth zero: their outgoing transitions and
rewards are ignored by every solver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from helpers._validate import check_discount, check_theta

if TYPE_CHECKING:
    from helpers.policies import DiscretePolicy

_PROB_ATOL = 1e-9


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP as dense arrays, checked at construction.

    Parameters
    ----------
    P : ndarray, shape (S, A, S)
        ``P[s, a, s'] = p(s'|s, a)``; every row ``P[s, a, :]`` is a probability vector.
    R : ndarray, shape (S, A)
        ``R[s, a]``, the reward received on taking ``a`` in ``s`` (deterministic).
    d0 : ndarray, shape (S,)
        The initial state distribution ``p(S_0 = s)``.
    terminal : ndarray of bool, shape (S,)
        Which states end the episode. They are worth 0 and are never left.
    gamma : float
        The discount γ in [0, 1].
    state_names, action_names : tuple of str, optional
        Labels for tables and figures.
    """

    P: np.ndarray
    R: np.ndarray
    d0: np.ndarray
    terminal: np.ndarray
    gamma: float = 1.0
    state_names: tuple[str, ...] = field(default=())
    action_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        P = np.asarray(self.P, dtype=float)
        R = np.asarray(self.R, dtype=float)
        d0 = np.asarray(self.d0, dtype=float)
        terminal = np.asarray(self.terminal)
        if P.ndim != 3 or P.shape[0] != P.shape[2]:
            raise ValueError(f"P must have shape (S, A, S), got {P.shape}")
        n_states, n_actions, _ = P.shape
        if R.shape != (n_states, n_actions):
            raise ValueError(f"R must have shape (S, A) = {(n_states, n_actions)}, got {R.shape}")
        if d0.shape != (n_states,):
            raise ValueError(f"d0 must have shape (S,) = ({n_states},), got {d0.shape}")
        if terminal.shape != (n_states,) or terminal.dtype != bool:
            raise ValueError(
                f"terminal must be a boolean array of shape ({n_states},), "
                f"got {terminal.dtype} {terminal.shape}"
            )
        for name, arr in (("P", P), ("R", R), ("d0", d0)):
            if not np.all(np.isfinite(arr)):
                raise ValueError(f"{name} must be finite")
        if np.any(P < 0) or not np.allclose(P.sum(axis=2), 1.0, atol=_PROB_ATOL):
            raise ValueError("P[s, a, :] must be a probability vector (>= 0, sums to 1) for all s, a")
        if np.any(d0 < 0) or not np.isclose(d0.sum(), 1.0, atol=_PROB_ATOL):
            raise ValueError("d0 must be a probability vector (>= 0, sums to 1)")
        check_discount("gamma", self.gamma)
        if self.state_names and len(self.state_names) != n_states:
            raise ValueError(f"state_names must have {n_states} entries, got {len(self.state_names)}")
        if self.action_names and len(self.action_names) != n_actions:
            raise ValueError(
                f"action_names must have {n_actions} entries, got {len(self.action_names)}"
            )
        for name, arr in (("P", P), ("R", R), ("d0", d0), ("terminal", terminal)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "gamma", float(self.gamma))

    @property
    def n_states(self) -> int:
        """The number of states S, terminal ones included."""
        return self.P.shape[0]

    @property
    def n_actions(self) -> int:
        """The number of actions A."""
        return self.P.shape[1]


def check_policy_table(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    """Return ``pi`` as a float array after checking it is a policy table for ``mdp``."""
    pi = np.asarray(pi, dtype=float)
    if pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"pi must have shape (S, A) = {(mdp.n_states, mdp.n_actions)}, got {pi.shape}")
    if np.any(pi < 0) or not np.allclose(pi.sum(axis=1), 1.0, atol=_PROB_ATOL):
        raise ValueError("pi[s, :] must be a probability vector (>= 0, sums to 1) for every s")
    return pi


def policy_transition_matrix(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    r"""State-to-state transition matrix under π, with terminal rows set to zero.

    .. math:: P_\pi[s, s'] = \sum_a \pi(a|s)\, p(s'|s, a), \qquad P_\pi[s, \cdot] = 0
              \text{ for terminal } s.
    """
    pi = check_policy_table(mdp, pi)
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    P_pi[mdp.terminal] = 0.0
    return P_pi


def _solve(mdp: TabularMDP, matrix: np.ndarray, rhs: np.ndarray, what: str) -> np.ndarray:
    """Solve ``matrix @ x = rhs``, explaining a singular system in terms of the MDP."""
    try:
        cond = np.linalg.cond(matrix)
        if not np.isfinite(cond) or cond > 1e12:
            raise np.linalg.LinAlgError
        return np.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"cannot compute {what}: under this policy some state never reaches a terminal "
            f"state (with gamma={mdp.gamma}), so the expected return is undefined; "
            "use a policy that terminates with probability 1 or gamma < 1"
        ) from None


def state_values(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    r"""The state values :math:`v_\pi`, by a linear solve of the Bellman equation.

    .. math:: v_\pi = (I - \gamma P_\pi)^{-1} r_\pi, \qquad
              r_\pi(s) = \sum_a \pi(a|s) R(s, a),

    with :math:`v_\pi(s) = 0` at terminal states.
    """
    P_pi = policy_transition_matrix(mdp, pi)
    r_pi = np.where(mdp.terminal, 0.0, np.sum(np.asarray(pi) * mdp.R, axis=1))
    return _solve(mdp, np.eye(mdp.n_states) - mdp.gamma * P_pi, r_pi, "v_pi")


def reachable_states(mdp: TabularMDP) -> np.ndarray:
    """The non-terminal states reachable from the start under some policy, as a boolean mask.

    A policy that gives every action a positive probability (a softmax) reaches exactly
    these; the other states have η(s) = 0 and take no part in J or ∇J. Successors of
    reachable states are reachable or terminal, so the Bellman equations of the
    reachable states form a closed system.
    """
    reached = mdp.d0 > 0
    step = mdp.P.max(axis=1) > 0  # s -> s' possible under some action
    step[mdp.terminal] = False
    for _ in range(mdp.n_states):
        grown = reached | np.any(step[reached], axis=0)
        if np.array_equal(grown, reached):
            break
        reached = grown
    return reached & ~mdp.terminal


@dataclass(frozen=True)
class StackedBellman:
    r"""The Bellman systems of N policies at once, over the reachable states, with :math:`v_\pi` solved.

    Attributes
    ----------
    states : ndarray of bool, shape (S,)
        The states solved for (:func:`reachable_states`); every other state has v = 0 here.
    pi : ndarray, shape (N, S', A)
        The policy tables on those S' states.
    matrices : ndarray, shape (N, S', S')
        :math:`I - \gamma P_{\pi_n}` on those states.
    values : ndarray, shape (N, S)
        :math:`v_{\pi_n}(s)` for every state (0 where terminal or unreachable).
    """

    states: np.ndarray
    pi: np.ndarray
    matrices: np.ndarray
    values: np.ndarray

    def objective(self, mdp: TabularMDP) -> np.ndarray:
        r""":math:`J(\theta_n) = \sum_s d_0(s)\, v_{\pi_n}(s)` for every n, shape (N,)."""
        return self.values[:, self.states] @ mdp.d0[self.states]


def stacked_bellman(mdp: TabularMDP, pi: np.ndarray) -> StackedBellman:
    r"""Solve :math:`(I - \gamma P_{\pi_n}) v_n = r_{\pi_n}` for a stack of policy tables at once.

    One call of :func:`numpy.linalg.solve` on stacked matrices, restricted to the
    reachable non-terminal states (successors outside them are terminal, worth 0).
    :math:`P_{\pi_n}[s, s'] = \sum_a \pi_n(a|s) p(s'|s, a)` is summed action by action,
    elementwise, rather than with a BLAS product: the matrices are small, and a sum in
    a fixed order gives the same numbers on every machine.

    Parameters
    ----------
    mdp : TabularMDP
    pi : ndarray, shape (N, S, A)
        One policy table per row; it must reach a terminal state with probability 1
        from every reachable state (or γ < 1).

    Returns
    -------
    StackedBellman
    """
    pi = np.asarray(pi, dtype=float)
    if pi.ndim != 3 or pi.shape[1:] != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"pi must have shape (N, S, A) with (S, A) = {(mdp.n_states, mdp.n_actions)}, "
                         f"got {pi.shape}")
    live = reachable_states(mdp)
    P, R = mdp.P[live][:, :, live], mdp.R[live]
    pi_live = pi[:, live]
    P_pi = sum(pi_live[:, :, a, None] * P[None, :, a, :] for a in range(mdp.n_actions))
    matrices = np.eye(int(live.sum())) - mdp.gamma * P_pi
    r_pi = np.sum(pi_live * R, axis=2)
    values = np.zeros(pi.shape[:2])
    values[:, live] = np.linalg.solve(matrices, r_pi[..., None])[..., 0]
    return StackedBellman(live, pi_live, matrices, values)


def action_values(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    r"""The action values :math:`q_\pi(s, a) = R(s, a) + \gamma \sum_{s'} p(s'|s, a) v_\pi(s')`.

    Rows of terminal states are zero.
    """
    v = state_values(mdp, pi)
    q = mdp.R + mdp.gamma * mdp.P @ v
    q[mdp.terminal] = 0.0
    return q


def expected_return(mdp: TabularMDP, pi: np.ndarray) -> float:
    r"""The objective :math:`J = \mathbb{E}[G_0] = \sum_s d_0(s)\, v_\pi(s)`."""
    return float(mdp.d0 @ state_values(mdp, pi))


def visit_counts(mdp: TabularMDP, pi: np.ndarray, *, discounted: bool = False) -> np.ndarray:
    r"""Expected visits to each non-terminal state in one episode.

    .. math:: \eta(s) = \sum_{t \ge 0} \gamma_\eta^t \Pr(S_t = s), \qquad
              \eta^\top = d_0^\top (I - \gamma_\eta P_\pi)^{-1},

    with :math:`\gamma_\eta = 1` (Sutton & Barto eq. 9.2), or :math:`\gamma_\eta = \gamma`
    when ``discounted`` is true (the weighting under which the policy gradient
    theorem is exact for γ < 1). Terminal states get 0.
    """
    weight = mdp.gamma if discounted else 1.0
    P_pi = policy_transition_matrix(mdp, pi)
    eta = _solve(mdp, (np.eye(mdp.n_states) - weight * P_pi).T, mdp.d0, "the visit counts eta")
    eta[mdp.terminal] = 0.0
    return eta


def expected_episode_length(mdp: TabularMDP, pi: np.ndarray) -> float:
    r"""The expected number of steps in an episode, :math:`\sum_s \eta(s)`."""
    return float(visit_counts(mdp, pi).sum())


def on_policy_distribution(mdp: TabularMDP, pi: np.ndarray) -> np.ndarray:
    r"""The on-policy distribution :math:`\mu(s) = \eta(s) / \sum_{s'} \eta(s')`.

    The fraction of time spent in each state (Sutton & Barto eq. 9.3).
    """
    eta = visit_counts(mdp, pi)
    return eta / eta.sum()


def objective(mdp: TabularMDP, policy: DiscretePolicy, theta: np.ndarray,
              inputs: np.ndarray) -> float:
    r"""The objective :math:`J(\theta)` of a parameterised policy, exactly.

    Parameters
    ----------
    mdp : TabularMDP
    policy : a policy from :mod:`helpers.policies`
    theta : ndarray, shape (d,)
        The policy parameters θ.
    inputs : ndarray
        The policy's input for every state, indexed by state first (for example
        ``env.policy_inputs()``).
    """
    return expected_return(mdp, policy.table(_single_theta(policy, theta), inputs))


def _single_theta(policy: DiscretePolicy, theta: np.ndarray) -> np.ndarray:
    """θ as a checked array of shape (d,): the exact solvers take one θ at a time."""
    theta = check_theta("theta", theta, policy.n_params)
    if theta.ndim != 1:
        raise ValueError(f"theta must have shape (d,) = ({policy.n_params},), got {theta.shape}")
    return theta


@dataclass(frozen=True)
class GradientTerms:
    r"""The terms of the policy gradient theorem for one θ, all exact.

    Attributes
    ----------
    pi : ndarray, shape (S, A)
        :math:`\pi(a|s, \theta)`.
    q : ndarray, shape (S, A)
        :math:`q_\pi(s, a)`.
    grad_pi : ndarray, shape (S, A, d)
        :math:`\nabla \pi(a|s, \theta) = \pi(a|s, \theta) \nabla \ln \pi(a|s, \theta)`.
    eta : ndarray, shape (S,)
        Expected visits :math:`\eta(s)` (undiscounted; NaN for a continuing task with γ < 1,
        where episodes need not end).
    eta_discounted : ndarray, shape (S,)
        :math:`\sum_t \gamma^t \Pr(S_t = s)`, equal to ``eta`` when γ = 1.
    mu : ndarray, shape (S,)
        The on-policy distribution :math:`\mu(s)`.
    state_sum : ndarray, shape (d,)
        :math:`\sum_s \mu(s) \sum_a q_\pi(s, a) \nabla \pi(a|s, \theta)`, the right-hand side
        of the theorem's proportionality.
    gradient : ndarray, shape (d,)
        The exact :math:`\nabla J(\theta)`.
    """

    pi: np.ndarray
    q: np.ndarray
    grad_pi: np.ndarray
    eta: np.ndarray
    eta_discounted: np.ndarray
    mu: np.ndarray
    state_sum: np.ndarray
    gradient: np.ndarray

    @property
    def episode_length(self) -> float:
        r"""The proportionality constant for γ = 1: :math:`\sum_s \eta(s)`."""
        return float(self.eta.sum())


def gradient_terms(mdp: TabularMDP, policy: DiscretePolicy, theta: np.ndarray,
                   inputs: np.ndarray) -> GradientTerms:
    r"""Every term of the policy gradient theorem at θ (Sutton & Barto section 13.2).

    The gradient is exact for any γ:

    .. math:: \nabla J(\theta) = \sum_s \eta_\gamma(s) \sum_a q_\pi(s, a)\,
              \nabla \pi(a|s, \theta), \qquad \eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s).

    For γ = 1 this is the theorem's episodic form,
    :math:`\nabla J(\theta) = \big(\sum_s \eta(s)\big) \sum_s \mu(s) \sum_a q_\pi(s, a)
    \nabla \pi(a|s, \theta)`, the constant being the expected episode length.
    """
    theta = _single_theta(policy, theta)
    pi = policy.table(theta, inputs)
    grad_pi = pi[..., None] * policy.grad_log_table(theta, inputs)
    q = action_values(mdp, pi)
    eta_discounted = visit_counts(mdp, pi, discounted=True)
    if mdp.gamma == 1.0:
        eta = eta_discounted
    else:
        try:
            eta = visit_counts(mdp, pi)
        except ValueError:  # a continuing task: only the discounted weighting exists
            eta = np.full(mdp.n_states, np.nan)
    mu = eta / eta.sum()
    return GradientTerms(
        pi=pi,
        q=q,
        grad_pi=grad_pi,
        eta=eta,
        eta_discounted=eta_discounted,
        mu=mu,
        state_sum=np.einsum("s,sa,sad->d", mu, q, grad_pi),
        gradient=np.einsum("s,sa,sad->d", eta_discounted, q, grad_pi),
    )


def exact_gradient(mdp: TabularMDP, policy: DiscretePolicy, theta: np.ndarray,
                   inputs: np.ndarray) -> np.ndarray:
    r"""The exact :math:`\nabla J(\theta)` by the policy gradient theorem.

    .. math:: \nabla J(\theta) = \sum_s \eta_\gamma(s) \sum_a q_\pi(s, a)\,
              \pi(a|s, \theta) \nabla \ln \pi(a|s, \theta).

    See :func:`gradient_terms` for the individual terms.
    """
    return gradient_terms(mdp, policy, theta, inputs).gradient


def finite_difference_gradient(function: Callable[[np.ndarray], float], theta: np.ndarray,
                               eps: float = 1e-5) -> np.ndarray:
    r"""Central finite differences of a scalar function of θ.

    .. math:: \frac{\partial f}{\partial \theta_i} \approx
              \frac{f(\theta + \epsilon e_i) - f(\theta - \epsilon e_i)}{2 \epsilon}

    The error is :math:`O(\epsilon^2)`.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if eps <= 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    grad = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step.flat[i] = eps
        grad.flat[i] = (function(theta + step) - function(theta - step)) / (2 * eps)
    return grad
