"""Helpers for the Policy Gradient Notebooks: exact models, policies, REINFORCE, figures and sliders.

Modules
-------
mdp             the exact tabular model and its solvers (v, q, η, μ, J, ∇J)
policies        sigmoid, softmax-linear and Gaussian policies with analytic scores
envs            the toy problems as Gymnasium environments with exact models
reinforce       rollouts, returns-to-go, gradient estimates and REINFORCE training
reinforce_loop  the compiled per-step REINFORCE loop behind ``reinforce``
surrogate       surrogate losses, importance ratios and PPO's clipped objective
cartpole        REINFORCE on Gymnasium's CartPole
symbolic        the SymPy derivations of notebook 01
stats           running means and standard errors of estimates
summation       correctly rounded sums (outputs that no BLAS kernel changes)
plotting        the house style and plots several notebooks share
widgets         the slider pattern: ``Dashboard`` and its live ipympl view

Packages, one module per notebook (``theorem`` 01, ``demand`` 02, ``grid`` 03,
``baselines`` 04, ``continuous`` 05, ``beyond`` 06):

experiments     problems and experiments: pure computation
figures         figures drawn from the experiments' data
dashboards      controls wired to an experiment and a figure
exercises       the checks of the exercises
"""
