"""VAE figures: the latent plane coloured by digit, the decoded manifold, image strips, the latent-walk animation,
ELBO / reconstruction / KL curves. Digits are drawn as grey heatmaps (ink black on white), no axes.

Every figure is written as plain trace and layout dicts (viz.plain): Plotly's validation of ``update_layout``,
``update_xaxes`` and ``theme.style`` was ~70 % of the page's rerun."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.generative import vae
from viz import plain, raster, theme

DENSITY_BINS = 90
"""Bins per axis of the codes' density picture behind the latent walk."""
DENSITY_SCALE = [[0.0, "#FFFFFF"], [1.0, "#8C8C8C"]]
"""White where no digit's code lies, grey where many do."""

# Ten classes: the Okabe–Ito colours, then grey and brown. The cluster of each digit is also labelled with the
# digit itself, so no one has to tell ten colours apart on a projector.
DIGIT_COLOURS = (
    theme.BLUE,
    theme.ORANGE,
    theme.GREEN,
    theme.VERMILION,
    theme.PURPLE,
    theme.SKY,
    theme.YELLOW,
    theme.BLACK,
    theme.GREY,
    "#8C510A",
)
INK = [[0.0, "#FFFFFF"], [1.0, "#000000"]]
"""Grey levels 0 → white paper, 1 → black ink."""
LINEAR_COLOUR, SPHERICAL_COLOUR = theme.VERMILION, theme.GREEN
SELECTED_COLOUR = theme.VERMILION
CLICK_GRID = 41
"""Invisible click targets per side laid over the manifold (a click picks the nearest)."""


def tile(images: np.ndarray, gap: int = 1) -> np.ndarray:
    """Images (r, c, 8, 8) as one array (r·(8 + gap) − gap, c·(8 + gap) − gap), NaN between them; row 0 on top."""
    rows, cols, h, w = images.shape
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan)
    for i in range(rows):
        for j in range(cols):
            out[i * (h + gap) : i * (h + gap) + h, j * (w + gap) : j * (w + gap) + w] = images[i, j]
    return out


def _image_heatmap(z: np.ndarray, hover: bool = False, **kwargs) -> dict:
    """An 8×8 image (or a canvas of them) in ink greys; ``hover`` shows each pixel's grey level."""
    return dict(
        type="heatmap",
        z=np.asarray(z, dtype=np.float32),
        colorscale=INK,
        zmin=0.0,
        zmax=1.0,
        showscale=False,
        **(dict(hovertemplate="row %{y}, column %{x}: %{z:.2f}<extra></extra>") if hover else dict(hoverinfo="skip")),
        **kwargs,
    )


# a lone image: no axes, row 0 on top, square pixels
IMAGE_AXES = dict(
    xaxis=dict(visible=False, constrain="domain"),
    yaxis=dict(visible=False, autorange="reversed", constrain="domain", scaleanchor="x"),
)


def _class_traces(points: np.ndarray, labels: np.ndarray, clickable: bool, size: int = 6) -> list[dict]:
    """One scatter per digit class, for hover and clicks only (the dots are drawn by :func:`_class_dots`); the
    hover names the digit and its index in the data set."""
    traces = []
    for digit in range(10):
        pick = np.flatnonzero(labels == digit)
        traces.append(
            dict(
                type="scatter",
                x=points[pick, 0].astype(np.float32),
                y=points[pick, 1].astype(np.float32),
                mode="markers",
                name=str(digit),
                customdata=pick,
                marker=plain.click_marker(size + 4),
                hovertemplate=f"a {digit}, digit #%{{customdata}}"
                + ("<br>click: a walk end" if clickable else "")
                + "<extra></extra>",
                showlegend=False,
            )
        )
    return traces


