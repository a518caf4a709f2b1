"""Information-theory pages beyond the generic contract: ∞ shown (never NaN), bad tables named, presets load."""

from __future__ import annotations

import math

import pytest

from core.information.joint import joint_report
from core.information.parsing import parse_joint_table
from tests.apptest_helpers import assert_healthy, run_page


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [x.value for x in at.get("latex")]
    parts += [str(m.value) for m in at.metric] + [m.label for m in at.metric]
    return "\n".join(parts)


def test_divergences_show_infinity_with_explanation_and_no_nan():
    at = run_page("pages/information/divergences.py", {"pq_preset": "Q misses an outcome of P"})
    assert_healthy(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["KL(P‖Q) [bits]"] == "∞"
    assert metrics["KL(Q‖P) [bits]"] != "∞"
    text = _texts(at)
    assert "Why ∞?" in text and r"\infty" in text
    assert "nan" not in text.lower()


def test_disjoint_support_reaches_log_2():
    at = run_page("pages/information/divergences.py", {"pq_preset": "disjoint support"})
    assert_healthy(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["JS(P‖Q) [bits]"] == "1.000"
    assert metrics["KL(P‖Q) [bits]"] == "∞" and metrics["KL(Q‖P) [bits]"] == "∞"


def test_preset_change_loads_p_and_q():
    at = run_page("pages/information/divergences.py")
    at.selectbox(key="pq_preset").select("identical")
    at.run()
    assert_healthy(at)
    assert at.text_input(key="P").value == at.text_input(key="Q").value
    assert {m.label: m.value for m in at.metric}["KL(P‖Q) [bits]"] == "0.000"


@pytest.mark.parametrize(
    ("table", "fragment"),
    [("0 0\n0 0", "all zeros"), ("0.5 -0.2\n0.1 0.1", "negative"), ("0.5 0.5\n0.5", "same number of entries")],
)
def test_bad_joint_table_is_named(table, fragment):
    at = run_page("pages/information/conditional_entropy.py", {"joint_preset": "custom", "joint": table})
    assert_healthy(at)
    assert at.error and fragment in at.error[0].value
    # the page keeps drawing, from the preset's table, and says so
    assert at.get("plotly_chart") and any("the preset's table" in c.value for c in at.caption)


def test_unnormalized_joint_table_is_normalized_with_notice():
    at = run_page(
        "pages/information/mutual_information.py", {"source": "a table", "joint_preset": "custom", "joint": "1 1\n1 1"}
    )
    assert_healthy(at)
    assert any("did not sum to 1" in w.value for w in at.warning)
    assert "I(X;Y) = H(X) - H(X|Y) = 1.000 - 1.000 = 0.000" in _texts(at)


def test_conditional_entropy_default_shows_an_x_above_h_y():
    at = run_page("pages/information/conditional_entropy.py")
    assert_healthy(at)
    assert any("more* uncertain" in m.value for m in at.markdown)
    # chain rule with the default table: H(X,Y) = H(X) + H(Y|X)
    report = joint_report(parse_joint_table("0.7 0 0\n0.1 0.1 0.1")[0])
    assert f"{report.h_xy:.3f}" in _texts(at)


def test_entropy_preset_uniform_reaches_bound_in_nats():
    at = run_page("pages/information/entropy.py", {"unit": "nats"})
    at.selectbox(key="preset").select("uniform")
    at.run()
    assert_healthy(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["H(X) [nats]"] == f"{math.log(4):.3f}"
    assert any("uniform distribution" in s.value for s in at.success)


def test_jensen_erratum_shows_numeric_counter_example():
    at = run_page("pages/information/jensen.py", {"f": "x²", "x": "1, 3", "p": "0.5, 0.5"})
    assert_healthy(at)
    erratum = [m.value for m in at.markdown if "Erratum" in m.value]
    assert erratum and "**5.0000**" in erratum[0] and "**4.0000**" in erratum[0]


def test_jensen_log_of_zero_is_named():
    at = run_page("pages/information/jensen.py", {"f": "log x", "x": "0, 1", "p": "1, 1"})
    assert_healthy(at)
    assert at.error and "x > 0" in at.error[0].value


def test_mle_curves_agree_on_the_page():
    at = run_page("pages/information/mle_kl.py", {"n": "200", "steps": "100"})
    assert_healthy(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["NLL at step 100 [bits]"] == metrics["H(p̂, q_θ)"] == metrics["KL(p̂‖q_θ) + H(p̂)"]
