"""Figures of the reinforcement-learning section."""
