r"""The policy gradient theorem derived in SymPy: the derivations notebook 01 shows.

Every function returns SymPy expressions, so a notebook can display them as
LaTeX (``display(sympy.Eq(lhs, rhs))``) and a test can check the same identity.
Notation is Sutton & Barto's (2nd ed., chapter 13) and the trajectory form of the
seed notes:

.. math:: J(\theta) = \mathbb{E}_\tau[R(\tau)] = \sum_\tau \pi_\theta(\tau) R(\tau), \qquad
          \pi_\theta(\tau) = p(s_0) \prod_{t=0}^{T-1} \pi(a_t|s_t, \theta)\,
          p(s_{t+1}|s_t, a_t), \qquad R(\tau) = \sum_{t=0}^{T-1} r_{t+1}.

Two kinds of problem appear:

- the demand problem of :class:`helpers.envs.DemandEnv`, enumerated trajectory by
  trajectory, with θ, the initial probabilities :math:`\rho_p = \Pr(p_0 = p)` and the
  transition probabilities :math:`P_{p,p'} = \Pr(p_{t+1} = p' | p_t = p)` as symbols;
- a generic trajectory whose probabilities are undefined functions
  (:class:`PolicyProbability`, :class:`Transition`, :class:`InitialProbability`),
  for the step that shows the environment drops out of the gradient.

The logistic function is kept as one symbol, :class:`Sigmoid`, whose derivative
rule :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` keeps every expression a
polynomial in a few σ's: then ``sympy.expand`` proves the identities in a
fraction of a second. ``Sigmoid(z).rewrite(sympy.exp)`` gives
:math:`1/(1 + e^{-z})`, and :func:`sigmoid_derivative_identity` checks the rule
against it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from helpers._validate import check_positive_int
from helpers.envs import DemandEnv

THETA = sp.Symbol("theta", real=True)
"""The policy parameter θ of the demand problem's sigmoid policy."""

MAX_DEMAND_HORIZON = 4
"""The longest demand season enumerated symbolically: (4·2)^4 = 4096 trajectories."""


