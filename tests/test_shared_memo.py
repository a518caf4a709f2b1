"""ui/shared_memo.py: a result shared by every session must be keyed by exactly what it depends on (the weights
themselves), and a value made while the weights moved must not be remembered."""

import threading

import torch

from ui.shared_memo import SharedMemo, weights_digest


def _net(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def test_weights_digest_is_equal_exactly_when_the_weights_are():
    a, b, c = _net(0), _net(0), _net(1)
    assert weights_digest(a) == weights_digest(b)
    assert weights_digest(a) != weights_digest(c)
    with torch.no_grad():
        b[2].bias[1] += 1e-7  # one number, the smallest visible change of a float32 near 0.1
    assert weights_digest(a) != weights_digest(b)
    # the same numbers in another shape are other weights
    flat = torch.nn.Linear(24, 1, bias=False)
    square = torch.nn.Linear(4, 6, bias=False)
    with torch.no_grad():
        square.weight.copy_(flat.weight.reshape(6, 4))
    assert weights_digest(flat) != weights_digest(square)


def test_a_stored_value_is_made_once_and_the_oldest_goes_first():
    memo, made = SharedMemo(2), []

    def make(key):
        return lambda: made.append(key) or f"value {key}"

    assert memo.get("a", make("a")) == "value a"
    assert memo.get("a", make("a")) == "value a"
    memo.get("b", make("b"))
    memo.get("a", make("a"))  # "a" used again: "b" is now the oldest
    memo.get("c", make("c"))
    memo.get("a", make("a"))
    memo.get("b", make("b"))
    assert made == ["a", "b", "c", "b"]


def test_a_value_made_while_its_inputs_moved_is_shown_but_not_remembered():
    memo, calls = SharedMemo(4), []
    value = memo.get("k", lambda: calls.append(1) or "stale", still_valid=lambda: False)
    assert value == "stale"
    assert memo.get("k", lambda: calls.append(1) or "fresh") == "fresh"
    assert len(calls) == 2


def test_sessions_asking_at_once_all_get_the_first_stored_value():
    memo, results, barrier = SharedMemo(4), [], threading.Barrier(6)

    def ask(i):
        barrier.wait()
        results.append(memo.get("k", lambda: [i]))

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = memo.get("k", lambda: None)
    assert len(results) == 6 and all(r is stored for r in results)  # those that lost the race got the winner's
