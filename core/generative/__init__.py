"""Generative models: denoising diffusion (course sheet 12)."""
