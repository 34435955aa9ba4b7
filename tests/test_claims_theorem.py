"""Notebook 01's quantitative and comparative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false: exact claims are
recomputed by enumeration or by the exact solvers, sampled ones with the notebook's seeds
(setup seed 2018, section 5's batch seed 2019, the dashboard's seed 1992), and statistical
ones with tolerances derived from their sample sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from helpers import symbolic as sym
from helpers.dashboards import theorem as theorem_dashboards
from helpers.envs import DemandEnv, ShortCorridor, short_corridor_value
from helpers.exercises.theorem import gradient_split
from helpers.experiments import theorem
from helpers.figures import theorem as theorem_figures
from helpers.mdp import exact_gradient, finite_difference_gradient, gradient_terms, objective
from helpers.policies import SigmoidPolicy, SoftmaxLinearPolicy, left_down_right_features
from helpers.reinforce import reinforce_estimates, sample_episodes

THETA = sym.THETA
POLICY = SigmoidPolicy()
SLIDER = np.round(np.arange(theorem.THETA_MIN, theorem.THETA_MAX + 1e-9, theorem_dashboards.THETA_STEP), 1)


@pytest.fixture(scope="module")
def demand():
    env = DemandEnv(horizon=2)
    return env.tabular(), env.policy_inputs()


@pytest.fixture(scope="module")
def trajectories():
    return sym.demand_trajectories(horizon=2)


def week_distribution(horizon: int = 2) -> dict[int, dict[int, float]]:
    """Pr(p_t = p) for t < horizon, from the same ρ and P that SymPy substitutes."""
    values = sym.demand_environment_values()
    rho, P = sym.demand_symbols()
    changes = sorted(rho)
    weeks = {0: {p: float(values[rho[p]]) for p in changes}}
    for t in range(1, horizon):
        weeks[t] = {q: sum(weeks[t - 1][p] * float(values[P[p, q]]) for p in changes) for q in changes}
    return weeks


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def exact_estimate_distribution(theta: float, weight: str = "total") -> tuple[np.ndarray, np.ndarray]:
    """The values of one episode's ĝᵐ over the 64 trajectories and their probabilities."""
    values = {**sym.demand_environment_values(), THETA: theta}
    estimates, probabilities = [], []
    for tau in sym.demand_trajectories(horizon=2):
        if weight == "total":
            estimate = tau.score * tau.total_reward
        else:
            estimate = sp.Add(*(score * tau.reward_to_go(t) for t, score in enumerate(tau.scores)))
        estimates.append(float(sym.as_numbers(estimate, values)))
        probabilities.append(float(sym.as_numbers(tau.probability, values)))
    return np.array(estimates), np.array(probabilities)


# --- section 1: the objective -------------------------------------------------------------


def test_sixty_four_trajectories_and_five_hundred_twelve_for_three_weeks(trajectories):
    """"Why two weeks: 4 · 2 · 4 · 2 = 64 trajectories, ... (three weeks would give 512)."""
    assert len(trajectories) == 4 * 2 * 4 * 2 == 64
    assert len(sym.demand_trajectories(horizon=3)) == 512


def test_the_objective_has_twenty_environment_symbols():
    """"J(θ) as one expression in θ and the 20 environment symbols (4 ρ's, 16 P's)"."""
    free = sym.demand_objective(horizon=2).free_symbols - {THETA}
    names = sorted(str(s) for s in free)
    assert len(free) == 20
    assert sum(n.startswith("rho") for n in names) == 4
    assert sum(n.startswith("P") for n in names) == 16


def test_each_week_counts_on_its_own_and_the_minus_half_parts_cancel():
    """Why SymPy's J is short (Going deeper, pointed to from section 1).

    "each week counts on its own, and a week with change p pays on average
    σ(θp)p + (1 − σ(θp))(−p/2) = 3/2 p σ(θp) − p/2, weighted by Pr(p_t = p). (The −p/2 parts
    add up to zero: in this chain each rise is as likely as the fall of the same size.)"
    """
    weeks = week_distribution()
    for t, dist in weeks.items():
        for p in (1, 2):
            assert dist[p] == pytest.approx(dist[-p], abs=1e-15), (t, p)
        assert sum(prob * p for p, prob in dist.items()) == pytest.approx(0.0, abs=1e-15)
    J = sym.lambdify_theta(sym.demand_objective_numeric(horizon=2))
    for theta in (-1.3, 0.2, 2.0):
        weekly = sum(prob * (sigmoid(theta * p) * p + (1 - sigmoid(theta * p)) * (-p / 2))
                     for dist in weeks.values() for p, prob in dist.items())
        short = sum(prob * 1.5 * p * sigmoid(theta * p)
                    for dist in weeks.values() for p, prob in dist.items())
        assert J(theta) == pytest.approx(weekly, abs=1e-12)
        assert J(theta) == pytest.approx(short, abs=1e-12)


