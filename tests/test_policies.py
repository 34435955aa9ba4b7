"""Policies: analytic scores against finite differences and SymPy, sampling, extreme θ."""

from __future__ import annotations

import math
import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.policies import (
    LOG_SIGMA_BOUND,
    GaussianPolicy,
    SigmoidPolicy,
    SoftmaxLinearPolicy,
    categorical_sample,
    left_down_right_features,
    log_sigmoid,
    log_softmax,
    sigmoid,
)

SETTINGS = settings(max_examples=40, deadline=None)
EPS = 1e-6


def moderate(low: float = -5.0, high: float = 5.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def vectors(n: int, low: float = -5.0, high: float = 5.0):
    return hnp.arrays(float, (n,), elements=moderate(low, high))


def central_differences(f, theta: np.ndarray, eps: float = EPS) -> np.ndarray:
    """(f(θ + ε e_i) - f(θ - ε e_i)) / 2ε for every i, written independently of helpers.mdp."""
    grad = np.zeros_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        grad[i] = (float(f(theta + step)) - float(f(theta - step))) / (2 * eps)
    return grad


def assert_score_matches_differences(policy, theta, x, a):
    analytic = policy.grad_log_prob(theta, x, a)
    numeric = central_differences(lambda t: policy.log_prob(t, x, a), theta)
    # Truncation error is O(ε² |f'''|) and rounding O(1e-16 |f| / ε); both are far below 1e-5
    # for |θ| <= 5 and features of a few units.
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- finite differences


@SETTINGS
@given(data=st.data(), d=st.integers(1, 3), a=st.integers(0, 1))
def test_sigmoid_score_matches_finite_differences(data, d, a):
    theta = data.draw(vectors(d))
    x = data.draw(vectors(d, -3, 3))
    assert_score_matches_differences(SigmoidPolicy(d), theta, x, a)


@SETTINGS
@given(data=st.data(), n_actions=st.integers(2, 4), d=st.integers(1, 3))
def test_softmax_score_matches_finite_differences(data, n_actions, d):
    theta = data.draw(vectors(d))
    x = data.draw(hnp.arrays(float, (n_actions, d), elements=moderate(-3, 3)))
    a = data.draw(st.integers(0, n_actions - 1))
    assert_score_matches_differences(SoftmaxLinearPolicy(n_actions, d), theta, x, a)


@SETTINGS
@given(theta=vectors(2), phi=moderate(-3, 3), a=st.integers(0, 2))
def test_left_down_right_score_matches_finite_differences(theta, phi, a):
    x = left_down_right_features(np.array([phi]))
    assert_score_matches_differences(SoftmaxLinearPolicy(3, 2), theta, x, a)


@SETTINGS
@given(data=st.data(), d=st.integers(1, 3), sigma=moderate(0.3, 3.0), a=moderate(-5, 5))
def test_gaussian_fixed_sigma_score_matches_finite_differences(data, d, sigma, a):
    theta = data.draw(vectors(d, -2, 2))
    x = data.draw(vectors(d, -2, 2))
    assert_score_matches_differences(GaussianPolicy(d, sigma=sigma), theta, x, a)


@SETTINGS
@given(data=st.data(), d=st.integers(1, 2), a=moderate(-5, 5))
def test_gaussian_learned_sigma_score_matches_finite_differences(data, d, a):
    # θ_σ·x stays within ±4, well inside the clip at ±10 where the density is smooth.
    theta = np.concatenate([data.draw(vectors(d, -2, 2)), data.draw(vectors(d, -1, 1))])
    x = data.draw(vectors(d, -2, 2))
    assert_score_matches_differences(GaussianPolicy(d, sigma=None), theta, x, a)


def test_own_central_differences_on_a_known_function():
    # f = sin(θ0) θ1², ∇f = (cos(θ0) θ1², 2 sin(θ0) θ1).
    theta = np.array([0.7, -1.3])
    numeric = central_differences(lambda t: np.sin(t[0]) * t[1] ** 2, theta)
    exact = [np.cos(0.7) * 1.69, 2 * np.sin(0.7) * -1.3]
    np.testing.assert_allclose(numeric, exact, rtol=1e-8)


# ---------------------------------------------------------------- grad_log_probs / tables


@SETTINGS
@given(data=st.data(), n_actions=st.integers(2, 4), d=st.integers(1, 3), n_states=st.integers(1, 5))
def test_softmax_grad_log_probs_and_table_agree_with_grad_log_prob(data, n_actions, d, n_states):
    policy = SoftmaxLinearPolicy(n_actions, d)
    theta = data.draw(vectors(d))
    inputs = data.draw(hnp.arrays(float, (n_states, n_actions, d), elements=moderate(-3, 3)))
    table = policy.grad_log_table(theta, inputs)
    assert table.shape == (n_states, n_actions, d)
    for s in range(n_states):
        np.testing.assert_allclose(policy.grad_log_probs(theta, inputs[s]), table[s])
        for a in range(n_actions):
            np.testing.assert_allclose(policy.grad_log_prob(theta, inputs[s], a), table[s, a])


@SETTINGS
@given(data=st.data(), d=st.integers(1, 3), n_states=st.integers(1, 5))
def test_sigmoid_grad_log_probs_and_table_agree_with_grad_log_prob(data, d, n_states):
    policy = SigmoidPolicy(d)
    theta = data.draw(vectors(d))
    inputs = data.draw(hnp.arrays(float, (n_states, d), elements=moderate(-3, 3)))
    table = policy.grad_log_table(theta, inputs)
    assert table.shape == (n_states, 2, d)
    for s in range(n_states):
        for a in range(2):
            np.testing.assert_allclose(policy.grad_log_prob(theta, inputs[s], a), table[s, a])


@SETTINGS
@given(data=st.data(), n_actions=st.integers(2, 4), d=st.integers(1, 3))
def test_expected_score_is_zero(data, n_actions, d):
    # Σ_a π(a) ∇ln π(a) = ∇ Σ_a π(a) = ∇1 = 0.
    for policy, x in (
        (SoftmaxLinearPolicy(n_actions, d),
         data.draw(hnp.arrays(float, (n_actions, d), elements=moderate(-3, 3)))),
        (SigmoidPolicy(d), data.draw(vectors(d, -3, 3))),
    ):
        theta = data.draw(vectors(d))
        mean_score = policy.probs(theta, x) @ policy.grad_log_probs(theta, x)
        np.testing.assert_allclose(mean_score, 0.0, atol=1e-12)


def test_sigmoid_with_one_feature_accepts_inputs_without_the_feature_axis():
    policy = SigmoidPolicy()
    p = np.array([-2.0, -1.0, 1.0, 2.0])
    np.testing.assert_allclose(policy.probs(0.7, p), policy.probs([0.7], p[:, None]))
    np.testing.assert_allclose(policy.grad_log_table(0.7, p), policy.grad_log_table(0.7, p[:, None]))


# ---------------------------------------------------------------- SymPy


def test_sigmoid_score_matches_sympy():
    d = 3
    theta = sp.symbols(f"theta0:{d}")
    x = sp.symbols(f"x0:{d}")
    z = sum(t * xi for t, xi in zip(theta, x, strict=True))
    sig = 1 / (1 + sp.exp(-z))
    log_pi = {1: sp.log(sig), 0: sp.log(1 - sig)}
    scores = {a: sp.lambdify([theta, x], [sp.diff(log_pi[a], t) for t in theta]) for a in (0, 1)}
    log_pis = {a: sp.lambdify([theta, x], log_pi[a]) for a in (0, 1)}
    rng = np.random.default_rng(0)
    policy = SigmoidPolicy(d)
    for _ in range(5):
        th, xv = rng.uniform(-3, 3, d), rng.uniform(-2, 2, d)
        for a in (0, 1):
            np.testing.assert_allclose(policy.grad_log_prob(th, xv, a), scores[a](th, xv), rtol=1e-10,
                                       atol=1e-12)
            np.testing.assert_allclose(policy.log_prob(th, xv, a), log_pis[a](th, xv), rtol=1e-10)


def test_demand_sigmoid_score_matches_sympy_closed_form():
    # π(MORE|p) = σ(θp): d/dθ ln σ(θp) = (1 - σ(θp)) p, d/dθ ln(1 - σ(θp)) = -σ(θp) p.
    th, p = sp.symbols("theta p", real=True)
    sig = 1 / (1 + sp.exp(-th * p))
    assert sp.simplify(sp.diff(sp.log(sig), th) - (1 - sig) * p) == 0
    assert sp.simplify(sp.diff(sp.log(1 - sig), th) + sig * p) == 0
    policy = SigmoidPolicy()
    for theta_value, p_value in ((0.3, -2.0), (-1.1, 1.0), (2.0, 2.0)):
        s = 1 / (1 + math.exp(-theta_value * p_value))
        np.testing.assert_allclose(policy.grad_log_prob(theta_value, p_value, 1), [(1 - s) * p_value])
        np.testing.assert_allclose(policy.grad_log_prob(theta_value, p_value, 0), [-s * p_value])


def test_softmax_score_matches_sympy():
    n_actions, d = 3, 2
    theta = sp.symbols(f"theta0:{d}")
    x = sp.Matrix(n_actions, d, lambda i, j: sp.Symbol(f"x{i}{j}"))
    h = [sum(theta[j] * x[i, j] for j in range(d)) for i in range(n_actions)]
    denominator = sum(sp.exp(hi) for hi in h)
    x_symbols = list(x)
    scores = [
        sp.lambdify([theta, x_symbols], [sp.diff(sp.log(sp.exp(h[a]) / denominator), t) for t in theta])
        for a in range(n_actions)
    ]
    rng = np.random.default_rng(1)
    policy = SoftmaxLinearPolicy(n_actions, d)
    for _ in range(5):
        th, xv = rng.uniform(-3, 3, d), rng.uniform(-2, 2, (n_actions, d))
        for a in range(n_actions):
            np.testing.assert_allclose(policy.grad_log_prob(th, xv, a), scores[a](th, xv.ravel()),
                                       rtol=1e-10, atol=1e-12)


def test_gaussian_scores_match_sympy():
    a, th_mu, th_sigma, x, sigma = sp.symbols("a theta_mu theta_sigma x sigma", real=True)
    mu = th_mu * x

    def log_density(std):
        return sp.log(sp.exp(-((a - mu) ** 2) / (2 * std**2)) / (std * sp.sqrt(2 * sp.pi)))

    fixed = log_density(sigma)
    # The fixed-σ score is (a - μ) x / σ².
    assert sp.simplify(sp.diff(fixed, th_mu) - (a - mu) * x / sigma**2) == 0
    learned = log_density(sp.exp(th_sigma * x))
    d_mu = sp.lambdify([th_mu, th_sigma, x, a], sp.diff(learned, th_mu))
    d_sigma = sp.lambdify([th_mu, th_sigma, x, a], sp.diff(learned, th_sigma))
    d_fixed = sp.lambdify([th_mu, x, a, sigma], sp.diff(fixed, th_mu))
    for values in ((0.4, -0.3, 1.5, 2.0), (-1.2, 0.5, -0.7, -0.4), (2.0, 0.1, 0.9, 3.3)):
        tm, ts, xv, av = values
        np.testing.assert_allclose(GaussianPolicy(1, sigma=None).grad_log_prob(np.array([tm, ts]), xv, av),
                                   [d_mu(*values), d_sigma(*values)], rtol=1e-10)
        np.testing.assert_allclose(GaussianPolicy(1, sigma=0.7).grad_log_prob(np.array([tm]), xv, av),
                                   [d_fixed(tm, xv, av, 0.7)], rtol=1e-10)
        np.testing.assert_allclose(GaussianPolicy(1, sigma=0.7).grad_log_prob(np.array([tm]), xv, av),
                                   [(av - tm * xv) * xv / 0.49], rtol=1e-10)


# ---------------------------------------------------------------- valid probabilities


@SETTINGS
@given(data=st.data(), n_actions=st.integers(2, 5), d=st.integers(1, 3))
def test_probabilities_are_distributions(data, n_actions, d):
    theta = data.draw(vectors(d, -50, 50))
    x = data.draw(hnp.arrays(float, (4, n_actions, d), elements=moderate(-3, 3)))
    for policy, inputs in ((SoftmaxLinearPolicy(n_actions, d), x), (SigmoidPolicy(d), x[:, 0, :])):
        probs = policy.probs(theta, inputs)
        assert np.all(probs >= 0)
        np.testing.assert_allclose(probs.sum(axis=-1), 1.0, atol=1e-12)
        log_probs = np.stack([policy.log_prob(theta, inputs, np.full(4, b))
                              for b in range(policy.n_actions)], axis=-1)
        np.testing.assert_allclose(np.exp(log_probs), probs, atol=1e-12)


def test_softmax_probs_match_a_direct_formula():
    theta = np.array([0.5, -1.0])
    x = np.array([[1.0, 0.0], [0.5, 2.0], [-1.0, 1.0]])
    h = x @ theta
    expected = np.exp(h) / np.exp(h).sum()
    np.testing.assert_allclose(SoftmaxLinearPolicy(3, 2).probs(theta, x), expected)


def test_log_sigmoid_and_log_softmax_match_their_definitions():
    z = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(log_sigmoid(z), np.log(1 / (1 + np.exp(-z))))
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)))
    v = np.array([0.3, -2.0, 1.5])
    np.testing.assert_allclose(log_softmax(v), np.log(np.exp(v) / np.exp(v).sum()))


