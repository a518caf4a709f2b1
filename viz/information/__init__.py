"""Figures of the information-theory section."""