class Sigmoid(sp.Function):
    r"""The logistic function :math:`\sigma(z) = 1/(1 + e^{-z})`, as one symbol.

    Its derivative is :math:`\sigma'(z) = \sigma(z)\,(1 - \sigma(z))`;
    ``rewrite(sympy.exp)`` returns the explicit form.
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        r""":math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`."""
        z = self.args[0]
        return Sigmoid(z) * (1 - Sigmoid(z))

    def _eval_rewrite_as_exp(self, z: sp.Expr, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_real else None

    def _latex(self, printer, exp: str | None = None) -> str:
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\sigma{power}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer) -> str:
        return f"sigma({printer._print(self.args[0])})"


def sigmoid_derivative_identity() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    r"""Check the derivative rule of :class:`Sigmoid` against :math:`1/(1+e^{-z})`.

    Returns
    -------
    rule, explicit, difference : sympy.Expr
        :math:`\sigma(z)(1-\sigma(z))`, :math:`\frac{d}{dz} \frac{1}{1+e^{-z}}`, and their
        difference after rewriting σ with exponentials and simplifying (0).
    """
    z = sp.Symbol("z", real=True)
    rule = sp.diff(Sigmoid(z), z)
    explicit = sp.diff(1 / (1 + sp.exp(-z)), z)
    difference = sp.simplify(rule.rewrite(sp.exp) - explicit)
    return rule, explicit, difference


# --- the demand problem ---------------------------------------------------------------

DEMAND_CHANGES: tuple[int, ...] = tuple(int(p) for p in DemandEnv.demand_changes)
"""The changes in demand p of :class:`helpers.envs.DemandEnv`: (-2, -1, +1, +2)."""

ACTION_NAMES = ("LESS", "MORE")


def _demand_label(p: int) -> str:
    return f"{p:+d}"


@lru_cache(maxsize=1)
def demand_symbols() -> tuple[dict[int, sp.Symbol], dict[tuple[int, int], sp.Symbol]]:
    r"""The environment's probabilities of the demand problem as symbols.

    Returns
    -------
    rho : dict of int to Symbol
        :math:`\rho_p = \Pr(p_0 = p)` for each p in (-2, -1, +1, +2).
    P : dict of (int, int) to Symbol
        :math:`P_{p,p'} = \Pr(p_{t+1} = p' | p_t = p)`, the Markov chain of demand changes
        (the manager's order does not affect it).
    """
    rho = {p: sp.Symbol(f"rho_{_demand_label(p)}", positive=True) for p in DEMAND_CHANGES}
    P = {(p, q): sp.Symbol(f"P_{_demand_label(p)},{_demand_label(q)}", positive=True)
         for p in DEMAND_CHANGES for q in DEMAND_CHANGES}
    return rho, P


def demand_environment_values() -> dict[sp.Symbol, sp.Rational]:
    r"""The numbers of :class:`helpers.envs.DemandEnv` for the symbols of :func:`demand_symbols`.

    :math:`\rho_p = 1/4` for every p, and :math:`P_{p,p'}` from
    ``DemandEnv.demand_transitions``, as exact fractions (0.15 becomes 3/20).
    """
    rho, P = demand_symbols()
    n = len(DEMAND_CHANGES)
    values: dict[sp.Symbol, sp.Rational] = {rho[p]: sp.Rational(1, n) for p in DEMAND_CHANGES}
    for i, p in enumerate(DEMAND_CHANGES):
        for j, q in enumerate(DEMAND_CHANGES):
            values[P[p, q]] = sp.Rational(str(DemandEnv.demand_transitions[i, j]))
    return values


def with_demand_numbers(expr: sp.Expr) -> sp.Expr:
    """``expr`` with DemandEnv's numbers in place of ρ and P (an exact, fast ``xreplace``)."""
    return sp.sympify(expr).xreplace(demand_environment_values())


def demand_policy(p: int, action: int, theta: sp.Expr = THETA) -> sp.Expr:
    r"""The sigmoid policy of the demand problem.

    .. math:: \pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p), \qquad
              \pi(\mathrm{LESS}|p, \theta) = 1 - \sigma(\theta p).

    Parameters
    ----------
    p : int
        The change in demand.
    action : {0, 1}
        0 = LESS, 1 = MORE.
    theta : sympy.Expr
        The parameter (the symbol :data:`THETA` by default).
    """
    if action not in (DemandEnv.LESS, DemandEnv.MORE):
        raise ValueError(f"action must be 0 (LESS) or 1 (MORE), got {action!r}")
    more = Sigmoid(theta * p)
    return more if action == DemandEnv.MORE else 1 - more


def demand_reward(p: int, action: int) -> sp.Rational:
    r"""The reward of the demand problem, exactly: p for MORE, :math:`-p/2` for LESS."""
    if action not in (DemandEnv.LESS, DemandEnv.MORE):
        raise ValueError(f"action must be 0 (LESS) or 1 (MORE), got {action!r}")
    return sp.Integer(p) if action == DemandEnv.MORE else sp.Rational(-p, 2)


def sigmoid_score(p: int, action: int, theta: sp.Expr = THETA) -> sp.Expr:
    r"""The score :math:`\frac{\partial}{\partial\theta} \ln \pi(a|p, \theta)`, computed by SymPy.

    It comes out as :math:`(a - \sigma(\theta p))\, p`: :math:`p(1 - \sigma(\theta p))` for
    MORE and :math:`-p\,\sigma(\theta p)` for LESS.
    """
    return sp.diff(sp.log(demand_policy(p, action, theta)), theta)


@dataclass(frozen=True)
class DemandTrajectory:
    r"""One trajectory :math:`\tau = (p_0, a_0, r_1, p_1, a_1, r_2, \dots)` of the demand problem.

    Attributes
    ----------
    demand : tuple of int
        :math:`p_0, \dots, p_{T-1}`.
    actions : tuple of int
        :math:`a_0, \dots, a_{T-1}` (0 = LESS, 1 = MORE).
    probability : sympy.Expr
        :math:`\pi_\theta(\tau) = \rho_{p_0} \prod_t \pi(a_t|p_t, \theta) \prod_{t \ge 1} P_{p_{t-1}, p_t}`.
    rewards : tuple of sympy.Expr
        :math:`r_1, \dots, r_T`; ``rewards[t]`` follows action :math:`a_t`.
    scores : tuple of sympy.Expr
        :math:`\frac{\partial}{\partial\theta} \ln \pi(a_t|p_t, \theta)` for each t.
    """

    demand: tuple[int, ...]
    actions: tuple[int, ...]
    probability: sp.Expr
    rewards: tuple[sp.Expr, ...]
    scores: tuple[sp.Expr, ...]

    @property
    def total_reward(self) -> sp.Expr:
        r""":math:`R(\tau) = \sum_{t=0}^{T-1} r_{t+1}`, every reward of the trajectory (γ = 1)."""
        return sp.Add(*self.rewards)

    def reward_to_go(self, t: int) -> sp.Expr:
        r""":math:`G_t = \sum_{k=t}^{T-1} r_{k+1}`, the rewards from step t on."""
        return sp.Add(*self.rewards[t:])

    @property
    def score(self) -> sp.Expr:
        r"""The score of the trajectory, a sum over its steps.

        .. math:: \frac{\partial}{\partial\theta} \ln \pi_\theta(\tau) = \sum_{t=0}^{T-1}
                  \frac{\partial}{\partial\theta} \ln \pi(a_t|p_t, \theta)
        """
        return sp.Add(*self.scores)

    def label(self) -> str:
        """A short text label, e.g. ``p0=-2 LESS, p1=+1 MORE``."""
        return ", ".join(f"p{t}={_demand_label(p)} {ACTION_NAMES[a]}"
                         for t, (p, a) in enumerate(zip(self.demand, self.actions, strict=True)))


def _check_horizon(horizon: int) -> int:
    horizon = check_positive_int("horizon", horizon)
    if horizon > MAX_DEMAND_HORIZON:
        raise ValueError(f"horizon must be at most {MAX_DEMAND_HORIZON} for symbolic enumeration "
                         f"((4*2)**horizon trajectories), got {horizon}")
    return horizon


@lru_cache(maxsize=8)
def demand_trajectories(horizon: int = 2) -> tuple[DemandTrajectory, ...]:
    r"""Every trajectory of the demand problem over ``horizon`` weeks, in a fixed order.

    There are :math:`(4 \cdot 2)^T` of them: 64 for T = 2. The environment's
    probabilities are the symbols of :func:`demand_symbols`.

    Parameters
    ----------
    horizon : int
        T, from 1 to :data:`MAX_DEMAND_HORIZON`.
    """
    horizon = _check_horizon(horizon)
    rho, P = demand_symbols()
    trajectories = []
    for demand in itertools.product(DEMAND_CHANGES, repeat=horizon):
        for actions in itertools.product((DemandEnv.LESS, DemandEnv.MORE), repeat=horizon):
            factors = [rho[demand[0]]]
            for t, (p, a) in enumerate(zip(demand, actions, strict=True)):
                if t > 0:
                    factors.append(P[demand[t - 1], p])
                factors.append(demand_policy(p, a))
            trajectories.append(DemandTrajectory(
                demand=demand,
                actions=actions,
                probability=sp.Mul(*factors),
                rewards=tuple(demand_reward(p, a) for p, a in zip(demand, actions, strict=True)),
                scores=tuple(sigmoid_score(p, a) for p, a in zip(demand, actions, strict=True)),
            ))
    return tuple(trajectories)


@lru_cache(maxsize=8)
def demand_objective(horizon: int = 2) -> sp.Expr:
    r""":math:`J(\theta) = \sum_\tau \pi_\theta(\tau) R(\tau)`, by enumeration of every trajectory.

    A polynomial in the σ's of the policy and the symbols ρ and P of the
    environment (substitute :func:`demand_environment_values` for numbers).
    """
    return sp.Add(*(tau.probability * tau.total_reward for tau in demand_trajectories(horizon)))


def demand_objective_numeric(horizon: int = 2) -> sp.Expr:
    r""":math:`J(\theta)` with the numbers of ``DemandEnv``, collected by σ-term.

    Since the order does not change the demand, J is a sum over weeks and demand
    changes of :math:`\Pr(p_t = p)\,\big(\tfrac32 p\,\sigma(\theta p) - \tfrac12 p\big)`,
    which SymPy finds by expanding.
    """
    J = sp.expand(with_demand_numbers(demand_objective(horizon)))
    return sp.collect(J, [Sigmoid(THETA * p) for p in DEMAND_CHANGES])


def lambdify_theta(expr: sp.Expr):
    r"""A numpy function of θ for an expression in :data:`THETA` and :class:`Sigmoid`.

    σ is evaluated with the stable :func:`helpers.policies.sigmoid`.
    """
    from helpers.policies import sigmoid

    extra = expr.free_symbols - {THETA}
    if extra:
        raise ValueError(f"expr must depend on theta only; substitute values for "
                         f"{sorted(map(str, extra))} first")
    return sp.lambdify(THETA, expr, modules=[{"Sigmoid": sigmoid}, "numpy"])


@dataclass(frozen=True)
class TwoRoutes:
    r"""The gradient of J two ways, and their difference.

    Attributes
    ----------
    direct : sympy.Expr
        :math:`\frac{\partial}{\partial\theta} \sum_\tau \pi_\theta(\tau) R(\tau)`.
    score_form : sympy.Expr
        :math:`\sum_\tau \pi_\theta(\tau) \Big(\sum_t \frac{\partial}{\partial\theta}
        \ln \pi(a_t|s_t, \theta)\Big) R(\tau)`.
    difference : sympy.Expr
        ``direct - score_form`` expanded: 0.
    """

    direct: sp.Expr
    score_form: sp.Expr
    difference: sp.Expr


@lru_cache(maxsize=8)
def two_routes(horizon: int = 2) -> TwoRoutes:
    r"""Differentiate J directly, and by the log-derivative trick; show the two agree.

    The environment's probabilities stay symbols, so the agreement holds for
    every demand chain, not only DemandEnv's numbers.
    """
    trajectories = demand_trajectories(horizon)
    direct = sp.diff(demand_objective(horizon), THETA)
    score_form = sp.Add(*(tau.probability * tau.score * tau.total_reward for tau in trajectories))
    return TwoRoutes(direct, score_form, sp.expand(direct - score_form))


@dataclass(frozen=True)
class LogDerivativeTrick:
    r"""The log-derivative trick for one action of the sigmoid policy.

    .. math:: \frac{\partial \pi}{\partial\theta} = \pi \frac{\partial}{\partial\theta} \ln \pi

    Attributes
    ----------
    policy : sympy.Expr
        :math:`\pi(a|p, \theta)`.
    gradient : sympy.Expr
        :math:`\partial \pi / \partial \theta`.
    log_gradient : sympy.Expr
        :math:`\partial \ln \pi / \partial \theta`.
    difference : sympy.Expr
        :math:`\partial\pi/\partial\theta - \pi\, \partial \ln\pi/\partial\theta`, simplified: 0.
    """

    policy: sp.Expr
    gradient: sp.Expr
    log_gradient: sp.Expr
    difference: sp.Expr


def log_derivative_trick(action: int = DemandEnv.MORE) -> LogDerivativeTrick:
    r"""The log-derivative trick for the sigmoid policy :math:`\pi(a|p,\theta)`, p a symbol.

    .. math:: \frac{\partial}{\partial\theta} \pi(a|p,\theta)
              = \pi(a|p,\theta)\, \frac{\partial}{\partial\theta} \ln \pi(a|p,\theta).

    Parameters
    ----------
    action : {0, 1}
        LESS or MORE.
    """
    p = sp.Symbol("p", real=True)
    if action not in (DemandEnv.LESS, DemandEnv.MORE):
        raise ValueError(f"action must be 0 (LESS) or 1 (MORE), got {action!r}")
    more = Sigmoid(THETA * p)
    policy = more if action == DemandEnv.MORE else 1 - more
    gradient = sp.diff(policy, THETA)
    log_gradient = sp.diff(sp.log(policy), THETA)
    return LogDerivativeTrick(policy, gradient, log_gradient,
                              sp.simplify(gradient - policy * log_gradient))


# --- a generic trajectory: the environment drops out --------------------------------------


class PolicyProbability(sp.Function):
    r""":math:`\pi(a|s, \theta)`, an undefined differentiable function of θ (args a, s, θ)."""

    nargs = 3

    def _latex(self, printer, exp: str | None = None) -> str:
        a, s, theta = (printer._print(arg) for arg in self.args)
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"\pi{power}\left({a} \middle| {s}, {theta}\right)"

    def _sympystr(self, printer) -> str:
        a, s, theta = (printer._print(arg) for arg in self.args)
        return f"pi({a}|{s}, {theta})"


class Transition(sp.Function):
    r""":math:`p(s'|s, a)`, the environment's transition probability (args s', s, a)."""

    nargs = 3

    def _latex(self, printer, exp: str | None = None) -> str:
        s_next, s, a = (printer._print(arg) for arg in self.args)
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"p{power}\left({s_next} \middle| {s}, {a}\right)"

    def _sympystr(self, printer) -> str:
        s_next, s, a = (printer._print(arg) for arg in self.args)
        return f"p({s_next}|{s}, {a})"


class InitialProbability(sp.Function):
    r""":math:`p(s_0)`, the environment's initial state distribution (arg s_0)."""

    nargs = 1

    def _latex(self, printer, exp: str | None = None) -> str:
        power = "" if exp is None else f"^{{{exp}}}"
        return rf"p{power}\left({printer._print(self.args[0])}\right)"

    def _sympystr(self, printer) -> str:
        return f"p({printer._print(self.args[0])})"


ENVIRONMENT_FUNCTIONS = (Transition, InitialProbability)
"""The environment's terms of a trajectory probability."""


@dataclass(frozen=True)
class GenericTrajectory:
    r"""A trajectory :math:`s_0, a_0, s_1, \dots, a_{T-1}, s_T` with every probability symbolic.

    Attributes
    ----------
    states, actions : tuple of Symbol
        :math:`s_0, \dots, s_T` and :math:`a_0, \dots, a_{T-1}`.
    policy_terms : tuple of sympy.Expr
        :math:`\pi(a_t|s_t, \theta)`.
    environment_terms : tuple of sympy.Expr
        :math:`p(s_0)` and :math:`p(s_{t+1}|s_t, a_t)`.
    probability : sympy.Expr
        :math:`\pi_\theta(\tau) = p(s_0) \prod_t \pi(a_t|s_t,\theta)\, p(s_{t+1}|s_t,a_t)`.
    """

    states: tuple[sp.Symbol, ...]
    actions: tuple[sp.Symbol, ...]
    policy_terms: tuple[sp.Expr, ...]
    environment_terms: tuple[sp.Expr, ...]
    probability: sp.Expr

    @property
    def log_probability(self) -> sp.Expr:
        r""":math:`\ln \pi_\theta(\tau)` as a sum of logs: the product turned into a sum."""
        return sp.expand_log(sp.log(self.probability), force=True)

    @property
    def score(self) -> sp.Expr:
        r""":math:`\frac{\partial}{\partial\theta} \ln \pi_\theta(\tau)`, differentiated by SymPy."""
        return sp.diff(self.log_probability, THETA)

    @property
    def policy_score(self) -> sp.Expr:
        r""":math:`\sum_{t=0}^{T-1} \frac{\partial}{\partial\theta} \ln \pi(a_t|s_t, \theta)`, unevaluated."""
        return sp.Add(*(sp.Derivative(sp.log(term), THETA) for term in self.policy_terms))


def generic_trajectory(horizon: int = 2) -> GenericTrajectory:
    r"""A generic trajectory of T steps with symbolic :math:`p(s_0)` and :math:`p(s'|s,a)`.

    Parameters
    ----------
    horizon : int
        T >= 1.
    """
    horizon = check_positive_int("horizon", horizon)
    states = sp.symbols(f"s_0:{horizon + 1}")
    actions = sp.symbols(f"a_0:{horizon}")
    policy_terms = tuple(PolicyProbability(actions[t], states[t], THETA) for t in range(horizon))
    environment_terms = (InitialProbability(states[0]),
                         *(Transition(states[t + 1], states[t], actions[t]) for t in range(horizon)))
    factors = [environment_terms[0]]
    for t in range(horizon):
        factors += [policy_terms[t], environment_terms[t + 1]]
    return GenericTrajectory(states, actions, policy_terms, environment_terms, sp.Mul(*factors))


def environment_terms_in(expr: sp.Expr) -> list[sp.Expr]:
    """The environment's probabilities (:math:`p(s_0)`, :math:`p(s'|s,a)`) that occur in ``expr``, sorted."""
    return sorted(sp.sympify(expr).atoms(*ENVIRONMENT_FUNCTIONS), key=sp.default_sort_key)


# --- the expected grad-log-prob lemma ----------------------------------------------------


@dataclass(frozen=True)
class EGLP:
    r"""The expected grad-log-prob lemma for one policy.

    .. math:: \sum_a \pi(a|s,\theta)\, \nabla \ln \pi(a|s,\theta) = 0

    Attributes
    ----------
    probabilities : sympy.Matrix, shape (A, 1)
        :math:`\pi(a|s, \theta)` for each action.
    scores : sympy.Matrix, shape (A, d)
        Row a is :math:`\nabla_\theta \ln \pi(a|s, \theta)`, computed by SymPy.
    expectation : sympy.Matrix, shape (1, d)
        :math:`\sum_a \pi(a|s,\theta) \nabla_\theta \ln \pi(a|s,\theta)`, simplified: zeros.
    parameters : tuple of Symbol
        θ's entries.
    """

    probabilities: sp.Matrix
    scores: sp.Matrix
    expectation: sp.Matrix
    parameters: tuple[sp.Symbol, ...]


def eglp_sigmoid() -> EGLP:
    r"""The lemma for the demand problem's sigmoid policy, with p a symbol.

    .. math:: \sigma(\theta p)\, p\,(1 - \sigma(\theta p))
              + (1 - \sigma(\theta p))\,(-p\,\sigma(\theta p)) = 0.
    """
    p = sp.Symbol("p", real=True)
    more = Sigmoid(THETA * p)
    probabilities = sp.Matrix([1 - more, more])
    scores = sp.Matrix([[sp.diff(sp.log(prob), THETA)] for prob in probabilities])
    expectation = sp.expand(probabilities.T * scores)
    return EGLP(probabilities, scores, expectation, (THETA,))


@lru_cache(maxsize=1)
def softmax_symbols() -> tuple[sp.Symbol, sp.Symbol, sp.Symbol]:
    r"""The symbols θ₁, θ₂ (``theta_1``, ``theta_2``) and the state feature φ (``phi``)."""
    theta_1, theta_2 = sp.symbols("theta_1 theta_2", real=True)
    phi = sp.Symbol("phi", real=True)
    return theta_1, theta_2, phi


def left_down_right_feature_matrix(phi: sp.Expr) -> sp.Matrix:
    r"""The features x(s, a) of left, down, right from one state feature φ, as a 3×2 matrix.

    As in :func:`helpers.policies.left_down_right_features`: rows :math:`[\phi, 0]`,
    :math:`[0, 0]`, :math:`[0, \phi]`.
    """
    return sp.Matrix([[phi, 0], [0, 0], [0, phi]])


def softmax_probabilities(features: sp.Matrix | None = None) -> sp.Matrix:
    r"""The three-action softmax, a 3×1 matrix of probabilities.

    .. math:: \pi(a|s,\theta) = \frac{e^{\theta^\top x(s,a)}}{\sum_b e^{\theta^\top x(s,b)}}

    Parameters
    ----------
    features : sympy.Matrix of shape (3, 2), optional
        x(s, a) as rows; the left/down/right features of φ by default.
    """
    theta_1, theta_2, phi = softmax_symbols()
    features = left_down_right_feature_matrix(phi) if features is None else sp.Matrix(features)
    if features.shape != (3, 2):
        raise ValueError(f"features must be a 3x2 matrix (actions x parameters), got {features.shape}")
    preferences = features * sp.Matrix([theta_1, theta_2])
    total = sum(sp.exp(h) for h in preferences)
    return sp.Matrix([sp.exp(h) / total for h in preferences])


def softmax_score_closed_form(features: sp.Matrix | None = None) -> sp.Matrix:
    r"""The softmax score in closed form (Sutton & Barto eq. 13.9), one row per action.

    .. math:: \nabla_\theta \ln \pi(a|s,\theta) = x(s,a) - \sum_b \pi(b|s,\theta)\, x(s,b).
    """
    _, _, phi = softmax_symbols()
    features = left_down_right_feature_matrix(phi) if features is None else sp.Matrix(features)
    probabilities = softmax_probabilities(features)
    mean_feature = probabilities.T * features
    return sp.Matrix.vstack(*(features[a, :] - mean_feature for a in range(3)))


def eglp_softmax(features: sp.Matrix | None = None) -> EGLP:
    r"""The lemma for the three-action softmax with θ = (θ₁, θ₂).

    SymPy differentiates :math:`\ln \pi(a|s,\theta)` for each action and simplifies
    :math:`\sum_a \pi(a|s,\theta) \nabla_\theta \ln \pi(a|s,\theta)` to the zero vector.
    """
    theta_1, theta_2, _ = softmax_symbols()
    probabilities = softmax_probabilities(features)
    scores = sp.Matrix([[sp.simplify(sp.diff(sp.log(prob), th)) for th in (theta_1, theta_2)]
                        for prob in probabilities])
    expectation = sp.simplify(probabilities.T * scores)
    return EGLP(probabilities, scores, expectation, (theta_1, theta_2))


# --- consequences: baselines and reward-to-go ---------------------------------------------


@dataclass(frozen=True)
class BaselineIdentity:
    r"""A baseline :math:`b(s_t)` keeps the expected gradient; one that depends on the action does not.

    The state of the demand problem is the week t and the demand change p, so
    :math:`b(s_t)` is one symbol :math:`b_{t,p}` per week and demand change.

    Attributes
    ----------
    baselines : dict of (int, int) to Symbol
        :math:`b_{t,p} = b(s_t)` for the state (week t, demand change p).
    with_baseline : sympy.Expr
        :math:`\mathbb{E}_\tau\big[\sum_t \partial_\theta \ln \pi(a_t|p_t,\theta)\,
        (R(\tau) - b_{t,p_t})\big]`, by enumeration.
    without_baseline : sympy.Expr
        The same without a baseline.
    difference : sympy.Expr
        ``with_baseline - without_baseline``, expanded: 0 for every value of every
        :math:`b_{t,p}` and every demand chain.
    action_baselines : dict of (int, int, int) to Symbol
        :math:`b_{t,p,a}`: a "baseline" that also depends on the action a.
    action_difference : sympy.Expr
        The difference it makes, expanded (with the environment's symbols): not 0.
    """

    baselines: dict[tuple[int, int], sp.Symbol]
    with_baseline: sp.Expr
    without_baseline: sp.Expr
    difference: sp.Expr
    action_baselines: dict[tuple[int, int, int], sp.Symbol]
    action_difference: sp.Expr

    def action_difference_if_equal(self) -> sp.Expr:
        r"""``action_difference`` with :math:`b_{t,p,\mathrm{LESS}} = b_{t,p,\mathrm{MORE}}`: 0.

        The bias of an action-dependent baseline comes only from the difference
        between its values for the two actions.
        """
        same = {self.action_baselines[t, p, DemandEnv.LESS]: self.action_baselines[t, p, DemandEnv.MORE]
                for t, p in self.baselines}
        return sp.expand(self.action_difference.xreplace(same))


@lru_cache(maxsize=8)
def baseline_identity(horizon: int = 2) -> BaselineIdentity:
    r"""A state-dependent baseline :math:`b(s_t)` keeps the estimate unbiased, on the demand problem.

    .. math:: \mathbb{E}_\tau\Big[\sum_t \partial_\theta \ln \pi(a_t|s_t,\theta)\,
              \big(R(\tau) - b(s_t)\big)\Big]
              = \mathbb{E}_\tau\Big[\sum_t \partial_\theta \ln \pi(a_t|s_t,\theta)\, R(\tau)\Big]
              - \sum_t \mathbb{E}_{s_t}\Big[b(s_t)\, \mathbb{E}_{a_t \sim \pi}\big[
              \partial_\theta \ln \pi(a_t|s_t,\theta)\big]\Big],

    and each inner expectation is 0 by the lemma. With :math:`b(s_t, a_t)` the
    baseline cannot be pulled out of the inner expectation, and the difference is
    not 0.

    Parameters
    ----------
    horizon : int
        T, from 1 to :data:`MAX_DEMAND_HORIZON`.
    """
    horizon = _check_horizon(horizon)
    baselines = {(t, p): sp.Symbol(f"b_{t},{_demand_label(p)}", real=True)
                 for t in range(horizon) for p in DEMAND_CHANGES}
    action_baselines = {(t, p, a): sp.Symbol(f"b_{t},{_demand_label(p)},{ACTION_NAMES[a]}", real=True)
                        for t in range(horizon) for p in DEMAND_CHANGES
                        for a in (DemandEnv.LESS, DemandEnv.MORE)}
    trajectories = demand_trajectories(horizon)
    with_baseline = sp.Add(*(tau.probability * sp.Add(*(
        score * (tau.total_reward - baselines[t, tau.demand[t]]) for t, score in enumerate(tau.scores)))
        for tau in trajectories))
    with_action_baseline = sp.Add(*(tau.probability * sp.Add(*(
        score * (tau.total_reward - action_baselines[t, tau.demand[t], tau.actions[t]])
        for t, score in enumerate(tau.scores))) for tau in trajectories))
    without_baseline = two_routes(horizon).score_form
    return BaselineIdentity(baselines, with_baseline, without_baseline,
                            sp.expand(with_baseline - without_baseline), action_baselines,
                            sp.expand(with_action_baseline - without_baseline))


@dataclass(frozen=True)
class RewardToGoIdentity:
    r"""Rewards received before an action do not change its expected contribution.

    Attributes
    ----------
    total_reward_form : sympy.Expr
        :math:`\mathbb{E}_\tau\big[\sum_t \partial_\theta \ln \pi(a_t|s_t,\theta)\, R(\tau)\big]`.
    reward_to_go_form : sympy.Expr
        :math:`\mathbb{E}_\tau\big[\sum_t \partial_\theta \ln \pi(a_t|s_t,\theta)\, G_t\big]`.
    past_rewards_term : sympy.Expr
        :math:`\mathbb{E}_\tau\big[\sum_t \partial_\theta \ln \pi(a_t|s_t,\theta)
        \sum_{k<t} r_{k+1}\big]`, expanded: 0.
    difference : sympy.Expr
        ``total_reward_form - reward_to_go_form``, expanded: 0.
    """

    total_reward_form: sp.Expr
    reward_to_go_form: sp.Expr
    past_rewards_term: sp.Expr
    difference: sp.Expr


@lru_cache(maxsize=8)
def reward_to_go_identity(horizon: int = 2) -> RewardToGoIdentity:
    r"""Past rewards drop out: :math:`R(\tau)` may be replaced by :math:`G_t`, on the demand problem.

    :math:`R(\tau) = \sum_{k<t} r_{k+1} + G_t`, and for k < t,
    :math:`\mathbb{E}[r_{k+1}\, \partial_\theta \ln \pi(a_t|s_t,\theta)] = \mathbb{E}\big[r_{k+1}\,
    \mathbb{E}_{a_t \sim \pi}[\partial_\theta \ln \pi(a_t|s_t,\theta)]\big] = 0`: given the past, the
    inner expectation is the lemma's.
    """
    trajectories = demand_trajectories(horizon)
    total = two_routes(horizon).score_form
    to_go = sp.Add(*(tau.probability * sp.Add(*(score * tau.reward_to_go(t)
                                                  for t, score in enumerate(tau.scores)))
                     for tau in trajectories))
    past = sp.Add(*(tau.probability * sp.Add(*(score * sp.Add(*tau.rewards[:t])
                                                for t, score in enumerate(tau.scores)))
                    for tau in trajectories))
    return RewardToGoIdentity(total, to_go, sp.expand(past), sp.expand(total - to_go))


@dataclass(frozen=True)
class DiscountedIdentity:
    r"""With discounting, step t's weight is :math:`\gamma^t G_t`, shown with γ a symbol.

    Attributes
    ----------
    gamma : Symbol
        γ.
    gradient : sympy.Expr
        :math:`\frac{\partial}{\partial\theta} \sum_\tau \pi_\theta(\tau) \sum_t \gamma^t r_{t+1}`,
        the slope of the discounted objective.
    per_step_form : sympy.Expr
        :math:`\sum_\tau \pi_\theta(\tau) \sum_t \gamma^t G_t\,
        \partial_\theta \ln \pi(a_t|p_t,\theta)`, with
        :math:`G_t = \sum_{k=t}^{T-1} \gamma^{k-t} r_{k+1}`.
    difference : sympy.Expr
        ``gradient - per_step_form``, expanded: 0 for every γ and every demand chain.
    difference_without_discount_factor : sympy.Expr
        The same difference with the weight :math:`G_t` instead of :math:`\gamma^t G_t`,
        with DemandEnv's numbers, factored: not 0 unless γ = 1.
    """

    gamma: sp.Symbol
    gradient: sp.Expr
    per_step_form: sp.Expr
    difference: sp.Expr
    difference_without_discount_factor: sp.Expr


@lru_cache(maxsize=8)
def discounted_identity(horizon: int = 2) -> DiscountedIdentity:
    r"""The discounted objective's slope is the expectation of :math:`\sum_t \gamma^t G_t \nabla \ln \pi`.

    With :math:`R(\tau) = \sum_t \gamma^t r_{t+1}`, dropping the past rewards leaves step t
    the weight :math:`\sum_{k \ge t} \gamma^k r_{k+1} = \gamma^t G_t`:

    .. math:: \frac{\partial}{\partial\theta} \mathbb{E}_\tau\Big[\sum_t \gamma^t r_{t+1}\Big]
              = \mathbb{E}_\tau\Big[\sum_t \gamma^t G_t\, \partial_\theta \ln \pi(a_t|s_t,\theta)\Big].

    Parameters
    ----------
    horizon : int
        T, from 1 to :data:`MAX_DEMAND_HORIZON`.
    """
    horizon = _check_horizon(horizon)
    gamma = sp.Symbol("gamma", positive=True)
    trajectories = demand_trajectories(horizon)

    def discounted_return(tau: DemandTrajectory, t: int) -> sp.Expr:
        return sp.Add(*(gamma ** (k - t) * tau.rewards[k] for k in range(t, horizon)))

    objective = sp.Add(*(tau.probability * sp.Add(*(gamma**t * r for t, r in enumerate(tau.rewards)))
                         for tau in trajectories))
    gradient = sp.diff(objective, THETA)
    per_step = sp.Add(*(tau.probability * sp.Add(*(gamma**t * discounted_return(tau, t) * score
                                                   for t, score in enumerate(tau.scores)))
                        for tau in trajectories))
    undiscounted_weight = sp.Add(*(tau.probability * sp.Add(*(discounted_return(tau, t) * score
                                                              for t, score in enumerate(tau.scores)))
                                   for tau in trajectories))
    without_factor = sp.factor(sp.expand(with_demand_numbers(gradient - undiscounted_weight)))
    return DiscountedIdentity(gamma, gradient, per_step, sp.expand(gradient - per_step), without_factor)


@lru_cache(maxsize=8)
def estimate_moments(horizon: int = 2, weight: str = "total") -> tuple[sp.Expr, sp.Expr]:
    r"""The exact mean and second moment of one episode's gradient estimate, by enumeration.

    If episode m's trajectory is τ, its estimate is a number fixed by τ:

    .. math:: \hat g^m = \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t|p_t,\theta)\, R(\tau)
              \quad\text{or, with ``weight="to_go"``,}\quad
              \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t|p_t,\theta)\, G_t,

    and its moments are :math:`\mathbb{E}[\hat g^m] = \sum_\tau \pi_\theta(\tau)\, \hat g^m(\tau)` and
    :math:`\mathbb{E}[(\hat g^m)^2] = \sum_\tau \pi_\theta(\tau)\, \hat g^m(\tau)^2`; the standard
    deviation of one estimate is :math:`\sqrt{\mathbb{E}[(\hat g^m)^2] - \mathbb{E}[\hat g^m]^2}`.

    Parameters
    ----------
    horizon : int
        T, from 1 to :data:`MAX_DEMAND_HORIZON`.
    weight : {"total", "to_go"}
        Weight every score by :math:`R(\tau)`, or step t's score by :math:`G_t`.
    """
    if weight not in ("total", "to_go"):
        raise ValueError(f"weight must be 'total' or 'to_go', got {weight!r}")
    mean, second = [], []
    for tau in demand_trajectories(horizon):
        if weight == "total":
            estimate = tau.score * tau.total_reward
        else:
            estimate = sp.Add(*(score * tau.reward_to_go(t) for t, score in enumerate(tau.scores)))
        mean.append(tau.probability * estimate)
        second.append(tau.probability * estimate**2)
    return sp.Add(*mean), sp.Add(*second)


@lru_cache(maxsize=8)
def estimate_standard_deviation(horizon: int = 2, weight: str = "total"
                                ) -> Callable[[float | np.ndarray], float | np.ndarray]:
    r"""The exact sd of one episode's estimate as a numpy function of θ, with DemandEnv's numbers.

    .. math:: \mathrm{sd}[\hat g^m](\theta) = \sqrt{\mathbb{E}[(\hat g^m)^2] - \mathbb{E}[\hat g^m]^2},

    from :func:`estimate_moments`; the function accepts a float or an array of θ.
    """
    mean_expr, second_expr = estimate_moments(horizon, weight)
    mean = lambdify_theta(with_demand_numbers(mean_expr))
    second = lambdify_theta(with_demand_numbers(second_expr))

    def standard_deviation(theta: float | np.ndarray) -> float | np.ndarray:
        m = mean(theta)
        return np.sqrt(np.maximum(second(theta) - m * m, 0.0))

    return standard_deviation


# --- the state form of the theorem on the short corridor ----------------------------------


@dataclass(frozen=True)
class ShortCorridorStateForm:
    r"""Every term of the state form of the theorem for the short corridor, as functions of π_R.

    The policy is :math:`\pi(\mathrm{right}|s) = \pi_R` in every cell (the book's
    Example 13.1), so the parameter is :math:`\pi_R` itself and
    :math:`\partial\pi(\mathrm{right}|s)/\partial \pi_R = 1`,
    :math:`\partial\pi(\mathrm{left}|s)/\partial \pi_R = -1`.

    Attributes
    ----------
    pi_right : Symbol
        :math:`\pi_R = \pi(\mathrm{right}|s)` (SymPy name ``pi_R``).
    v : sympy.Matrix, shape (3, 1)
        :math:`v_\pi(s)` of the three cells.
    q : sympy.Matrix, shape (3, 2)
        :math:`q_\pi(s, a)`, columns left, right.
    eta : sympy.Matrix, shape (3, 1)
        Expected visits :math:`\eta(s)` per episode.
    episode_length : sympy.Expr
        :math:`\sum_s \eta(s)`.
    mu : sympy.Matrix, shape (3, 1)
        :math:`\mu(s) = \eta(s) / \sum_{s'} \eta(s')`.
    objective : sympy.Expr
        :math:`J(\pi_R) = v_\pi(s_0)`.
    gradient : sympy.Expr
        :math:`dJ/d\pi_R`, differentiated directly.
    state_sum : sympy.Expr
        :math:`\sum_s \mu(s) \sum_a q_\pi(s,a)\, \partial \pi(a|s)/\partial \pi_R`.
    difference : sympy.Expr
        ``gradient - episode_length * state_sum``, simplified: 0.
    """

    pi_right: sp.Symbol
    v: sp.Matrix
    q: sp.Matrix
    eta: sp.Matrix
    episode_length: sp.Expr
    mu: sp.Matrix
    objective: sp.Expr
    gradient: sp.Expr
    state_sum: sp.Expr
    difference: sp.Expr


@lru_cache(maxsize=1)
def short_corridor_state_form() -> ShortCorridorStateForm:
    r"""Solve the short corridor symbolically and check the state form of the theorem.

    .. math:: \frac{dJ}{d\pi_R} = \Big(\sum_s \eta(s)\Big) \sum_s \mu(s) \sum_a q_\pi(s,a)\,
              \frac{\partial \pi(a|s)}{\partial \pi_R}

    Bellman equations (reward -1 per step; the second cell reverses the actions),
    with p standing for :math:`\pi_R`:

    .. math:: v_0 = -1 + p\, v_1 + (1-p)\, v_0, \quad v_1 = -1 + p\, v_0 + (1-p)\, v_2,
              \quad v_2 = -1 + (1-p)\, v_1,

    visits :math:`\eta(s) = d_0(s) + \sum_{s'} \eta(s') P_\pi(s' \to s)` (:math:`d_0` the
    start distribution, :math:`P_\pi(s' \to s) = \sum_a \pi(a|s') p(s|s',a)`; Sutton & Barto
    eq. 9.2), and :math:`q_\pi(s,a) = -1 + v_\pi(s')`.
    """
    p = sp.Symbol("pi_R", positive=True)
    v0, v1, v2 = sp.symbols("v_0:3")
    v_solution = sp.solve([sp.Eq(v0, -1 + p * v1 + (1 - p) * v0),
                           sp.Eq(v1, -1 + p * v0 + (1 - p) * v2),
                           sp.Eq(v2, -1 + (1 - p) * v1)], [v0, v1, v2], dict=True)[0]
    v = sp.Matrix([sp.factor(v_solution[x]) for x in (v0, v1, v2)])
    goal_value = sp.Integer(0)
    # next cell after (left, right) in cells 0, 1, 2; cell 1 is switched, cell 3 is the goal
    next_value = [(v[0], v[1]), (v[2], v[0]), (v[1], goal_value)]
    q = sp.Matrix([[sp.factor(-1 + nxt) for nxt in row] for row in next_value])
    e0, e1, e2 = sp.symbols("eta_0:3")
    eta_solution = sp.solve([sp.Eq(e0, 1 + (1 - p) * e0 + p * e1),
                             sp.Eq(e1, p * e0 + (1 - p) * e2),
                             sp.Eq(e2, (1 - p) * e1)], [e0, e1, e2], dict=True)[0]
    eta = sp.Matrix([sp.factor(eta_solution[x]) for x in (e0, e1, e2)])
    episode_length = sp.factor(sum(eta))
    mu = sp.Matrix([sp.factor(x / episode_length) for x in eta])
    grad_pi = (-1, 1)  # d pi(left)/dp, d pi(right)/dp
    state_sum = sp.factor(sum(mu[s] * sum(q[s, a] * grad_pi[a] for a in range(2)) for s in range(3)))
    objective = v[0]
    gradient = sp.factor(sp.diff(objective, p))
    difference = sp.simplify(gradient - episode_length * state_sum)
    return ShortCorridorStateForm(p, v, q, eta, episode_length, mu, objective, gradient,
                                  state_sum, difference)


def as_numbers(expr: sp.Expr | sp.Matrix, values: dict[sp.Symbol, float] | None = None) -> np.ndarray:
    """Evaluate a SymPy expression or matrix with ``values`` substituted, as a float array.

    σ is evaluated through its exponential form.
    """
    replacements = {sp.sympify(key): sp.sympify(value) for key, value in (values or {}).items()}
    substituted = sp.sympify(expr).xreplace(replacements).rewrite(sp.exp)
    free = substituted.free_symbols
    if free:
        raise ValueError(f"values must give a number for every symbol; missing {sorted(map(str, free))}")
    if isinstance(substituted, sp.MatrixBase):
        return np.array(substituted.evalf(), dtype=float)
    return np.array(float(substituted.evalf()))


def demand_trajectory_table(trajectories: Sequence[DemandTrajectory], theta: float) -> list[dict]:
    r"""Numbers for a few trajectories at θ: π_θ(τ), R(τ) and the score, with DemandEnv's chain."""
    values = {**demand_environment_values(), THETA: theta}
    return [{"trajectory": tau.label(),
             "probability": float(as_numbers(tau.probability, values)),
             "total_reward": float(tau.total_reward),
             "score": float(as_numbers(tau.score, values))} for tau in trajectories]
