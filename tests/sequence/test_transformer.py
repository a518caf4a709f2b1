"""The tiny transformer (core/sequence/transformer.py) and its tasks (core/sequence/tasks.py): the torch model
equals torch.nn.MultiheadAttention and the NumPy forward on the same weights; tasks against independent
references; copy learned within its budget; no positional encodings bounds reverse by the order-blind ceiling."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.sequence import tasks
from core.sequence import transformer as tfm


def _trained_a_little(config: tfm.TransformerConfig, steps: int = 30) -> tfm.TransformerTrainer:
    trainer = tfm.TransformerTrainer(dataclasses.replace(config, steps=steps))
    trainer.train_chunk(steps)
    return trainer


# --------------------------------------------------------------------------------------------- the model


def test_self_attention_equals_torch_multihead_attention():
    torch.manual_seed(0)
    ours = tfm.SelfAttention(16, 4, scaled=True).double()
    reference = torch.nn.MultiheadAttention(16, 4, bias=False, batch_first=True).double()
    with torch.no_grad():
        # torch stacks W_Q, W_K, W_V (each stored transposed) into in_proj_weight
        reference.in_proj_weight.copy_(torch.cat([ours.W_Q.weight, ours.W_K.weight, ours.W_V.weight]))
        reference.out_proj.weight.copy_(ours.W_O.weight)
    S = torch.randn(3, 7, 16, dtype=torch.float64)
    expected, _ = reference(S, S, S, need_weights=False)
    np.testing.assert_allclose(ours(S).detach().numpy(), expected.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "changes",
    [
        dict(),
        dict(positional=False),
        dict(scaled=False),
        dict(task="brackets", layers=1, heads=2),
        dict(task="induction"),
    ],
)
def test_numpy_forward_equals_the_torch_model(changes):
    """The maps the page draws come from the NumPy forward (multi_head_attention): it must be the trained model."""
    config = dataclasses.replace(tfm.TransformerConfig(dim=32, seed=3), **changes)
    trainer = _trained_a_little(config)
    weights = trainer.weights()
    tokens, _ = trainer.test
    with torch.no_grad():
        expected = trainer.model.double()(tokens[:5]).numpy()
    trainer.model.float()
    for row in range(5):
        logits, layers = tfm.numpy_forward(weights, config, tokens[row].numpy())
        np.testing.assert_allclose(logits, expected[row], atol=1e-9)
        assert len(layers) == config.layers and len(layers[0].heads) == config.heads
        for layer in layers:
            for head in layer.heads:
                np.testing.assert_allclose(head.A.sum(axis=1), 1.0)


def test_unscaled_scores_are_the_scaled_ones_times_the_root_of_the_head_width():
    config = tfm.TransformerConfig(dim=32, heads=2)
    weights = tfm.weights_of(tfm.initial_model(config))
    unscaled = dataclasses.replace(config, scaled=False)
    symbols = tasks.parse_input("reverse", 6, "3 1 4 1 5 9")
    scaled_head = tfm.read(weights, config, symbols).layers[0].heads[1]
    raw_head = tfm.read(weights, unscaled, symbols).layers[0].heads[1]
    np.testing.assert_allclose(raw_head.scores, scaled_head.scores * math.sqrt(16), atol=1e-12)
    # at initialisation, W^Q, W^K ~ N(0, 1/D): the raw scores spread like √(D/h), and the rows are peakier
    assert raw_head.A.max(axis=1).mean() > scaled_head.A.max(axis=1).mean()


def test_without_positions_every_blank_gets_the_same_output():
    """Attention without positional encodings is permutation-equivariant: identical blanks, identical outputs."""
    config = tfm.TransformerConfig(positional=False, seed=1)
    trainer = _trained_a_little(config, 20)
    tokens, targets = trainer.test
    with torch.no_grad():
        logits = trainer.model(tokens[:8])  # (8, L, V)
    blanks = targets[0] != tasks.IGNORE
    rows = logits[:, blanks]  # (8, N, V)
    np.testing.assert_allclose(rows.numpy(), rows[:, :1].expand_as(rows).numpy(), atol=1e-5)


def test_initial_model_and_training_are_seeded():
    config = tfm.TransformerConfig(dim=16, heads=2, seed=4)
    a, b = tfm.weights_of(tfm.initial_model(config)), tfm.weights_of(tfm.initial_model(config))
    other = tfm.weights_of(tfm.initial_model(dataclasses.replace(config, seed=5)))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.allclose(a["encoder.blocks.0.attention.W_Q.weight"], other["encoder.blocks.0.attention.W_Q.weight"])
    first, again = _trained_a_little(config, 10), _trained_a_little(config, 10)
    assert first.losses == again.losses and first.fingerprint() == again.fingerprint()


def test_copy_reaches_99_percent_within_its_budget():
    """The copy task's budget (tasks.TRAINING_STEPS, what the page and the benchmark train) is enough."""
    torch.set_num_threads(1)
    trainer = tfm.TransformerTrainer(tfm.TransformerConfig("copy", steps=tasks.TRAINING_STEPS["copy"]))
    trainer.train_chunk(trainer.total_steps)
    assert trainer.finished and trainer.test_accuracy >= 0.99
    assert tfm.steps_to_reach(trainer, 0.99) <= tasks.TRAINING_STEPS["copy"]


