"""One house style for every figure of the collection, and the plots that several notebooks share.

Colours are the Okabe–Ito palette, which stays distinguishable under the common
colour-vision deficiencies. Every axis gets a label with its symbol; titles say
what to look at.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""The Okabe–Ito colour-blind-safe palette."""

PALETTE = [OKABE_ITO[name] for name in ("blue", "orange", "green", "vermillion", "purple", "sky")]
"""The order in which lines take colours."""

EXACT_COLOR = OKABE_ITO["black"]
"""Exact quantities (J, ∇J, optima) are drawn in black; estimates in colour."""

COMPARED_LINESTYLES = ("-", "--", "-.", (0, (1, 1.2)), (0, (6, 1.5, 1, 1.5, 1, 1.5)))
COMPARED_MARKERS = ("o", "s", "^", "D", "v")


def compared_line_style(index: int, n_points: int = 0) -> dict:
    """Dashes and a marker for the ``index``-th of several lines compared in one panel.

    About one reader in twelve does not see the palette as intended, so lines that
    are compared differ by more than colour. With ``n_points`` > 0 the markers are
    spread out to about ten along the line.
    """
    style = {"linestyle": COMPARED_LINESTYLES[index % len(COMPARED_LINESTYLES)],
             "marker": COMPARED_MARKERS[index % len(COMPARED_MARKERS)], "markersize": 5}
    if n_points > 0:
        style["markevery"] = max(1, n_points // 10)
    return style

HOUSE_STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "svg.hashsalt": "policy-gradient-notebooks",
}


def use_house_style() -> None:
    """Apply the house style to matplotlib (the first line of every notebook's setup cell)."""
    mpl.rcParams.update(HOUSE_STYLE)


def subplots(n_panels: int = 1, *, panel_size: tuple[float, float] = (4.6, 3.3),
             n_rows: int = 1, **kwargs) -> tuple[Figure, np.ndarray]:
    """A figure with ``n_rows`` × ``n_panels`` axes of a common panel size; axes always a 2-D array."""
    width, height = panel_size
    fig, axes = plt.subplots(n_rows, n_panels, figsize=(width * n_panels, height * n_rows),
                             squeeze=False, **kwargs)
    return fig, axes


def exact_line(ax: Axes, value: float, label: str, *, orientation: str = "horizontal") -> None:
    """A dashed black reference line for an exact value (an optimum, an exact gradient)."""
    draw = ax.axhline if orientation == "horizontal" else ax.axvline
    draw(value, color=EXACT_COLOR, linestyle="--", linewidth=1.2, label=label)


def draw_filled_landscape(ax: Axes, theta1: np.ndarray, theta2: np.ndarray, J: np.ndarray, *,
                          gradient: np.ndarray | None = None, levels: int = 15,
                          labels: Sequence[str] = (r"$\theta_1$", r"$\theta_2$"),
                          colorbar: bool = True) -> None:
    r"""A filled contour plot of :math:`J(\theta_1, \theta_2)`, with the gradient field on top.

    Parameters
    ----------
    theta1, theta2 : ndarray, shapes (n1,), (n2,)
        The grid axes.
    J : ndarray, shape (n2, n1)
        ``J[j, i]`` at ``(theta1[i], theta2[j])``.
    gradient : ndarray, shape (n2, n1, 2), optional
        :math:`\nabla J` on the same grid, drawn as arrows scaled to a common length
        (direction is what matters; the colour of the contours shows the size).
    """
    filled = ax.contourf(theta1, theta2, J, levels=levels)
    ax.contour(theta1, theta2, J, levels=levels, colors="white", linewidths=0.4, alpha=0.5)
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label=r"$J(\theta)$")
    if gradient is not None:
        norm = np.linalg.norm(gradient, axis=-1, keepdims=True)
        unit = np.divide(gradient, norm, out=np.zeros_like(gradient), where=norm > 0)
        ax.quiver(theta1, theta2, unit[..., 0], unit[..., 1], color="white", alpha=0.8,
                  angles="xy", pivot="mid", scale=28, width=0.004)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(False)
