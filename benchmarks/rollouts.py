"""Episodes per second on the short corridor: batched numpy rollouts against a step-by-step loop.

The batched rollouts (:func:`helpers.reinforce.sample_episodes`) simulate every
episode at once from the exact model; the loop plays one Gymnasium episode at a
time (:func:`helpers.reinforce.run_episode`). Both use the optimal policy,
π(right) = 2 - √2, whose episodes last 11.7 steps on average. Each figure is the
median of several repeats.

Run: ``python benchmarks/rollouts.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from helpers.envs import SHORT_CORRIDOR_BEST_P, ShortCorridor
from helpers.mdp import expected_episode_length
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import run_episode, sample_episodes

REPEATS = 5


def median_seconds(work, repeats: int = REPEATS) -> float:
    """The median wall time of ``work()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    env = ShortCorridor()
    mdp, inputs = env.tabular(), env.policy_inputs()
    policy = SoftmaxLinearPolicy(n_actions=2, n_features=2)
    logit = np.log(SHORT_CORRIDOR_BEST_P / (1 - SHORT_CORRIDOR_BEST_P))
    theta = np.array([logit / 2, -logit / 2])
    rng = np.random.default_rng(0)
    length = expected_episode_length(mdp, policy.table(theta, inputs))
    print(f"short corridor, pi(right) = {SHORT_CORRIDOR_BEST_P:.3f}, "
          f"expected episode length {length:.2f} steps; median of {REPEATS} repeats")

    n_loop = 500
    loop = median_seconds(lambda: [run_episode(env, policy, theta, inputs, rng) for _ in range(n_loop)])
    print(f"  step-by-step Gymnasium loop: {n_loop:>7} episodes in {loop:6.3f} s "
          f"= {n_loop / loop:>10,.0f} episodes/s ({loop / (n_loop * length) * 1e6:.1f} µs a step)")
    for n_batch in (1_000, 10_000, 100_000):
        batched = median_seconds(lambda n=n_batch: sample_episodes(mdp, policy, theta, inputs, n, rng))
        print(f"  batched numpy rollouts:      {n_batch:>7} episodes in {batched:6.3f} s "
              f"= {n_batch / batched:>10,.0f} episodes/s (x{(n_batch / batched) / (n_loop / loop):.0f})")


if __name__ == "__main__":
    main()