def test_enumeration_and_bellman_solver_agree(demand):
    """"The same objective from helpers.mdp.objective, which solves the Bellman equation"."""
    mdp, inputs = demand
    J = sym.lambdify_theta(sym.demand_objective_numeric(horizon=2))
    for theta in (-1.0, 0.5, 2.0):
        assert J(theta) == pytest.approx(objective(mdp, POLICY, np.array([theta]), inputs), abs=1e-9)


def test_J_rises_with_theta_steepest_at_zero_towards_always_following_demand():
    """Section 1's plot and the sentence under it.

    "θ > 0 means "order MORE when demand rises": J increases with θ towards its best value,
    and it is steepest around θ = 0, where the policy is a coin flip"; the dotted line is
    "θ → ∞: always follow demand, 2.19".
    """
    thetas = np.linspace(-4, 4, 801)
    slope = sym.lambdify_theta(sp.diff(sym.demand_objective_numeric(horizon=2), THETA))(thetas)
    assert np.all(slope > 0)
    assert thetas[np.argmax(slope)] == pytest.approx(0.0, abs=1e-12)
    assert sigmoid(0.0) == 0.5
    assert np.all(sigmoid(thetas[thetas > 0] * 1.0) > 0.5)
    J = sym.lambdify_theta(sym.demand_objective_numeric(horizon=2))
    follow = sum(prob * (p if p > 0 else -p / 2) for dist in week_distribution().values()
                 for p, prob in dist.items())  # MORE on a rise earns p, LESS on a fall earns −p/2
    assert J(1e3) == pytest.approx(follow, abs=1e-9)
    assert np.all(J(thetas) < follow)
    assert f"{follow:.2f}" == "2.19"


# --- section 2: the log-derivative trick ------------------------------------------------


def test_the_sigmoid_score_is_a_minus_sigma_times_p():
    """The sigmoid score is (a − σ(θp)) p.

    "The score ∂_θ ln π came out as p(1 − σ(θp)) for MORE and −p σ(θp) for LESS, that is
    (a − σ(θp)) p with a = 1 for MORE and a = 0 for LESS", checked against SigmoidPolicy and
    finite differences.
    """
    p = sp.Symbol("p", real=True)
    for action in (DemandEnv.LESS, DemandEnv.MORE):
        trick = sym.log_derivative_trick(action)
        assert sp.simplify(trick.difference) == 0
        claimed = (action - sym.Sigmoid(THETA * p)) * p
        log_gradient = trick.log_gradient.subs(sp.Symbol("p", real=True), p)
        for theta, pv in ((0.5, 2.0), (-1.2, -1.0), (2.0, 1.0)):
            value = float(sym.as_numbers(log_gradient, {THETA: theta, p: pv}))
            assert value == pytest.approx(float(sym.as_numbers(claimed, {THETA: theta, p: pv})), abs=1e-12)
            assert value == pytest.approx(POLICY.grad_log_prob(np.array([theta]), pv, action)[0], abs=1e-9)
            fd = finite_difference_gradient(lambda th, pv=pv, a=action: POLICY.log_prob(th, pv, a),
                                            np.array([theta]))
            assert value == pytest.approx(fd[0], abs=1e-6)


# --- section 3: the environment drops out ------------------------------------------------


def test_environment_terms_are_in_the_probability_not_in_the_score():
    """Environment terms are in the probability, not in the score.

    Printed "environment terms in the probability: 3; in its score: 0"; exercise 1's
    three-step trajectory is "a product with p(s_0), three policy terms and three transition terms".
    """
    generic = sym.generic_trajectory(horizon=2)
    assert len(sym.environment_terms_in(generic.probability)) == 3
    assert sym.environment_terms_in(generic.score) == []
    three = sym.generic_trajectory(horizon=3)
    assert len(three.policy_terms) == 3
    assert len(sym.environment_terms_in(three.probability)) == 1 + 3


