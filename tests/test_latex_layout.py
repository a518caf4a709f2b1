"""Wide formulas are stacked at their top-level \\qquad, narrow ones and laid-out ones stay as written."""

from ui.latex import MAX_VISIBLE_SYMBOLS, fit_display, split_top_level, visible_symbols

ACTOR_CRITIC = (
    r"\hat A(s,a) = r + \gamma \hat V_\phi(s') - \hat V_\phi(s),\qquad "
    r"\phi \leftarrow \arg\min \big(r + \gamma \hat V_\phi(s') - \hat V_\phi(s)\big)^2,\qquad "
    r"\theta \leftarrow \theta + \alpha_\theta \nabla_\theta \log \pi_\theta(a|s)\,\hat A(s,a)"
)


def test_split_keeps_separators_inside_braces():
    assert split_top_level(r"a \qquad \text{x \qquad y} \qquad b") == ["a", r"\text{x \qquad y}", "b"]
    assert split_top_level(r"a \qquadx b") == [r"a \qquadx b"]  # another command, not the separator


def test_visible_symbols_counts_glyphs_not_source():
    assert visible_symbols(r"\alpha + \beta") == 3
    assert visible_symbols(r"\text{steps}") == 5
    assert visible_symbols(r"x_{t-1}") == 2  # x, then a half-size t−1
    assert visible_symbols(ACTOR_CRITIC) > MAX_VISIBLE_SYMBOLS


def test_a_wide_formula_is_stacked_in_gathered_lines():
    stacked = fit_display(ACTOR_CRITIC)
    assert stacked.startswith(r"\begin{gathered}") and stacked.endswith(r"\end{gathered}")
    lines = stacked.removeprefix(r"\begin{gathered}").removesuffix(r"\end{gathered}").split(r" \\[4pt] ")
    assert lines == split_top_level(ACTOR_CRITIC) and len(lines) == 3
    assert all(visible_symbols(line) <= MAX_VISIBLE_SYMBOLS for line in lines)


def test_narrow_or_laid_out_formulas_are_left_alone():
    assert fit_display(r"H(p) = -\sum_x p(x)\log p(x)") == r"H(p) = -\sum_x p(x)\log p(x)"
    aligned = r"\begin{aligned}" + ACTOR_CRITIC + r"\end{aligned}"
    assert fit_display(aligned) == aligned
    one_part = ACTOR_CRITIC.replace(r"\qquad", r"\;")
    assert fit_display(one_part) == one_part
