"""The one list of pages. It drives the navigation (app.py), the course map (Home) and the tests.

To add a page: write ``pages/<section>/<topic>.py`` and add one :class:`PageSpec` to ``PAGES`` under its section.
The AppTest and browser suites pick it up from here with no further change.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = (
    "Reinforcement learning",
    "Information theory",
    "Supervised learning",
    "Deep networks",
    "Sequence models",
    "Generative models",
)


@dataclass(frozen=True)
class PageSpec:
    """One page of the playground."""

    path: str
    """Script path relative to the repository root, ``pages/<section>/<topic>.py``."""
    url_path: str
    """The page's address (``/mdp-value-iteration``); kept stable when files move, so links and lessons last."""
    title: str
    icon: str
    """A Material Symbols shortcode (":material/name:"): Streamlit bundles the font, so it draws offline; emoji
    draw as empty boxes where no emoji font is installed."""
    section: str
    sheet: str
    """Course-sheet section(s) covered, e.g. ``1.1``."""
    summary: str
    """One line for the course map: what the page shows."""


HOME = PageSpec(
    path="pages/course/home.py",
    url_path="home",
    title="Home",
    icon=":material/home:",
    section="",
    sheet="",
    summary="The map of the course.",
)

LESSONS = PageSpec(
    path="pages/course/lessons.py",
    url_path="lessons",
    title="Lessons",
    icon=":material/school:",
    section="",
    sheet="",
    summary="Lecture mode: prepared sequences of page states, presenter view, your own lesson.",
)

COURSE: tuple[PageSpec, ...] = (HOME, LESSONS)
"""The course-wide pages (no section): the map and the lessons."""

