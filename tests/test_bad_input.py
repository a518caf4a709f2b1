"""One bad input must not blank the page: its message sits beside the control, the figures stay (the parts that
still compute, or the last valid ones marked as such), and a good value brings fresh figures back."""

from __future__ import annotations

import json

from streamlit.testing.v1.element_tree import Block

from tests.apptest_helpers import assert_healthy, run_page

STALE = "Showing the last valid"


def _figure_data(at) -> list:
    return [json.loads(chart.proto.spec)["data"] for chart in at.get("plotly_chart")]


def _stale_captions(at) -> list[str]:
    return [c.value for c in at.caption if "Showing" in c.value]


def _leaves(root) -> list:
    """The elements under ``root`` in the order they are drawn (containers, columns and expanders opened)."""
    leaves = []

    def walk(node):
        if isinstance(node, Block):
            for child in node.children.values():
                walk(child)
        else:
            leaves.append(node)

    walk(root)
    return leaves


def _sidebar_leaves(at) -> list:
    """The sidebar's elements in the order they are drawn."""
    return _leaves(at.sidebar)


def _message_after(at, key: str) -> str:
    """The error drawn right after the control ``key``, in the sidebar or the main area where that control is
    (fails when there is none there)."""
    for leaves in (_sidebar_leaves(at), _leaves(at.main)):
        at_control = next((i for i, leaf in enumerate(leaves) if getattr(leaf, "key", None) == key), None)
        if at_control is not None:
            break
    assert at_control is not None, f"no control {key!r} on the page"
    following = leaves[at_control + 1] if at_control + 1 < len(leaves) else None
    assert following is not None and following.type == "error", (
        f"no error right after {key!r}: {[getattr(leaf, 'type', '?') for leaf in leaves]}"
    )
    return following.value


def _check_bad_then_good(at, set_bad, set_good, control: str, fragment: str, context: str) -> None:
    before = _figure_data(at)
    assert before and not _stale_captions(at)
    set_bad(at)
    at.run()
    assert_healthy(at, f"{context}: bad input")
    assert fragment in _message_after(at, control), f"{context}: the message does not name the problem"
    assert _figure_data(at) == before, f"{context}: the last valid figures are not kept"
    assert any(STALE in c for c in _stale_captions(at)), f"{context}: stale figures are not marked"
    set_good(at)
    at.run()
    assert_healthy(at, f"{context}: good input again")
    assert not at.error and not _stale_captions(at)
    fresh = _figure_data(at)
    assert len(fresh) == len(before) and fresh != before, f"{context}: the good input does not redraw"


def test_mdp_bad_layout_keeps_the_last_grid():
    at = run_page("pages/rl/value_iteration.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_area(key="grid").set_value(". . +1\n. #\nS . ."),
        lambda at: at.text_area(key="grid").set_value(". . +1\n. # -1\nS . ."),
        "grid",
        "Row 2 has 2 cells",
        "MDP",
    )


def test_mdp_link_with_a_bad_layout_shows_the_preset_grid():
    at = run_page("pages/rl/value_iteration.py", {"grid": "S . \n."})
    assert_healthy(at, "MDP opened with a bad layout")
    assert "Row 2 has 1 cells" in _message_after(at, "grid")
    assert len(at.get("plotly_chart")) == len(run_page("pages/rl/value_iteration.py").get("plotly_chart"))
    assert any("the preset's grid" in c for c in _stale_captions(at))


def test_convolution_bad_kernel_keeps_the_last_kernel():
    at = run_page("pages/deep/convolution.py", {"kernel": "custom (type it)"})
    _check_bad_then_good(
        at,
        lambda at: at.text_area(key="kcustom").set_value("1 0\n0 x"),
        lambda at: at.text_area(key="kcustom").set_value("0 1 0\n1 -4 1\n0 1 0"),
        "kcustom",
        "only numbers",
        "convolution",
    )


def test_convolution_kernel_too_wide_keeps_the_last_convolution():
    # a 5×5 kernel at dilation 3 spans 13 pixels: more than the unpadded 8×8 digit; at dilation 1 it fits
    at = run_page("pages/deep/convolution.py", {"kernel": "custom (type it)", "kcustom": "1 1 1 1 1\n" * 5})
    _check_bad_then_good(
        at,
        lambda at: at.slider(key="dil").set_value(3),
        lambda at: (at.slider(key="dil").set_value(1), at.slider(key="pad").set_value(1)),
        "dil",
        "kernel spans 13×13",
        "convolution geometry",
    )


def test_convolution_link_with_a_bad_kernel_shows_the_default_kernel():
    at = run_page("pages/deep/convolution.py", {"kernel": "custom (type it)", "kcustom": "1 2\n3"})
    assert_healthy(at, "convolution opened with a bad kernel")
    assert "square" in _message_after(at, "kcustom")
    assert at.get("plotly_chart") and any("default custom kernel" in c for c in _stale_captions(at))


def test_jensen_length_mismatch_keeps_the_last_numbers():
    at = run_page("pages/information/jensen.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="p").set_value("0.5, 0.5"),
        lambda at: at.text_input(key="p").set_value("0.2, 0.2, 0.6"),
        "p",
        "one weight per point",
        "Jensen",
    )


def test_divergences_bad_p_keeps_the_last_p():
    at = run_page("pages/information/divergences.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="P").set_value("0.5, x, 0.2, 0.1"),
        lambda at: at.text_input(key="P").set_value("0.7, 0.1, 0.1, 0.1"),
        "P",
        "'x' is not a number",
        "divergences P",
    )


def test_divergences_p_and_q_of_different_lengths_keep_the_last_pair():
    at = run_page("pages/information/divergences.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="Q").set_value("0.5, 0.5"),
        lambda at: at.text_input(key="Q").set_value("0.1, 0.2, 0.3, 0.4"),
        "Q",
        "same number of outcomes",
        "divergences P and Q",
    )


