"""Figures out of the app: a standalone HTML page (Plotly's JavaScript inlined, opens offline in a slide deck or a
browser) and a CSV of the numbers a figure draws. Built only when asked for (a download's click): the HTML carries
plotly.js, about 4.7 MB.

An animated figure (one with frames, see ``viz/animation.py``) keeps its ▶ play controls in the HTML page, and
the page gets two buttons that save the animation as an animated GIF or as a PNG strip (a grid of frames). They
work in the browser, offline: Plotly draws each frame and ``Plotly.toImage`` rasterises it (the server has no
renderer for Plotly figures); a small GIF encoder below (a palette of the frames' most frequent colours, LZW
as the GIF89a format defines it) writes the file.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

GIF_MAX_FRAMES = 48
"""Frames in a saved GIF at most (evenly sampled, first and last always in)."""
STRIP_MAX_FRAMES = 12
"""Frames in a PNG strip at most."""
STRIP_COLUMNS = 4

# The buttons and the encoder, run by the exported page after Plotly drew the figure. ``{plot_id}`` is Plotly's
# placeholder for the figure's div.
_ANIMATION_SCRIPT = r"""
const gd = document.getElementById('{plot_id}');
const frames = (gd._transitionData && gd._transitionData._frames) || [];
if (frames.length > 1) {
  const bar = document.createElement('div');
  bar.id = 'mlp-export';
  bar.style.cssText = 'font: 16px sans-serif; margin: 8px 0';
  const status = document.createElement('span');
  status.style.marginLeft = '12px';
  const pick = (n, most) => {
    if (n <= most) return [...Array(n).keys()];
    const out = new Set();
    for (let i = 0; i < most; i++) out.add(Math.round(i * (n - 1) / (most - 1)));
    return [...out].sort((a, b) => a - b);
  };
  const load = (url) => new Promise((ok) => { const im = new Image(); im.onload = () => ok(im); im.src = url; });
  async function grab(most) {
    const chosen = pick(frames.length, most), images = [];
    const w = gd._fullLayout.width, h = gd._fullLayout.height;
    for (let j = 0; j < chosen.length; j++) {
      await Plotly.animate(gd, [frames[chosen[j]].name],
        {frame: {duration: 0, redraw: true}, transition: {duration: 0}, mode: 'immediate'});
      images.push(await load(await Plotly.toImage(gd, {format: 'png', width: w, height: h, scale: 1})));
      status.textContent = 'frame ' + (j + 1) + ' / ' + chosen.length;
    }
    return images;
  }
  function save(blob, name) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob); a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }
  // GIF89a: one global palette of the 255 most frequent colours (15-bit bins), LZW-coded frames, looping.
  function encodeGif(pixels, w, h, delayCs) {
    const counts = new Uint32Array(32768);
    const bin = (d, p) => ((d[p] >> 3) << 10) | ((d[p + 1] >> 3) << 5) | (d[p + 2] >> 3);
    for (const d of pixels) for (let p = 0; p < d.length; p += 4) counts[bin(d, p)]++;
    const bins = [...counts.keys()].filter((b) => counts[b] > 0).sort((a, b) => counts[b] - counts[a]).slice(0, 255);
    const palette = bins.map((b) => [((b >> 10) & 31) * 8 + 4, ((b >> 5) & 31) * 8 + 4, (b & 31) * 8 + 4]);
    const nearest = new Int16Array(32768).fill(-1);
    const index = (b) => {
      if (nearest[b] >= 0) return nearest[b];
      const r = ((b >> 10) & 31) * 8 + 4, g = ((b >> 5) & 31) * 8 + 4, bl = (b & 31) * 8 + 4;
      let best = 0, bestD = Infinity;
      palette.forEach((c, i) => {
        const dd = (c[0] - r) ** 2 + (c[1] - g) ** 2 + (c[2] - bl) ** 2;
        if (dd < bestD) { bestD = dd; best = i; }
      });
      return (nearest[b] = best);
    };
    const out = [];
    const byte = (...b) => { for (const x of b) out.push(x & 255); };
    const word = (v) => byte(v & 255, v >> 8);
    byte(71, 73, 70, 56, 57, 97); word(w); word(h); byte(0xf7, 0, 0);
    for (let i = 0; i < 256; i++) byte(...(palette[i] || [0, 0, 0]));
    byte(0x21, 0xff, 0x0b, ...[...'NETSCAPE2.0'].map((c) => c.charCodeAt(0)), 3, 1, 0, 0, 0);
    for (const d of pixels) {
      byte(0x21, 0xf9, 4, 0); word(delayCs); byte(0, 0);
      byte(0x2c); word(0); word(0); word(w); word(h); byte(0);
      const idx = new Uint8Array(w * h);
      for (let p = 0, q = 0; q < idx.length; p += 4, q++) idx[q] = index(bin(d, p));
      lzw(idx, byte);
    }
    byte(0x3b);
    return new Uint8Array(out);
  }
  function lzw(idx, byte) {
    const minSize = 8, clear = 256, eoi = 257;
    byte(minSize);
    let buf = 0, nbits = 0, block = [];
    const flush = () => { if (block.length) { byte(block.length, ...block); block = []; } };
    const emit = (code, size) => {
      buf |= code << nbits; nbits += size;
      while (nbits >= 8) { block.push(buf & 255); buf >>>= 8; nbits -= 8; if (block.length === 255) flush(); }
    };
    let table = new Map(), next = eoi + 1, size = minSize + 1;
    emit(clear, size);
    let prefix = idx[0];
    for (let i = 1; i < idx.length; i++) {
      const k = idx[i], key = (prefix << 8) | k, code = table.get(key);
      if (code !== undefined) { prefix = code; continue; }
      emit(prefix, size);
      if (next === 4096) { emit(clear, size); table = new Map(); next = eoi + 1; size = minSize + 1; }
      else { if (next >= (1 << size)) size++; table.set(key, next++); }
      prefix = k;
    }
    emit(prefix, size); emit(eoi, size);
    if (nbits > 0) block.push(buf & 255);
    flush(); byte(0);
  }
  const button = (label, run) => {
    const b = document.createElement('button');
    b.textContent = label; b.style.cssText = 'font-size: 16px; margin-right: 8px';
    b.onclick = async () => { b.disabled = true; try { await run(); status.textContent = 'saved'; } finally { b.disabled = false; } };
    bar.appendChild(b);
  };
  const pixelsOf = (images) => images.map((im) => {
    const c = document.createElement('canvas'); c.width = im.width; c.height = im.height;
    const x = c.getContext('2d'); x.fillStyle = '#fff'; x.fillRect(0, 0, c.width, c.height); x.drawImage(im, 0, 0);
    return x.getImageData(0, 0, c.width, c.height).data;
  });
  button('Save as GIF', async () => {
    const images = await grab(GIF_MAX_FRAMES);
    save(new Blob([encodeGif(pixelsOf(images), images[0].width, images[0].height, 40)], {type: 'image/gif'}),
         document.title + '.gif');
  });
  button('Save as PNG strip', async () => {
    const images = await grab(STRIP_MAX_FRAMES), w = images[0].width, h = images[0].height;
    const cols = Math.min(STRIP_COLUMNS, images.length), c = document.createElement('canvas');
    c.width = cols * w; c.height = Math.ceil(images.length / cols) * h;
    const x = c.getContext('2d'); x.fillStyle = '#fff'; x.fillRect(0, 0, c.width, c.height);
    images.forEach((im, i) => x.drawImage(im, (i % cols) * w, Math.floor(i / cols) * h));
    await new Promise((ok) => c.toBlob((blob) => { save(blob, document.title + '-strip.png'); ok(); }));
  });
  bar.appendChild(status);
  gd.parentNode.insertBefore(bar, gd);
}
"""


def _spec(fig: go.Figure | dict) -> dict:
    return fig if isinstance(fig, dict) else fig.to_dict()


def has_frames(fig: go.Figure | dict) -> bool:
    """Whether the figure is a Plotly animation (frames played in the browser)."""
    return bool(_spec(fig).get("frames"))


def html(fig: go.Figure | dict, title: str = "figure") -> str:
    """A standalone page of the figure (a ``go.Figure`` or its JSON dict): Plotly's JavaScript inlined (no
    network), the mode bar's PNG button at slide resolution, an animation's controls (not auto-played) plus
    Save-as-GIF / PNG-strip buttons."""
    spec = _spec(fig)
    script = None
    if spec.get("frames"):
        script = (
            _ANIMATION_SCRIPT.replace("GIF_MAX_FRAMES", str(GIF_MAX_FRAMES))
            .replace("STRIP_MAX_FRAMES", str(STRIP_MAX_FRAMES))
            .replace("STRIP_COLUMNS", str(STRIP_COLUMNS))
        )
    page = pio.to_html(
        spec,
        include_plotlyjs=True,
        full_html=True,
        auto_play=False,
        post_script=script,
        validate=False,  # the figure as the app drew it (plain dict figures are never validated)
        config={"displaylogo": False, "toImageButtonOptions": {"scale": 2, "filename": title}},
    )
    return page.replace("<head>", f"<head><title>{_escape_html(title)}</title>", 1)


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _array(value) -> np.ndarray | None:
    """A trace property as an array: lists, NumPy arrays, and Plotly's typed-array JSON ({dtype, bdata, shape})."""
    if value is None or isinstance(value, str):
        return None
    if isinstance(value, dict):
        if "bdata" not in value:
            return None
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if value.get("shape"):
            array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
        return array
    array = np.asarray(value, dtype=object)
    return array if array.ndim >= 1 else None


