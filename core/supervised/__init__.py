"""Supervised learning: linear, logistic and softmax regression, naive Bayes (sheets 3–5)."""
