"""Figures for the deep-networks section (sheets 6–7)."""