def test_the_score_is_the_same_for_any_demand_chain(trajectories):
    """The score is the same for any demand chain.

    "differentiate the full ln π_θ(τ) of the trajectory above by finite differences, once with
    DemandEnv's demand chain and once with a made-up uniform chain. Both equal the sum of policy scores".
    """
    tau, theta, h = trajectories[13], 0.5, 1e-6
    uniform = {symbol: sp.Rational(1, 4) for symbol in sym.demand_environment_values()}
    policy_only = sym.lambdify_theta(tau.score)(theta)
    for values in (sym.demand_environment_values(), uniform):
        log_prob = sym.lambdify_theta(sp.log(tau.probability.xreplace(values)))
        slope = (log_prob(theta + h) - log_prob(theta - h)) / (2 * h)
        assert slope == pytest.approx(policy_only, abs=1e-6)


# --- section 4: two routes ------------------------------------------------------------


def test_two_routes_agree_for_every_demand_chain(demand):
    """Two routes agree for every demand chain.

    "The environment's 20 probabilities stay symbols, so the agreement holds for every demand
    chain, not just one"; then route A against exact_gradient and finite differences.
    """
    routes = sym.two_routes(horizon=2)
    assert routes.difference == 0
    assert len(routes.direct.free_symbols - {THETA}) == 20
    mdp, inputs = demand
    dJ = sym.lambdify_theta(sym.with_demand_numbers(routes.direct))
    for theta in (-1.0, 0.5, 2.0):
        at = np.array([theta])
        assert dJ(theta) == pytest.approx(exact_gradient(mdp, POLICY, at, inputs)[0], abs=1e-9)
        fd = finite_difference_gradient(lambda th: objective(mdp, POLICY, th, inputs), at)[0]
        assert dJ(theta) == pytest.approx(fd, abs=1e-6)


# --- section 5: the lemma and its consequences ----------------------------------------------


def test_the_score_averages_to_zero():
    """The score averages to zero.

    "For any state s and any differentiable policy, the score averages to zero over the policy's
    own actions"; numerically "largest |Σ_a π ∇ln π| below 1e-12" for 100 random (θ, p) and (θ, φ).
    """
    assert sp.simplify(sym.eglp_sigmoid().expectation[0]) == 0
    assert sp.simplify(sym.eglp_softmax().expectation) == sp.zeros(1, 2)
    rng = np.random.default_rng(2018)
    thetas, changes = rng.normal(size=(100, 1)), rng.choice([-2.0, -1.0, 1.0, 2.0], size=100)
    total = np.sum(POLICY.probs(thetas, changes)[..., None] * POLICY.grad_log_probs(thetas, changes), axis=-2)
    assert np.abs(total).max() < 1e-12
    softmax = SoftmaxLinearPolicy(n_actions=3, n_features=2)
    thetas, features = rng.normal(size=(100, 2)), left_down_right_features(rng.normal(size=(100, 1)))
    weighted = softmax.probs(thetas, features)[..., None] * softmax.grad_log_probs(thetas, features)
    total = np.sum(weighted, axis=-2)
    assert np.abs(total).max() < 1e-12


def test_a_state_baseline_is_unbiased_an_action_baseline_is_not():
    """A state baseline is unbiased, an action baseline is not.

    Consequence 1: "b(s_t) is one symbol b_{t,p} per week and demand change, 8 in all ...;
    the action-dependent "baseline" b_{t,p,a} has 16", and "a "baseline" that depends on the
    action would bias the gradient".
    """
    baseline = sym.baseline_identity(horizon=2)
    assert len(baseline.baselines) == 8
    assert baseline.difference == 0
    assert len(baseline.action_baselines) == 16
    assert baseline.action_difference != 0
    assert baseline.action_difference_if_equal() == 0


def test_past_rewards_drop_out_and_here_later_ones_too(trajectories):
    """Past rewards drop out, and here later ones too.

    Consequence 2: "For two weeks the one dropped term is E[r_1 ∂_θ ln π(a_1|p_1, θ)]" (zero);
    and, in Going deeper: "on the demand problem, later rewards drop out too", "even the *later*
    rewards would drop out".
    """
    to_go = sym.reward_to_go_identity(horizon=2)
    assert to_go.past_rewards_term == 0
    assert to_go.difference == 0
    later = sp.Add(*(tau.probability * tau.scores[0] * tau.rewards[1] for tau in trajectories))
    assert sp.expand(later) == 0