def _cluster_labels(points: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Each digit written at the median of its codes (large, on a white box): the clusters named in place."""
    notes = []
    for digit in range(10):
        centre = np.median(points[labels == digit], axis=0)
        notes.append(
            dict(
                x=float(centre[0]),
                y=float(centre[1]),
                text=f"<b>{digit}</b>",
                showarrow=False,
                font=dict(size=18, color=DIGIT_COLOURS[digit] if digit != 6 else "#8A7A00"),
                bgcolor="rgba(255,255,255,0.8)",
                bordercolor=DIGIT_COLOURS[digit],
                borderpad=1,
            )
        )
    return notes


CODE_OPACITY = 0.75
CODE_IMAGE_PX = 480
"""Side of the codes' picture: the plot is a ~330-px square on any screen (the figure's 440-px height sets it)."""
CODE_DOT_PX = 4.4
"""Radius of a code's dot in that picture: a 6-px marker in the 330-px square."""


def _class_dots(points: np.ndarray, labels: np.ndarray, extent: tuple[float, float]) -> dict:
    """Every code as a dot of its digit's colour, in one picture under the axes (1,797 SVG markers were most of
    the page's drawing time in Chromium), digits painted in order 0 … 9 as the traces were."""
    groups = [(points[labels == digit], DIGIT_COLOURS[digit]) for digit in range(10)]
    return raster.dots_image(
        groups, extent, extent, radius_px=CODE_DOT_PX, opacity=CODE_OPACITY, size_px=(CODE_IMAGE_PX, CODE_IMAGE_PX)
    )


