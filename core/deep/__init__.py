"""Deep networks (sheets 6–7): MLPs, optimizers, CNNs, normalization and skip connections."""