@pytest.fixture(scope="module")
def four_weights(demand):
    """Section 5's check: 20 000 episodes at θ = 0.5 from seed 2019, four weights."""
    mdp, inputs = demand
    at, M = np.array([0.5]), 20_000
    batch = sample_episodes(mdp, POLICY, at, inputs, M, np.random.default_rng(2019))
    exact = exact_gradient(mdp, POLICY, at, inputs)[0]
    J_at = objective(mdp, POLICY, at, inputs)
    options = {"total": {"reward_to_go": False}, "J": {"reward_to_go": False, "baseline": J_at},
               "3": {"reward_to_go": False, "baseline": 3.0}, "to_go": {"reward_to_go": True}}
    z = {}
    for name, kwargs in options.items():
        g = reinforce_estimates(POLICY, at, inputs, batch, **kwargs)[:, 0]
        z[name] = (g.mean() - exact) / (g.std(ddof=1) / np.sqrt(M))
    return z, J_at


def test_all_four_weights_lie_within_one_standard_error(four_weights):
    """All four weights lie within one standard error.

    "Each mean should lie within a few standard errors (SE) of the exact gradient ... In this
    batch all four lie within one SE, three above and one below"; Going deeper: "here that
    moves the b = 3 row from +0.41 to −0.39 SE".
    """
    z, _ = four_weights
    assert all(abs(v) < 1 for v in z.values()), z
    assert sum(v > 0 for v in z.values()) == 3
    assert sum(v < 0 for v in z.values()) == 1
    assert (f"{z['total']:+.2f}", f"{z['3']:+.2f}") == ("+0.41", "-0.39")


def test_reward_to_go_lowers_the_spread_both_baselines_raise_it(four_weights):
    """Reward-to-go lowers the spread; both baselines raise it.

    Going deeper: "Dropping the past rewards lowers it here; a constant baseline moves it up or
    down depending on b (here both choices raise it ...)", exact by enumeration at θ = 0.5.
    """
    _, J_at = four_weights
    values = {**sym.demand_environment_values(), THETA: 0.5}
    probs, scores, totals = [], [], []
    for tau in sym.demand_trajectories(horizon=2):
        probs.append(float(sym.as_numbers(tau.probability, values)))
        scores.append(float(sym.as_numbers(tau.score, values)))
        totals.append(float(tau.total_reward))
    probs, scores, totals = map(np.array, (probs, scores, totals))

    def sd(b):
        g = scores * (totals - b)
        return np.sqrt(probs @ g**2 - (probs @ g) ** 2)

    to_go = sym.estimate_standard_deviation(horizon=2, weight="to_go")(0.5)
    assert to_go < sd(0.0) < sd(J_at)
    assert sd(0.0) < sd(3.0)
    # some constant b does lower it: the spread is not smallest at b = 0
    assert min(sd(b) for b in np.linspace(-3, 3, 61)) < sd(0.0)


# --- section 6 and its Going deeper: the state form --------------------------------------


def test_state_form_constant_is_the_episode_length_on_the_demand_problem(demand):
    """The state form's constant is the episode length on the demand problem.

    "with γ = 1 the constant is the expected episode length Σ_s η(s), so exactly
    ∇J(θ) = Σ_s η(s) Σ_a q_π(s,a) ∇π(a|s,θ)" (here every season lasts T = 2 weeks).
    """
    mdp, inputs = demand
    terms = gradient_terms(mdp, POLICY, np.array([0.7]), inputs)
    assert terms.episode_length == pytest.approx(2.0, abs=1e-12)
    np.testing.assert_allclose(terms.episode_length * terms.state_sum, terms.gradient, atol=1e-12)
    fd = finite_difference_gradient(lambda th: objective(mdp, POLICY, th, inputs), np.array([0.7]))
    np.testing.assert_allclose(terms.gradient, fd, atol=1e-6)


