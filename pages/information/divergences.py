"""KL divergence (both directions), cross-entropy, Jensen–Shannon; Gaussian KL closed form vs Monte Carlo (2.3–2.4)."""

import numpy as np
import streamlit as st

from core.information.divergences import PairReport, gaussian_kl, gaussian_kl_monte_carlo, pair_report
from core.information.parsing import parse_distribution
from ui import contract as ui
from ui import information_widgets as iw
from viz.information import divergences as viz
from viz.information.text import format_value, latex_log, latex_value, unit_name

PRESETS = {
    "overlapping": ("0.5, 0.3, 0.15, 0.05", "0.25, 0.25, 0.25, 0.25"),
    "Q misses an outcome of P": ("0.4, 0.3, 0.2, 0.1", "0.5, 0.3, 0.2, 0"),
    "disjoint support": ("0.5, 0.5, 0, 0", "0, 0, 0.6, 0.4"),
    "identical": ("0.1, 0.2, 0.3, 0.4", "0.1, 0.2, 0.3, 0.4"),
}


@st.cache_data(max_entries=64)
def pair(p: tuple[float, ...], q: tuple[float, ...], base: float) -> PairReport:
    return pair_report(np.array(p), np.array(q), base)


@st.cache_data(max_entries=32)
def gaussian(mu_p: float, s_p: float, mu_q: float, s_q: float, n_max: int, seed: int, base: float):
    return gaussian_kl_monte_carlo(mu_p, s_p, mu_q, s_q, n_max, seed, base)


# Figures cached on what they show (plotly JSON dicts, see ui.figure): a Gaussian slider does not redraw the
# discrete tab's figures, nor P and Q the Gaussian ones.
@st.cache_data(max_entries=64, show_spinner=False)
def pair_figures(p: tuple[float, ...], q: tuple[float, ...], base: float) -> tuple[dict, dict, dict]:
    r = pair(p, q, base)
    return tuple(f(r).to_plotly_json() for f in (viz.pair_bars, viz.kl_term_bars, viz.divergence_summary))


@st.cache_data(max_entries=64, show_spinner=False)
def densities_figure(mu_p: float, s_p: float, mu_q: float, s_q: float) -> dict:
    return viz.gaussian_densities(mu_p, s_p, mu_q, s_q).to_plotly_json()


@st.cache_data(max_entries=64, show_spinner=False)
def monte_carlo_figure(mu_p: float, s_p: float, mu_q: float, s_q: float, n_max: int, seed: int, base: float) -> dict:
    return viz.monte_carlo_kl(gaussian(mu_p, s_p, mu_q, s_q, n_max, seed, base), base).to_plotly_json()


