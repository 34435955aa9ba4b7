"""Notebook 02's quantitative sentences, recomputed with the notebook's settings.

Each test quotes its sentence and fails if the sentence would be false for the
numbers the notebook prints (section 5: 2000 single-episode estimates per θ, seed 0).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from helpers.experiments import demand
from helpers.mdp import exact_gradient
from helpers.reinforce import returns_to_go, sample_episodes

TABLE_THETAS = (-2.0, -1.0, 0.0, 0.5, 1.0, 2.5)


@pytest.fixture(scope="module")
def views():
    return {theta: demand.single_episode_estimates(theta, seed=0) for theta in TABLE_THETAS}


def test_spread_of_single_episode_estimates(views):
    """The spread of one episode's estimate, as section 5 states it.

    "Their standard deviation s is 0.9 to 2 times the gradient they estimate: about one
    episode in ten gives more than twice the gradient".
    """
    spreads = [v.estimates.std(ddof=1) / abs(v.exact) for v in views.values()]
    assert round(min(spreads), 1) == 0.9
    assert round(max(spreads), 1) == 2.0
    above_twice = [np.mean(v.estimates > 2 * v.exact) for v in views.values()]
    assert all(0.09 <= share <= 0.13 for share in above_twice), above_twice


def test_share_of_estimates_with_the_wrong_sign(views):
    """The share of wrong signs, as section 5 states it.

    "away from θ = 0 between 3.6% (at θ = 0.5) and 8.9% (at θ = ±1) of them even have the wrong sign".
    """
    shares = {theta: np.mean(v.estimates < 0) for theta, v in views.items() if theta != 0.0}
    assert np.mean(views[0.0].estimates < 0) == 0.0
    low, high = min(shares, key=shares.get), max(shares.values())
    assert low == 0.5
    assert f"{shares[low]:.1%}" == "3.6%"
    assert f"{high:.1%}" == "8.9%"
    assert f"{shares[-1.0]:.1%}" == f"{shares[1.0]:.1%}" == "8.9%"


def test_most_estimates_are_small_far_from_zero(views):
    """Far from 0 most estimates are small: "at θ = 2.5, 88% of the episodes give |ĝᵐ| < 0.5"."""
    assert f"{np.mean(np.abs(views[2.5].estimates) < 0.5):.0%}" == "88%"


def test_one_update_moves_the_taken_action_with_the_sign_of_g_and_in_proportion():
    """Section 3, one step on MORE after a good and a bad rest of the season.

    "only the sign of G_t decides whether MORE becomes more or less likely, and the change in θ
    ... is proportional to G_t (the change in probability is too, for small steps)".
    """
    effect = demand.update_effect(theta=0.5, p=1.0, action=demand.MORE, returns=(2.0, -2.0, 1.0), alpha=0.5)
    steps = effect.theta_after - effect.theta
    np.testing.assert_allclose(steps / np.array(effect.returns), steps[2], rtol=1e-12)
    assert effect.after[0, 1] > effect.before[1] > effect.after[1, 1]
    # For a small step the change in probability is linear in G_t too: twice G, twice the change.
    small = demand.update_effect(theta=0.5, p=1.0, action=demand.MORE, returns=(1.0, 2.0), alpha=1e-4)
    change = small.after[:, 1] - small.before[1]
    assert change[1] / change[0] == pytest.approx(2.0, rel=1e-3)
    # LESS in the same state moves the other way for G_t > 0.
    less = demand.update_effect(theta=0.5, p=1.0, action=demand.LESS, returns=(2.0,), alpha=0.5)
    assert less.after[0, 0] > less.before[0]


def test_dividing_by_pi_is_what_makes_the_estimate_unbiased():
    """The seed's point: ∇π(A_t|S_t)/π(A_t|S_t) corrects for how often A_t is taken.

    Σ_t G_t ∇ln π(A_t|S_t, θ) averages to ∇J; Σ_t G_t ∇π(A_t|S_t, θ), without the division, does not:
    frequent actions are counted too often. 20000 demand episodes at θ = 0.5, tolerances of 4
    standard errors.
    """
    problem = demand.demand_problem()
    mdp, policy, x = problem.mdp, problem.policy, problem.inputs
    theta = np.array([0.5])
    batch = sample_episodes(mdp, policy, theta, x, 20_000, np.random.default_rng(13))
    G = returns_to_go(batch.rewards, mdp.gamma) * batch.mask
    score = policy.grad_log_prob(theta, x[batch.states], batch.actions)[..., 0]
    pi_taken = np.take_along_axis(policy.probs(theta, x[batch.states]), batch.actions[..., None], -1)[..., 0]
    with_division = np.sum(G * score, axis=1)
    without_division = np.sum(G * pi_taken * score, axis=1)  # ∇π = π ∇ln π
    exact = float(exact_gradient(mdp, policy, theta, x)[0])

    def z(estimates: np.ndarray) -> float:
        return (estimates.mean() - exact) / (estimates.std(ddof=1) / np.sqrt(estimates.size))

    assert abs(z(with_division)) < 4
    assert abs(z(without_division)) > 20


# --- exact statistics of one episode's estimate, by enumerating the 8^3 = 512 seasons --------------


def seasons(theta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every season of the demand problem at θ: its probability, its ĝᵐ and whether it went against demand.

    ĝᵐ = Σ_t G_t (A_t − σ(θ p_t)) p_t (γ = 1), every step scored at θ, as in section 5.
    """
    problem = demand.demand_problem()
    mdp, x = problem.mdp, problem.inputs
    probabilities, estimates, against = [], [], []

    def walk(state, probability, history):
        if mdp.terminal[state]:
            p = np.array([x[s] for s, _ in history])
            a = np.array([action for _, action in history])
            rewards = np.array([mdp.R[s, action] for s, action in history])
            G = returns_to_go(rewards, mdp.gamma)
            probabilities.append(probability)
            estimates.append(float(np.sum(G * (a - 1 / (1 + np.exp(-theta * p))) * p)))
            against.append(bool(np.any(np.where(a == demand.MORE, p < 0, p > 0))))
            return
        more = 1 / (1 + np.exp(-theta * x[state]))
        for action, pi in ((demand.LESS, 1 - more), (demand.MORE, more)):
            for following in np.flatnonzero(mdp.P[state, action] > 0):
                walk(following, probability * pi * mdp.P[state, action, following],
                     [*history, (state, action)])

    for start in np.flatnonzero(mdp.d0 > 0):
        walk(start, mdp.d0[start], [])
    return np.array(probabilities), np.array(estimates), np.array(against)