def test_removing_positions_drops_reverse_to_the_order_blind_ceiling():
    """The page's shipped default pair (reverse, N = 6): with positions ≥ 99 %, without them at most the
    order-blind ceiling of the same test set (≈ 34 %) — a measured margin of more than 60 points."""
    reference = tfm.TransformerConfig("reverse", steps=tasks.TRAINING_STEPS["reverse"])
    with_pe, without = tfm.load_shipped(reference), tfm.load_shipped(dataclasses.replace(reference, positional=False))
    assert with_pe is not None and without is not None, "run python -m scripts.make_pretrained seq-transformer"
    ceiling = tasks.order_blind_accuracy(tfm.test_inputs(reference))
    accuracy = {name: tfm.accuracy(t.model, *t.test) for name, t in (("pe", with_pe), ("none", without))}
    assert accuracy["pe"] >= 0.99
    assert accuracy["none"] <= ceiling + 1e-9
    assert accuracy["pe"] - accuracy["none"] > 0.6
    assert ceiling > 0.1  # above 1/10: the answers are drawn from the input


def test_saturation_lies_between_uniform_and_one_hot():
    config = tfm.TransformerConfig(dim=16, heads=2, layers=1)
    inputs = tfm.test_inputs(config)[:8]
    peaks = tfm.saturation(tfm.weights_of(tfm.initial_model(config)), config, inputs)
    L = tasks.sequence_length(config.task, config.length)
    assert peaks.shape == (1, 2) and np.all(peaks >= 1 / L - 1e-12) and np.all(peaks <= 1)


# --------------------------------------------------------------------------------------------- the tasks


@pytest.mark.parametrize("task", tasks.TASKS)
@pytest.mark.parametrize("length", tasks.LENGTHS)
def test_random_inputs_encode_to_their_answers(task, length):
    rng = np.random.default_rng(0)
    for symbols in tasks.random_inputs(task, length, 20, rng):
        assert tasks.parse_input(task, length, tasks.format_input(task, symbols)) == symbols
        token_ids, targets = tasks.encode(task, symbols)
        assert len(token_ids) == tasks.sequence_length(task, length)
        answers = [tasks.VOCAB[k] for k in targets[targets != tasks.IGNORE]]
        assert answers == tasks.answer(task, symbols)
    example = tasks.parse_input(task, length, tasks.example(task, length))
    assert len(tasks.answer(task, example)) >= 1


