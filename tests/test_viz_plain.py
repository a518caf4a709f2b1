"""viz.plain's layouts against the validated Plotly calls they stand for."""

from __future__ import annotations

import pytest
from plotly.subplots import make_subplots

from viz import plain, theme


@pytest.mark.parametrize(
    ("rows", "cols", "titles", "options"),
    [
        (1, 2, ("ĝ_μ at N = 16", "ĝ_σ at N = 16"), dict(horizontal_spacing=0.1)),
        (1, 2, ("ĝ_μ at N = 32", "ĝ_σ at N = 32"), dict(horizontal_spacing=0.1)),  # same grid, new texts
        (1, 3, ("first", "", "third"), dict(horizontal_spacing=0.07)),  # an empty title is left out
        (2, 2, ("a", "b", "c", "d", "beyond the cells"), dict(vertical_spacing=0.2, shared_xaxes=True)),
        (1, 2, (), {}),
    ],
)
def test_subplots_layout_is_make_subplots_styled(rows, cols, titles, options):
    expected = theme.style(
        make_subplots(rows=rows, cols=cols, subplot_titles=titles or None, **options), None, height=380
    ).layout.to_plotly_json()
    ours = plain.subplots_layout(None, 380, rows, cols, titles, **options)
    assert ours == expected
    assert [note["text"] for note in ours.get("annotations", ())] == [t for t in titles[: rows * cols] if t]
