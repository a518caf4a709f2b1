"""core.sequence.attention against torch's scaled_dot_product_attention, MultiheadAttention and unfold."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.datasets import digit_image
from core.errors import InputError
from core.sequence import attention as seq


def _torch(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.float64)


def _weights(features: int, dim: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((features, dim)) / np.sqrt(features) for _ in range(3)]


@pytest.mark.parametrize("scaled,temperature", [(True, 1.0), (False, 1.0), (True, 0.4)])
def test_attention_matches_torch_sdpa(scaled, temperature):
    S = np.random.default_rng(1).standard_normal((7, 6))
    W_Q, W_K, W_V = _weights(6, 4)
    r = seq.attention(S, W_Q, W_K, W_V, scaled=scaled, temperature=temperature)
    scale = 1.0 / (temperature * (np.sqrt(4) if scaled else 1.0))
    expected = torch.nn.functional.scaled_dot_product_attention(
        _torch(r.Q)[None], _torch(r.K)[None], _torch(r.V)[None], scale=scale
    )[0]
    np.testing.assert_allclose(r.C, expected.numpy(), atol=1e-12)
    np.testing.assert_allclose(r.A.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(r.A >= 0)


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_multi_head_matches_torch_multihead_attention(heads):
    N, E = 5, 8
    S = np.random.default_rng(2).standard_normal((N, E))
    W_Q, W_K, W_V = _weights(E, E, seed=3)
    W_O = np.random.default_rng(4).standard_normal((E, E)) / np.sqrt(E)
    ours = seq.multi_head_attention(S, W_Q, W_K, W_V, W_O, heads)
    mha = torch.nn.MultiheadAttention(E, heads, batch_first=True).double()
    with torch.no_grad():
        # torch computes x Wᵀ: its weights are our (F, D) matrices transposed, stacked as Q, K, V
        mha.in_proj_weight.copy_(_torch(np.vstack([W_Q.T, W_K.T, W_V.T])))
        mha.in_proj_bias.zero_()
        mha.out_proj.weight.copy_(_torch(W_O.T))
        mha.out_proj.bias.zero_()
    x = _torch(S)[None]
    out, weights = mha(x, x, x, need_weights=True, average_attn_weights=False)
    np.testing.assert_allclose(ours.output, out[0].detach().numpy(), atol=1e-12)
    for j, head in enumerate(ours.heads):
        np.testing.assert_allclose(head.A, weights[0, j].detach().numpy(), atol=1e-12)


def test_attention_is_permutation_equivariant_without_positions():
    sentence = "the cat sat on the mat today"
    tokens = sentence.split()
    order = np.random.default_rng(0).permutation(len(tokens))
    shuffled = " ".join(tokens[k] for k in order)
    plain = seq.attention_report(sentence, 8, 8, 2, False, True, 1.0, seed=5)
    permuted = seq.attention_report(shuffled, 8, 8, 2, False, True, 1.0, seed=5)
    # permuting the tokens permutes the rows of C and the rows and columns of A, nothing else
    np.testing.assert_allclose(permuted.single.C, plain.single.C[order], atol=1e-12)
    np.testing.assert_allclose(permuted.single.A, plain.single.A[np.ix_(order, order)], atol=1e-12)
    np.testing.assert_allclose(permuted.multi.output, plain.multi.output[order], atol=1e-12)
    # positional encodings break the symmetry
    with_pe = seq.attention_report(sentence, 8, 8, 2, True, True, 1.0, seed=5)
    with_pe_shuffled = seq.attention_report(shuffled, 8, 8, 2, True, True, 1.0, seed=5)
    assert not np.allclose(with_pe_shuffled.single.C, with_pe.single.C[order], atol=1e-6)


def test_positional_encoding_values():
    pe = seq.positional_encoding(6, 4)
    np.testing.assert_allclose(pe[:, 0], np.sin(np.arange(6)))
    np.testing.assert_allclose(pe[:, 1], np.cos(np.arange(6)))
    np.testing.assert_allclose(pe[:, 2], np.sin(np.arange(6) / 100.0))
    np.testing.assert_allclose(pe[:, 3], np.cos(np.arange(6) / 100.0))


def test_unscaled_scores_are_sharper():
    plain = seq.attention_report("one two three four five six", 32, 32, 1, False, False, 1.0, seed=0)
    scaled = seq.attention_report("one two three four five six", 32, 32, 1, False, True, 1.0, seed=0)
    np.testing.assert_allclose(plain.single.scores, scaled.single.scores * np.sqrt(32), atol=1e-12)
    assert plain.single.A.max(axis=1).mean() > scaled.single.A.max(axis=1).mean()


@pytest.mark.parametrize("patch", seq.PATCH_SIZES)
def test_patches_match_torch_unfold(patch):
    image, label = digit_image(3)
    patches = seq.image_patches(image, patch)
    assert patches.shape == ((8 // patch) ** 2, patch * patch) and label == 3
    # unfold gives (1, P², N) with patches in the same row-major order
    unfolded = torch.nn.functional.unfold(_torch(image)[None, None], kernel_size=patch, stride=patch)[0].T
    np.testing.assert_allclose(patches, unfolded.numpy())


def test_attention_bad_input():
    with pytest.raises(InputError, match="empty"):
        seq.attention_report("   ", 8, 8, 1, True, True, 1.0, 0)
    with pytest.raises(InputError, match="at most 12"):
        seq.attention_report(" ".join(["w"] * 13), 8, 8, 1, True, True, 1.0, 0)
    with pytest.raises(InputError, match="divide"):
        seq.attention_report("a b", 8, 8, 3, True, True, 1.0, 0)
    with pytest.raises(InputError, match="patch size"):
        seq.image_patches(np.zeros((8, 8)), 3)
    with pytest.raises(InputError, match="temperature"):
        seq.attention(np.ones((2, 2)), *_weights(2, 2), temperature=0.0)


def test_mean_peak_weight_and_unscaled_score_std():
    r = seq.attention_report("a b c d e", 8, 8, 1, True, True, 1.0, seed=2)
    assert r.single.mean_peak_weight == pytest.approx(float(np.mean(np.max(r.single.A, axis=1))))
    # the temperature moves it between its two limits: one-hot rows (→ 1) and uniform rows (→ 1/N = 1/5)
    sharp = seq.attention_report("a b c d e", 8, 8, 1, True, True, 0.02, seed=2).single.mean_peak_weight
    flat = seq.attention_report("a b c d e", 8, 8, 1, True, True, 1000.0, seed=2).single.mean_peak_weight
    assert sharp > 0.99 and flat == pytest.approx(1 / 5, abs=0.005)
    assert flat < r.single.mean_peak_weight < sharp
    # Var(q·k) = D for independent N(0, 1) entries: a Monte Carlo estimate of the std
    q, k = np.random.default_rng(0).standard_normal((2, 200_000, 32))
    assert np.std(np.sum(q * k, axis=1)) == pytest.approx(seq.unscaled_score_std(32), rel=0.02)
    with pytest.raises(InputError, match="at least 1"):
        seq.unscaled_score_std(0)


def test_embeddings_are_per_word_and_seeded():
    e = seq.token_embeddings(["cat", "dog", "Cat"], 6, seed=3)
    np.testing.assert_array_equal(e[0], e[2])  # the same word (case-folded) gets the same vector
    assert not np.allclose(e[0], e[1])
    assert not np.allclose(e, seq.token_embeddings(["cat", "dog", "Cat"], 6, seed=4))
    stream = np.random.SeedSequence(3)
    np.testing.assert_array_equal(e, seq.token_embeddings(["cat", "dog", "Cat"], 6, seed=stream))
