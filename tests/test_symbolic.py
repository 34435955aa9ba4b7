"""The SymPy derivations of notebook 01: each identity, and the symbolic J against the exact solvers."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from helpers import symbolic as sym
from helpers.envs import SHORT_CORRIDOR_BEST_P, DemandEnv, ShortCorridor, short_corridor_value
from helpers.mdp import (
    action_values,
    exact_gradient,
    expected_episode_length,
    objective,
    on_policy_distribution,
)
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy, left_down_right_features, sigmoid

THETA = sym.THETA
THETAS = np.array([-3.0, -1.0, -0.2, 0.0, 0.5, 1.7, 4.0])


def demand_model(horizon: int):
    env = DemandEnv(horizon=horizon)
    return env.tabular(), env.policy_inputs()


# --- the sigmoid and the log-derivative trick ------------------------------------------------


def test_sigmoid_derivative_rule_matches_the_exponential_form():
    rule, explicit, difference = sym.sigmoid_derivative_identity()
    z = sp.Symbol("z", real=True)
    assert difference == 0
    assert sp.expand(rule - sym.Sigmoid(z) * (1 - sym.Sigmoid(z))) == 0
    assert explicit == sp.diff(1 / (1 + sp.exp(-z)), z)
    assert sym.Sigmoid(z).rewrite(sp.exp) == 1 / (1 + sp.exp(-z))
    values = np.array([-30.0, -1.5, 0.0, 0.7, 30.0])
    f = sp.lambdify(z, sym.Sigmoid(z).rewrite(sp.exp))
    np.testing.assert_allclose(f(values), sigmoid(values), rtol=1e-12)


def test_sigmoid_latex_keeps_powers_readable():
    z = sp.Symbol("z")
    assert sp.latex(sym.Sigmoid(z)) == r"\sigma\left(z\right)"
    assert sp.latex(sym.Sigmoid(z) ** 2) == r"\sigma^{2}\left(z\right)"


@pytest.mark.parametrize("action", [DemandEnv.LESS, DemandEnv.MORE])
def test_log_derivative_trick_holds_for_the_sigmoid_policy(action):
    trick = sym.log_derivative_trick(action)
    assert trick.difference == 0
    # the same identity without the σ shorthand: explicit exponentials, simplified
    explicit = (trick.gradient - trick.policy * trick.log_gradient).rewrite(sp.exp)
    assert sp.simplify(explicit) == 0
    # and the score is (a - σ(θp)) p
    p = sp.Symbol("p", real=True)
    assert sp.expand(trick.log_gradient - (action - sym.Sigmoid(THETA * p)) * p) == 0


def test_log_derivative_trick_is_not_vacuous():
    trick = sym.log_derivative_trick(DemandEnv.MORE)
    assert sp.simplify(trick.gradient - trick.log_gradient) != 0  # ∇π ≠ ∇ln π: the factor π matters


@pytest.mark.parametrize(("p", "action"), [(2, 0), (2, 1), (-1, 0), (-1, 1)])
def test_sigmoid_score_matches_the_policy_module(p, action):
    score = sym.lambdify_theta(sym.sigmoid_score(p, action))
    for theta in (-1.3, 0.0, 0.8):
        expected = SigmoidPolicy().grad_log_prob(np.array([theta]), float(p), action)[0]
        assert score(theta) == pytest.approx(expected, rel=1e-12, abs=1e-14)


# --- J(θ) by enumeration ---------------------------------------------------------------------


@pytest.mark.parametrize("horizon", [1, 2])
def test_trajectories_are_every_combination_and_their_probabilities_sum_to_one(horizon):
    trajectories = sym.demand_trajectories(horizon)
    assert len(trajectories) == 8**horizon
    assert len({(tau.demand, tau.actions) for tau in trajectories}) == 8**horizon
    total = sp.Add(*(tau.probability for tau in trajectories)).subs(sym.demand_environment_values())
    assert sp.expand(total) == 1


def test_environment_values_are_demand_env_numbers():
    values = sym.demand_environment_values()
    rho, P = sym.demand_symbols()
    assert len(values) == 20
    assert all(values[rho[p]] == sp.Rational(1, 4) for p in sym.DEMAND_CHANGES)
    matrix = np.array([[float(values[P[p, q]]) for q in sym.DEMAND_CHANGES] for p in sym.DEMAND_CHANGES])
    np.testing.assert_array_equal(matrix, DemandEnv.demand_transitions)
    for p in sym.DEMAND_CHANGES:
        assert sum(values[P[p, q]] for q in sym.DEMAND_CHANGES) == 1  # exact fractions


def test_symbolic_objective_keeps_theta_and_the_environment_as_symbols():
    rho, P = sym.demand_symbols()
    assert sym.demand_objective(1).free_symbols == {THETA, *rho.values()}
    assert sym.demand_objective(2).free_symbols == {THETA, *rho.values(), *P.values()}


def test_total_reward_adds_every_reward_of_the_trajectory():
    tau = next(t for t in sym.demand_trajectories(2) if t.demand == (-2, 2) and t.actions == (0, 1))
    assert tau.rewards == (1, 2)  # LESS at p = -2 earns +1, MORE at p = +2 earns +2
    assert tau.total_reward == 3
    assert tau.reward_to_go(0) == 3
    assert tau.reward_to_go(1) == 2


@pytest.mark.parametrize("horizon", [1, 2, 3])
def test_symbolic_objective_equals_the_bellman_solver(horizon):
    mdp, inputs = demand_model(horizon)
    J = sym.lambdify_theta(sym.demand_objective_numeric(horizon))
    for theta in THETAS:
        assert J(theta) == pytest.approx(objective(mdp, SigmoidPolicy(), np.array([theta]), inputs),
                                         rel=1e-12, abs=1e-12)


def test_symbolic_objective_is_stable_at_extreme_theta():
    J = sym.lambdify_theta(sym.demand_objective_numeric(2))
    values = J(np.array([-1e3, 1e3]))
    assert np.all(np.isfinite(values))
    np.testing.assert_allclose(values, [-2.19375, 2.19375], rtol=1e-12)


# --- model-free: the environment drops out -----------------------------------------------------


@pytest.mark.parametrize("horizon", [1, 2, 3, 4])
def test_trajectory_score_contains_no_environment_term(horizon):
    tau = sym.generic_trajectory(horizon)
    assert len(sym.environment_terms_in(tau.probability)) == horizon + 1
    assert len(sym.environment_terms_in(tau.log_probability)) == horizon + 1
    assert sym.environment_terms_in(tau.score) == []
    assert sp.simplify(tau.score - tau.policy_score.doit()) == 0
    derivatives = tau.score.atoms(sp.Derivative)
    assert derivatives == {sp.Derivative(term, THETA) for term in tau.policy_terms}


def test_score_without_expanding_the_log_still_shows_environment_terms():
    # The cancellation is real work: differentiating log(product) directly leaves them in
    # (they only cancel after simplification), so the test above is not vacuous.
    tau = sym.generic_trajectory(2)
    raw = sp.diff(sp.log(tau.probability), THETA)
    assert sym.environment_terms_in(raw)
    assert sym.environment_terms_in(sp.simplify(raw)) == []


def test_demand_score_does_not_depend_on_the_demand_chain():
    # Numerically: the finite difference of ln π_θ(τ) is the same for two different chains.
    tau = sym.demand_trajectories(2)[13]
    uniform = {symbol: sp.Rational(1, 4) for symbol in sym.demand_environment_values()}
    h, theta = 1e-6, 0.5
    slopes = []
    for values in (sym.demand_environment_values(), uniform):
        log_prob = sym.lambdify_theta(sp.log(tau.probability.subs(values)))
        slopes.append((log_prob(theta + h) - log_prob(theta - h)) / (2 * h))
    score = sym.lambdify_theta(tau.score)(theta)
    np.testing.assert_allclose(slopes, [score, score], rtol=1e-8)


# --- two routes, one answer --------------------------------------------------------------------


@pytest.mark.parametrize("horizon", [1, 2])
def test_two_routes_agree_for_every_demand_chain(horizon):
    routes = sym.two_routes(horizon)
    assert routes.difference == 0
    assert routes.direct != 0


def test_two_routes_detect_a_missing_step():
    # Dropping the t = 1 score (a gap users reported in other texts) breaks the identity.
    trajectories = sym.demand_trajectories(2)
    wrong = sp.Add(*(tau.probability * tau.scores[0] * tau.total_reward for tau in trajectories))
    assert sp.expand(sym.two_routes(2).direct - wrong) != 0


def test_symbolic_gradient_equals_the_exact_gradient():
    mdp, inputs = demand_model(2)
    dJ = sym.lambdify_theta(sym.two_routes(2).direct.subs(sym.demand_environment_values()))
    for theta in THETAS:
        expected = exact_gradient(mdp, SigmoidPolicy(), np.array([theta]), inputs)[0]
        assert dJ(theta) == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_trajectory_table_gives_the_exact_gradient_by_enumeration():
    mdp, inputs = demand_model(2)
    rows = sym.demand_trajectory_table(sym.demand_trajectories(2), 0.5)
    assert len(rows) == 64
    assert sum(row["probability"] for row in rows) == pytest.approx(1.0, abs=1e-12)
    gradient = sum(row["probability"] * row["score"] * row["total_reward"] for row in rows)
    assert gradient == pytest.approx(exact_gradient(mdp, SigmoidPolicy(), np.array([0.5]), inputs)[0],
                                     rel=1e-10)


@pytest.mark.parametrize("weight", ["total", "to_go"])
def test_one_episode_estimate_has_the_exact_gradient_as_its_mean(weight):
    mean, _ = sym.estimate_moments(2, weight)
    assert sp.expand(mean - sym.two_routes(2).direct) == 0


def test_estimate_spread_matches_the_enumerated_distribution_and_a_large_sample():
    from helpers.experiments.theorem import gradient_estimates

    mean, second = (sym.lambdify_theta(sym.with_demand_numbers(e)) for e in sym.estimate_moments(2))
    rows = sym.demand_trajectory_table(sym.demand_trajectories(2), 1.0)
    values = np.array([row["score"] * row["total_reward"] for row in rows])
    probs = np.array([row["probability"] for row in rows])
    variance = second(1.0) - mean(1.0) ** 2
    assert variance == pytest.approx(probs @ (values - probs @ values) ** 2, rel=1e-10)
    # a sample's variance within 4 of its standard errors, sqrt((m4 - var^2) / n), of the exact one
    n = 20_000
    sample = gradient_estimates(1.0, "total", n_episodes=n, seed=2)
    fourth = probs @ (values - probs @ values) ** 4
    assert abs(sample.var(ddof=1) - variance) < 4 * np.sqrt((fourth - variance**2) / n)


def test_reward_to_go_estimate_spreads_less_exactly():
    _, second_total = sym.estimate_moments(2, "total")
    _, second_to_go = sym.estimate_moments(2, "to_go")
    for theta in (-1.0, 0.0, 1.0):
        assert (sym.lambdify_theta(sym.with_demand_numbers(second_to_go))(theta)
                < sym.lambdify_theta(sym.with_demand_numbers(second_total))(theta))


def test_estimate_standard_deviation_is_the_enumerated_one():
    rows = sym.demand_trajectory_table(sym.demand_trajectories(2), 0.5)
    probs = np.array([row["probability"] for row in rows])
    values = np.array([row["score"] * row["total_reward"] for row in rows])
    exact = np.sqrt(probs @ (values - probs @ values) ** 2)
    assert sym.estimate_standard_deviation(2, "total")(0.5) == pytest.approx(exact, rel=1e-10)
    grid = np.array([-1.0, 0.5])
    np.testing.assert_allclose(sym.estimate_standard_deviation(2, "to_go")(grid),
                               [sym.estimate_standard_deviation(2, "to_go")(t) for t in grid])


def test_reward_to_go_is_tighter_only_for_theta_below_about_2_8():
    # Notebook 01: dropping past rewards keeps the mean; it lowers the sd for |θ| < 2.82 on the
    # slider's range [-3, 3] and raises it slightly beyond (at ±3: 0.2050 against 0.2030).
    grid = np.round(np.linspace(-3, 3, 601), 2)
    sd_total = sym.estimate_standard_deviation(2, "total")(grid)
    sd_to_go = sym.estimate_standard_deviation(2, "to_go")(grid)
    np.testing.assert_array_equal(sd_to_go < sd_total, np.abs(grid) < 2.82)
    assert sd_to_go[0] == pytest.approx(0.2050, abs=5e-5)
    assert sd_total[0] == pytest.approx(0.2030, abs=5e-5)
    np.testing.assert_allclose(sd_total, sd_total[::-1], rtol=1e-12)  # the same at -θ and θ


# --- the expected grad-log-prob lemma ----------------------------------------------------------


def test_eglp_lemma_for_the_sigmoid():
    lemma = sym.eglp_sigmoid()
    assert lemma.expectation == sp.zeros(1, 1)
    assert sp.simplify(lemma.expectation.rewrite(sp.exp)) == sp.zeros(1, 1)
    p = sp.Symbol("p", real=True)
    assert sp.expand(lemma.scores[1] - p * (1 - sym.Sigmoid(THETA * p))) == 0
    # The lemma needs the probabilities as weights: an unweighted sum of scores is not 0.
    assert sp.expand(lemma.scores[0] + lemma.scores[1]) != 0


def test_eglp_lemma_for_the_three_action_softmax():
    lemma = sym.eglp_softmax()
    assert lemma.expectation == sp.zeros(1, 2)
    assert lemma.scores.shape == (3, 2)
    difference = sp.simplify(lemma.scores - sym.softmax_score_closed_form())
    assert difference == sp.zeros(3, 2)


def test_eglp_lemma_for_the_softmax_with_arbitrary_features():
    features = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"x_{i}{j}", real=True))
    assert sym.eglp_softmax(features).expectation == sp.zeros(1, 2)


def test_symbolic_softmax_matches_the_policy_module():
    theta_1, theta_2, phi = sym.softmax_symbols()
    point = {theta_1: 0.3, theta_2: -0.5, phi: 1.3}
    features = left_down_right_features(np.array([1.3]))
    np.testing.assert_array_equal(sym.as_numbers(sym.left_down_right_feature_matrix(phi), point), features)
    policy = SoftmaxLinearPolicy(n_actions=3, n_features=2)
    theta = np.array([0.3, -0.5])
    np.testing.assert_allclose(sym.as_numbers(sym.softmax_probabilities(), point)[:, 0],
                               policy.probs(theta, features), rtol=1e-12)
    np.testing.assert_allclose(sym.as_numbers(sym.eglp_softmax().scores, point),
                               policy.grad_log_probs(theta, features), rtol=1e-12, atol=1e-15)


# --- consequences: baseline and reward-to-go ---------------------------------------------------


@pytest.mark.parametrize("horizon", [1, 2])
def test_a_state_dependent_baseline_leaves_the_expected_gradient_unchanged(horizon):
    identity = sym.baseline_identity(horizon)
    assert len(identity.baselines) == 4 * horizon  # one b(s_t) per week and demand change
    assert set(identity.baselines.values()) <= identity.with_baseline.free_symbols
    assert identity.difference == 0
    for b in identity.baselines.values():
        assert sp.expand(sp.diff(identity.with_baseline, b)) == 0


def test_each_state_baseline_multiplies_a_nonzero_score_term_before_the_sum():
    # Not vacuous: b_{t,p} enters week t's estimate with a coefficient that only the
    # probability-weighted sum over that week's actions removes.
    identity = sym.baseline_identity(2)
    b = identity.baselines[1, 2]
    trajectories = sym.demand_trajectories(2)
    one_action = sp.Add(*(tau.probability * tau.scores[1] * b for tau in trajectories
                          if tau.demand[1] == 2 and tau.actions[1] == DemandEnv.MORE))
    assert sp.expand(one_action) != 0


def test_an_action_dependent_baseline_biases_the_gradient():
    identity = sym.baseline_identity(2)
    assert len(identity.action_baselines) == 16
    assert identity.action_difference != 0
    assert identity.action_difference_if_equal() == 0
    # with DemandEnv's numbers it is still not 0
    with_numbers = sp.expand(sym.with_demand_numbers(identity.action_difference))
    assert with_numbers != 0
    b = identity.action_baselines
    shifted = with_numbers.xreplace({symbol: 0 for symbol in b.values()} | {b[0, 2, DemandEnv.MORE]: 1})
    value = float(sym.as_numbers(shifted, {THETA: 0.0}))
    # b = 1 for MORE at p = +2 in week 0 only: bias -Pr(p_0 = 2) σ'(0)·2 = -(1/4)(1/4)(2)
    assert value == pytest.approx(-0.125, rel=1e-12)


def test_with_discounting_the_weight_of_step_t_is_gamma_to_the_t_times_g_t():
    identity = sym.discounted_identity(2)
    assert identity.difference == 0
    assert identity.gamma in identity.per_step_form.free_symbols
    without = identity.difference_without_discount_factor
    assert without != 0
    assert sp.simplify(without.subs(identity.gamma, 1)) == 0
    # at γ = 1 the discounted slope is the undiscounted one
    assert sp.expand(identity.gradient.subs(identity.gamma, 1) - sym.two_routes(2).direct) == 0


def test_past_rewards_drop_out():
    identity = sym.reward_to_go_identity(2)
    assert identity.past_rewards_term == 0
    assert identity.difference == 0
    assert identity.reward_to_go_form != identity.total_reward_form  # different estimators


def test_the_reward_right_after_an_action_does_not_drop_out():
    # The action's own reward r_1 is credited to a_0: this term is what the gradient is made of.
    trajectories = sym.demand_trajectories(2)
    own = sp.Add(*(tau.probability * tau.scores[0] * tau.rewards[0] for tau in trajectories))
    assert sp.expand(own.subs(sym.demand_environment_values())) != 0


def test_on_the_demand_problem_later_rewards_drop_out_too():
    # Orders do not change demand, so a_0 affects only r_1: E[r_2 ∂ln π(a_0|p_0)] = 0 as well.
    # (In general an action changes the states that follow, and later rewards stay.)
    trajectories = sym.demand_trajectories(2)
    later = sp.Add(*(tau.probability * tau.scores[0] * tau.rewards[1] for tau in trajectories))
    assert sp.expand(later) == 0


# --- the state form on the short corridor ------------------------------------------------------


def test_state_form_holds_on_the_short_corridor_with_the_episode_length_as_constant():
    form = sym.short_corridor_state_form()
    assert form.difference == 0
    assert form.pi_right.name == "pi_R"  # not p: that letter is the demand change in notebook 01
    best = float(SHORT_CORRIDOR_BEST_P)
    assert float(sym.as_numbers(form.gradient, {form.pi_right: best})) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("p_right", [0.2, 0.5, 0.8])
def test_short_corridor_terms_match_the_exact_solvers(p_right):
    form = sym.short_corridor_state_form()
    mdp = ShortCorridor().tabular()
    pi = np.tile([1 - p_right, p_right], (4, 1))
    at = {form.pi_right: p_right}
    assert float(sym.as_numbers(form.objective, at)) == pytest.approx(float(short_corridor_value(p_right)))
    assert float(sym.as_numbers(form.episode_length, at)) == pytest.approx(expected_episode_length(mdp, pi))
    np.testing.assert_allclose(sym.as_numbers(form.mu, at)[:, 0], on_policy_distribution(mdp, pi)[:3])
    np.testing.assert_allclose(sym.as_numbers(form.q, at), action_values(mdp, pi)[:3])


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "argument"), [
    (lambda: sym.demand_trajectories(0), "horizon"),
    (lambda: sym.demand_trajectories(sym.MAX_DEMAND_HORIZON + 1), "horizon"),
    (lambda: sym.demand_policy(1, 2), "action"),
    (lambda: sym.demand_reward(1, -1), "action"),
    (lambda: sym.log_derivative_trick(3), "action"),
    (lambda: sym.generic_trajectory(0), "horizon"),
    (lambda: sym.softmax_probabilities(sp.eye(2)), "features"),
    (lambda: sym.lambdify_theta(sym.demand_objective(1)), "expr"),
    (lambda: sym.as_numbers(sym.demand_objective(1), {THETA: 0.5}), "values"),
    (lambda: sym.estimate_moments(2, "future"), "weight"),
    (lambda: sym.estimate_standard_deviation(2, "future"), "weight"),
    (lambda: sym.baseline_identity(0), "horizon"),
    (lambda: sym.discounted_identity(sym.MAX_DEMAND_HORIZON + 1), "horizon"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()
