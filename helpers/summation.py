r"""Sums and dot products whose result is the same on every machine.

NumPy's reductions and BLAS products add in an order chosen by the machine: the
OpenBLAS kernel picked for the CPU, the SIMD width, even where an array happens
to start in memory. The results agree to the last bit or two, which is enough
everywhere except in a chaotic simulation, where a last-bit difference in θ can
become a different action a hundred episodes later (CartPole).

The functions here return the *correctly rounded* value, the exact sum of the
floats rounded once to the nearest float (:func:`math.fsum`). That value does not
depend on any order at all, so no kernel, SIMD path or memory layout can change
it. Products are formed elementwise first, and IEEE 754 rounds each product
exactly the same way everywhere:

.. math:: \mathrm{dot}(a, M)_j = \mathrm{round}\Big(\sum_i \mathrm{round}(a_i M_{ij})\Big).

They are meant for the small sums of a training loop (a few thousand numbers per
call); they cost a few microseconds per hundred entries, far more than BLAS.
"""

from __future__ import annotations

import math

import numpy as np


def correctly_rounded_sum(x: np.ndarray, axis: int = 0) -> np.ndarray | float:
    r"""The sum of ``x`` along ``axis``, correctly rounded: :math:`\mathrm{round}(\sum_i x_i)`.

    Parameters
    ----------
    x : array_like of float
    axis : int
        The axis summed over.

    Returns
    -------
    float or ndarray
        A float for 1-D input, otherwise an array with ``axis`` removed.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        raise ValueError("x must have at least one axis, got a scalar")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis must lie in [{-x.ndim}, {x.ndim - 1}] for x of shape {x.shape}, got {axis}")
    moved = np.moveaxis(x, axis, -1)
    rows = moved.reshape(-1, moved.shape[-1]).tolist()
    sums = np.array([math.fsum(row) for row in rows]).reshape(moved.shape[:-1])
    return float(sums) if sums.ndim == 0 else sums


def correctly_rounded_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    r"""The product ``a @ b`` of a vector with a vector or a matrix, each entry correctly rounded.

    .. math:: (a^\top b)_j = \mathrm{round}\Big(\sum_i \mathrm{round}(a_i\, b_{ij})\Big)

    Parameters
    ----------
    a : array_like, shape (n,)
    b : array_like, shape (n,) or (n, k)

    Returns
    -------
    float or ndarray of shape (k,)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.ndim != 1 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"a must have shape (n,) and b shape (n,) or (n, k); got {a.shape} and {b.shape}")
    products = a * b if b.ndim == 1 else a[:, None] * b
    return correctly_rounded_sum(products, axis=0)


def correctly_rounded_std(x: np.ndarray) -> float:
    r"""The population standard deviation from correctly rounded sums.

    .. math:: s = \sqrt{\tfrac1n \sum_i (x_i - \bar x)^2}, \qquad \bar x = \tfrac1n \sum_i x_i
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty vector, got shape {x.shape}")
    mean = correctly_rounded_sum(x) / x.size
    return math.sqrt(correctly_rounded_sum((x - mean) ** 2) / x.size)
