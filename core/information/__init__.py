"""Information theory: entropy, divergences, mutual information, Jensen, MLE (course section 2)."""