def _rows(trace: dict) -> Iterable[list]:
    """(point, x, y, z, text) rows of one trace: one per point, or per cell of a 2-D z (heatmaps, contours)."""
    z = _array(trace.get("z"))
    text = _array(trace.get("text"))
    if z is not None and z.ndim == 2:
        xs, ys = _array(trace.get("x")), _array(trace.get("y"))
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                yield [
                    f"{i},{j}",
                    xs[j] if xs is not None and j < len(xs) else j,
                    ys[i] if ys is not None and i < len(ys) else i,
                    z[i, j],
                    text[i, j] if text is not None and text.ndim == 2 else "",
                ]
        return
    columns = {name: _array(trace.get(name)) for name in ("x", "y", "z", "values", "labels", "r", "theta")}
    columns = {name: a.ravel() for name, a in columns.items() if a is not None}
    if not columns:
        return
    x = next((columns[n] for n in ("x", "labels", "theta") if n in columns), np.array([]))
    y = next((columns[n] for n in ("y", "values", "r") if n in columns), np.array([]))
    z = columns.get("z", np.array([]))
    labels = text.ravel() if text is not None else np.array([])
    for i in range(max(len(a) for a in columns.values())):
        yield [i] + [a[i] if i < len(a) else "" for a in (x, y, z, labels)]


def csv_text(fig: go.Figure | dict) -> str:
    """The numbers the figure draws, one row per point (or heatmap cell): trace, type, point, x, y, z, text.
    Traces without data arrays (images, shapes) are left out."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["trace", "type", "point", "x", "y", "z", "text"])
    for k, trace in enumerate(_spec(fig).get("data", [])):
        name = trace.get("name") or f"trace {k}"
        for row in _rows(trace):
            writer.writerow([name, trace.get("type", "scatter"), *(_cell(v) for v in row)])
    return out.getvalue()


def _cell(value):
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value