def latent_scatter(
    points: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, str],
    extent: tuple[float, float],
    *,
    title: str,
    endpoints: tuple[np.ndarray, np.ndarray] | None = None,
    clickable: bool = False,
    height: int = 440,
) -> go.Figure:
    """Every digit's code μ(x) on the latent plane (u, v), coloured and labelled by its digit; ``endpoints``: the
    two ends of the latent walk (marked A and B)."""
    data = _class_traces(points, labels, clickable)
    if endpoints is not None:
        ends = np.stack(endpoints)
        data.append(
            dict(
                type="scatter",
                x=ends[:, 0],
                y=ends[:, 1],
                mode="markers+text",
                text=["A", "B"],
                textposition="top center",
                textfont=dict(size=16, color=theme.BLACK),
                marker=dict(size=14, color="rgba(0,0,0,0)", line=dict(color=theme.BLACK, width=3)),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    lo, hi = extent
    layout = plain.layout(
        title,
        height,
        images=[_class_dots(points, labels, extent)],
        annotations=_cluster_labels(points, labels),
        xaxis=dict(title=dict(text=names[0]), range=[lo, hi], constrain="domain"),
        yaxis=dict(title=dict(text=names[1]), range=[lo, hi], scaleanchor="x", scaleratio=1),
        clickmode="event+select" if clickable else "event",
        dragmode=False,
        margin=dict(l=55, r=10, t=50, b=50),
    )
    return plain.figure(data, layout)  # redrawn after every training chunk


def manifold_figure(
    images: np.ndarray,
    extent: tuple[float, float],
    names: tuple[str, str],
    *,
    selected: tuple[float, float] | None = None,
    title: str = "Decoded manifold: click a point to decode it",
    height: int = 460,
) -> go.Figure:
    """The n×n decoded images laid over the latent plane at their codes (cell centres), with a click grid."""
    n = images.shape[0]
    lo, hi = extent
    step = vae.DIGIT_SIDE + 1  # an image and the blank column (row) after it
    pixel = (hi - lo) / (n * step)
    # the tile's top row is the highest v; flipped, row 0 of the array is the bottom of the plot (y grows upwards).
    # x0 = lo + pixel puts each image's centre on its cell centre lo + (j + ½)(hi − lo)/n
    canvas = tile(images[::-1])[::-1]
    heat = _image_heatmap(canvas, x0=lo + pixel, dx=pixel, y0=lo + pixel, dy=pixel)
    ticks = np.linspace(lo, hi, CLICK_GRID)
    gu, gv = np.meshgrid(ticks, ticks)
    targets = dict(
        type="scatter",
        x=gu.ravel().astype(np.float32),
        y=gv.ravel().astype(np.float32),
        mode="markers",
        marker=plain.click_marker(10),
        hovertemplate=f"{names[0]} = %{{x:.2f}}, {names[1]} = %{{y:.2f}}<br>click: decode here<extra></extra>",
        showlegend=False,
    )
    data = [heat, targets]
    if selected is not None:
        data.append(
            dict(
                type="scatter",
                x=[selected[0]],
                y=[selected[1]],
                mode="markers",
                marker=dict(size=16, symbol="x-thin", color=SELECTED_COLOUR, line=dict(color=SELECTED_COLOUR, width=4)),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    layout = plain.layout(
        title,
        height,
        xaxis=dict(title=dict(text=names[0]), range=[lo, hi], constrain="domain", showgrid=False, zeroline=False),
        yaxis=dict(
            title=dict(text=names[1]), range=[lo, hi], scaleanchor="x", scaleratio=1, showgrid=False, zeroline=False
        ),
        clickmode="event+select",
        dragmode=False,
        margin=dict(l=55, r=10, t=50, b=50),
    )
    return plain.figure(data, layout)  # a click reruns the page with a new figure


def digit_figure(image: np.ndarray, title: str, height: int = 300) -> go.Figure:
    """One decoded 8×8 image, large, with its grey levels on hover."""
    layout = plain.layout(
        title,
        height,
        # a frame: the image's outer pixels are often white, like the page
        shapes=[dict(type="rect", x0=-0.5, x1=7.5, y0=-0.5, y1=7.5, line=dict(color=theme.GREY, width=1))],
        margin=dict(l=10, r=10, t=50, b=10),
        **IMAGE_AXES,
    )
    return plain.figure([_image_heatmap(image, hover=True)], layout)


def strip_figure(
    rows: list[tuple[str, np.ndarray]],
    *,
    title: str,
    column_labels: list[str] | None = None,
    height: int | None = None,
) -> go.Figure:
    """Rows of images side by side (each row (k, 8, 8) with its name on the left; ``column_labels`` under the
    columns), as one heatmap."""
    stack = np.stack([images for _, images in rows])  # (r, k, 8, 8)
    canvas = tile(stack)
    step = vae.DIGIT_SIDE + 1
    yaxis = dict(
        autorange="reversed",
        tickvals=[i * step + 3.5 for i in range(len(rows))],
        ticktext=[name for name, _ in rows],
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
        ticks="",
    )
    if column_labels:
        xaxis = dict(
            tickvals=[j * step + 3.5 for j in range(len(column_labels))],
            ticktext=column_labels,
            showgrid=False,
            zeroline=False,
            constrain="domain",
            ticks="",
        )
    else:
        xaxis = dict(visible=False, constrain="domain")
    layout = plain.layout(
        title,
        height or 90 + 70 * len(rows),
        xaxis=xaxis,
        yaxis=yaxis,
        margin=dict(l=10, r=10, t=50, b=40 if column_labels else 10),
    )
    return plain.figure([_image_heatmap(canvas)], layout)


def grid_figure(images: np.ndarray, columns: int, title: str, height: int = 420) -> go.Figure:
    """Images (m, 8, 8) in a grid of ``columns`` (the last row padded with blanks)."""
    m = len(images)
    rows = -(-m // columns)
    padded = np.full((rows * columns, vae.DIGIT_SIDE, vae.DIGIT_SIDE), np.nan)
    padded[:m] = images
    canvas = tile(padded.reshape(rows, columns, vae.DIGIT_SIDE, vae.DIGIT_SIDE))
    layout = plain.layout(title, height, margin=dict(l=10, r=10, t=50, b=10), **IMAGE_AXES)
    return plain.figure([_image_heatmap(canvas)], layout)


def curves_figure(runs: dict[str, vae.VAETrainer], colours: dict[str, str], height: int = 440) -> go.Figure:
    """ELBO, E_q[log p(x|z)] and KL per epoch (nats per digit), one line per run, in three stacked panels.

    Built as one dict (no make_subplots, no add_trace, no validation): it is redrawn after every training chunk."""
    panels = (
        ("ELBO", lambda t: t.elbo),
        ("E_q log p(x|z)", lambda t: [-r for r in t.reconstruction]),
        ("KL(q ‖ p(z))", lambda t: t.kl),
    )
    gap = 0.06
    share = (1.0 - 2 * gap) / 3
    data = []
    layout = plain.layout(
        "Per epoch (nats per digit)",
        height,
        margin=dict(l=70, r=10, t=50, b=50),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
    )
    for row, (name, values) in enumerate(panels):
        suffix = "" if row == 0 else str(row + 1)
        top = 1.0 - row * (share + gap)
        layout[f"yaxis{suffix}"] = dict(
            domain=[top - share, top], title=dict(text=name, font=dict(size=14)), nticks=4, anchor=f"x{suffix}"
        )
        layout[f"xaxis{suffix}"] = dict(
            anchor=f"y{suffix}",
            matches=None if row == 0 else "x",
            showticklabels=row == 2,
            title=dict(text="epoch") if row == 2 else None,
        )
        for label, trainer in runs.items():
            y = values(trainer)
            data.append(
                dict(
                    type="scatter",
                    x=list(range(1, len(y) + 1)),
                    y=y,
                    xaxis=f"x{suffix}",
                    yaxis=f"y{suffix}",
                    mode="lines",
                    name=label,
                    line=dict(color=colours[label], width=3),
                    legendgroup=label,
                    showlegend=row == 0,
                    hovertemplate=f"{label}, epoch %{{x}}: {name} = %{{y:.2f}}<extra></extra>",
                )
            )
    return plain.figure(data, layout)  # redrawn every chunk


def norms_figure(walk: vae.Walk, latent_dim: int, height: int = 300) -> go.Figure:
    """‖z(t)‖ along both paths, next to √d, where the prior N(0, I) puts most of its mass for large d."""
    radius = float(np.sqrt(latent_dim))
    data = [
        dict(
            type="scatter",
            x=walk.t,
            y=norms,
            mode="lines+markers",
            name=name,
            line=dict(color=colour, width=3),
            hovertemplate=f"{name}: t = %{{x:.2f}}, ‖z‖ = %{{y:.2f}}<extra></extra>",
        )
        for name, norms, colour in (
            ("straight line", walk.linear_norms, LINEAR_COLOUR),
            ("spherical", walk.spherical_norms, SPHERICAL_COLOUR),
        )
    ]
    layout = plain.layout(
        f"‖z‖ along the walk (dotted: √d = {radius:.2f})",
        height,
        xaxis=dict(title=dict(text="t")),
        yaxis=dict(title=dict(text="‖z(t)‖"), rangemode="tozero"),
        legend=dict(orientation="h", y=1.0, yanchor="bottom", x=1, xanchor="right"),
        shapes=[
            dict(type="line", xref="paper", x0=0, x1=1, y0=radius, y1=radius, line=dict(color=theme.GREY, dash="dot"))
        ],
    )
    return plain.figure(data, layout)


def walk_animation(
    walk: vae.Walk,
    plane: vae.Plane,
    points: np.ndarray,
    names: tuple[str, str],
    extent: tuple[float, float],
    height: int = 470,
) -> go.Figure:
    """Both paths on the latent plane with a marker that moves along each, and the two decoded frames at the same
    t; ▶ plays it in the browser (every frame is computed once, here), the slider steps through it.

    Built as one dict (three panels side by side: the plane, the straight-line frame, the spherical frame)."""
    linear_uv, spherical_uv = plane.project(walk.linear), plane.project(walk.spherical)

    def markers(i: int) -> list[dict]:
        return [
            dict(
                type="scatter",
                x=[float(uv[i, 0])],
                y=[float(uv[i, 1])],
                mode="markers",
                marker=dict(size=16, color=colour, line=dict(color="white", width=2)),
                hoverinfo="skip",
                showlegend=False,
            )
            for uv, colour in ((linear_uv, LINEAR_COLOUR), (spherical_uv, SPHERICAL_COLOUR))
        ]

    def frame_data(i: int) -> list[dict]:
        """Only what changes: Plotly merges a frame's trace into the drawn one (the style stays from the first)."""
        return [
            dict(type="scatter", x=[float(linear_uv[i, 0])], y=[float(linear_uv[i, 1])]),
            dict(type="scatter", x=[float(spherical_uv[i, 0])], y=[float(spherical_uv[i, 1])]),
            dict(type="heatmap", z=walk.linear_images[i].astype(np.float32)),
            dict(type="heatmap", z=walk.spherical_images[i].astype(np.float32)),
        ]

    first = [
        *markers(0),
        _image_heatmap(walk.linear_images[0], xaxis="x2", yaxis="y2"),
        _image_heatmap(walk.spherical_images[0], xaxis="x3", yaxis="y3"),
    ]
    lo, hi = extent
    # The 1,797 codes as a density picture (a layout image): as a scatter trace they were redrawn with every frame
    # (frames with images need a full redraw) and took most of its 180 ms; as an image they cost ~nothing.
    ticks = np.linspace(lo, hi, DENSITY_BINS)
    step = (hi - lo) / (DENSITY_BINS - 1)
    edges = np.concatenate([ticks - step / 2, [ticks[-1] + step / 2]])
    counts, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=(edges, edges))  # rows y, columns x
    density = np.log1p(counts) / max(np.log1p(counts).max(), 1e-12)
    background = raster.field_image(ticks, ticks, density, DENSITY_SCALE, 0.0, 1.0, to_centres=True)
    paths = [
        dict(type="scatter", x=uv[:, 0], y=uv[:, 1], mode="lines", line=dict(color=colour, width=3), name=name)
        for uv, colour, name in (
            (linear_uv, LINEAR_COLOUR, "straight line"),
            (spherical_uv, SPHERICAL_COLOUR, "spherical"),
        )
    ]
    moving = [2, 3, 4, 5]  # the two markers and the two images: the only traces a frame changes
    frames = [dict(data=frame_data(i), traces=moving, name=str(i)) for i in range(len(walk.t))]
    image_axis = dict(visible=False, constrain="domain")
    titles = [
        (0.25, f"Latent plane ({names[0]}, {names[1]})"),
        (0.645, "straight line"),
        (0.895, "spherical"),
    ]
    steps = [
        dict(
            method="animate",
            label=f"{t:.2f}",
            args=[[str(i)], dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))],
        )
        for i, t in enumerate(walk.t)
    ]
    layout = plain.layout(
        None,
        height,
        margin=dict(l=55, r=10, t=60, b=110),
        xaxis=dict(domain=[0.0, 0.5], range=[lo, hi], constrain="domain"),
        yaxis=dict(title=dict(text=names[1]), range=[lo, hi], scaleanchor="x", scaleratio=1),
        xaxis2=dict(domain=[0.54, 0.75], anchor="y2", **image_axis),
        yaxis2=dict(anchor="x2", autorange="reversed", scaleanchor="x2", **image_axis),
        xaxis3=dict(domain=[0.79, 1.0], anchor="y3", **image_axis),
        yaxis3=dict(anchor="x3", autorange="reversed", scaleanchor="x3", **image_axis),
        annotations=[
            dict(
                text=text, x=x, y=1.0, xref="paper", yref="paper", yanchor="bottom", showarrow=False, font=dict(size=16)
            )
            for x, text in titles
        ],
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0.0,
                y=-0.06,
                xanchor="left",
                yanchor="top",
                pad=dict(t=8, r=8),
                showactive=False,
                font=dict(size=14),
                buttons=[
                    dict(
                        label="▶ play",
                        method="animate",
                        args=[
                            None,
                            dict(frame=dict(duration=80, redraw=True), fromcurrent=True, transition=dict(duration=0)),
                        ],
                    ),
                    dict(
                        label="❚❚ pause",
                        method="animate",
                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))],
                    ),
                ],
            )
        ],
        sliders=[
            dict(
                active=0,
                steps=steps,
                x=0.24,
                len=0.76,
                y=-0.06,
                yanchor="top",
                currentvalue=dict(prefix="t = ", font=dict(size=14)),
                font=dict(size=14),
                pad=dict(t=8),
            )
        ],
        legend=dict(orientation="h", y=1.08, yanchor="bottom", x=0, xanchor="left"),
        dragmode=False,
    )
    # unvalidated, and frames that carry only what changes: Plotly's checks of every frame's full traces cost
    # several times the rest of the build
    layout["images"] = [background]
    return plain.figure([*paths, *first], layout, frames)
