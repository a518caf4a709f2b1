"""Formulas that fit a projector: a wide display formula is stacked into lines instead of running off the page.

KaTeX never wraps display math, so a formula wider than its column is clipped at the right edge (at 1280×720 the
main column is ~850 px: about 70 visible symbols at KaTeX's display size). Pages write several relations on one
line separated by ``\\qquad``; when the line is too wide, each relation gets its own line (``gathered``).
"""

from __future__ import annotations

import re

MAX_VISIBLE_SYMBOLS = 56
"""Visible symbols that fit one display line of the main column at 1280 px wide."""

_COMMAND = re.compile(r"\\[a-zA-Z]+")


def visible_symbols(latex: str) -> int:
    """A rough width of ``latex`` in symbols: every command counts as one glyph, braces, sub/superscript markers
    and spacing count as nothing, and sub/superscripts count half (they are drawn smaller)."""
    spacing = {r"\qquad": 2, r"\quad": 1, r"\,": 0, r"\;": 0, r"\ ": 1}
    width = 0.0
    for command, cost in spacing.items():
        width += cost * latex.count(command)
        latex = latex.replace(command, "")
    # \text{...}: its letters are all visible
    latex = re.sub(r"\\(?:text|mathrm|operatorname)\{([^{}]*)\}", lambda m: m.group(1), latex)
    # \left, \right, \big… and environment names draw no glyph of their own
    latex = re.sub(r"\\(?:left|right|big|Big|bigg|Bigg|begin|end|displaystyle)\b", "", latex)
    width += len(_COMMAND.findall(latex))
    latex = _COMMAND.sub("", latex)
    # characters of a sub/superscript are drawn at about half width
    small = sum(len(m.strip("_^{}")) for m in re.findall(r"[_^]\{[^{}]*\}|[_^].", latex))
    width += sum(1 for ch in latex if ch not in "{}_^ &\\") - small * 0.5
    return round(width)


def split_top_level(latex: str, separator: str = r"\qquad") -> list[str]:
    """``latex`` cut at every ``separator`` outside braces (a ``\\qquad`` inside ``\\text{...}`` stays)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and latex.startswith(separator, i) and depth == 0:
            after = i + len(separator)
            if after >= len(latex) or not latex[after].isalpha():
                parts.append(latex[start:i])
                start = i = after
                continue
        if ch == "\\":
            i += 2  # an escaped character (\{ \}) never changes the depth
            continue
        depth += ch == "{"
        depth -= ch == "}"
        i += 1
    parts.append(latex[start:])
    return [part.strip() for part in parts if part.strip()]


def fit_display(latex: str, max_symbols: int = MAX_VISIBLE_SYMBOLS) -> str:
    """``latex`` as it is when it fits one line; else its top-level ``\\qquad`` parts stacked in ``gathered``.

    A formula that is already laid out in lines (an ``aligned``/``gathered`` environment) or has a single part is
    left as it is: there is no safe place to break it.
    """
    if visible_symbols(latex) <= max_symbols or r"\begin" in latex:
        return latex
    parts = split_top_level(latex)
    # a part still too wide breaks again at its \quad (", \quad" separates relations too)
    lines = []
    for part in parts:
        pieces = split_top_level(part, r"\quad") if visible_symbols(part) > max_symbols else [part]
        lines.extend(pieces)
    if len(lines) < 2:
        return latex
    return r"\begin{gathered}" + r" \\[4pt] ".join(lines) + r"\end{gathered}"