def test_one_episode_estimate_is_unbiased_exactly():
    """Section 5: "E[ĝᵐ] = dJ/dθ", and the enumeration covers every season: "at most 8³ = 512"."""
    for theta in (-2.0, 0.0, 0.5, 2.5):
        probability, estimate, _ = seasons(theta)
        assert len(probability) == 8**3
        assert probability.sum() == pytest.approx(1.0, abs=1e-12)
        assert probability @ estimate == pytest.approx(float(demand.exact_slope(theta)), abs=1e-10)


def test_distinct_values_of_the_estimate():
    """Section 5, as the notebook states it.

    "The estimates take at most 8³ = 512 distinct values, one per possible season
    (at θ = 0 far fewer, since every score is then ±p/2)".
    """
    counts = {theta: len(np.unique(np.round(seasons(theta)[1], 9))) for theta in (0.0, 0.5, 2.5)}
    assert all(count <= 512 for count in counts.values())
    assert counts[0.0] < counts[0.5] / 2, counts
    assert counts[0.0] < counts[2.5] / 2, counts


def test_relative_noise_grows_with_theta():
    """Section 5: "Relative to the gradient the noise grows with |θ|" (exact standard deviation of ĝᵐ)."""
    def relative_spread(theta):
        probability, estimate, _ = seasons(theta)
        mean = probability @ estimate
        return np.sqrt(probability @ (estimate - mean) ** 2) / abs(mean)

    thetas = (0.0, 0.5, 1.0, 2.0, 2.5)
    spreads = [relative_spread(theta) for theta in thetas]
    assert all(b > a for a, b in itertools.pairwise(spreads)), spreads
    for theta in (0.5, 1.0, 2.5):  # the same on the other side of 0
        assert relative_spread(-theta) == pytest.approx(relative_spread(theta), rel=1e-9)


