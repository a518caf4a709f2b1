"""Reinforcement learning: MDPs, tabular and deep RL (course section 1)."""
