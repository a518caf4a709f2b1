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


def _sidebar_leaves(at) -> list:
    """The sidebar's elements in the order they are drawn (containers and expanders opened)."""
    leaves = []

    def walk(node):
        if isinstance(node, Block):
            for child in node.children.values():
                walk(child)
        else:
            leaves.append(node)

    walk(at.sidebar)
    return leaves


def _message_after(at, key: str) -> str:
    """The error drawn in the sidebar right after the control ``key`` (fails when there is none there)."""
    leaves = _sidebar_leaves(at)
    at_control = next(i for i, leaf in enumerate(leaves) if getattr(leaf, "key", None) == key)
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
