"""Toy sequence tasks whose solution has a known attention pattern (sheet 10), for the tiny transformer.

Every example is one token sequence read all at once (no causal mask) and a target at some of its positions;
the loss and the accuracy count those positions only. The tasks and the pattern that solves each:

* copy ``3 1 4 1 5 9 | _ _ _ _ _ _`` → the blanks read ``3 1 4 1 5 9``: blank j looks up input j (a shifted
  diagonal);
* reverse → ``9 5 1 4 1 3``: blank j looks up input N + 1 − j (an anti-diagonal);
* sort → ``1 1 3 4 5 9``: blank j looks up the input of rank j;
* brackets ``( [ ] ) [ ]`` → at every bracket the position (1-based) of its partner: ``4 3 2 1 6 5``; each
  bracket looks at its partner;
* induction ``4 7 1 9 2 6 > 9`` → at the query after the marker, the symbol that followed it: ``2`` (A B … A → B):
  a previous-token head in layer 1, then the query finds the position whose previous token is the query.

Without positional encodings the blanks are identical vectors and attention is permutation-equivariant: the
model cannot tell blank 1 from blank 2, so copy, reverse and sort fall to what an order-blind guess achieves
(:func:`order_blind_accuracy`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from core.errors import InputError

TASKS = ("copy", "reverse", "sort", "brackets", "induction")
LENGTHS = (4, 6, 8)
"""Input lengths N the page offers (brackets: N brackets, so N is even)."""
DIGITS = tuple(str(d) for d in range(10))
SEPARATOR, BLANK, MARKER = "|", "_", ">"
OPENERS, CLOSERS = "([", ")]"
VOCAB = (*DIGITS, *OPENERS, *CLOSERS, SEPARATOR, BLANK, MARKER)
"""One vocabulary for every task: digits, two kinds of brackets, the separator, the blank, the marker."""
TOKEN_ID = {token: k for k, token in enumerate(VOCAB)}
IGNORE = -100
"""Target at a position that is not scored (torch's cross-entropy ``ignore_index``)."""


@dataclass(frozen=True)
class Batch:
    """Examples of one task: token ids and the target id at every scored position."""

    tokens: np.ndarray
    """Token ids, shape (B, L)."""
    targets: np.ndarray
    """Target ids, shape (B, L); IGNORE where nothing is scored."""


TRAINING_STEPS = {"copy": 400, "reverse": 400, "sort": 800, "brackets": 600, "induction": 4000}
"""Gradient steps each task gets (batch 64): measured to reach ≥ 99 % test accuracy with the page's default model,
with room to spare; induction learns late and suddenly (its heads form after a long plateau)."""
_EXAMPLE_DIGITS = "31415926"
_EXAMPLE_BRACKETS = {2: "()", 4: "([])", 6: "([])()", 8: "([]())[]"}
_EXAMPLE_DISTINCT = "471926835"


def example(task: str, length: int) -> str:
    """A typed input the page opens on, for each task and N (valid: ``parse_input`` accepts it)."""
    check_task(task, length)
    if task in ("copy", "reverse", "sort"):
        return " ".join(_EXAMPLE_DIGITS[:length])
    if task == "brackets":
        return _EXAMPLE_BRACKETS[length]
    sequence = _EXAMPLE_DISTINCT[:length]
    return f"{' '.join(sequence)} {sequence[length // 2 - 1]}"


def format_input(task: str, symbols: list[str]) -> str:
    """An input as the page's text box shows it: digits spaced (``3 1 4``), brackets together (``([])``)."""
    return "".join(symbols) if task == "brackets" else " ".join(symbols)


def example_rng(seed: int, draw: int) -> np.random.Generator:
    """The generator of the page's ``draw``-th random example: child ``draw`` of a stream of its own
    (``SeedSequence(seed).spawn(4)[3]``, apart from the model's three), so each draw is new and reproducible."""
    parent = np.random.SeedSequence(seed).spawn(4)[3]
    return np.random.default_rng(np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, draw)))


def check_task(task: str, length: int) -> None:
    if task not in TASKS:
        raise InputError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if not 2 <= length <= 9:
        raise InputError(f"The input length N must be between 2 and 9; got {length}.")
    if task == "brackets" and length % 2:
        raise InputError(f"A balanced bracket string has an even length; got N = {length}.")


def sequence_length(task: str, length: int) -> int:
    """L, the number of tokens the model reads: 2N + 1 with the blanks, N for brackets, N + 2 for induction."""
    if task in ("copy", "reverse", "sort"):
        return 2 * length + 1
    return length if task == "brackets" else length + 2


def answer(task: str, symbols: list[str]) -> list[str]:
    """The correct output for one input (the symbols typed, without separator or blanks)."""
    if task == "copy":
        return list(symbols)
    if task == "reverse":
        return symbols[::-1]
    if task == "sort":
        return sorted(symbols)
    if task == "brackets":
        return [str(p + 1) for p in bracket_partners(symbols)]
    # induction: symbols = x_1..x_N, q; the answer is the symbol after q's occurrence
    *sequence, query = symbols
    return [sequence[sequence.index(query) + 1]]


def bracket_partners(brackets: list[str]) -> list[int]:
    """0-based position of each bracket's partner, by the usual stack scan; InputError when unbalanced."""
    stack: list[int] = []
    partners = [0] * len(brackets)
    for position, bracket in enumerate(brackets):
        if bracket in OPENERS:
            stack.append(position)
            continue
        if not stack or OPENERS.index(brackets[stack[-1]]) != CLOSERS.index(bracket):
            raise InputError(f"The brackets are not balanced at position {position + 1} ({bracket!r}).")
        opener = stack.pop()
        partners[opener], partners[position] = position, opener
    if stack:
        raise InputError(f"The bracket at position {stack[-1] + 1} is never closed.")
    return partners


