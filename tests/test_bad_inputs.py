"""Bad inputs raise ValueError with a message that names the argument and what is allowed."""

from __future__ import annotations

import re

import numpy as np
import pytest

from helpers.envs import DemandEnv, ShortCorridor, WindyHighway, short_corridor_value
from helpers.mdp import (
    TabularMDP,
    exact_gradient,
    expected_return,
    finite_difference_gradient,
    objective,
    state_values,
)
from helpers.policies import GaussianPolicy, SigmoidPolicy, SoftmaxLinearPolicy, left_down_right_features
from helpers.reinforce import (
    leave_one_out_mean_baseline,
    reinforce,
    reinforce_estimates,
    returns_to_go,
    sample_episodes,
)

CORRIDOR = ShortCorridor()
MDP = CORRIDOR.tabular()
POLICY = SoftmaxLinearPolicy(2, 2)
INPUTS = CORRIDOR.policy_inputs()
THETA = np.array([0.3, 0.0])
GOOD_P = MDP.P
GOOD_R = MDP.R
GOOD_D0 = MDP.d0
GOOD_TERMINAL = MDP.terminal


def train(**overrides):
    theta0 = overrides.pop("theta0", THETA)
    kwargs = {"alpha": 0.01, "n_episodes": 4, "rng": np.random.default_rng(0)}
    kwargs.update(overrides)
    return reinforce(MDP, POLICY, theta0, INPUTS, **kwargs)


def make_mdp(**overrides):
    kwargs = {"P": GOOD_P, "R": GOOD_R, "d0": GOOD_D0, "terminal": GOOD_TERMINAL, "gamma": 1.0}
    kwargs.update(overrides)
    return TabularMDP(**kwargs)


def bad_P_rows():
    P = GOOD_P.copy()
    P[0, 0] = [0.5, 0.4, 0.0, 0.0]
    return P


def negative_P():
    P = GOOD_P.copy()
    P[0, 0] = [1.5, -0.5, 0.0, 0.0]
    return P


def batch():
    return sample_episodes(MDP, POLICY, THETA, INPUTS, 3, np.random.default_rng(0))


def lit(text: str) -> str:
    return re.escape(text)


