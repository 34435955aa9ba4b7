"""Wall time of Sutton & Barto's Figures 13.1 and 13.2 at full size, against a step-by-step loop.

Full size: 100 runs × 1000 episodes per curve (Figure 13.1: 3 curves, all 300 runs
in one vectorised call; Figure 13.2: 2 curves). The step-by-step reference plays one
Gymnasium episode at a time with :func:`helpers.reinforce.run_episode` and makes the
per-step updates in a Python loop, for a few runs of Figure 13.1's α = 2^-13; its time
per run is scaled to 300 runs. Printed, never asserted.

Run: ``python benchmarks/short_corridor.py``
"""

from __future__ import annotations

import time

import numpy as np

from helpers import baselines as bl
from helpers.envs import ShortCorridor
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import returns_to_go, run_episode

N_RUNS = 100
N_EPISODES = 1000
LOOP_RUNS = 3


def step_by_step_run(alpha: float, rng: np.random.Generator) -> int:
    """One REINFORCE run in Gymnasium, one episode and one update at a time; returns its steps."""
    env = ShortCorridor(max_episode_steps=1000)
    policy = SoftmaxLinearPolicy(2, 2)
    inputs = env.policy_inputs()
    theta = bl.BOOK_THETA0.copy()
    steps = 0
    for _ in range(N_EPISODES):
        episode = run_episode(env, policy, theta, inputs, rng, max_steps=1000)
        if episode.truncated:
            break
        G = returns_to_go(episode.rewards)
        for t in range(len(episode)):
            score = policy.grad_log_prob(theta, inputs[episode.states[t]], episode.actions[t])
            theta = theta + alpha * G[t] * score
        steps += len(episode)
    return steps


def main() -> None:
    start = time.perf_counter()
    bl.figure_13_1(np.random.default_rng(131), N_RUNS, N_EPISODES)
    seconds_13_1 = time.perf_counter() - start
    start = time.perf_counter()
    bl.figure_13_2(np.random.default_rng(132), N_RUNS, N_EPISODES)
    seconds_13_2 = time.perf_counter() - start
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    steps = sum(step_by_step_run(2.0**-13, rng) for _ in range(LOOP_RUNS))
    loop = time.perf_counter() - start
    scaled = loop / LOOP_RUNS * 3 * N_RUNS
    print(f"Figure 13.1 (3 × {N_RUNS} runs × {N_EPISODES} episodes, vectorised): {seconds_13_1:6.2f} s")
    print(f"Figure 13.2 (2 × {N_RUNS} runs × {N_EPISODES} episodes, vectorised): {seconds_13_2:6.2f} s")
    print(f"step-by-step loop: {LOOP_RUNS} runs in {loop:.2f} s ({1e6 * loop / steps:.0f} µs per environment "
          f"step incl. its update), scaled to Figure 13.1's {3 * N_RUNS} runs: {scaled:6.1f} s")
    print(f"speed-up on Figure 13.1: {scaled / seconds_13_1:.0f}×")


if __name__ == "__main__":
    main()
