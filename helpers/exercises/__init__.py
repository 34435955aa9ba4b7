"""Checks for the notebooks' exercises: friendly feedback, never a bare ``AssertionError``.

Each notebook has its own module (``helpers.exercises.theorem`` for notebook 01,
``helpers.exercises.demand`` for 02, ...) whose ``check_*`` functions return a
:class:`Feedback`. A notebook cell that ends with a check shows ✅ or ❌ and a
sentence that says what is right or what to look at next.

Under nbgrader's autograder and validator (which set ``NBGRADER_EXECUTION``), every
``check_*`` function raises an ``AssertionError`` carrying the same hint when the
answer is wrong, so that a check cell is an autograder test (see :func:`graded`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

import numpy as np


@dataclass(frozen=True)
class Feedback:
    """The result of checking an answer.

    Attributes
    ----------
    correct : bool
    message : str
        What is right, or a hint towards what is wrong.
    """

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"{'✅ Correct' if self.correct else '❌ Not yet'}: {self.message}"

    def _repr_markdown_(self) -> str:
        return f"{'✅ **Correct**' if self.correct else '❌ **Not yet**'}: {self.message}"


P = ParamSpec("P")


def graded(check: Callable[P, Feedback]) -> Callable[P, Feedback]:
    """Make an exercise check fail loudly under nbgrader: a wrong answer raises ``AssertionError``.

    Outside nbgrader (no ``NBGRADER_EXECUTION`` in the environment) the check only
    returns its :class:`Feedback`, which the notebook shows as ✅ or ❌ with a hint.
    """

    @functools.wraps(check)
    def checked(*args: P.args, **kwargs: P.kwargs) -> Feedback:
        feedback = check(*args, **kwargs)
        if not feedback.correct and os.environ.get("NBGRADER_EXECUTION"):
            raise AssertionError(f"Not yet: {feedback.message}")
        return feedback

    return checked


def compare_numbers(answer: object, expected: np.ndarray | float, *, name: str = "your answer",
                    rtol: float = 1e-6, atol: float = 1e-9, success: str = "") -> Feedback:
    """Compare a numeric answer with the expected value, with hints on shape, sign and size.

    Parameters
    ----------
    answer : array_like
        What the learner computed.
    expected : array_like
        The correct value.
    name : str
        How to call the answer in the feedback.
    rtol, atol : float
        Tolerances as in :func:`numpy.allclose`.
    success : str
        Extra text for a correct answer (what it means).
    """
    expected = np.asarray(expected, dtype=float)
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number or an array of numbers, got {answer!r}.")
    if value.shape != expected.shape:
        if value.size == expected.size:
            value = value.reshape(expected.shape)
        else:
            return Feedback(False, f"{name} has shape {value.shape}; expected shape {expected.shape}.")
    if not np.all(np.isfinite(value)):
        return Feedback(False, f"{name} contains NaN or infinity; look for a division by zero.")
    if np.allclose(value, expected, rtol=rtol, atol=atol):
        return Feedback(True, f"{name} = {np.array2string(value, precision=4)}. {success}".strip())
    if np.allclose(value, expected, rtol=1e-3, atol=atol):
        return Feedback(False, f"{name} = {np.array2string(value, precision=4)} is close but not exact: "
                               "compute it in Python to full precision instead of typing rounded digits.")
    if np.allclose(value, -expected, rtol=rtol, atol=atol) and np.any(expected != 0):
        return Feedback(False, f"{name} has the right size but the wrong sign.")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.linalg.norm(value) / np.linalg.norm(expected)
    if np.isfinite(ratio) and ratio > 0 and np.allclose(value, ratio * expected, rtol=1e-3, atol=atol):
        direction = "has the right sign" if expected.size == 1 else "points the right way"
        size = f"{ratio:.3g} times too large" if ratio > 1 else f"{1 / ratio:.3g} times too small"
        return Feedback(False, f"{name} {direction} but is {size}.")
    return Feedback(False, f"{name} = {np.array2string(value, precision=4)} is not right yet.")


def answer_array(answer: object, name: str) -> np.ndarray | Feedback:
    """The answer as a finite float array, or a :class:`Feedback` that says why it cannot be one."""
    if answer is None:
        return Feedback(False, f"{name} is still `None`: replace it with your computation.")
    try:
        value = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return Feedback(False, f"{name} should be a number or an array of numbers, got {answer!r}.")
    if not np.all(np.isfinite(value)):
        return Feedback(False, f"{name} contains NaN or infinity; look for a division by zero.")
    return value


def matches(value: np.ndarray, target: np.ndarray | float, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether ``value`` has the shape of ``target`` and equals it within the tolerances."""
    target = np.asarray(target, dtype=float)
    return value.shape == target.shape and bool(np.allclose(value, target, rtol=rtol, atol=atol))
