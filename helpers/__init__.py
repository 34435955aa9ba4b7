"""Helpers for the Policy Gradient Notebooks: exact models, policies, REINFORCE, figures and sliders.

Modules
-------
mdp        the exact tabular model and its solvers (v, q, η, μ, J, ∇J)
policies   sigmoid, softmax-linear and Gaussian policies with analytic scores
envs       the toy problems as Gymnasium environments with exact models
reinforce  rollouts, returns-to-go, gradient estimates and REINFORCE training
"""