def test_answers_against_independent_references():
    digits = list("3141592")
    assert tasks.answer("reverse", digits) == list(reversed(digits))
    assert tasks.answer("sort", digits) == sorted(digits, key=int)
    assert tasks.answer("induction", [*"4719268", "9"]) == ["2"]
    # brackets: partner positions checked by brute force (the partner closes the innermost open bracket)
    for text in tasks._balanced_strings(6):
        partners = tasks.bracket_partners(list(text))
        for i, j in enumerate(partners):
            lo, hi = min(i, j), max(i, j)
            inside = text[lo + 1 : hi]
            assert tasks.OPENERS.index(text[lo]) == tasks.CLOSERS.index(text[hi])
            assert inside.count("(") + inside.count("[") == inside.count(")") + inside.count("]")
            assert partners[j] == i


@pytest.mark.parametrize("length", [2, 4, 6, 8])
def test_balanced_strings_are_all_of_them(length):
    catalan = math.comb(length, length // 2) // (length // 2 + 1)
    strings = tasks._balanced_strings(length)
    assert len(strings) == len(set(strings)) == catalan * 2 ** (length // 2)
    # brute force over all 4^n strings of the four brackets
    count = 0
    for chars in itertools.product("()[]", repeat=length):
        try:
            tasks.bracket_partners(list(chars))
            count += 1
        except InputError:
            pass
    assert count == len(strings)


def test_order_blind_ceiling_is_the_mode_share():
    assert tasks.order_blind_accuracy([list("1123"), list("5555")]) == pytest.approx((2 / 4 + 1) / 2)
    # Monte Carlo on uniform digits: E[max count] / N, between 1/N and 1
    rng = np.random.default_rng(0)
    inputs = tasks.random_inputs("copy", 6, 4000, rng)
    value = tasks.order_blind_accuracy(inputs)
    # independent count: the share of each input that its most common symbol fills, averaged
    expected = np.mean([max(Counter(list(x)).values()) / len(x) for x in inputs])
    assert value == pytest.approx(expected, abs=1e-12)
    with pytest.raises(InputError):
        tasks.order_blind_accuracy([])


def test_bad_inputs_name_the_problem():
    with pytest.raises(InputError, match="digits 0–9"):
        tasks.parse_input("copy", 6, "3 1 4 a 5 9")
    with pytest.raises(InputError, match="6 symbols"):
        tasks.parse_input("reverse", 6, "3 1 4")
    with pytest.raises(InputError, match="not balanced"):
        tasks.parse_input("brackets", 4, "([)]")
    with pytest.raises(InputError, match="never closed"):
        tasks.parse_input("brackets", 4, "((((")
    with pytest.raises(InputError, match="differ"):
        tasks.parse_input("induction", 4, "1 1 2 3 1")
    with pytest.raises(InputError, match="must be one of"):
        tasks.parse_input("induction", 4, "1 2 3 4 4")
    with pytest.raises(InputError, match="even"):
        tasks.check_task("brackets", 5)
    with pytest.raises(InputError, match="Unknown task"):
        tasks.check_task("translate", 4)
    with pytest.raises(InputError, match="divide"):
        tfm.TransformerTrainer(tfm.TransformerConfig(dim=30, heads=4))


def test_example_draws_are_seeded_and_differ():
    a = tasks.random_inputs("copy", 6, 1, tasks.example_rng(0, 1))
    assert a == tasks.random_inputs("copy", 6, 1, tasks.example_rng(0, 1))
    assert a != tasks.random_inputs("copy", 6, 1, tasks.example_rng(0, 2))


def test_shipped_round_trip(tmp_path):
    config = tfm.TransformerConfig("sort", 4, 1, 2, 16, steps=5, eval_every=2)
    trainer = tfm.TransformerTrainer(config)
    with pytest.raises(InputError, match="finished"):
        tfm.save_shipped(trainer, tmp_path)
    trainer.train_chunk(5)
    tfm.save_shipped(trainer, tmp_path)
    back = tfm.load_shipped(config, tmp_path)
    assert back.finished and back.losses == pytest.approx(trainer.losses)
    assert back.eval_steps == trainer.eval_steps and back.accuracies == pytest.approx(trainer.accuracies)
    assert back.fingerprint() == trainer.fingerprint()
    assert tfm.load_shipped(dataclasses.replace(config, seed=1), tmp_path) is None