def binomial_check(counts: np.ndarray, probs: np.ndarray, n: int) -> None:
    """Every action's frequency within 5 binomial standard errors sqrt(p(1-p)/n) of p."""
    freq = counts / n
    se = np.sqrt(probs * (1 - probs) / n)
    assert np.all(np.abs(freq - probs) <= 5 * se + 1e-12), (freq, probs, se)


@pytest.mark.parametrize(
    ("policy", "theta", "x"),
    [
        (SigmoidPolicy(), np.array([0.4]), np.array(1.5)),
        (SoftmaxLinearPolicy(3, 2), np.array([0.7, -0.2]), left_down_right_features(np.array([0.6]))),
        (SoftmaxLinearPolicy(4, 1), np.array([1.0]), np.array([[0.0], [0.5], [-1.0], [2.0]])),
    ],
)
def test_sample_frequencies_match_probs(policy, theta, x):
    n = 20_000
    rng = np.random.default_rng(123)
    probs = policy.probs(theta, x)
    batch_x = np.broadcast_to(x, (n, *np.shape(x)))
    actions = policy.sample(theta, batch_x, rng)
    assert actions.shape == (n,)
    binomial_check(np.bincount(actions, minlength=policy.n_actions), probs, n)


def test_categorical_sample_never_draws_zero_probability_actions():
    rng = np.random.default_rng(5)
    probs = np.array([0.5, 0.0, 0.5, 0.0])
    draws = categorical_sample(np.broadcast_to(probs, (5000, 4)), rng)
    assert set(np.unique(draws)) == {0, 2}
    binomial_check(np.bincount(draws, minlength=4), probs, 5000)