def layout(task: str, symbols: list[str]) -> tuple[list[str], list[int]]:
    """The tokens the model reads for one input and the positions it answers at (0-based)."""
    n = len(symbols)
    if task in ("copy", "reverse", "sort"):
        return [*symbols, SEPARATOR, *[BLANK] * n], list(range(n + 1, 2 * n + 1))
    if task == "brackets":
        return list(symbols), list(range(n))
    *sequence, query = symbols
    return [*sequence, MARKER, query], [len(sequence) + 1]


def parse_input(task: str, length: int, text: str) -> list[str]:
    """The symbols of a typed input (spaces optional: ``3 1 4`` or ``314``), checked for the task; an InputError
    names what is wrong."""
    check_task(task, length)
    symbols = [c for c in text if not c.isspace()]
    allowed = OPENERS + CLOSERS if task == "brackets" else "".join(DIGITS)
    wrong = sorted({c for c in symbols if c not in allowed})
    if wrong:
        kind = "brackets ( ) [ ]" if task == "brackets" else "digits 0–9"
        raise InputError(f"Only {kind} can be read here; remove {' '.join(wrong)}.")
    expected = length + 1 if task == "induction" else length
    if len(symbols) != expected:
        what = f"{length} distinct digits and then the query digit" if task == "induction" else f"{length} symbols"
        raise InputError(f"This model reads {what}: {expected} in all; got {len(symbols)}.")
    if task == "brackets":
        bracket_partners(symbols)
    if task == "induction":
        *sequence, query = symbols
        if len(set(sequence)) != len(sequence):
            raise InputError("The digits before the query must all differ (so “what came after q” is one digit).")
        if query not in sequence[:-1]:
            raise InputError(
                f"The query {query} must be one of the first {length - 1} digits (the last has no successor)."
            )
    return symbols


def encode(task: str, symbols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids (L,) and target ids (L,) (IGNORE off the answer positions) of one checked input."""
    tokens, positions = layout(task, symbols)
    targets = np.full(len(tokens), IGNORE, dtype=np.int64)
    targets[positions] = [TOKEN_ID[t] for t in answer(task, symbols)]
    return np.array([TOKEN_ID[t] for t in tokens], dtype=np.int64), targets


def _balanced_strings(length: int) -> list[str]:
    """Every balanced string of ``length`` brackets with two kinds, ( ) and [ ] (Catalan(N/2) · 2^{N/2} of them)."""
    shapes = []
    for opens in itertools.combinations(range(length), length // 2):
        depth, ok = 0, True
        for position in range(length):
            depth += 1 if position in opens else -1
            ok &= depth >= 0
        if ok:
            shapes.append(opens)
    strings = []
    for opens in shapes:
        for kinds in itertools.product(range(2), repeat=length // 2):
            chars, stack, kind_iter = [], [], iter(kinds)
            for position in range(length):
                if position in opens:
                    kind = next(kind_iter)
                    stack.append(kind)
                    chars.append(OPENERS[kind])
                else:
                    chars.append(CLOSERS[stack.pop()])
            strings.append("".join(chars))
    return strings


def random_inputs(task: str, length: int, count: int, rng: np.random.Generator) -> list[list[str]]:
    """``count`` random inputs: digits uniform with repeats (copy, reverse, sort); a uniform balanced bracket
    string; N distinct digits and a query among the first N − 1 (induction)."""
    check_task(task, length)
    if task in ("copy", "reverse", "sort"):
        return [[DIGITS[d] for d in row] for row in rng.integers(0, 10, (count, length))]
    if task == "brackets":
        pool = _balanced_strings(length)
        return [list(pool[k]) for k in rng.integers(0, len(pool), count)]
    inputs = []
    for _ in range(count):
        sequence = [DIGITS[d] for d in rng.permutation(10)[:length]]
        inputs.append([*sequence, sequence[rng.integers(0, length - 1)]])
    return inputs


def make_batch(task: str, length: int, count: int, rng: np.random.Generator) -> Batch:
    """``count`` random examples of a task, encoded: tokens and targets, each (count, L)."""
    return encode_all(task, random_inputs(task, length, count, rng))


def encode_all(task: str, inputs: list[list[str]]) -> Batch:
    """Checked inputs encoded as one batch: tokens and targets, each (count, L)."""
    encoded = [encode(task, symbols) for symbols in inputs]
    return Batch(tokens=np.stack([e[0] for e in encoded]), targets=np.stack([e[1] for e in encoded]))


def order_blind_accuracy(inputs: list[list[str]]) -> float:
    """The best accuracy of any order-blind model on these copy / reverse / sort inputs: the share of each
    answer taken by its input's most frequent symbol, averaged.

    Without positions all blanks get the same vector, hence the same output: one symbol for all of them. The
    answers hold the same symbols as the input (in another order), so that one symbol is right at most
    count(mode) / N times: this bound holds for every example, whatever the weights (above 1/10 because the
    answers are drawn from the input)."""
    if not inputs:
        raise InputError("No inputs to measure the order-blind accuracy on.")
    # one guess for every blank: the most frequent symbol, right at count / N of them
    hits = [max(symbols.count(s) for s in set(symbols)) / len(symbols) for symbols in inputs]
    return float(np.mean(hits))