PAGES: tuple[PageSpec, ...] = (
    # --- Reinforcement learning ---
    PageSpec(
        path="pages/rl/value_iteration.py",
        url_path="mdp-value-iteration",
        title="MDP & value iteration",
        icon=":material/grid_on:",
        section="Reinforcement learning",
        sheet="1.1",
        summary="Edit a gridworld, run Q-iteration sweep by sweep, see V*, π* and one Bellman backup in numbers.",
    ),
    # --- Reinforcement learning: tabular (Q-learning / SARSA) ---
    PageSpec(
        path="pages/rl/q_learning_sarsa.py",
        url_path="rl-q-learning-sarsa",
        title="Q-learning vs SARSA",
        icon=":material/route:",
        section="Reinforcement learning",
        sheet="1.2",
        summary="Q-learning and SARSA on the same seeds (CliffWalking, FrozenLake, your grid): curves, paths, replay.",
    ),
    # --- Reinforcement learning: deep RL ---
    PageSpec(
        path="pages/rl/dqn.py",
        url_path="rl-dqn",
        title="DQN & Double DQN",
        icon=":material/sports_esports:",
        section="Reinforcement learning",
        sheet="1.3",
        summary="Train DQN, Double DQN and ablations live on CartPole: returns, TD loss, overestimation, Q heatmap.",
    ),
    PageSpec(
        path="pages/rl/policy_gradient.py",
        url_path="rl-policy-gradient",
        title="Policy gradients (REINFORCE)",
        icon=":material/casino:",
        section="Reinforcement learning",
        sheet="1.4",
        summary="REINFORCE live on CartPole: r(τ) vs reward-to-go vs baseline, gradient variance vs N, π(a|s) slice.",
    ),
    PageSpec(
        path="pages/rl/actor_critic.py",
        url_path="rl-actor-critic",
        title="Actor-critic",
        icon=":material/theater_comedy:",
        section="Reinforcement learning",
        sheet="1.5",
        summary="Online vs batch actor-critic on the same seed: curves, advantages along an episode, critic V(s).",
    ),
    PageSpec(
        path="pages/rl/comparison.py",
        url_path="rl-comparison",
        title="Deep RL compared",
        icon=":material/balance:",
        section="Reinforcement learning",
        sheet="1.6",
        summary="Value-based vs policy-based vs actor-critic: measured steps and time to solve next to the pros/cons.",
    ),
    # --- Information theory ---
    PageSpec(
        path="pages/information/jensen.py",
        url_path="info-jensen",
        title="Jensen's inequality",
        icon=":material/architecture:",
        section="Information theory",
        sheet="2.1",
        summary="Convex or concave f, points and weights: f(E[x]) vs E[f(x)], with the sheet's erratum.",
    ),
    PageSpec(
        path="pages/information/entropy.py",
        url_path="info-entropy",
        title="Entropy",
        icon=":material/toll:",
        section="Information theory",
        sheet="2.2",
        summary="Binary entropy curve and a categorical distribution you shape, against the bound log|X|.",
    ),
    PageSpec(
        path="pages/information/conditional_entropy.py",
        url_path="info-conditional-entropy",
        title="Conditional entropy",
        icon=":material/link:",
        section="Information theory",
        sheet="2.2 d",
        summary="Edit a joint table; H(Y|X) = Σ P(x) H(Y|X=x) term by term, and the chain rule.",
    ),
    PageSpec(
        path="pages/information/divergences.py",
        url_path="info-divergences",
        title="KL, cross-entropy & JS",
        icon=":material/compare_arrows:",
        section="Information theory",
        sheet="2.3–2.4",
        summary="KL(P‖Q) vs KL(Q‖P) (∞ included), H(P,Q) = H(P) + KL, JS ≤ log 2; Gaussian KL vs Monte Carlo.",
    ),
    PageSpec(
        path="pages/information/mutual_information.py",
        url_path="info-mutual-information",
        title="Mutual information",
        icon=":material/join_inner:",
        section="Information theory",
        sheet="2.5",
        summary="I(X;Y) = H(X) − H(X|Y) = KL(joint‖product), with a Venn diagram whose areas are true.",
    ),
    PageSpec(
        path="pages/information/mle_kl.py",
        url_path="info-mle-kl",
        title="MLE ≡ min KL",
        icon=":material/trending_down:",
        section="Information theory",
        sheet="2.4 c",
        summary="Fit q_θ by gradient descent: NLL, H(p̂, q_θ) and KL(p̂‖q_θ) + H(p̂) move as one; classifier CE = NLL.",
    ),
    # --- Supervised learning ---
    PageSpec(
        path="pages/supervised/regression.py",
        url_path="sl-regression",
        title="Linear & logistic regression",
        icon=":material/show_chart:",
        section="Supervised learning",
        sheet="3, 4a–4c",
        summary="Least squares vs ridge vs LASSO paths; logistic GD vs Newton on the same start; softmax regions.",
    ),
    PageSpec(
        path="pages/supervised/naive_bayes.py",
        url_path="sl-naive-bayes",
        title="Naive Bayes",
        icon=":material/mail:",
        section="Supervised learning",
        sheet="5a",
        summary="A toy spam filter: the Laplace-smoothed P(xᵢ|Cₖ) table, α = 0's zero posterior, P(spam|x) in numbers.",
    ),
    # --- Deep networks: neural networks ---
    PageSpec(
        path="pages/deep/trainer.py",
        url_path="nn-trainer",
        title="Neural network trainer",
        icon=":material/hub:",
        section="Deep networks",
        sheet="6",
        summary="TF-Playground-style live training on 2-D data: boundary, every unit's heatmap, cross-entropy or MSE.",
    ),
    PageSpec(
        path="pages/deep/backprop.py",
        url_path="nn-backprop",
        title="Back-propagation step by step",
        icon=":material/undo:",
        section="Deep networks",
        sheet="6a",
        summary="One sample through a small network: z, a, δ and ∂L/∂w on every unit and edge, forward then backward.",
    ),
    PageSpec(
        path="pages/deep/activations.py",
        url_path="nn-activations",
        title="Activations & saturation",
        icon=":material/waves:",
        section="Deep networks",
        sheet="6a, 6b",
        summary="g and g′ with saturation marked; gradient per layer in deep sigmoid vs ReLU nets; CE vs MSE at a sigmoid output.",
    ),
    PageSpec(
        path="pages/deep/optimizers.py",
        url_path="nn-optimizers",
        title="Optimizers: SGD, momentum, Adam",
        icon=":material/downhill_skiing:",
        section="Deep networks",
        sheet="6d",
        summary="Paths on a quadratic, Rosenbrock and a saddle; a learning-rate × momentum map; Adam bias correction on/off.",
    ),
    PageSpec(
        path="pages/deep/dropout.py",
        url_path="nn-dropout",
        title="Dropout vs overfitting",
        icon=":material/grain:",
        section="Deep networks",
        sheet="6c",
        summary="Same big net, few noisy points: train/test loss and boundary with and without (inverted) dropout.",
    ),
    # --- Deep networks: CNNs ---
    PageSpec(
        path="pages/deep/cnn_calculator.py",
        url_path="cnn-calculator",
        title="CNN calculator",
        icon=":material/calculate:",
        section="Deep networks",
        sheet="7a, 7d",
        summary="Whole networks layer by layer: W₂, parameters, FLOPs, receptive field; click a unit to see what it sees.",
    ),
    PageSpec(
        path="pages/deep/convolution.py",
        url_path="cnn-convolution",
        title="Convolution explorer",
        icon=":material/filter:",
        section="Deep networks",
        sheet="7e, 7f",
        summary="Slide a kernel over a digit, a pattern or your image; the sum for one output written out in numbers.",
    ),
    PageSpec(
        path="pages/deep/normalization.py",
        url_path="cnn-normalization",
        title="BatchNorm vs LayerNorm",
        icon=":material/straighten:",
        section="Deep networks",
        sheet="7b, 7c",
        summary="The (N, C, H, W) cube by normalization group; BN statistics vs batch size; train vs eval running stats.",
    ),
    PageSpec(
        path="pages/deep/skip_connections.py",
        url_path="cnn-skip-connections",
        title="Skip connections",
        icon=":material/redo:",
        section="Deep networks",
        sheet="7g",
        summary="Plain vs residual deep net, same weights: gradient norm per layer at init and side-by-side training.",
    ),
    # --- Sequence models ---
    PageSpec(
        path="pages/sequence/rnn_lstm.py",
        url_path="seq-rnn-lstm",
        title="RNN & LSTM",
        icon=":material/repeat:",
        section="Sequence models",
        sheet="8, 9",
        summary="Hidden states and LSTM gates over time; ‖∂h_T/∂h_t‖ vs T − t: vanishing/exploding RNN vs LSTM.",
    ),
    PageSpec(
        path="pages/sequence/attention.py",
        url_path="seq-attention",
        title="Attention",
        icon=":material/visibility:",
        section="Sequence models",
        sheet="10",
        summary="Q, K, V and A = softmax(QKᵀ/√D) on your sentence; √D and positions on/off; heads; ViT patches.",
    ),
    PageSpec(
        path="pages/sequence/transformer.py",
        url_path="seq-transformer",
        title="Tiny transformer: heads",
        icon=":material/hub:",
        section="Sequence models",
        sheet="10 a–c",
        summary="A 2-layer transformer trained live on copy, reverse, sort, brackets, induction: every head on your input.",
    ),
    PageSpec(
        path="pages/sequence/vit.py",
        url_path="seq-vit",
        title="ViT on digits",
        icon=":material/grid_view:",
        section="Sequence models",
        sheet="10 d",
        summary="A tiny Vision Transformer trained live on the 8×8 digits: accuracy, and the class token's attention on the image.",
    ),
    # --- Generative models ---
    PageSpec(
        path="pages/generative/vae.py",
        url_path="generative-vae",
        title="VAE & latent walks",
        icon=":material/scatter_plot:",
        section="Generative models",
        sheet="11",
        summary="A VAE on the 8×8 digits: codes by digit, the decoded manifold (click to decode), latent walks, β side by side.",
    ),
    PageSpec(
        path="pages/generative/reparameterization.py",
        url_path="generative-reparameterization",
        title="Reparameterization trick",
        icon=":material/call_split:",
        section="Generative models",
        sheet="11 b",
        summary="aN(μ, σ²) + b by sampling; the gradient through μ + σε; reparameterized vs score-function variance vs N.",
    ),
    PageSpec(
        path="pages/generative/gan.py",
        url_path="generative-gan",
        title="GAN lab",
        icon=":material/swords:",
        section="Generative models",
        sheet="11",
        summary="Step D / step G on 2-D data or your points: D's field, G's gradient arrows, mode collapse, V = 2·JS − log 4.",
    ),
    PageSpec(
        path="pages/generative/vae_vs_gan.py",
        url_path="generative-vae-vs-gan",
        title="VAE vs GAN",
        icon=":material/compare:",
        section="Generative models",
        sheet="11",
        summary="A VAE and a GAN on the same 2-D points and digits: samples, −ELBO vs V(D, G), modes, NN distances, sharpness.",
    ),
    PageSpec(
        path="pages/generative/diffusion.py",
        url_path="gen-diffusion",
        title="Diffusion: DDPM & DDIM",
        icon=":material/blur_on:",
        section="Generative models",
        sheet="12",
        summary="Scrub the noising of a 2-D cloud; train ε_θ, then DDPM vs DDIM samples and paths from the same x_T.",
    ),
    PageSpec(
        path="pages/generative/digit_diffusion.py",
        url_path="gen-digit-diffusion",
        title="Diffusion on digits",
        icon=":material/gradient:",
        section="Generative models",
        sheet="12",
        summary="A DDPM on the 8×8 digits: frames from x_T to x₀ beside the predicted x̂₀, DDPM vs DDIM, a GIF to keep.",
    ),
    PageSpec(
        path="pages/generative/latent_diffusion.py",
        url_path="gen-latent-diffusion",
        title="Latent diffusion",
        icon=":material/compress:",
        section="Generative models",
        sheet="12c",
        summary="The same DDPM in the VAE's latent space, decoded every step: cost per step and quality vs pixel space.",
    ),
)

for _page in PAGES:
    assert _page.section in SECTIONS, f"{_page.path}: unknown section {_page.section!r}"


def pages_in(section: str) -> list[PageSpec]:
    return [p for p in PAGES if p.section == section]