@pytest.mark.parametrize(("sigma", "theta"), [(0.8, np.array([1.5, -0.5])),
                                              (None, np.array([1.5, -0.5, 0.2, -0.4]))])
def test_gaussian_samples_have_the_policy_mean_and_std(sigma, theta):
    policy = GaussianPolicy(2, sigma=sigma)
    x = np.array([0.8, 1.2])
    mu = theta[0] * x[0] + theta[1] * x[1]
    std = 0.8 if sigma is not None else math.exp(theta[2] * x[0] + theta[3] * x[1])
    assert policy.mean(theta, x) == pytest.approx(mu)
    assert policy.std(theta, x) == pytest.approx(std)
    n = 40_000
    samples = policy.sample(theta, np.broadcast_to(x, (n, 2)), np.random.default_rng(7))
    s = samples.std(ddof=1)
    # The sample mean has standard error s/√n; the sample std of a normal sample has
    # standard error ≈ s/√(2(n-1)).
    assert abs(samples.mean() - mu) < 4 * s / math.sqrt(n)
    assert abs(s - std) < 4 * s / math.sqrt(2 * (n - 1))


def test_gaussian_log_prob_is_the_normal_log_density():
    policy = GaussianPolicy(1, sigma=None)
    theta, x, a = np.array([0.5, -0.3]), 2.0, 0.4
    mu, std = 1.0, math.exp(-0.6)
    expected = -0.5 * ((a - mu) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))
    assert policy.log_prob(theta, x, a) == pytest.approx(expected)
    assert policy.density(theta, x, a) == pytest.approx(math.exp(expected))