def test_divergences_gaussians_still_follow_their_sliders_while_p_is_bad():
    at = run_page("pages/information/divergences.py")
    at.text_input(key="P").set_value("0.5, -0.5, 1").run()
    discrete_before = _figure_data(at)
    at.session_state["tab"] = "Two Gaussians"  # the other tab opened (only the open tab is drawn)
    at.run()
    gaussian_before = _figure_data(at)
    at.slider(key="mu_p").set_value(-1.0).run()
    assert_healthy(at, "divergences: Gaussian slider with a bad P")
    assert _figure_data(at) != gaussian_before
    at.session_state["tab"] = "Discrete P and Q"  # back: the bad P is still there, with its message
    at.run()
    assert "negative" in _message_after(at, "P")
    assert _figure_data(at) == discrete_before


def test_divergences_link_with_p_and_q_of_different_lengths_shows_the_preset():
    at = run_page("pages/information/divergences.py", {"P": "0.5 0.5", "Q": "0.2 0.3 0.5"})
    assert_healthy(at, "divergences opened with a mismatched pair")
    assert "same number of outcomes" in _message_after(at, "Q")
    assert len(_figure_data(at)) == len(_figure_data(run_page("pages/information/divergences.py")))
    assert any("the preset's P and Q" in c for c in _stale_captions(at))


def test_entropy_bad_typed_distribution_keeps_the_last_one():
    at = run_page("pages/information/entropy.py", {"edit": "typed numbers"})
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="probs").set_value("0.5, -0.5"),
        lambda at: at.text_input(key="probs").set_value("0.25 0.25 0.25 0.25"),
        "probs",
        "negative",
        "entropy",
    )


def test_entropy_coin_still_follows_its_slider_while_the_typed_distribution_is_bad():
    at = run_page("pages/information/entropy.py", {"edit": "typed numbers", "probs": "0.5 abc"})
    assert_healthy(at, "entropy opened with bad numbers")
    assert "not a number" in _message_after(at, "probs")
    assert any("the default P(x)" in c for c in _stale_captions(at))
    coin_before, categorical_before = _figure_data(at)[0], _figure_data(at)[1:]
    at.slider(key="p").set_value(0.5).run()
    assert_healthy(at, "entropy: coin slider with bad numbers")
    assert _figure_data(at)[0] != coin_before and _figure_data(at)[1:] == categorical_before


def test_entropy_all_slider_weights_zero_keep_the_last_distribution():
    at = run_page("pages/information/entropy.py", {"n": "2"})

    def all_zero(at):
        at.slider(key="w1").set_value(0.0)
        at.slider(key="w2").set_value(0.0)

    def one_half(at):
        at.slider(key="w1").set_value(0.5)
        at.slider(key="w2").set_value(0.5)

    _check_bad_then_good(at, all_zero, one_half, "w2", "all zeros", "entropy sliders")


def test_conditional_entropy_bad_table_keeps_the_last_table():
    at = run_page("pages/information/conditional_entropy.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_area(key="joint").set_value("0.5 0.5\n0.3"),
        lambda at: at.text_area(key="joint").set_value("1 2\n3 4"),
        "joint",
        "same number of entries",
        "conditional entropy",
    )


def test_conditional_entropy_link_with_a_bad_table_shows_the_preset_table():
    at = run_page("pages/information/conditional_entropy.py", {"joint_preset": "custom", "joint": "0 0\n0 0"})
    assert_healthy(at, "conditional entropy opened with a bad table")
    assert "all zeros" in _message_after(at, "joint")
    assert len(_figure_data(at)) == len(_figure_data(run_page("pages/information/conditional_entropy.py")))
    assert any("the preset's table" in c for c in _stale_captions(at))


def test_mutual_information_bad_table_keeps_the_last_table():
    at = run_page("pages/information/mutual_information.py", {"source": "a table"})
    _check_bad_then_good(
        at,
        lambda at: at.text_area(key="joint").set_value("0.4 0.1\n0.05 abc"),
        lambda at: at.text_area(key="joint").set_value("0.25 0.25\n0.25 0.25"),
        "joint",
        "not a number",
        "mutual information",
    )


def test_mle_bad_true_distribution_keeps_the_last_one():
    at = run_page("pages/information/mle_kl.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="p_true").set_value("0, 0, 0"),
        lambda at: at.text_input(key="p_true").set_value("0.5, 0.3, 0.2"),
        "p_true",
        "all zeros",
        "MLE",
    )


def test_attention_bad_sentence_keeps_the_last_sentence():
    at = run_page("pages/sequence/attention.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="text").set_value("   "),
        lambda at: at.text_input(key="text").set_value("a dog ran home"),
        "text",
        "The sentence is empty",
        "attention",
    )


def test_attention_link_with_a_long_sentence_shows_the_default_sentence():
    at = run_page("pages/sequence/attention.py", {"text": " ".join(["word"] * 13)})
    assert_healthy(at, "attention opened with a long sentence")
    assert "13 tokens" in _message_after(at, "text")
    assert len(_figure_data(at)) == len(_figure_data(run_page("pages/sequence/attention.py")))
    assert any("the default sentence" in c for c in _stale_captions(at))


def test_naive_bayes_long_message_keeps_the_last_message():
    at = run_page("pages/supervised/naive_bayes.py")
    _check_bad_then_good(
        at,
        lambda at: at.text_input(key="msg").set_value(" ".join(["free"] * 31)),
        lambda at: at.text_input(key="msg").set_value("win prize lunch"),
        "msg",
        "31 words",
        "naive Bayes",
    )