def test_short_corridor_state_form():
    """The short corridor's state form, exactly.

    Going deeper: "The state form holds, with the expected episode length as the constant",
    "J(π_R) is the closed form (2π_R − 4)/(π_R(1 − π_R)) of short_corridor_value", "of the two roots
    of dJ/dπ_R only π_R* = 2 − √2 ≈ 0.586 is a probability: the book's best policy, about 0.59",
    "Every step costs 1, so J(π_R) = −Σ_s η(s)", and the chain rule
    "∇_θ J = dJ/dπ_R π_R(1 − π_R)(1, −1)".
    """
    form = sym.short_corridor_state_form()
    pi_R = form.pi_right
    assert sp.simplify(form.difference) == 0
    assert sp.simplify(form.objective - (2 * pi_R - 4) / (pi_R * (1 - pi_R))) == 0
    assert sp.simplify(form.objective + form.episode_length) == 0
    for value in (0.2, 0.5, 0.9):
        assert float(sym.as_numbers(form.objective, {pi_R: value})) == pytest.approx(
            float(short_corridor_value(value)), abs=1e-12)
    roots = sp.solve(sp.numer(sp.together(form.gradient)), pi_R)
    inside = [r for r in roots if 0 < float(r) < 1]
    assert inside == [2 - sp.sqrt(2)]
    assert len(roots) == 2
    assert f"{float(inside[0]):.3f}" == "0.586"
    assert f"{float(inside[0]):.2f}" == "0.59"

    corridor = ShortCorridor()
    mdp, inputs = corridor.tabular(), corridor.policy_inputs()
    policy, theta = SoftmaxLinearPolicy(n_actions=2, n_features=2), np.array([0.0, 0.4])
    terms = gradient_terms(mdp, policy, theta, inputs)
    p = terms.pi[0, ShortCorridor.RIGHT]
    assert p == pytest.approx(sigmoid(theta[0] - theta[1]), abs=1e-12)
    chain = float(sym.as_numbers(form.gradient, {pi_R: p})) * p * (1 - p) * np.array([1, -1])
    np.testing.assert_allclose(chain, terms.gradient, atol=1e-9)
    np.testing.assert_allclose(terms.episode_length * terms.state_sum, terms.gradient, atol=1e-9)
    grad_log_pi = terms.grad_pi / terms.pi[..., None]
    as_expectation = np.einsum("s,sa,sa,sad->d", terms.eta, terms.pi, terms.q, grad_log_pi)
    np.testing.assert_allclose(as_expectation, terms.gradient, atol=1e-9)


def test_the_discount_factor_gamma_t_matters():
    """"the factor γ^t matters: without it the difference vanishes only at γ = 1"."""
    discounted = sym.discounted_identity(horizon=2)
    assert sp.simplify(discounted.difference) == 0
    without = discounted.difference_without_discount_factor
    gamma = discounted.gamma
    assert sp.simplify(without.subs(gamma, 1)) == 0
    for g in (0.0, 0.5, 0.9):
        assert abs(float(sym.as_numbers(without, {gamma: g, THETA: 0.7}))) > 1e-3


# --- section 7: from gradient to algorithm ---------------------------------------------


@pytest.fixture(scope="module")
def section_7(demand):
    """Section 7's 5 000 episodes at θ = 1, from the setup's rng after section 5's random draws."""
    mdp, inputs = demand
    rng = np.random.default_rng(2018)
    rng.normal(size=(100, 1))
    rng.choice([-2.0, -1.0, 1.0, 2.0], size=100)
    rng.normal(size=(100, 2))
    rng.normal(size=(100, 1))
    at, M = np.array([1.0]), 5_000
    batch = sample_episodes(mdp, POLICY, at, inputs, M, rng)
    per_episode = reinforce_estimates(POLICY, at, inputs, batch, reward_to_go=False)[:, 0]
    return per_episode, exact_gradient(mdp, POLICY, at, inputs)[0]


def test_this_batch_misses_by_a_little_more_than_two_standard_errors(section_7):
    """Section 7's batch misses by a little more than two standard errors.

    "Right on average is not right in every batch: this one misses the exact slope by a little
    more than 2 SE"; Going deeper: "ĝ = 0.8641 lies below the exact slope by more than its ±2 SE
    (0.0295)".
    """
    per_episode, exact = section_7
    se = per_episode.std(ddof=1) / np.sqrt(per_episode.size)
    assert 2 < (exact - per_episode.mean()) / se < 3
    assert (f"{per_episode.mean():.4f}", f"{2 * se:.4f}") == ("0.8641", "0.0295")


