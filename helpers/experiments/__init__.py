"""Each notebook's problems and experiments: pure computation, no drawing, no widgets.

One module per notebook (``theorem`` for 01, ``demand`` for 02, ...): the problem's
exact model and objective, the learning runs and estimates the notebook shows (cached
where a slider looks them up), and the data a dashboard draws.
"""
