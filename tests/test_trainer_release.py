"""A closed session's trainers are freed: nothing outside its ``st.session_state`` keeps a reference to them.

Streamlit drops a session's state when the session ends (``server.disconnectedSessionTTL`` after its tab closes);
the trainers a session made live in that state (ui/training.py's per-session store). If a cache, the shared
store of finished runs, a live-chart registry or a closure held on to one, every student who trained something
would leave a model in the server's memory for good. bench/bench_memory.py measures the same thing as RSS of a
served app; this test checks it object by object on the real trainer pages.
"""

from __future__ import annotations

import gc
import weakref

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_helpers import run_page


@pytest.mark.parametrize(
    ("path", "name"),
    [("pages/deep/trainer.py", "nn"), ("pages/rl/dqn.py", "rl_dqn")],
)
def test_a_sessions_own_trainers_die_with_its_session_state(path, name):
    at = run_page(path, {"seed": "12345"})  # a seed nothing ships a result for: the session trains its own
    at.button(key=f"{name}_train").click().run()
    at.run()  # one more chunk from the fragment's tick
    at.button(key=f"{name}_pause").click().run()
    # weak references only: a name (or one of pytest's rewritten-assert temporaries) bound to a trainer here
    # would keep it alive itself
    alive = [weakref.ref(t) for t in at.session_state[f"_train_store_{name}"].values()]
    trained = [ref().steps for ref in alive]
    assert trained and max(trained) > 0, "the session trained nothing"
    del at  # the session and its state gone, as when Streamlit drops a closed session
    gc.collect()
    # AppTest keeps its last script run reachable until the next AppTest runs (measured: the trainer is freed as
    # soon as any other app has run); a server has run other sessions by then too
    AppTest.from_string("import streamlit as st\nst.write('another session')").run()
    gc.collect()
    assert [ref() for ref in alive] == [None] * len(alive)


def test_the_store_keeps_a_trainer_alive_while_the_session_lives():
    """The other half: the check above can fail: a live session's trainer is still there after the same steps."""
    at = run_page("pages/deep/trainer.py", {"seed": "12345"})
    at.button(key="nn_train").click().run()
    at.button(key="nn_pause").click().run()
    alive = [weakref.ref(t) for t in at.session_state["_train_store_nn"].values()]
    AppTest.from_string("import streamlit as st\nst.write('another session')").run()
    gc.collect()
    assert alive and all(ref() is not None for ref in alive)
    assert at.session_state["_train_store_nn"]  # at is still alive here