def test_large_kicks_come_only_from_orders_against_demand():
    """Section 5, as the notebook states it.

    "at θ = 2.5 ... the large kicks (from about −6 to +7) come only from the rare episodes
    in which an order against demand, the unlikely one, was taken".
    """
    probability, estimate, against = seasons(2.5)
    assert not np.any((np.abs(estimate) > 1) & ~against)  # every season: no kick without such an order
    assert probability[against].sum() < 0.2  # rare
    view = demand.single_episode_estimates(2.5, seed=0)  # the notebook's 2000 episodes
    assert round(view.estimates.min()) == -6
    assert round(view.estimates.max()) == 7


def test_the_running_spread_underestimates_before_the_first_kick():
    """Section 5, as the notebook states it.

    "Until the first such kick arrives, the standard deviation of the estimates seen so far
    underestimates their true spread: at θ = 2.5 the right panel's band is deceptively narrow for the
    first few dozen episodes".
    """
    probability, estimate, _ = seasons(2.5)
    true_sd = np.sqrt(probability @ (estimate - probability @ estimate) ** 2)
    view = demand.single_episode_estimates(2.5, seed=0)
    first = int(np.argmax(np.abs(view.estimates) > 1))
    assert 24 <= first <= 100  # "a few dozen"
    assert view.estimates[:first].std(ddof=1) < true_sd / 2
    # and how long a wait is typical: the chance of a kick per episode
    p_kick = probability[np.abs(estimate) > 1].sum()
    assert 1 / p_kick > 10


def test_the_mean_of_2000_estimates_sits_on_the_exact_value(views):
    """Section 5, as the notebook states it.

    "Yet their mean sits on the exact value" (the table: within a few standard errors).

    Six means, each within 3 standard errors: the chance that one of six unbiased means misses is
    about 6 × 0.0027.
    """
    for view in views.values():
        assert abs(view.mean - view.exact) < 3 * view.standard_error, view.theta


# --- sections 1 and 2: the problem and its exact objective --------------------------------------


@pytest.fixture(scope="module")
def problem():
    return demand.demand_problem()


def test_best_returns_of_two_and_three_weeks(problem):
    """Section 1, as the notebook states it.

    "the best expected return J* is 2.194 there and 3.248 here"; section 2: it is
    "J* = Σ_s η(s) max_a R(s,a) ≈ 3.248, the return of always following demand".
    """
    assert f"{demand.best_return(horizon=2):.3f}" == "2.194"
    assert f"{demand.best_return(horizon=3):.3f}" == "3.248"
    live = ~problem.mdp.terminal
    assert np.sum(problem.visits[live] * problem.mdp.R[live].max(axis=1)) == pytest.approx(
        demand.best_return(), abs=1e-12)
    assert demand.exact_objective(50.0) == pytest.approx(demand.best_return(), abs=1e-9)


def test_the_stakes_of_more_are_twice_those_of_less(problem):
    """Section 1, as the notebook states it.

    "ordering MORE earns p ...; ordering LESS earns −p/2 ...: the stakes of MORE are twice
    those of LESS"; the problem has "13 states".
    """
    live = ~problem.mdp.terminal
    R, p = problem.mdp.R[live], problem.inputs[live]
    np.testing.assert_allclose(R[:, demand.MORE], p)
    np.testing.assert_allclose(R[:, demand.LESS], -p / 2)
    assert problem.mdp.n_states == 13


def test_rises_follow_rises_and_orders_do_not_move_demand(problem):
    """Section 1, as the notebook states it.

    "rises tend to follow rises and falls tend to follow falls. The manager's order does
    not change the demand".
    """
    P, x, live = problem.mdp.P, problem.inputs, ~problem.mdp.terminal
    assert np.array_equal(P[:, demand.LESS], P[:, demand.MORE])
    for s in np.flatnonzero(live):
        following = P[s, demand.MORE]
        if following[problem.mdp.terminal].sum() == 1:
            continue  # the last week leads to the end
        same_sign = following[np.sign(x) == np.sign(x[s])].sum()
        assert same_sign > 0.5, (s, x[s], same_sign)


