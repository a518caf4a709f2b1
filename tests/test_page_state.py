"""State a copied link must carry beyond the sidebar widgets (a tab, a step-through stage), and controls whose range
follows what was computed."""

from __future__ import annotations

from streamlit.testing.v1.element_tree import Block

from tests.apptest_helpers import assert_healthy, run_page


def _open_tab_indices(at) -> list[int]:
    """For every st.tabs on the page, the index of the tab it opens on."""
    found = []

    def walk(node):
        proto = getattr(node, "proto", None)
        is_block = isinstance(node, Block) and proto is not None and "type" in proto.DESCRIPTOR.oneofs_by_name
        if is_block and proto.WhichOneof("type") == "tab_container":
            found.append(proto.tab_container.default_tab_index)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found


def test_divergences_link_opens_on_its_tab():
    at = run_page("pages/information/divergences.py", {"tab": "Two Gaussians"})
    assert_healthy(at, "divergences ?tab=Two Gaussians")
    assert at.session_state["tab"] == "Two Gaussians"
    assert _open_tab_indices(at) == [1]
    assert _open_tab_indices(run_page("pages/information/divergences.py")) == [0]


def test_divergences_link_with_an_unknown_tab_says_so():
    at = run_page("pages/information/divergences.py", {"tab": "Neither"})
    assert_healthy(at, "divergences ?tab=Neither")
    assert _open_tab_indices(at) == [0]
    assert any("tab=Neither" in w.value for w in at.warning)


def test_backprop_link_opens_on_its_stage_and_next_moves_it():
    at = run_page("pages/deep/backprop.py", {"stage": "3 · the loss"})
    assert_healthy(at, "backprop ?stage=3")
    assert at.selectbox(key="stage").value == "3 · the loss"
    assert any(r"\mathcal{L} = " in f.value for f in at.get("latex"))
    at.button(key="bp_next").click().run()
    assert_healthy(at, "backprop Next")
    assert at.selectbox(key="stage").value == "4 · backward: δ^[2]"
    at.button(key="bp_back").click().run()
    at.button(key="bp_back").click().run()
    assert_healthy(at, "backprop Back")
    assert at.selectbox(key="stage").value == "2 · forward: layer 2 (output)"


def test_q_learning_replay_slider_follows_the_episodes_trained():
    at = run_page("pages/rl/q_learning_sarsa.py", {"episodes": "50"})
    assert_healthy(at, "Q-learning with 50 episodes")
    replay = at.slider(key="replay")
    assert (replay.min, replay.max, replay.value) == (1, 50, 50)
    replay.set_value(20).run()
    at.slider(key="episodes").set_value(30).run()
    assert_healthy(at, "Q-learning with 30 episodes")
    replay = at.slider(key="replay")
    assert (replay.max, replay.value) == (30, 20)
    replay.set_value(30).run()
    at.slider(key="episodes").set_value(80).run()
    assert_healthy(at, "Q-learning with 80 episodes")
    replay = at.slider(key="replay")
    assert (replay.max, replay.value) == (80, 80), "a slider left at the last episode stays at the last one"
    at.slider(key="episodes").set_value(20).run()
    replay = at.slider(key="replay")
    assert (replay.max, replay.value) == (20, 20), "an episode past the new end moves to it"


def test_a_control_does_not_follow_the_user_to_the_next_page():
    """γ set on the MDP page must not open Q-learning (which also has a "gamma" control) with that γ: a page
    opens on its own defaults, as Streamlit does for controls that are not bound to the URL."""
    at = run_page("pages/rl/value_iteration.py")
    at.slider(key="gamma").set_value(0.5)
    at.run()
    assert at.slider(key="gamma").value == 0.5
    at.switch_page("pages/rl/q_learning_sarsa.py")
    at.run()
    assert_healthy(at, "q-learning after the MDP page")
    assert at.slider(key="gamma").value == 1.0  # Q-learning's own default (Sutton & Barto's γ = 1)
    at.switch_page("pages/rl/value_iteration.py")
    at.run()
    assert at.slider(key="gamma").value != 0.5  # and back: the MDP page's default, not the value left behind
