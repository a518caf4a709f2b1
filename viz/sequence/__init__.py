"""Figures of the sequence-models section."""