def test_rare_large_estimates(section_7):
    """Rare large estimates and section 7's low mean.

    Going deeper: "The mean of one estimate ĝᵐ is exactly dJ/dθ (0.8998 at θ = 1, for either
    weight), and its standard deviation (1.1722 with R(τ)) is larger than the slope itself",
    "Rare large estimates weigh far more than their number: about 1% of episodes give ĝᵐ above 5,
    yet they carry 0.0838 of the 0.8998. This sample of 5 000 held 32 of them where 49.6 were
    expected, and that explains nearly all of its low mean ... while the part from the other
    estimates is right on (0.8143 against 0.8160). Its sd, 1.0435, came out below the exact
    1.1722".
    """
    per_episode, exact = section_7
    values, probs = exact_estimate_distribution(1.0)
    to_go_values, _ = exact_estimate_distribution(1.0, "to_go")
    assert probs @ values == pytest.approx(exact, abs=1e-12)
    assert probs @ to_go_values == pytest.approx(exact, abs=1e-12)
    sd = np.sqrt(probs @ values**2 - exact**2)
    assert sd > exact
    assert (f"{exact:.4f}", f"{sd:.4f}") == ("0.8998", "1.1722")
    large = values > 5
    share, part = probs[large].sum(), probs[large] @ values[large]
    assert f"{share:.0%}" == "1%"
    assert f"{part:.4f}" == "0.0838"
    assert part / exact > 5 * share
    M = per_episode.size
    assert (int(np.sum(per_episode > 5)), f"{M * share:.1f}") == (32, "49.6")
    sample_large = per_episode[per_episode > 5].sum() / M
    sample_rest = per_episode[per_episode <= 5].sum() / M
    assert (part - sample_large) > 0.9 * (exact - per_episode.mean())  # "nearly all of its low mean"
    assert (f"{sample_rest:.4f}", f"{exact - part:.4f}") == ("0.8143", "0.8160")
    assert f"{per_episode.std(ddof=1):.4f}" == "1.0435"
    assert per_episode.std(ddof=1) < sd


def test_reward_to_go_is_tighter_below_about_2_8():
    """Reward-to-go is tighter for |θ| below about 2.8.

    Slider: "The menu switches the weight to G_t (reward-to-go): the same mean, and a tighter
    cloud for |θ| below about 2.8"; printed: "smaller with G_t than with R(τ) exactly where |θ| < 2.82".
    """
    grid = np.round(np.linspace(-3, 3, 601), 2)
    total = sym.estimate_standard_deviation(horizon=2, weight="total")(grid)
    to_go = sym.estimate_standard_deviation(horizon=2, weight="to_go")(grid)
    edge = np.abs(grid[to_go >= total]).min()
    assert np.array_equal(to_go < total, np.abs(grid) < edge)
    assert f"{edge:.2f}" == "2.82"
    assert round(edge, 1) == 2.8
    mean_total, _ = sym.estimate_moments(horizon=2, weight="total")
    mean_to_go, _ = sym.estimate_moments(horizon=2, weight="to_go")
    difference = sym.lambdify_theta(sym.with_demand_numbers(mean_total - mean_to_go))
    assert np.abs(difference(grid)).max() < 1e-12


@pytest.fixture(scope="module")
def clouds():
    return {theta: theorem.gradient_cloud(float(theta)) for theta in SLIDER}


def test_the_dots_spread_many_times_wider_than_the_slope_yet_the_mean_settles(clouds):
    """The dots spread many times wider than the slope, yet the mean settles.

    Slider: "the dots spread over a range many times wider than the slope, yet the running mean
    settles near the dashed line".

    Over the slider's 61 values of θ each ±2 SE band misses with probability about 0.05, so the
    number of misses is about Binomial(61, 0.05): mean 3, sd 1.7; a biased estimate would miss
    far more often. The bound is the mean plus four sd.
    """
    for theta, cloud in clouds.items():
        assert np.ptp(cloud.estimates) > 4 * abs(cloud.gradient), theta
    misses = sum(not cloud.band_covers_exact for cloud in clouds.values())
    n, rate = len(clouds), 0.05
    assert misses <= n * rate + 4 * np.sqrt(n * rate * (1 - rate))