def matched(p: tuple[float, ...], q: tuple[float, ...], base: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """P and Q as given, once they are known to fit together (InputError naming the mismatch otherwise)."""
    pair(p, q, base)  # cached: the page's own report right after is the same entry
    return p, q


ui.begin(
    __file__,
    intro="How different are two distributions? KL(P‖Q) is the extra cost of coding samples of P with a code "
    "built for Q; it is not symmetric and can be infinite. JS is its symmetric, bounded cousin.",
)
base = iw.unit_switch()
unit = unit_name(base)
log_tex = latex_log(base)
discrete_tab, gaussian_tab = ui.tabs(["Discrete P and Q", "Two Gaussians"], "tab")

with discrete_tab:
    if discrete_tab.open:  # only the open tab's figures are computed and drawn
        preset = ui.select(
            "Preset for P and Q",
            "pq_preset",
            list(PRESETS),
            "overlapping",
            help="Loads P and Q into the text boxes; edit them freely afterwards.",
        )
        iw.load_preset_on_change("pq_preset", preset, {"P": PRESETS[preset][0], "Q": PRESETS[preset][1]})
        # a P or Q that cannot be read is named under its own field; one of another length than the other, under Q
        p = iw.distribution_text("P", "P", PRESETS[preset][0])
        q = iw.distribution_text("Q", "Q", PRESETS[preset][1])
        pair_message = st.sidebar.container()
        # the last P and Q that matched are kept (not their report), so the unit switch still applies to them
        pq, pair_stale = ui.attempt_or_last(
            "P and Q", matched, tuple(p.value.tolist()), tuple(q.value.tolist()), base, container=pair_message
        )
        never_valid_pair = pq is None
        if never_valid_pair:  # a link whose P and Q never matched: the preset's pair stands in
            pq = tuple(tuple(parse_distribution(text)[0].tolist()) for text in PRESETS[preset])
        r = pair(*pq, base)
        if pair_stale:
            ui.showing_last_valid(
                "P and Q", "P or Q (sidebar)", shown=f"the preset's P and Q ({preset})" if never_valid_pair else None
            )
        else:
            p.mark("P", "P (sidebar)", "the preset's P")
            q.mark("Q", "Q (sidebar)", "the preset's Q")

        columns = st.columns(5)
        for column, (name, value) in zip(
            columns,
            (("KL(P‖Q)", r.kl_pq), ("KL(Q‖P)", r.kl_qp), ("H(P,Q)", r.cross_pq), ("H(P)", r.h_p), ("JS(P‖Q)", r.js)),
        ):
            column.metric(f"{name} [{unit}]", format_value(value))
        if np.isinf(r.kl_pq) or np.isinf(r.kl_qp):
            st.markdown(
                "**Why ∞?** Where P(x) > 0 but Q(x) = 0 the term P(x)·log(P(x)/0) is infinite: a code built for Q has no "
                "codeword for an outcome that P produces. The reverse direction only needs Q's support to lie inside "
                "P's, so it can stay finite. JS never blows up: M = (P+Q)/2 has mass wherever P or Q has."
            )
        bars, terms, summary = pair_figures(*pq, base)
        left, right = st.columns(2)
        with left:
            ui.figure(bars)
        with right:
            ui.figure(terms)
        ui.figure(summary)
        lv = latex_value
        ui.formula(
            rf"KL(P\|Q) = \sum_x P(x){log_tex}\frac{{P(x)}}{{Q(x)}} = {lv(r.kl_pq)} \quad\text{{vs}}\quad "
            rf"KL(Q\|P) = {lv(r.kl_qp)}\ \text{{{unit}}}",
            caption="KL both ways with the current numbers (Gibbs: both ≥ 0, = 0 only when P = Q)",
        )
        ui.formula(
            rf"KL(P\|Q) = H(P,Q) - H(P) = {lv(r.cross_pq)} - {r.h_p:.3f} = {lv(r.kl_pq)}",
            caption="Cross-entropy = entropy + KL (the stacked bar above)",
        )
        ui.formula(
            rf"JS(P\|Q) = \tfrac12 KL(P\|M) + \tfrac12 KL(Q\|M) = {r.js:.3f}\ \le\ {log_tex} 2 = {r.js_bound:.3f},"
            rf"\quad M = \tfrac{{P+Q}}{{2}}",
            caption="Jensen–Shannon with the current numbers; the bound is reached exactly at disjoint support",
        )

with gaussian_tab:
    if gaussian_tab.open:  # only the open tab's figures are computed and drawn
        c1, c2, c3, c4 = st.columns(4)
        mu_p = ui.slider("μ_p", "mu_p", -3.0, 3.0, 0.0, 0.1, container=c1)
        s_p = ui.slider("σ_p", "s_p", 0.2, 3.0, 1.0, 0.1, container=c2)
        mu_q = ui.slider("μ_q", "mu_q", -3.0, 3.0, 1.0, 0.1, container=c3)
        s_q = ui.slider("σ_q", "s_q", 0.2, 3.0, 1.5, 0.1, container=c4)
        c5, c6 = st.columns([3, 1])
        n_max = ui.select(
            "Monte-Carlo samples up to",
            "n_mc",
            [1_000, 10_000, 100_000],
            10_000,
            container=c5,
            horizontal_radio=True,
            format_func=lambda n: f"{n:,}",
        )
        seed = ui.seed(container=c6)
        mc = gaussian(mu_p, s_p, mu_q, s_q, n_max, seed, base)
        reverse = gaussian_kl(mu_q, s_q, mu_p, s_p, base)
        left, right = st.columns([2, 3])
        with left:
            ui.figure(densities_figure(mu_p, s_p, mu_q, s_q))
            st.metric(f"KL(p‖q) closed form [{unit}]", f"{mc.exact:.4f}")
            st.metric(
                f"Monte Carlo with n = {mc.sample_sizes[-1]:,}",
                f"{mc.estimates[-1]:.4f}",
                delta=f"error {mc.estimates[-1] - mc.exact:+.4f} (±{2 * mc.standard_errors[-1]:.4f} at 2 SE)",
                delta_color="off",
            )
            st.metric(f"KL(q‖p) closed form [{unit}]", f"{reverse:.4f}")
        with right:
            ui.figure(monte_carlo_figure(mu_p, s_p, mu_q, s_q, n_max, seed, base))
        ui.formula(
            rf"KL(p\|q) = \log\frac{{\sigma_q}}{{\sigma_p}} + \frac{{\sigma_p^2 + (\mu_p-\mu_q)^2}}{{2\sigma_q^2}} - \frac12"
            rf" = \log\frac{{{s_q:g}}}{{{s_p:g}}} + \frac{{{s_p:g}^2 + ({mu_p:g}-({mu_q:g}))^2}}{{2\cdot{s_q:g}^2}} - \frac12"
            rf" = {mc.exact:.4f}\ \text{{{unit}}}",
            caption="Closed form with the current sliders (in nats; divided by ln 2 for bits)",
        )
        ui.formula(
            r"KL(p\|q) \approx \frac1n\sum_{i=1}^n \log\frac{p(x_i)}{q(x_i)},\quad x_i \sim p",
            caption="Monte-Carlo estimate; its standard error shrinks like 1/√n",
        )

ui.what_to_notice(
    "- *Q misses an outcome of P*: KL(P‖Q) = ∞ while KL(Q‖P) stays finite — KL is not a distance.\n"
    "- *disjoint support*: both KLs are ∞, yet JS is exactly log 2 (= 1 bit), its maximum.\n"
    "- Individual terms P log P/Q can be negative; their sum never is (Gibbs' inequality).\n"
    "- Gaussians: swap σ_p and σ_q and KL changes; the Monte-Carlo error falls by about √10 per tenfold n."
)
ui.end()
