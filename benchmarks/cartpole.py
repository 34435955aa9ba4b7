"""CartPole-v1 solved by REINFORCE with a learned baseline: episodes and wall time for 10 seeds.

Solved means running ≥ 475, with running = 0.95·running + 0.05·(episode return)
(:func:`helpers.cartpole.train_cartpole`). For each seed the script prints the
episodes played until solved, the environment steps and the wall time, then the
medians. Targets: every seed solved; median under 400 episodes and under 5 s.

Run: ``python benchmarks/cartpole.py [n_seeds]``
"""

from __future__ import annotations

import statistics
import sys
import time

from helpers.cartpole import ALPHA, ALPHA_W, train_cartpole

MAX_EPISODES = 2000


def main(n_seeds: int = 10) -> None:
    print(f"CartPole-v1, REINFORCE + learned baseline (alpha = {ALPHA}, alpha_w = {ALPHA_W}), "
          f"{n_seeds} seeds, at most {MAX_EPISODES} episodes")
    print(" seed   episodes to solve     steps   wall time")
    episodes, seconds = [], []
    for seed in range(n_seeds):
        start = time.perf_counter()
        history = train_cartpole(seed, max_episodes=MAX_EPISODES)
        elapsed = time.perf_counter() - start
        solved = "not solved" if history.solved_at is None else f"{history.solved_at:d}"
        print(f"{seed:5d}   {solved:>17}   {history.n_steps:7d}   {elapsed:7.2f} s")
        episodes.append(history.solved_at if history.solved_at is not None else float("inf"))
        seconds.append(elapsed)
    n_solved = sum(e != float("inf") for e in episodes)
    print(f"solved: {n_solved} of {n_seeds}; median episodes to solve {statistics.median(episodes):.1f}; "
          f"median wall time {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
