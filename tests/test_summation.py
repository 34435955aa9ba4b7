"""Correctly rounded sums: the same value whatever the order, and the value of the exact sum."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers.summation import correctly_rounded_dot, correctly_rounded_std, correctly_rounded_sum

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(arrays(float, st.integers(1, 60), elements=finite), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_the_sum_is_the_exact_sum_rounded_once_whatever_the_order(x, random):
    exact = float(sum(Fraction(v) for v in x.tolist()))
    shuffled = x.tolist()
    random.shuffle(shuffled)
    assert correctly_rounded_sum(x) == exact
    assert correctly_rounded_sum(np.array(shuffled)) == exact


def test_naive_summation_depends_on_the_order_where_this_does_not():
    x = np.array([1e16, 1.0, -1e16, 1.0])
    assert (x[0] + x[1] + x[2] + x[3]) != (x[0] + x[2] + x[1] + x[3])  # 1 against 2
    assert correctly_rounded_sum(x) == correctly_rounded_sum(x[[0, 2, 1, 3]]) == 2.0


def test_sums_along_an_axis_and_the_dot_products():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(50, 6))
    a = rng.normal(size=50)
    np.testing.assert_allclose(correctly_rounded_sum(m, axis=0), m.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(correctly_rounded_sum(m, axis=1), m.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(correctly_rounded_sum(m, axis=-1), m.sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(correctly_rounded_dot(a, m), a @ m, rtol=1e-12)
    assert correctly_rounded_dot(a, m[:, 0]) == pytest.approx(float(a @ m[:, 0]), rel=1e-12)
    assert correctly_rounded_std(a) == pytest.approx(float(a.std()), rel=1e-12)
    assert correctly_rounded_std(np.full(7, 0.1)) == 0.0


@pytest.mark.parametrize(("call", "message"), [
    (lambda: correctly_rounded_sum(1.0), "x must have at least one axis"),
    (lambda: correctly_rounded_sum(np.ones((2, 3)), axis=2), "axis must lie in"),
    (lambda: correctly_rounded_dot(np.ones(3), np.ones((4, 2))), "a must have shape"),
    (lambda: correctly_rounded_dot(np.ones((3, 1)), np.ones(3)), "a must have shape"),
    (lambda: correctly_rounded_std(np.array([])), "x must be a non-empty vector"),
])
def test_bad_inputs_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


CPU_FLAGS = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
CARTPOLE_THETAS = (
    "import sys, numpy as np; from helpers.cartpole import train_cartpole;"
    "h = train_cartpole(1, max_episodes=40, stop_when_solved=False);"
    "sys.stdout.write(h.theta.tobytes().hex())"
)


@pytest.mark.slow
@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64") or " avx" not in CPU_FLAGS,
                    reason="OpenBLAS's Haswell and Sandybridge kernels need an x86-64 CPU with AVX")
def test_a_cartpole_run_is_the_same_to_the_last_bit_under_another_blas_kernel():
    """The training loop's sums do not go through BLAS: another OpenBLAS kernel gives the same θ bits.

    Before its sums were correctly rounded, θ differed in the last bit from the first
    update on between OpenBLAS's Haswell kernel and this CPU's default one.
    """
    runs = []
    for kernel in (None, "Sandybridge", "Haswell"):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
        if kernel is not None:
            env["OPENBLAS_CORETYPE"] = kernel
        result = subprocess.run([sys.executable, "-c", CARTPOLE_THETAS], env=env, capture_output=True,
                                text=True, check=True)
        runs.append(result.stdout)
    assert len(runs[0]) == 41 * 4 * 16
    assert runs[0] == runs[1] == runs[2]
