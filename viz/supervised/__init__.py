"""Figures of the supervised-learning section."""