# ---------------------------------------------------------------- vectorisation


def test_batched_theta_matches_a_loop_for_discrete_policies():
    rng = np.random.default_rng(2)
    cases = [
        (SigmoidPolicy(2), rng.normal(size=(6, 2)), rng.normal(size=(6, 2))),
        (SoftmaxLinearPolicy(3, 2), rng.normal(size=(6, 2)), rng.normal(size=(6, 3, 2))),
    ]
    for policy, thetas, xs in cases:
        actions = rng.integers(0, policy.n_actions, 6)
        probs = policy.probs(thetas, xs)
        logp = policy.log_prob(thetas, xs, actions)
        scores = policy.grad_log_prob(thetas, xs, actions)
        all_scores = policy.grad_log_probs(thetas, xs)
        for i in range(6):
            np.testing.assert_allclose(probs[i], policy.probs(thetas[i], xs[i]))
            np.testing.assert_allclose(logp[i], policy.log_prob(thetas[i], xs[i], actions[i]))
            np.testing.assert_allclose(scores[i], policy.grad_log_prob(thetas[i], xs[i], actions[i]))
            np.testing.assert_allclose(all_scores[i], policy.grad_log_probs(thetas[i], xs[i]))
        # One θ per run broadcast against every state: shape (runs, 1, d) with inputs (S, ...).
        table = policy.probs(thetas[:, None, :], xs)
        for i in range(6):
            np.testing.assert_allclose(table[i], policy.probs(thetas[i], xs))