def test_the_three_slider_settings(problem):
    """Section 1, as the notebook states it.

    "At θ = −1 ... J is negative. At θ = 0.5 they order MORE with probability 0.73 when
    demand rises by 2, but still 0.27 when it falls by 2. At θ = 2 the choice at |p| = 2 is nearly certain
    (0.98) and the tangent is much flatter".
    """
    from helpers.policies import sigmoid
    assert demand.exact_objective(-1.0) < 0
    assert f"{sigmoid(0.5 * 2):.2f}" == "0.73"
    assert f"{sigmoid(0.5 * -2):.2f}" == "0.27"
    assert f"{sigmoid(2.0 * 2):.2f}" == "0.98"
    assert demand.exact_slope(2.0) < demand.exact_slope(0.5) / 4


def test_the_shape_of_J_and_its_slope():
    """Section 2, as the notebook states it.

    "J(0) = 0 ..., and J(−θ) = −J(θ) because the demand chain is symmetric and every reward
    changes sign with p"; "J increases with θ and approaches J* ... only as θ → ∞: no finite θ is
    optimal"; "The slope is largest at θ = 0 and vanishes for large |θ|".
    """
    theta = np.linspace(-6, 6, 241)
    J, slope = demand.exact_objective(theta), demand.exact_slope(theta)
    assert abs(float(demand.exact_objective(0.0))) < 1e-12
    np.testing.assert_allclose(J, -J[::-1], atol=1e-12)
    assert np.all(np.diff(J) > 0)
    assert np.all(slope > 0)
    assert demand.exact_objective(30.0) < demand.best_return()
    assert theta[np.argmax(slope)] == 0.0
    assert slope[-1] < slope.max() / 100
    assert slope[0] < slope.max() / 100


# --- section 3: REINFORCE written out -------------------------------------------------------------


def test_by_hand_and_helpers_follow_the_same_path(problem):
    """Section 3, as the notebook states it.

    "`helpers.reinforce.reinforce` implements the same algorithm ... Given generators with the
    same seed, the two must follow the same path" (the notebook's reinforce_by_hand, line for line).
    """
    from helpers.policies import sigmoid
    from helpers.reinforce import reinforce
    mdp, policy, x = problem.mdp, problem.policy, problem.inputs

    def reinforce_by_hand(theta, alpha, n_episodes, rng):
        thetas = [theta]
        for _ in range(n_episodes):
            batch = sample_episodes(mdp, policy, np.array([theta]), x, 1, rng)
            p, A, R = x[batch.states[0]], batch.actions[0], batch.rewards[0]
            G = returns_to_go(R, mdp.gamma)
            for t in range(len(A)):
                theta = theta + alpha * mdp.gamma**t * G[t] * (A[t] - sigmoid(theta * p[t])) * p[t]
            thetas.append(theta)
        return np.array(thetas)

    by_hand = reinforce_by_hand(0.0, 0.1, 200, np.random.default_rng(1992))
    history = reinforce(mdp, policy, np.array([0.0]), x, alpha=0.1, n_episodes=200,
                        rng=np.random.default_rng(1992))
    np.testing.assert_allclose(by_hand, history.theta[0, :, 0], rtol=0, atol=1e-12)


def test_the_sign_of_the_score(problem):
    """Section 3, as the notebook states it.

    the score "(A_t − σ(θp_t))p_t ... is positive when raising θ makes that order more likely
    (MORE at a rise, LESS at a fall) and negative otherwise".
    """
    from helpers.policies import sigmoid
    for theta in (-3.0, -0.5, 0.0, 0.5, 3.0):
        for p in (-2.0, -1.0, 1.0, 2.0):
            for action in (demand.LESS, demand.MORE):
                score = (action - sigmoid(theta * p)) * p
                h = 1e-6
                def prob(th, p=p, action=action):
                    return (sigmoid(th * p) if action == demand.MORE
                                        else 1 - sigmoid(th * p))
                rises = prob(theta + h) > prob(theta - h)
                follows = (action == demand.MORE) == (p > 0)
                assert (score > 0) == rises == follows, (theta, p, action)


