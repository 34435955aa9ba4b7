"""Each notebook's dashboards: compute functions, drawing code and :class:`~helpers.widgets.Dashboard` s.

One module per notebook (``theorem`` for 01, ``demand`` for 02, ...), so that the
figure code that teaches nothing stays out of the notebooks.
"""