def test_a_few_rare_large_estimates_up_to_about_15_as_triangles(clouds):
    """A few rare large estimates, up to about 15, drawn as triangles.

    Slider: "a few rare large estimates (up to about 15, drawn as triangles above the plotted
    range) weigh far more than their number"; static panels: "At θ = −1.6 one rare estimate, 15.4,
    lies above the plotted range (the triangle); at θ = 0 the band misses".
    """
    top = theorem_figures.ESTIMATE_YLIM[1]
    largest = max(cloud.estimates.max() for cloud in clouds.values())
    assert round(largest) == 15
    assert largest > top
    for cloud in clouds.values():
        assert np.sum(cloud.estimates > top) <= 0.05 * cloud.estimates.size  # a few
    at = theorem.gradient_cloud(-1.6)
    assert np.sum(at.estimates > top) == 1
    assert f"{at.estimates.max():.1f}" == "15.4"
    assert not theorem.gradient_cloud(0.0).band_covers_exact
    assert theorem.gradient_cloud(-1.6).band_covers_exact
    assert theorem.gradient_cloud(1.5).band_covers_exact


def test_slope_and_noise_are_largest_near_zero():
    """Slider: "near θ = 0 the policy is a coin flip and slope and noise are largest"."""
    grid = np.round(np.linspace(-3, 3, 601), 2)
    slope = sym.lambdify_theta(sp.diff(sym.demand_objective_numeric(horizon=2), THETA))(grid)
    noise = sym.estimate_standard_deviation(horizon=2, weight="total")(grid)
    assert grid[np.argmax(slope)] == 0.0
    assert grid[np.argmax(noise)] == 0.0


def test_at_zero_the_band_misses_by_chance():
    """At θ = 0 the band misses by chance.

    Under the static panels: "At θ = 0 the band misses by chance, not bias"; Going deeper (how
    noisy one estimate is), "Section 7's static panels": "At θ = 0 the band of these 200 estimates
    misses the exact slope. That is chance, not bias: a ±2 standard-error band misses about one
    batch in twenty, and this batch holds fewer of the largest estimates (the top row of dots) than
    average. More episodes, or the lower-variance reward-to-go, shrink the band."

    The miss rate is measured on 4000 batches of 200 drawn from the exact distribution of ĝᵐ at
    θ = 0 (seed 0); "about one in twenty" allows 0.05 ± 0.02 plus four standard errors of the rate.
    """
    values, probs = exact_estimate_distribution(0.0)
    exact = probs @ values
    cloud = theorem.gradient_cloud(0.0)
    assert cloud.gradient == pytest.approx(exact, abs=1e-12)
    n, batches = cloud.estimates.size, 4000
    draws = values[np.random.default_rng(0).choice(values.size, size=(batches, n), p=probs)]
    se = draws.std(axis=1, ddof=1) / np.sqrt(n)
    rate = np.mean(np.abs(draws.mean(axis=1) - exact) > 2 * se)
    assert abs(rate - 0.05) <= 0.02 + 4 * np.sqrt(0.05 * 0.95 / batches), rate
    largest = values.max()
    expected = n * probs[np.isclose(values, largest)].sum()
    assert cloud.estimates.max() == pytest.approx(largest)
    assert np.sum(np.isclose(cloud.estimates, largest)) < expected
    to_go = sym.estimate_standard_deviation(horizon=2, weight="to_go")(0.0)
    assert to_go < sym.estimate_standard_deviation(horizon=2, weight="total")(0.0)


# --- exercise 3 -----------------------------------------------------------------------


def test_rises_and_falls_contribute_equal_halves():
    """Rises and falls contribute equal halves.

    Exercise 3's solution: "Both parts are 0.7351, half of dJ/dθ(0.5) = 1.4701", "week t adds
    ... = 3/2 p² σ(θp)(1 − σ(θp)). That is the same for p and −p, and the demand chain treats
    rises and falls alike".
    """
    rise, fall = gradient_split(0.5)
    assert rise == pytest.approx(fall, abs=1e-12)
    assert (f"{rise:.4f}", f"{rise + fall:.4f}") == ("0.7351", "1.4701")
    weeks = week_distribution()
    per_week = sum(prob * 1.5 * p**2 * sigmoid(0.5 * p) * (1 - sigmoid(0.5 * p))
                   for dist in weeks.values() for p, prob in dist.items())
    assert per_week == pytest.approx(rise + fall, abs=1e-12)
    values = sym.demand_environment_values()
    rho, P = sym.demand_symbols()
    for p in rho:
        assert values[rho[p]] == values[rho[-p]]
        for q in rho:
            assert values[P[p, q]] == values[P[-p, -q]]
