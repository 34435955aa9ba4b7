"""Each notebook's dashboards: controls wired to an experiment and a figure.

One module per notebook (``theorem`` for 01, ``demand`` for 02, ...). A dashboard
(:class:`helpers.widgets.Dashboard`) takes its pure compute function from
:mod:`helpers.experiments` and its drawing from :mod:`helpers.figures`; each module's
``dashboards()`` lists its dashboards by name for the benchmarks and tests.
"""
