"""Self-attention, multi-head attention, positional encodings and ViT image patches (sheet 10), in NumPy.

Notation follows the course sheet:

* attention (10a): ``Q = S W^Q, K = S W^K, V = S W^V`` (S: N × F, the rest N × D), ``A = softmax(Q Kᵀ / √D)``
  (N × N), ``C = A V`` (N × D);
* multi-head (10b): h heads of width D/h, concatenated and mixed by ``W^O``;
* ViT (10d): an image cut into P × P patches, each flattened, giving an N × P² matrix.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from core.errors import InputError
from core.numerics import seed_streams, softmax

Seed = int | np.random.SeedSequence
"""An integer seed or one stream spawned from it (``core.numerics.seed_streams``)."""

MAX_TOKENS = 12
PATCH_SIZES = (1, 2, 4, 8)


def tokenize(sentence: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    """Split on whitespace; an empty sentence or more than ``max_tokens`` tokens is an InputError."""
    tokens = sentence.split()
    if not tokens:
        raise InputError("The sentence is empty: type a few words separated by spaces.")
    if len(tokens) > max_tokens:
        raise InputError(
            f"The sentence has {len(tokens)} tokens; at most {max_tokens} fit on the attention maps. Shorten it."
        )
    return tokens


def token_embeddings(tokens: list[str], features: int, seed: Seed) -> np.ndarray:
    """One random vector per distinct word, ``~ N(0, 1)^F`` (the same word always gets the same vector for a given
    seed, as a learned embedding table would give it); shape (N, F).

    Word w draws from the child stream of ``seed`` numbered crc32(w): ``SeedSequence(seed).spawn`` with that index,
    so words never share a stream with each other or with any other child of the seed.
    """
    parent = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rows = []
    for token in tokens:
        # a stable per-word index: Python's hash() is salted per process, crc32 is not
        word_index = zlib.crc32(token.lower().encode("utf-8"))
        word_stream = np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, word_index))
        rows.append(np.random.default_rng(word_stream).standard_normal(features))
    return np.array(rows)


def positional_encoding(length: int, features: int) -> np.ndarray:
    """Sinusoidal encodings, shape (N, F): ``PE[pos, 2i] = sin(pos / 10000^{2i/F})``,
    ``PE[pos, 2i+1] = cos(pos / 10000^{2i/F})`` (Vaswani et al., 2017)."""
    positions = np.arange(length)[:, None]  # (N, 1)
    pair = np.arange(0, features, 2)[None, :]  # (1, ⌈F/2⌉): the 2i of each sin/cos pair
    angles = positions / 10000.0 ** (pair / features)
    pe = np.zeros((length, features))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : features // 2])
    return pe


@dataclass(frozen=True)
class AttentionResult:
    """One attention head (sheet 10a)."""

    Q: np.ndarray
    """Queries S W^Q, shape (N, D)."""
    K: np.ndarray
    """Keys S W^K, shape (N, D)."""
    V: np.ndarray
    """Values S W^V, shape (N, D)."""
    scores: np.ndarray
    """Q Kᵀ / (τ √D) (or / τ without the √D), shape (N, N)."""
    A: np.ndarray
    """Attention matrix softmax(scores), rows sum to 1, shape (N, N)."""
    C: np.ndarray
    """Context vectors A V, shape (N, D)."""

    @property
    def mean_peak_weight(self) -> float:
        """(1/N) ∑_n max_m A_{nm}: how concentrated the rows of A are (1/N when uniform, 1 when one-hot)."""
        # mean over the queries of each row's largest weight
        return float(self.A.max(axis=1).mean())


def attention(
    S: np.ndarray, W_Q: np.ndarray, W_K: np.ndarray, W_V: np.ndarray, *, scaled: bool = True, temperature: float = 1.0
) -> AttentionResult:
    """``Q = S W^Q, K = S W^K, V = S W^V``, ``A = softmax(Q Kᵀ / √D)``, ``C = A V`` (sheet 10a), with an extra
    temperature τ dividing the scores; ``scaled=False`` drops the √D."""
    if temperature <= 0:
        raise InputError(f"The temperature τ must be positive; got {temperature}.")
    # Q = S W^Q, K = S W^K, V = S W^V: (N, F) @ (F, D) -> (N, D)
    Q, K, V = S @ W_Q, S @ W_K, S @ W_V
    D = Q.shape[1]
    divisor = temperature * (np.sqrt(D) if scaled else 1.0)
    # A = softmax(Q Kᵀ / √D), row by row: each query's weights over all keys sum to 1
    scores = Q @ K.T / divisor
    A = softmax(scores, axis=-1)
    # C = A V
    return AttentionResult(Q=Q, K=K, V=V, scores=scores, A=A, C=A @ V)


@dataclass(frozen=True)
class MultiHeadResult:
    heads: list[AttentionResult]
    """One result per head, each with D/h columns."""
    concat: np.ndarray
    """[C_1, …, C_h], shape (N, D)."""
    output: np.ndarray
    """[C_1, …, C_h] W^O, shape (N, D)."""


def multi_head_attention(
    S: np.ndarray,
    W_Q: np.ndarray,
    W_K: np.ndarray,
    W_V: np.ndarray,
    W_O: np.ndarray,
    heads: int,
    *,
    scaled: bool = True,
    temperature: float = 1.0,
) -> MultiHeadResult:
    """Multi-head attention (sheet 10b): head j uses columns ``j·D/h … (j+1)·D/h`` of W^Q, W^K, W^V and is scaled by
    √(D/h); ``output = [C_1, …, C_h] W^O``."""
    D = W_Q.shape[1]
    if heads < 1 or D % heads:
        raise InputError(f"The number of heads must divide D = {D}; got {heads}.")
    size = D // heads
    results = []
    for j in range(heads):
        block = slice(j * size, (j + 1) * size)
        results.append(
            attention(S, W_Q[:, block], W_K[:, block], W_V[:, block], scaled=scaled, temperature=temperature)
        )
    concat = np.hstack([r.C for r in results])  # h × (N, D/h) -> (N, D)
    return MultiHeadResult(heads=results, concat=concat, output=concat @ W_O)


@dataclass(frozen=True)
class AttentionReport:
    """Everything the attention page shows."""

    tokens: list[str]
    S: np.ndarray
    """Input sequence (embeddings + positional encodings if on), shape (N, F)."""
    single: AttentionResult
    multi: MultiHeadResult
    features: int
    dim: int


def attention_report(
    sentence: str,
    features: int,
    dim: int,
    heads: int,
    positional: bool,
    scaled: bool,
    temperature: float,
    seed: int,
) -> AttentionReport:
    """Seeded embeddings (+ sinusoidal encodings) through one head of width D and through h heads of width D/h.

    The embeddings and the projections W^Q, W^K, W^V, W^O come from two independent streams
    ``SeedSequence(seed).spawn(2)``.
    """
    tokens = tokenize(sentence)
    if dim % heads:
        raise InputError(f"The number of heads h = {heads} must divide D = {dim}.")
    embedding_stream, weight_stream = seed_streams(seed, 2)
    S = token_embeddings(tokens, features, embedding_stream)
    if positional:
        S = S + positional_encoding(len(tokens), features)
    rng = np.random.default_rng(weight_stream)
    # W ~ N(0, 1/F): Q and K entries then have variance ≈ ‖s‖²/F ≈ 1, so QKᵀ has variance ≈ D before scaling
    W_Q, W_K, W_V = (rng.standard_normal((features, dim)) / np.sqrt(features) for _ in range(3))
    W_O = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    return AttentionReport(
        tokens=tokens,
        S=S,
        single=attention(S, W_Q, W_K, W_V, scaled=scaled, temperature=temperature),
        multi=multi_head_attention(S, W_Q, W_K, W_V, W_O, heads, scaled=scaled, temperature=temperature),
        features=features,
        dim=dim,
    )


def image_patches(image: np.ndarray, patch: int) -> np.ndarray:
    """ViT's first step (sheet 10d): cut a square image into non-overlapping P×P patches, row by row, and flatten
    each (row-major): shape (N, P²) with N = (side / P)²."""
    side = image.shape[0]
    if patch < 1 or side % patch:
        raise InputError(f"The patch size P must divide the image side {side}; got {patch}.")
    per_side = side // patch
    # (side, side) -> (rows of patches, P, cols of patches, P) -> (rows, cols, P, P) -> (N, P²)
    blocks = image.reshape(per_side, patch, per_side, patch).transpose(0, 2, 1, 3)
    return blocks.reshape(per_side * per_side, patch * patch)


def unscaled_score_std(dim: int) -> float:
    """Standard deviation of one unscaled score q·k = ∑_{d=1}^{D} q_d k_d for independent unit-variance entries:
    Var(q·k) = ∑_d Var(q_d) Var(k_d) = D, so the std is √D (why the sheet divides by √D)."""
    if dim < 1:
        raise InputError(f"The query/key size D must be at least 1; got {dim}.")
    # std(q·k) = √D
    return math.sqrt(dim)
