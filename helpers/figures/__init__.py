"""Each notebook's figures, drawn from the data of :mod:`helpers.experiments`.

One module per notebook (``theorem`` for 01, ``demand`` for 02, ...): ``draw_*``
functions draw one kind of data on given axes, ``*_moving`` functions draw only the
artists that move with a slider (for :class:`helpers.widgets.LiveView`), and
``*_figure`` functions return a whole figure.
"""