@pytest.mark.parametrize("sigma", [1.3, None])
def test_batched_theta_matches_a_loop_for_the_gaussian(sigma):
    rng = np.random.default_rng(3)
    policy = GaussianPolicy(2, sigma=sigma)
    thetas = rng.normal(size=(5, policy.n_params)) * 0.5
    xs = rng.normal(size=(5, 2))
    actions = rng.normal(size=5)
    logp = policy.log_prob(thetas, xs, actions)
    scores = policy.grad_log_prob(thetas, xs, actions)
    assert scores.shape == (5, policy.n_params)
    for i in range(5):
        np.testing.assert_allclose(logp[i], policy.log_prob(thetas[i], xs[i], actions[i]))
        np.testing.assert_allclose(scores[i], policy.grad_log_prob(thetas[i], xs[i], actions[i]))


def test_gaussian_accepts_theta_as_a_list_like_the_discrete_policies():
    # SigmoidPolicy and SoftmaxLinearPolicy take θ as any array-like; so should the Gaussian.
    policy = GaussianPolicy(1, sigma=1.0)
    expected = policy.log_prob(np.array([0.5]), 1.0, 0.3)
    assert policy.log_prob([0.5], 1.0, 0.3) == pytest.approx(expected)
    assert policy.log_prob(0.5, 1.0, 0.3) == pytest.approx(expected)


