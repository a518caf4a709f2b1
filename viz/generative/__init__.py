"""Figures of the generative-models section."""