def test_own_reward_part_never_lowers_theta_and_later_rewards_are_noise(problem):
    """Section 3, as the notebook states it.

    "R(s,a)∇ln π(a|s,θ), is never negative"; "q_π(s,a) − R(s,a) is the same for both
    orders"; and "the immediate rewards alone give the exact slope on average".
    """
    from helpers.mdp import action_values
    assert demand.immediate_terms(np.linspace(-10, 10, 401)).min() >= 0
    live = ~problem.mdp.terminal
    for theta in (-1.0, 0.5, 2.0):
        table = problem.policy.table(np.array([theta]), problem.inputs)
        future = action_values(problem.mdp, table) - problem.mdp.R
        np.testing.assert_allclose(future[:, demand.MORE], future[:, demand.LESS], atol=1e-12)
        immediate = np.sum(problem.visits[live, None] * table[live] * demand.immediate_terms(theta))
        assert immediate == pytest.approx(float(demand.exact_slope(theta)), abs=1e-10)


def test_one_episode_moves_theta_by_about_alpha_times_the_estimate():
    """Section 5, as the notebook states it.

    "Each REINFORCE update moves θ by approximately α ĝᵐ ... (exactly α ĝᵐ if every step were
    scored at the θ from before the episode)": the difference is of order α².
    """
    rng = np.random.default_rng(5)
    problem = demand.demand_problem()
    batch = sample_episodes(problem.mdp, problem.policy, np.array([0.5]), problem.inputs, 50, rng)
    for alpha in (0.01, 0.001):
        gaps = []
        for m in range(50):
            p, A, R = demand.episode_arrays(batch, m)
            rows = demand.episode_update(0.5, p, A, R, alpha)
            G = returns_to_go(R)
            estimate = np.sum(G * (A - 1 / (1 + np.exp(-0.5 * p))) * p)
            gaps.append(abs(rows[-1].theta_after - 0.5 - alpha * estimate) / alpha)
        assert max(gaps) < 40 * alpha  # relative to the step: O(α)


# --- section 4: the step size (100 runs per α, seed 0, as the dashboard and the table) ------------
# These depend on helpers.reinforce.reinforce's random streams: they recompute, never copy digits.


def test_a_small_alpha_crawls():
    """Section 4, as the notebook states it.

    "With α = 0.01 every run climbs the same slow path; after 200 episodes the mean J is
    still about 0.36 below J*".
    """
    runs = demand.learning_runs(0.01, seed=0)
    gap = demand.best_return() - runs.J[:, -1]
    standard_error = gap.std(ddof=1) / np.sqrt(runs.n_runs)
    assert abs(gap.mean() - 0.36) < 0.005 + 3 * standard_error  # "about 0.36": 0.355 to 0.365
    # the same slow path: at every episode the runs' J spread much less than with a moderate α
    assert runs.J.std(axis=0).max() < 0.25
    assert runs.J.std(axis=0).max() < demand.learning_runs(1.0, seed=0).J.std(axis=0).max() / 2
    assert gap.min() > 0.25


def test_a_moderate_alpha_learns_in_a_few_dozen_episodes_on_jagged_paths():
    """Section 4, as the notebook states it.

    "A moderate α (about 0.3 to 2) learns in a few dozen episodes. The θ paths are jagged:
    single episodes push θ down as well as up, and many runs with α = 1 take a step down larger than 1".
    """
    J_best = demand.best_return()
    for alpha in (10**-0.5, 1.0, 10**0.25):
        runs = demand.learning_runs(alpha, seed=0)
        assert J_best - runs.J[:, 36].mean() < 0.1, alpha  # within 3% of J* after three dozen episodes
    runs = demand.learning_runs(1.0, seed=0)
    steps = np.diff(runs.theta, axis=1)
    assert (steps < 0).any(axis=1).mean() > 0.25
    drops = int((steps < -1).any(axis=1).sum())
    assert drops >= 10, drops  # "many" of 100
    # a small α does not learn within a few dozen episodes
    assert J_best - demand.learning_runs(0.01, seed=0).J[:, 36].mean() > 1.0