CASES = [
    # step sizes
    ("alpha zero", lambda: train(alpha=0.0), lit("alpha must be a finite number > 0, got 0.0")),
    ("alpha negative", lambda: train(alpha=-0.1), lit("alpha must be a finite number > 0")),
    ("alpha nan", lambda: train(alpha=float("nan")), lit("alpha must be a finite number > 0, got nan")),
    ("alpha inf", lambda: train(alpha=float("inf")), lit("alpha must be a finite number > 0")),
    ("alpha_w missing", lambda: train(baseline="learned"),
     lit("alpha_w must be given (a finite number > 0) when baseline='learned'")),
    ("alpha per run, wrong length", lambda: train(alpha=np.array([0.1, 0.2, 0.3]), n_runs=2),
     lit("alpha must be a number or an array of shape (n_runs,) = (2,), got shape (3,)")),
    ("alpha per run, one negative", lambda: train(alpha=np.array([0.1, -0.2]), n_runs=2),
     lit("alpha must be a finite number > 0, got -0.2")),
    ("unknown on_truncation", lambda: train(on_truncation="pause"),
     lit("on_truncation must be one of 'continue', 'stop'; got 'pause'")),
    ("stop with batch updates", lambda: train(update="batch", on_truncation="stop"),
     lit("on_truncation='stop' needs update='per-step'")),
    ("alpha_w negative", lambda: train(baseline="learned", alpha_w=-1.0),
     lit("alpha_w must be a finite number > 0")),
    # discount
    ("gamma above 1 in the model", lambda: make_mdp(gamma=1.5), lit("gamma must lie in [0, 1], got 1.5")),
    ("gamma negative in returns", lambda: returns_to_go([1.0, 2.0], -0.1), lit("gamma must lie in [0, 1]")),
    ("gamma nan in estimates", lambda: reinforce_estimates(POLICY, THETA, INPUTS, batch(), float("nan")),
     lit("gamma must lie in [0, 1]")),
    ("gamma of the demand env", lambda: DemandEnv(gamma=2.0), lit("gamma must lie in [0, 1]")),
    ("gamma of the highway", lambda: WindyHighway(gamma=-0.5), lit("gamma must lie in [0, 1]")),
    # θ
    ("theta wrong length", lambda: SigmoidPolicy(2).probs([1.0, 2.0, 3.0], [0.5, 0.5]),
     lit("theta must have 2 entries on its last axis, got shape (3,)")),
    ("theta wrong length in objective", lambda: objective(MDP, POLICY, [0.1, 0.2, 0.3], INPUTS),
     lit("theta must have 2 entries on its last axis")),
    ("theta nan", lambda: objective(MDP, POLICY, [np.nan, 0.0], INPUTS), lit("theta must be finite")),
    ("theta inf in the Gaussian", lambda: GaussianPolicy(1).log_prob(np.array([np.inf]), 1.0, 0.0),
     lit("theta must be finite")),
    ("theta0 infinite", lambda: train(theta0=np.array([np.inf, 0.0])), lit("theta0 must be finite")),
    ("theta0 batched", lambda: train(theta0=np.zeros((2, 2))), lit("theta0 must have shape (d,) = (2,)")),
    ("theta per episode wrong count",
     lambda: sample_episodes(MDP, POLICY, np.zeros((5, 2)), INPUTS, 3, np.random.default_rng(0)),
     lit("theta must have shape (d,) or (n_episodes, d) = (3, 2)")),
    ("table with batched theta", lambda: POLICY.table(np.zeros((3, 1, 2)), INPUTS), lit("table needs one θ")),
    # One θ per state would silently give a per-state policy (a table of the right shape):
    # the exact solvers take a single θ of shape (d,).
    ("objective with one theta per state", lambda: objective(MDP, POLICY, np.zeros((4, 2)), INPUTS),
     lit("theta must have shape (d,)")),
    ("gradient with one theta per state", lambda: exact_gradient(MDP, POLICY, np.zeros((4, 2)), INPUTS),
     lit("theta must have shape (d,)")),
    # choices
    ("unknown baseline", lambda: train(baseline="median"),
     lit("baseline must be one of 'none', 'mean', 'learned', 'exact'; got 'median'")),
    ("unknown update", lambda: train(update="online"),
     lit("update must be one of 'per-step', 'batch'; got 'online'")),
    ("unknown feature", lambda: WindyHighway().policy_inputs("distance"),
     lit("feature must be one of 'offset', 'constant'; got 'distance'")),
    ("exact baseline in batches", lambda: train(baseline="exact", update="batch", batch_size=2),
     lit("baseline='exact' needs update='per-step'")),
    ("batch size with per-step", lambda: train(batch_size=2),
     lit("batch_size must be 1 with update='per-step'")),
    ("episodes not a multiple of the batch", lambda: train(update="batch", batch_size=3),
     lit("n_episodes must be a multiple of batch_size=3")),
    ("value features wrong shape",
     lambda: train(baseline="learned", alpha_w=0.1, value_features=np.ones((3, 1))),
     lit("value_features must have shape (S, k) with S=4")),
    # the model
    ("P rows not summing to 1", lambda: make_mdp(P=bad_P_rows()),
     lit("P[s, a, :] must be a probability vector (>= 0, sums to 1)")),
    ("P negative", lambda: make_mdp(P=negative_P()), lit("P[s, a, :] must be a probability vector")),
    ("P not square", lambda: make_mdp(P=np.ones((4, 2, 3)) / 3), lit("P must have shape (S, A, S)")),
    ("P nan", lambda: make_mdp(P=np.where(GOOD_P == 1, np.nan, GOOD_P)), lit("P must be finite")),
    ("R wrong shape", lambda: make_mdp(R=np.zeros((4, 3))),
     lit("R must have shape (S, A) = (4, 2), got (4, 3)")),
    ("d0 not summing to 1", lambda: make_mdp(d0=np.array([0.5, 0.2, 0.0, 0.0])),
     lit("d0 must be a probability vector")),
    ("d0 negative", lambda: make_mdp(d0=np.array([1.5, -0.5, 0.0, 0.0])),
     lit("d0 must be a probability vector")),
    ("d0 wrong shape", lambda: make_mdp(d0=np.ones(3) / 3), lit("d0 must have shape (S,) = (4,)")),
    ("terminal as integers", lambda: make_mdp(terminal=np.array([0, 0, 0, 1])),
     lit("terminal must be a boolean array of shape (4,)")),
    ("state names", lambda: make_mdp(state_names=("a", "b")), lit("state_names must have 4 entries")),
    ("pi wrong shape", lambda: state_values(MDP, np.ones((4, 3)) / 3),
     lit("pi must have shape (S, A) = (4, 2)")),
    ("pi rows not summing to 1", lambda: expected_return(MDP, np.full((4, 2), 0.3)),
     lit("pi[s, :] must be a probability vector")),
    ("policy that never ends", lambda: expected_return(MDP, np.tile([1.0, 0.0], (4, 1))),
     r"cannot compute v_pi: under this policy some state never reaches a terminal state"),
    ("finite differences eps", lambda: finite_difference_gradient(np.sum, np.zeros(2), eps=0.0),
     lit("eps must be > 0")),
    # counts
    ("n_episodes zero", lambda: train(n_episodes=0), lit("n_episodes must be an integer >= 1, got 0")),
    ("n_episodes zero when sampling",
     lambda: sample_episodes(MDP, POLICY, THETA, INPUTS, 0, np.random.default_rng(0)),
     lit("n_episodes must be an integer >= 1")),
    ("n_episodes fractional", lambda: train(n_episodes=2.5), lit("n_episodes must be an integer >= 1")),
    ("n_runs boolean", lambda: train(n_runs=True), lit("n_runs must be an integer >= 1")),
    ("max_steps zero", lambda: sample_episodes(MDP, POLICY, THETA, INPUTS, 2, np.random.default_rng(0),
                                               max_steps=0), lit("max_steps must be an integer >= 1")),
    ("max_episode_steps zero", lambda: ShortCorridor(max_episode_steps=0),
     lit("max_episode_steps must be an integer >= 1")),
    ("horizon zero", lambda: DemandEnv(horizon=0), lit("horizon must be an integer >= 1, got 0")),
    ("group size", lambda: leave_one_out_mean_baseline(batch(), group_size=2),
     lit("group_size must divide the number of episodes 3")),
    ("n_features zero", lambda: SigmoidPolicy(0), lit("n_features must be an integer >= 1")),
    ("one action", lambda: SoftmaxLinearPolicy(1, 2), lit("n_actions must be at least 2")),
    # environments
    ("wind above 1", lambda: WindyHighway(wind=1.5), lit("wind must be a probability in [0, 1], got 1.5")),
    ("wind negative", lambda: WindyHighway(wind=-0.1), lit("wind must be a probability in [0, 1]")),
    ("one row", lambda: WindyHighway(n_rows=1), lit("n_rows and n_cols must be at least 2")),
    ("lane rewards", lambda: WindyHighway(lane_rewards=(1.0, 2.0)),
     lit("lane_rewards must have n_cols=6 entries")),
    ("start lane", lambda: WindyHighway(start_col=6), lit("start_col must be in 0..5")),
    ("reward shift", lambda: WindyHighway(reward_shift=float("inf")), lit("reward_shift must be finite")),
    ("action out of the space", lambda: (CORRIDOR.reset(seed=0), CORRIDOR.step(2)),
     lit("action must be an integer in 0..1")),
    ("short corridor p = 0", lambda: short_corridor_value(0.0), lit("p must lie strictly between 0 and 1")),
    ("short corridor p = 1", lambda: short_corridor_value(np.array([0.5, 1.0])),
     lit("p must lie strictly between 0 and 1")),
    ("short corridor p > 1", lambda: short_corridor_value(1.5), lit("p must lie strictly between 0 and 1")),
    # policies
    ("Gaussian sigma zero", lambda: GaussianPolicy(1, sigma=0.0),
     lit("sigma must be a finite number > 0 or None (learned)")),
    ("Gaussian sigma negative", lambda: GaussianPolicy(1, sigma=-1.0),
     lit("sigma must be a finite number > 0")),
    ("Gaussian sigma nan", lambda: GaussianPolicy(1, sigma=float("nan")),
     lit("sigma must be a finite number > 0")),
    ("action too large", lambda: POLICY.log_prob(THETA, INPUTS[0], 2),
     lit("a must hold integer actions in 0..1")),
    ("action negative", lambda: SoftmaxLinearPolicy(3, 2).grad_log_prob(
        THETA, left_down_right_features(np.array([1.0])), -1), lit("a must hold integer actions in 0..2")),
    ("action as a float", lambda: SigmoidPolicy().log_prob(0.5, 1.0, 1.0),
     lit("a must hold integer actions")),
    ("softmax features wrong shape", lambda: POLICY.probs(THETA, np.ones((3, 2))),
     lit("x must have shape (..., 2, 2) (actions, features)")),
    ("sigmoid features wrong length", lambda: SigmoidPolicy(2).probs([1.0, 1.0], np.ones(3)),
     lit("x must have 2 features on its last axis")),
    ("features without a feature axis", lambda: left_down_right_features(1.0),
     lit("phi must have a trailing feature axis")),
    ("baseline wrong shape",
     lambda: reinforce_estimates(POLICY, THETA, INPUTS, batch(), 1.0, np.ones((2, 2, 2))),
     lit("baseline must be None, a number, an array over states (S,) or one value per step")),
]


@pytest.mark.parametrize(("call", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_there_are_many_kinds_of_bad_input():
    assert len(CASES) >= 12
