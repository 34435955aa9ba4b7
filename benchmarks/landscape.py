"""Time to compute notebook 03's exact landscape J(θ1, θ2) and its gradient field.

``helpers.experiments.grid.landscape`` stacks the policy tables of every θ of the
grid and solves all Bellman systems (for v and for the visits η) with one call of
``numpy.linalg.solve`` each. This script times it at the notebook's resolution and
two others, uncached, median of several repeats; for comparison it times the same
numbers computed one θ at a time with ``helpers.mdp`` (``objective`` and
``exact_gradient``), extrapolated from a sample of grid points.

"Fast enough to redraw under a slider" means well under the 100 ms slider budget.

Run: ``python benchmarks/landscape.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from helpers.experiments import grid
from helpers.mdp import exact_gradient, objective

REPEATS = 7
SLIDER_BUDGET_MS = 100.0


def time_landscape(resolution: int, feature: str = grid.FEATURE) -> tuple[float, float]:
    """Median wall and CPU seconds of an uncached ``grid.landscape`` call at ``resolution`` × ``resolution``.

    The CPU time of this process is reported too: on a shared machine the wall time
    also counts the time other processes hold the cores.
    """
    wall, cpu = [], []
    for _ in range(REPEATS):
        grid.landscape.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        grid.landscape(feature, resolution=resolution)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    grid.landscape.cache_clear()
    return statistics.median(wall), statistics.median(cpu)


def time_one_at_a_time(n_points: int = 200) -> float:
    """Median seconds per θ for J and ∇J from helpers.mdp, one θ at a time."""
    problem = grid.grid_problem()
    thetas = np.random.default_rng(0).uniform([-10.0, -25.0], [40.0, 25.0], size=(n_points, 2))
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        for theta in thetas:
            objective(problem.mdp, problem.policy, theta, problem.inputs)
            exact_gradient(problem.mdp, problem.policy, theta, problem.inputs)
        seconds.append((time.perf_counter() - start) / n_points)
    return statistics.median(seconds)


def main() -> None:
    grid.grid_problem()  # build the model once, as the notebook's first cells do
    print(f"exact landscape J(θ1, θ2) and ∇J, uncached, median of {REPEATS} repeats "
          f"(slider budget {SLIDER_BUDGET_MS:.0f} ms)")
    per_theta = time_one_at_a_time()
    for resolution in sorted({41, 61, 81, grid.RESOLUTION}):
        n = resolution * resolution
        wall, cpu = time_landscape(resolution)
        note = "  <- the notebook's resolution" if resolution == grid.RESOLUTION else ""
        flag = "" if 1000 * wall <= SLIDER_BUDGET_MS else "  over the slider budget"
        print(f"  {resolution:3d} x {resolution:<3d} ({n:5d} θ): stacked solves {1000 * wall:7.1f} ms "
              f"(CPU {1000 * cpu:6.1f} ms), one θ at a time with helpers.mdp ≈ {1000 * per_theta * n:6.0f} ms"
              f"{note}{flag}")


if __name__ == "__main__":
    main()
