"""Wall time of Sutton & Barto's Figures 13.1 and 13.2 at full size: the one engine, side by side.

Full size: 100 runs × 1000 episodes per curve (Figure 13.1: 3 curves, all 300 runs
in one call; Figure 13.2: 2 curves). Three ways to train Figure 13.1:

- the collection's engine, :func:`helpers.reinforce.reinforce` (through
  :func:`helpers.experiments.baselines.figure_13_1_runs`), whose per-step loop is compiled with numba
  (the compilation is cached on disk; the first call of a fresh process loads it, and
  that call is reported separately);
- the specialised NumPy learner the collection used before (``_specialised_corridor.py``),
  kept only as this yardstick;
- a step-by-step loop that plays one Gymnasium episode at a time with
  :func:`helpers.reinforce.run_episode` and makes the per-step updates in Python, for a
  few runs of α = 2^-13, its time per run scaled to 300 runs.

Each figure is the median of ``REPEATS`` runs. Printed, never asserted.

Run: ``python benchmarks/short_corridor.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
from _specialised_corridor import short_corridor_reinforce as specialised

from helpers.envs import ShortCorridor
from helpers.experiments import baselines as bl
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import returns_to_go, run_episode

N_RUNS = 100
N_EPISODES = 1000
LOOP_RUNS = 3
REPEATS = 5


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


def seconds(train: Callable[[], object]) -> float:
    start = time.perf_counter()
    train()
    return time.perf_counter() - start


def median_seconds(train: Callable[[], object]) -> float:
    return statistics.median(seconds(train) for _ in range(REPEATS))


def main() -> None:
    alphas = np.repeat(bl.FIGURE_13_1_ALPHAS, N_RUNS)
    first_call = seconds(lambda: bl.figure_13_1_runs(np.random.default_rng(131), N_RUNS, N_EPISODES))
    engine_13_1 = median_seconds(lambda: bl.figure_13_1_runs(np.random.default_rng(131), N_RUNS, N_EPISODES))
    engine_13_2 = median_seconds(lambda: bl.figure_13_2_runs(np.random.default_rng(132), N_RUNS, N_EPISODES))
    old_13_1 = median_seconds(
        lambda: specialised(alphas, N_EPISODES, alphas.size, np.random.default_rng(131)))
    start = time.perf_counter()
    rng = np.random.default_rng(0)
    steps = sum(step_by_step_run(2.0**-13, rng) for _ in range(LOOP_RUNS))
    loop = time.perf_counter() - start
    scaled = loop / LOOP_RUNS * 3 * N_RUNS
    size = f"{N_RUNS} runs × {N_EPISODES} episodes"
    print(f"Figure 13.1 (3 × {size}), the engine:               {engine_13_1:6.2f} s "
          f"(median of {REPEATS}; first call of the process {first_call:.2f} s)")
    print(f"Figure 13.1 (3 × {size}), the old specialised learner: {old_13_1:6.2f} s "
          f"(engine / specialised = {engine_13_1 / old_13_1:.2f})")
    print(f"Figure 13.2 (2 × {size}), the engine:               {engine_13_2:6.2f} s")
    print(f"step-by-step loop: {LOOP_RUNS} runs in {loop:.2f} s ({1e6 * loop / steps:.0f} µs per environment "
          f"step incl. its update), scaled to Figure 13.1's {3 * N_RUNS} runs: {scaled:6.1f} s "
          f"({scaled / engine_13_1:.0f}× the engine)")


if __name__ == "__main__":
    main()
