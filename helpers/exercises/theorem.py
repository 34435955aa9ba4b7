r"""Checks for the exercises of notebook 01 (the policy gradient theorem).

- :func:`check_horizon3_score`: the score of a horizon-3 trajectory, free of the
  environment's probabilities;
- :func:`check_softmax_score`: :math:`\nabla_\theta \ln \pi(a|s,\theta)` of the
  three-action softmax, entered in SymPy;
- :func:`check_exact_gradient`: :math:`dJ/d\theta` of the demand problem by
  enumeration, compared with the exact value and the sampled estimate.

Each returns a :class:`~helpers.exercises.Feedback`; none raises on a wrong answer.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from helpers.exercises import Feedback, compare_numbers, graded
from helpers.symbolic import (
    THETA,
    demand_trajectories,
    demand_trajectory_table,
    environment_terms_in,
    generic_trajectory,
    left_down_right_feature_matrix,
    softmax_probabilities,
    softmax_score_closed_form,
    softmax_symbols,
)

ACTIONS = ("left", "down", "right")

# (theta_1, theta_2, phi) where two expressions are compared numerically.
_SOFTMAX_POINTS = ((0.3, -0.7, 1.3), (-1.1, 0.4, 0.6), (0.9, 1.7, -0.8), (0.0, 0.0, 1.0))


def _to_sympy(answer: object) -> sp.Basic | None:
    try:
        return sp.sympify(answer, strict=True)
    except (sp.SympifyError, TypeError, ValueError, AttributeError):
        return None


@graded
def check_horizon3_score(answer: object) -> Feedback:
    r"""Check :math:`\frac{\partial}{\partial\theta} \ln \pi_\theta(\tau)` for a horizon-3 trajectory.

    The expected answer is
    :math:`\sum_{t=0}^{2} \frac{\partial}{\partial\theta} \ln \pi(a_t|s_t,\theta)`, written
    without any :math:`p(s_0)` or :math:`p(s_{t+1}|s_t,a_t)` (the point of the exercise).

    Parameters
    ----------
    answer : sympy.Expr
        Built from ``generic_trajectory(3).probability`` and the notebook's ``theta``
        (:data:`helpers.symbolic.THETA`).
    """
    if answer is None:
        return Feedback(False, "replace None with a SymPy expression: start from "
                               "`sp.log(probability3)` and differentiate with respect to `theta`.")
    expr = _to_sympy(answer)
    if expr is None or not isinstance(expr, sp.Expr):
        return Feedback(False, f"your answer should be a SymPy expression, got {type(answer).__name__}.")
    if expr == 0:
        return Feedback(False, "your derivative is 0: SymPy found no θ in what it differentiated. "
                               "Differentiate with respect to the notebook's `theta` (`sym.THETA`); "
                               "a new `sp.Symbol('theta')` without `real=True` is a different symbol "
                               "to SymPy.")
    tau = generic_trajectory(3)
    expected = tau.policy_score.doit()
    expr = expr.doit()
    if sp.simplify(expr - expected) == 0:
        leftover = environment_terms_in(expr)
        if leftover:
            names = ", ".join(f"${sp.latex(term)}$" for term in leftover)
            return Feedback(False, f"the value is right, but {names} still appear in it, so the "
                                   "cancellation is not shown yet. Expand the log of the product first "
                                   "(`sp.expand_log(..., force=True)`) and then differentiate, or "
                                   "`sp.simplify` your result.")
        return Feedback(True, "three terms, one per step, and no $p(s_0)$ or $p(s_{t+1}|s_t,a_t)$: "
                              "the score of a trajectory needs only the policy.")
    if not expr.has(sp.Derivative):
        if sp.simplify(expr - tau.log_probability) == 0:
            return Feedback(False, "that is $\\ln \\pi_\\theta(\\tau)$ itself; now differentiate it "
                                   "with `sp.diff(..., theta)`.")
        return Feedback(False, "your answer contains no derivative of $\\pi(a_t|s_t,\\theta)$; "
                               "differentiate the log-probability with `sp.diff(..., theta)`.")
    if sp.simplify(expr - sp.diff(tau.probability, THETA)) == 0:
        return Feedback(False, "that is $\\partial \\pi_\\theta(\\tau)/\\partial\\theta$; take the "
                               "derivative of the *log* of the probability.")
    missing = [t for t, term in enumerate(tau.policy_terms)
               if not expr.has(sp.Derivative(term, THETA))]
    if missing:
        steps = ", ".join(f"t = {t}" for t in missing)
        return Feedback(False, f"the term for {steps} is missing: the sum runs over every step, "
                               "t = 0, 1, 2 (T = 3).")
    if sp.simplify(expr + expected) == 0:
        return Feedback(False, "right size, wrong sign.")
    return Feedback(False, "not equal to $\\sum_{t=0}^{2} \\partial_\\theta \\ln \\pi(a_t|s_t,\\theta)$ "
                           f"yet; the difference is ${sp.latex(sp.simplify(expr - expected))}$.")


def _as_matrix(answer: object) -> sp.Matrix | None:
    if isinstance(answer, sp.MatrixBase):
        return sp.Matrix(answer)
    try:
        return sp.Matrix(answer)
    except (TypeError, ValueError, sp.SympifyError, AttributeError):
        return None


def _evaluate(matrix: sp.Matrix, point: tuple[float, float, float]) -> np.ndarray:
    theta_1, theta_2, phi = softmax_symbols()
    values = dict(zip((theta_1, theta_2, phi), point, strict=True))
    return np.array(matrix.subs(values).evalf(), dtype=complex).real


def _same(a: sp.Matrix, b: sp.Matrix) -> np.ndarray:
    """Entry-wise agreement of two 3x2 matrices at every test point."""
    agree = np.ones(a.shape, dtype=bool)
    for point in _SOFTMAX_POINTS:
        agree &= np.isclose(_evaluate(a, point), _evaluate(b, point), rtol=1e-9, atol=1e-12)
    return agree


@graded
def check_softmax_score(answer: object) -> Feedback:
    r"""Check the score of the three-action softmax, entered as a 3×2 SymPy matrix.

    Row a must be :math:`\nabla_\theta \ln \pi(a|s,\theta)` for a = left, down, right,
    with the features of :func:`helpers.symbolic.left_down_right_feature_matrix`
    and the symbols of :func:`helpers.symbolic.softmax_symbols` (symbols of the same
    names made by hand are accepted too). Any form equal to
    :math:`x(s,a) - \sum_b \pi(b|s,\theta)\,x(s,b)` is accepted.
    """
    if answer is None:
        return Feedback(False, "replace None with a 3×2 `sp.Matrix`: one row per action (left, down, "
                               "right), one column per parameter ($\\theta_1$, $\\theta_2$).")
    matrix = _as_matrix(answer)
    if matrix is None:
        return Feedback(False, "your answer should be a `sp.Matrix` (or a list of 3 rows of 2 "
                               f"expressions), got {type(answer).__name__}.")
    if matrix.shape == (2, 3):
        return Feedback(False, "your matrix is 2×3; it should be 3×2: one *row* per action. "
                               "Try `.T`.")
    if matrix.shape != (3, 2):
        return Feedback(False, f"your matrix has shape {matrix.shape}; it should be 3×2: one row per "
                               "action (left, down, right), one column per entry of θ = (θ₁, θ₂).")
    allowed = set(softmax_symbols())
    # Symbols made by hand (sp.symbols("theta_1 theta_2 phi")) have the right names but not
    # real=True, so SymPy treats them as different symbols: accept them by name.
    by_name = {symbol.name: symbol for symbol in allowed}
    matrix = matrix.xreplace({symbol: by_name[symbol.name] for symbol in matrix.free_symbols
                              if symbol.name in by_name and symbol not in allowed})
    extra = matrix.free_symbols - allowed
    if extra:
        return Feedback(False, f"your answer uses {', '.join(sorted(map(str, extra)))}; use only "
                               "θ₁, θ₂ and φ: `theta_1, theta_2, phi = sym.softmax_symbols()`.")
    expected = softmax_score_closed_form()
    agree = _same(matrix, expected)
    if agree.all():
        return Feedback(True, "each row is $x(s,a) - \\sum_b \\pi(b|s,\\theta)\\,x(s,b)$: the chosen "
                              "action's features minus their average under the policy.")
    features = left_down_right_feature_matrix(softmax_symbols()[2])
    probabilities = softmax_probabilities()
    if _same(matrix, -expected).all():
        return Feedback(False, "right size, wrong sign: it is the chosen action's features *minus* "
                               "the average features.")
    if _same(matrix, features).all():
        return Feedback(False, "that is $x(s,a)$, the gradient of the preference $h(s,a,\\theta)$. "
                               "A term is missing: the log of the denominator "
                               "$\\ln\\sum_b e^{h(s,b,\\theta)}$ also depends on θ; its gradient is "
                               "$\\sum_b \\pi(b|s,\\theta)\\,x(s,b)$.")
    grad_pi = sp.Matrix.vstack(*(probabilities[a] * expected[a, :] for a in range(3)))
    if _same(matrix, grad_pi).all():
        return Feedback(False, "that is $\\nabla\\pi(a|s,\\theta)$; the score is "
                               "$\\nabla \\ln \\pi = \\nabla\\pi / \\pi$: divide each row by its "
                               "probability.")
    mean_feature = probabilities.T * features
    plus = sp.Matrix.vstack(*(features[a, :] + mean_feature for a in range(3)))
    if _same(matrix, plus).all():
        return Feedback(False, "the average feature $\\sum_b \\pi(b|s,\\theta)\\,x(s,b)$ must be "
                               "*subtracted*, not added.")
    right_rows = [ACTIONS[a] for a in range(3) if agree[a].all()]
    wrong_rows = [ACTIONS[a] for a in range(3) if not agree[a].all()]
    if right_rows:
        return Feedback(False, f"the rows for {', '.join(right_rows)} are right; "
                               f"{', '.join(wrong_rows)} not yet. Remember that down's features "
                               "are $x(s,\\mathrm{down}) = (0, 0)$.")
    return Feedback(False, "not yet. Write $\\ln\\pi(a|s,\\theta) = h(s,a,\\theta) - "
                           "\\ln\\sum_b e^{h(s,b,\\theta)}$ with $h = \\theta^\\top x(s,a)$ and "
                           "differentiate each term.")


def _how_far_off(ratio: float) -> str:
    """``"12% too large"`` or ``"64 times too small"``: never "1 times" the exact value."""
    if 0.9 <= ratio <= 1.1:
        return f"{abs(ratio - 1):.1%} too {'large' if ratio > 1 else 'small'}"
    if ratio > 1:
        return f"{ratio:.3g} times too large"
    return f"{1 / ratio:.3g} times too small"


@graded
def check_exact_gradient(answer: object, theta: float = 0.5) -> Feedback:
    r"""Check :math:`dJ/d\theta` of the demand problem (horizon 2) at θ, found by enumeration.

    The reference is :func:`helpers.mdp.exact_gradient` on ``DemandEnv(horizon=2)``.
    A correct answer is also compared with the mean of the dashboard's single-episode
    estimates at the same θ.

    Parameters
    ----------
    answer : float
        :math:`\sum_\tau \pi_\theta(\tau) \sum_t \partial_\theta \ln \pi(a_t|s_t,\theta) R(\tau)`.
    theta : float
        Where the gradient is taken, |θ| ≤ 100.
    """
    from helpers.experiments.theorem import gradient_cloud

    data = gradient_cloud(theta)  # validates theta
    if answer is None:
        return Feedback(False, "replace None with a number: the sum over all 64 trajectories of "
                               "probability × score × total reward.")
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        value = None
    if value is not None and value.size == 1 and np.isclose(float(value), data.objective, rtol=1e-6):
        return Feedback(False, f"that is $J({data.theta:.2f})$ = {data.objective:.4f}, the objective; "
                               "weight each trajectory's total reward by its *score* "
                               "$\\sum_t \\partial_\\theta \\ln\\pi(a_t|s_t,\\theta)$ as well.")
    if value is not None and value.size == 1 and np.isfinite(value).all():
        number = float(value.reshape(()))
        ratio = number / data.gradient
        # within 0.1 % compare_numbers says "close but not exact: compute it in Python"
        if ratio > 0 and abs(ratio - 1) > 1e-3:
            return Feedback(False, f"your dJ/dθ = {number:.4f} has the right sign but is "
                                   f"{_how_far_off(ratio)}. Weight each trajectory by its probability "
                                   "$\\pi_\\theta(\\tau)$ (the 64 probabilities sum to 1) and add the "
                                   "scores of both weeks.")
    feedback = compare_numbers(answer, data.gradient, name="your dJ/dθ", rtol=1e-6, atol=1e-9)
    if not feedback.correct:
        return feedback
    inside = data.band_covers_exact
    verdict = ("inside that band, as it should be about 19 times in 20" if inside else
               "outside that band this time; a ±2 SE band misses about 1 time in 20")
    return Feedback(True, f"dJ/dθ({data.theta:.2f}) = {data.gradient:.4f}, exactly. The "
                          f"{data.estimates.size} single-episode estimates at this θ average "
                          f"{data.mean:.4f} ± {2 * data.standard_error:.4f} (2 SE): the exact value is "
                          f"{verdict}.")


__all__ = ["check_exact_gradient", "check_gradient_split", "check_horizon3_score", "check_softmax_score",
           "gradient_split"]


def gradient_split(theta: float = 0.5) -> tuple[float, float]:
    r"""The exact dJ/dθ by enumeration, split by the first week: (the part with p₀ > 0, with p₀ < 0).

    .. math:: \frac{dJ}{d\theta}
              = \sum_\tau \pi_\theta(\tau)\Big(\sum_t \partial_\theta \ln\pi(a_t|p_t,\theta)\Big) R(\tau)
              = \sum_{\tau:\,p_0 > 0}(\dots) + \sum_{\tau:\,p_0 < 0}(\dots)
    """
    trajectories = demand_trajectories(horizon=2)
    rows = demand_trajectory_table(trajectories, theta)
    terms = [(tau.demand[0], row["probability"] * row["score"] * row["total_reward"])
             for tau, row in zip(trajectories, rows, strict=True)]
    rise = sum(term for p0, term in terms if p0 > 0)
    fall = sum(term for p0, term in terms if p0 < 0)
    return float(rise), float(fall)


@graded
def check_gradient_split(prediction: object, rise: object, fall: object, theta: float = 0.5) -> Feedback:
    """Exercise 3, a prediction: which seasons contribute more to dJ/dθ, those starting with a rise or a fall.

    ``prediction`` ("rise", "fall" or "equal") is made before computing; ``rise`` and ``fall`` are
    the two parts of the exact gradient by enumeration, which must add up to dJ/dθ (checked by
    :func:`check_exact_gradient`).
    """
    if not isinstance(prediction, str) or prediction.strip().lower() not in ("rise", "fall", "equal"):
        return Feedback(False, "write your prediction first: `prediction = \"rise\"`, `\"fall\"` or "
                               "`\"equal\"`.")
    if rise is None or fall is None:
        return Feedback(False, "replace both None: the sum of probability × score × total reward over the "
                               "trajectories with p₀ > 0, and over those with p₀ < 0.")
    try:
        parts = float(rise), float(fall)
    except (TypeError, ValueError):
        return Feedback(False, f"rise and fall should be numbers, got {rise!r} and {fall!r}.")
    total = check_exact_gradient(parts[0] + parts[1], theta)
    if not total.correct:
        return Feedback(False, f"the two parts should add up to dJ/dθ; their sum: {total.message}")
    expected = gradient_split(theta)
    if np.allclose(parts, expected[::-1], rtol=1e-6) and not np.allclose(parts, expected, rtol=1e-6):
        return Feedback(False, "rise and fall are swapped: `rise` is the part from p₀ > 0.")
    if not np.allclose(parts, expected, rtol=1e-6):
        return compare_numbers(np.array(parts), np.array(expected), name="your (rise, fall)", rtol=1e-6)
    why = (f"both parts are {expected[0]:.4f}. Each week adds σ(θp)(1 − σ(θp)) p (R(p, MORE) − R(p, LESS)) "
           "= 1.5 p² σ(θp)(1 − σ(θp)) in expectation, the same for p and −p, and the chain is symmetric: "
           "rises and falls weigh alike although MORE earns p and LESS only −p/2.")
    if prediction.strip().lower() == "equal":
        return Feedback(True, f"your prediction \"equal\" holds: {why}")
    return Feedback(False, f"your parts are right, but your prediction \"{prediction.strip()}\" is not: "
                           f"{why} Change the prediction once you see why.")
