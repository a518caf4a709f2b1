"""The figure theme: the dark recolouring touches the chrome only."""

import plotly.graph_objects as go

from viz import theme


def test_dark_theme_recolours_chrome_not_data():
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0], line_color=theme.BLUE))
    fig.update_layout(xaxis2=dict(domain=[0.6, 1]))
    theme.for_dark_theme(fig)
    assert fig.layout.paper_bgcolor == theme.DARK_BACKGROUND
    assert fig.layout.font.color == theme.DARK_TEXT
    assert fig.layout.xaxis.gridcolor == theme.DARK_GRID and fig.layout.xaxis2.gridcolor == theme.DARK_GRID
    assert fig.data[0].line.color == theme.BLUE
