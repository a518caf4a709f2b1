"""Sequence models: RNN, LSTM and attention (course sheets 8–10)."""