def test_a_large_alpha_strands_runs_on_the_wrong_side():
    """Section 4, as the notebook states it.

    "With α = 10 one episode moves θ by tens. The mean curve stalls below J*: an unlucky
    episode throws some runs to θ < 0 ..., into the flat region where dJ/dθ ≈ 0, and they practically
    never come back (they move by less than 0.2 in their last 100 episodes). They order against demand with
    near certainty, for good, and each costs the mean about 2J*/100 = 0.065; the others end at large θ,
    near J*".
    """
    runs = demand.learning_runs(10.0, seed=0)
    J_best = demand.best_return()
    steps = np.abs(np.diff(runs.theta, axis=1))
    assert steps.max() >= 20
    assert np.median(steps.max(axis=1)) >= 10  # tens, in most runs
    wrong = runs.wrong_way
    assert wrong.sum() >= 1
    assert runs.J[:, -1].mean() < J_best - 0.05  # stalls below J*
    stuck = runs.theta[wrong]
    assert np.all(stuck[:, 100:] < 0)  # never come back over the last 100 episodes
    assert np.abs(stuck[:, -1] - stuck[:, 100]).max() < 0.2
    assert np.all(demand.exact_slope(stuck[:, -1]) < 0.01)  # flat
    assert np.all(1 / (1 + np.exp(-np.abs(stuck[:, -1]))) > 0.99)  # against demand, near certain
    assert round(2 * J_best / 100, 3) == 0.065
    cost = (J_best - runs.J[:, -1].mean()) / wrong.sum()
    assert cost == pytest.approx(2 * J_best / 100, rel=0.1)
    others = runs.J[~wrong, -1]
    assert np.all(runs.theta[~wrong, -1] > 4)
    assert J_best - others.mean() < 0.02


# --- section 6: smooth probabilities against ε-greedy jumps (200 runs of 30 episodes) ------------


@pytest.fixture(scope="module")
def smoothness():
    rng = np.random.default_rng(2024)
    fast = demand.smoothness_comparison(30, rng, alpha=0.1, epsilon=0.1, n_runs=200)
    slow = demand.smoothness_comparison(30, rng, alpha=0.03, epsilon=0.1, n_runs=200)
    return fast, slow


def test_epsilon_greedy_takes_three_values_and_jumps(smoothness):
    """Section 6, as the notebook states it.

    "ε-greedy puts 1 − ε/2 on whichever action has the larger estimate q̂(p,a), so an
    arbitrarily small change of q̂ across a tie moves π by 1−ε"; "The ε-greedy probabilities only ever
    take the values 0.05, 0.5 and 0.95: in every run π(MORE|p) leaves the initial tie in one jump of at
    least 0.45, and in some runs a noisy estimate flips the choice later, a jump of 0.9. No step size can
    make those changes smaller".
    """
    fast, _ = smoothness
    tiny = 1e-12
    jump = demand.epsilon_greedy_more(tiny, 0.1) - demand.epsilon_greedy_more(-tiny, 0.1)
    assert jump == pytest.approx(0.9)
    assert set(np.round(np.unique(fast.pi_greedy), 12)) == {0.05, 0.5, 0.95}
    changes = np.abs(np.diff(fast.pi_greedy, axis=1))
    assert np.all(changes.max(axis=(1, 2)) >= 0.45 - 1e-12)
    flips = (changes > 0.5).any(axis=(1, 2))
    assert 0 < flips.sum() < 200
    assert np.allclose(changes[changes > 0] % 0.45, 0, atol=1e-9) or \
        np.all(np.isin(np.round(changes[changes > 0], 9), (0.45, 0.9)))


def test_reinforce_glides_and_a_smaller_alpha_makes_the_changes_smaller(smoothness):
    """Section 6, as the notebook states it.

    "REINFORCE's probabilities glide, and a smaller α makes the changes smaller"
    (the largest change of π(MORE|p) in one episode, per run, 200 runs each).
    """
    fast, slow = smoothness
    largest_fast, largest_greedy = fast.largest_change()
    largest_slow = slow.largest_change()[0]
    # glide: in most runs REINFORCE's largest one-episode change is below ε-greedy's smallest jump
    assert np.median(largest_fast) < 0.45
    assert np.median(largest_greedy) >= 0.45
    difference = largest_fast.mean() - largest_slow.mean()
    standard_error = np.sqrt(largest_fast.var(ddof=1) / 200 + largest_slow.var(ddof=1) / 200)
    assert difference > 4 * standard_error
    assert largest_slow.max() < largest_fast.max()