def test_left_down_right_features_layout():
    phi = np.array([[0.5], [-1.0]])
    x = left_down_right_features(phi)
    assert x.shape == (2, 3, 2)
    np.testing.assert_array_equal(x[0], [[0.5, 0.0], [0.0, 0.0], [0.0, 0.5]])
    np.testing.assert_array_equal(x[1], [[-1.0, 0.0], [0.0, 0.0], [0.0, -1.0]])
    # Preferences: left θ_L φ, down 0, right θ_R φ.
    theta = np.array([2.0, -1.0])
    h = np.array([2.0 * 0.5, 0.0, -1.0 * 0.5])
    np.testing.assert_allclose(SoftmaxLinearPolicy(3, 2).probs(theta, x[0]), np.exp(h) / np.exp(h).sum())


# ---------------------------------------------------------------- extreme θ

extreme = st.one_of(st.sampled_from([-1e3, 1e3, 0.0]), st.floats(-1e3, 1e3))


def extreme_cases(data):
    theta2 = np.array([data.draw(extreme), data.draw(extreme)])
    phi = data.draw(moderate(-3, 3))
    feats = data.draw(hnp.arrays(float, (4, 2), elements=moderate(-3, 3)))
    a = data.draw(moderate(-5, 5))
    return [
        (SigmoidPolicy(2), theta2, feats[0], [0, 1]),
        (SigmoidPolicy(), theta2[:1], np.array(phi), [0, 1]),
        (SoftmaxLinearPolicy(3, 2), theta2, left_down_right_features(np.array([phi])), [0, 1, 2]),
        (SoftmaxLinearPolicy(4, 2), theta2, feats, [0, 1, 2, 3]),
        (GaussianPolicy(2, sigma=0.5), theta2, feats[0], [a]),
        (GaussianPolicy(1, sigma=None), theta2, feats[0, :1], [a]),
    ]


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_extreme_theta_gives_finite_values_without_warnings(data):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        # Underflow of exp to 0 is expected (a probability of e^-3000) and is not checked.
        warnings.simplefilter("error")
        for policy, theta, x, actions in extreme_cases(data):
            for a in actions:
                a = np.asarray(a) if isinstance(policy, GaussianPolicy) else a
                assert np.isfinite(policy.log_prob(theta, x, a))
                assert np.all(np.isfinite(policy.grad_log_prob(theta, x, a)))
            if not isinstance(policy, GaussianPolicy):
                probs = policy.probs(theta, x)
                assert np.all(np.isfinite(probs))
                assert np.all(probs >= 0)
                assert probs.sum() == pytest.approx(1.0)
                assert np.all(np.isfinite(policy.grad_log_probs(theta, x)))


def test_extreme_theta_picks_the_preferred_action():
    policy = SoftmaxLinearPolicy(3, 2)
    x = left_down_right_features(np.array([1.0]))
    np.testing.assert_allclose(policy.probs(np.array([1e3, -1e3]), x), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(policy.probs(np.array([-1e3, 1e3]), x), [0.0, 0.0, 1.0])
    assert SigmoidPolicy().probs(1e3, -2.0)[1] == 0.0
    # ln π of the unlikely action is -θp exactly in floating point: ln σ(-2000) = -2000.
    assert SigmoidPolicy().log_prob(1e3, -2.0, 1) == pytest.approx(-2000.0)


def test_learned_sigma_is_clipped_and_its_score_vanishes_beyond_the_clip():
    policy = GaussianPolicy(1, sigma=None)
    theta = np.array([0.0, 1e3])
    assert policy.log_std(theta, 1.0) == LOG_SIGMA_BOUND
    assert policy.log_std(-theta, 1.0) == -LOG_SIGMA_BOUND
    assert policy.grad_log_prob(theta, 1.0, np.asarray(0.5))[1] == 0.0
