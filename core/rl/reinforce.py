"""REINFORCE (sheet 1.4): a stochastic policy network π_θ(a|s) trained by the policy gradient.

The sheet's estimator from N sampled trajectories τ_i:

    ∇_θ J(θ) ≈ (1/N) ∑_i ∑_t ∇_θ log π_θ(a_t^i | s_t^i) · r(τ_i),      θ ← θ + α ∇_θ J(θ)

with r(τ_i) the (discounted) return of the whole trajectory, r(τ) = ∑_t γ^t r_t. Two variance reductions,
both keeping the estimator unbiased, are options:

* reward-to-go: replace r(τ_i) at step t by G_t^i = ∑_{t' ≥ t} γ^{t'−t} r_{t'} (an action cannot change rewards
  that came before it);
* baseline: subtract b_t, the average weight of the batch at step t (the average return), so that only
  better-than-average trajectories are made more likely.

Implemented as the surrogate loss −(1/N) ∑_i ∑_t log π_θ(a_t^i|s_t^i) w_t^i, whose gradient is −∇J.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from core.errors import InputError
from core.numerics import seed_streams, softmax
from core.rl.common import (
    AgentConfig,
    ChunkedTrainer,
    NumpyPolicy,
    check_env_id,
    discounted_returns,
    env_dims,
    is_bad,
    make_env,
    mlp,
    reset_seeds,
)

ESTIMATORS = ("r(τ)", "r(τ) − b", "reward-to-go", "reward-to-go − b")
# Per-step gradients kept in memory at once by the variance experiment (steps × parameters floats).
VARIANCE_MEMORY_BUDGET = 40_000_000


@dataclass(frozen=True)
class ReinforceConfig(AgentConfig):
    """Hyperparameters of REINFORCE (the shared ones are in AgentConfig)."""

    reward_to_go: bool = True
    """Weight ∇log π(a_t|s_t) by G_t (return from t on) instead of r(τ) (return of the whole trajectory)."""
    baseline: bool = True
    """Subtract b_t = the batch's average weight at step t."""
    learning_rate: float = 1e-2
    """Adam step size α (gradient ascent on J)."""
    learning_rate_fields: ClassVar[tuple[str, ...]] = ("learning_rate",)
    episodes_per_batch: int = 8
    """N: trajectories sampled per gradient step."""

    def validate(self) -> None:
        super().validate()
        if not 1 <= self.episodes_per_batch <= 256:
            raise InputError(
                f"N, the trajectories per update, must be between 1 and 256; got {self.episodes_per_batch}."
            )


def trajectory_weights(rewards: list[np.ndarray], gamma: float, reward_to_go: bool, baseline: bool) -> list[np.ndarray]:
    """The weight w_t^i that multiplies ∇log π(a_t^i|s_t^i) in each trajectory of one batch.

    r(τ):          w_t^i = r(τ_i) = ∑_t γ^t r_t^i          (the same for every t)
    reward-to-go:  w_t^i = G_t^i = ∑_{t'≥t} γ^{t'−t} r_{t'}^i
    baseline:      w_t^i ← w_t^i − b_t,  b_t = mean of w_t^j over the trajectories j still running at t
    """
    weights = []
    for r in rewards:
        returns = discounted_returns(r, gamma)
        # reward-to-go uses G_t; otherwise r(τ) = G_0 at every step
        weights.append(returns if reward_to_go else np.full(len(r), returns[0]))
    if baseline:
        longest = max(len(w) for w in weights)
        total = np.zeros(longest)
        count = np.zeros(longest)
        for w in weights:
            total[: len(w)] += w
            count[: len(w)] += 1
        # b_t = (1/|alive at t|) ∑_j w_t^j
        b = total / np.maximum(count, 1)
        weights = [w - b[: len(w)] for w in weights]
    return weights


def surrogate_loss(log_probs: torch.Tensor, weights: torch.Tensor, n_trajectories: int) -> torch.Tensor:
    """−(1/N) ∑_i ∑_t log π_θ(a_t^i|s_t^i) w_t^i; its gradient is minus the sheet's ∇_θ J estimate.

    ``log_probs`` and ``weights`` hold every step of the batch, concatenated, shape (∑_i T_i,).
    """
    return -(log_probs * weights).sum() / n_trajectories


def sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """a ~ π(·|s) for each row of ``probs`` (n, A), by inverse CDF with one uniform draw per row."""
    u = rng.random((probs.shape[0], 1))
    return (probs.cumsum(axis=1) < u).sum(axis=1).clip(max=probs.shape[1] - 1)


def sample_batch(
    policy: NumpyPolicy, env_id: str, n: int, rng: np.random.Generator, envs: list, seeds: list[int | None]
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """N trajectories of π_θ, run in lockstep so that one batched forward pass picks all actions.

    Returns per trajectory (observations (T, obs_dim), actions (T,), rewards (T,)).
    """
    obs = [env.reset(seed=s)[0] for env, s in zip(envs[:n], seeds)]
    observations: list[list[np.ndarray]] = [[] for _ in range(n)]
    actions: list[list[int]] = [[] for _ in range(n)]
    rewards: list[list[float]] = [[] for _ in range(n)]
    alive = list(range(n))
    while alive:
        batch = np.stack([obs[i] for i in alive])
        chosen = sample_actions(softmax(policy(batch)), rng)
        still = []
        for i, a in zip(alive, chosen):
            observations[i].append(obs[i])
            actions[i].append(int(a))
            o, r, term, trunc, _ = envs[i].step(int(a))
            rewards[i].append(float(r))
            if not (term or trunc):
                obs[i] = o
                still.append(i)
        alive = still
    return (
        [np.array(o, dtype=np.float32) for o in observations],
        [np.array(a, dtype=np.int64) for a in actions],
        [np.array(r) for r in rewards],
    )


class ReinforceTrainer(ChunkedTrainer):
    """REINFORCE, one gradient step per batch of N trajectories; ``train_chunk`` may overshoot by one batch."""

    snapshot_modules: ClassVar[tuple[str, ...]] = ("policy_net",)
    """The networks a shipped result keeps (core/rl/snapshots.py)."""

    def __init__(self, config: ReinforceConfig, seed: int = 0) -> None:
        super().__init__(config, seed)
        obs_dim = self.obs_dim
        self.policy_net = mlp(
            (obs_dim, config.hidden, config.hidden, self.n_actions), self.streams["network"], out_scale=0.01
        )
        self.optimizer = torch.optim.Adam(self.policy_net.parameters(), lr=config.learning_rate)
        self._policy = NumpyPolicy(self.policy_net)
        self.envs = [make_env(config.env_id) for _ in range(config.episodes_per_batch)]
        self._batches = 0

    def refresh_numpy_copies(self) -> None:
        """After the torch weights were replaced (a restored snapshot): act with the new ones."""
        self._policy = NumpyPolicy(self.policy_net)

    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """π_θ(·|s) for a batch of states, shape (n, A)."""
        return softmax(self._policy(np.asarray(obs, dtype=np.float64)))

    def last_action_prob(self, obs: np.ndarray) -> np.ndarray:
        """π_θ(a_{A−1}|s), the probability of the last action (CartPole: push right), shape (n,)."""
        return self.action_probs(obs)[:, -1]

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        return self._policy(np.asarray(obs, dtype=np.float64)).argmax(axis=1)

    def _advance(self, n_steps: int) -> int:
        cfg = self.config
        n = cfg.episodes_per_batch
        # the first batch starts from the env stream; later resets continue each env's own random stream
        seeds = reset_seeds(self.streams["env"], n) if self._batches == 0 else [None] * n
        obs, actions, rewards = sample_batch(self._policy, cfg.env_id, n, self.rng, self.envs, seeds)
        self._batches += 1
        steps = sum(len(r) for r in rewards)
        for i, r in enumerate(rewards):
            self.log.episode_step.append(self.steps + sum(len(x) for x in rewards[: i + 1]))
            self.log.episode_return.append(float(r.sum()))
        weights = trajectory_weights(rewards, cfg.gamma, cfg.reward_to_go, cfg.baseline)
        all_obs = torch.from_numpy(np.concatenate(obs))  # (∑T_i, obs_dim)
        all_actions = torch.from_numpy(np.concatenate(actions))
        all_weights = torch.from_numpy(np.concatenate(weights).astype(np.float32))
        # log π_θ(a_t|s_t) of the actions taken
        log_probs = torch.log_softmax(self.policy_net(all_obs), dim=1).gather(1, all_actions[:, None]).squeeze(1)
        loss = surrogate_loss(log_probs, all_weights, n)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        value = loss.item()
        if is_bad(value) or not all(torch.isfinite(p.grad).all() for p in self.policy_net.parameters()):
            self.diverged_reason = (
                f"the policy-gradient loss reached {value:.3g} (learning rate {cfg.learning_rate:g})."
            )
            return steps
        # θ ← θ + α ∇J (Adam on the negated surrogate)
        self.optimizer.step()
        if not all(torch.isfinite(p).all() for p in self.policy_net.parameters()):
            self.diverged_reason = f"the policy weights became NaN (learning rate {cfg.learning_rate:g})."
            return steps
        self._policy = NumpyPolicy(self.policy_net)
        self.log.loss_step.append(self.steps + steps)
        self.log.loss.append(value)
        return steps


def per_step_log_prob_gradients(net: torch.nn.Sequential, obs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """∇_θ log π_θ(a_t|s_t) for every step separately, shape (T, P), by backpropagation written out in NumPy.

    For logits z = W h + b of a softmax policy, ∂ log π(a|s)/∂z = onehot(a) − π(·|s); each linear layer's
    weight gradient is the outer product δ ⊗ input, and δ flows back through W and the ReLU mask.
    Columns follow ``net.parameters()`` order (weight, bias of each layer), each flattened row-major.
    """
    policy = NumpyPolicy(net)
    activations = [np.asarray(obs, dtype=np.float64)]
    for i, (w, b) in enumerate(zip(policy.weights, policy.biases)):
        h = activations[-1] @ w + b
        activations.append(np.maximum(h, 0.0) if i < len(policy.weights) - 1 else h)
    logits = activations.pop()
    # δ = ∂ log π(a|s) / ∂z = onehot(a) − π(·|s)
    delta = -softmax(logits)
    delta[np.arange(len(actions)), actions] += 1.0
    blocks = []
    for layer in range(len(policy.weights) - 1, -1, -1):
        inputs = activations[layer]
        # ∂/∂W[out, in] = δ_out · input_in (torch stores W as (out, in))
        grad_w = np.einsum("no,ni->noi", delta, inputs).reshape(len(delta), -1)  # (T, out·in)
        blocks = [grad_w, delta, *blocks]
        if layer > 0:
            # δ ← (δ Wᵀ) ⊙ 1[h > 0]
            delta = (delta @ policy.weights[layer].T) * (inputs > 0)
    return np.concatenate(blocks, axis=1)


@dataclass
class GradientVariance:
    """Variance of the REINFORCE gradient estimate vs the number of trajectories N."""

    batch_sizes: np.ndarray
    """(k,) the N values."""
    variance: dict[str, np.ndarray]
    """estimator → (k,) total variance ∑_p Var[ĝ_p] of the N-trajectory estimate, measured over resampled batches."""
    single_variance: dict[str, float]
    """estimator → total variance of a one-trajectory estimate (the 1/N line starts here)."""
    mean_gradient: dict[str, np.ndarray]
    """estimator → (P,) the mean gradient over the pool (all estimators estimate the same ∇J)."""
    n_trajectories: int
    mean_length: float

    def reduction(self, estimator: str, reference: str = "r(τ)") -> float:
        """σ²_reference / σ²_estimator of one-trajectory estimates: how many times fewer trajectories the
        estimator needs for the same variance (Var[ĝ_N] = σ²/N)."""
        return self.single_variance[reference] / self.single_variance[estimator]


def gradient_variance(
    seed: int,
    env_id: str = "CartPole-v1",
    hidden: int = 32,
    gamma: float = 0.99,
    n_pool: int = 200,
    batch_sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32),
    n_batches: int = 300,
) -> GradientVariance:
    """Measure Var[ĝ_N] for the four estimators at the initial policy of ``seed``.

    A pool of ``n_pool`` trajectories is sampled once; each trajectory's own gradient
    g_i = ∑_t ∇log π(a_t^i|s_t^i) w_t^i is computed for every estimator (the baseline b_t is the leave-one-out
    average over the other trajectories, so that it does not depend on τ_i and the estimate stays unbiased);
    ĝ_N is the mean of N of them drawn with replacement, repeated ``n_batches`` times.
    """
    check_env_id(env_id)
    if not 2 <= n_pool <= 2000:
        raise InputError(f"The trajectory pool must hold between 2 and 2000 trajectories; got {n_pool}.")
    if not batch_sizes or min(batch_sizes) < 1:
        raise InputError("Every N must be at least 1.")
    obs_dim, n_actions = env_dims(env_id)
    # independent streams: initial policy, action sampling, start states, resampling of batches
    net_stream, action_stream, env_stream, resample_stream = seed_streams(seed, 4)
    net = mlp((obs_dim, hidden, hidden, n_actions), net_stream, out_scale=0.01)
    envs = [make_env(env_id) for _ in range(n_pool)]
    obs, actions, rewards = sample_batch(
        NumpyPolicy(net), env_id, n_pool, np.random.default_rng(action_stream), envs, reset_seeds(env_stream, n_pool)
    )
    rng = np.random.default_rng(resample_stream)
    lengths = np.array([len(r) for r in rewards])
    n_params = sum(p.numel() for p in net.parameters())
    if lengths.sum() * n_params > VARIANCE_MEMORY_BUDGET:
        raise InputError("Too many steps × parameters for the variance experiment; use fewer trajectories.")

    # (∑T_i, P): ∇_θ log π(a_t|s_t) of every step, flattened over parameters
    step_grads = per_step_log_prob_gradients(net, np.concatenate(obs), np.concatenate(actions))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])

    G = [discounted_returns(r, gamma) for r in rewards]
    longest = lengths.max()
    # time-indexed sums and counts for the leave-one-out baselines
    rtg_sum, full_sum, count = np.zeros(longest), np.zeros(longest), np.zeros(longest)
    for g in G:
        rtg_sum[: len(g)] += g
        full_sum[: len(g)] += g[0]
        count[: len(g)] += 1

    weights: dict[str, list[np.ndarray]] = {e: [] for e in ESTIMATORS}
    for g in G:
        t = len(g)
        others = np.maximum(count[:t] - 1, 1)
        weights["r(τ)"].append(np.full(t, g[0]))
        # b_t without τ_i: (∑_j w_t^j − w_t^i) / (n_t − 1)
        weights["r(τ) − b"].append(g[0] - (full_sum[:t] - g[0]) / others)
        weights["reward-to-go"].append(g)
        weights["reward-to-go − b"].append(g - (rtg_sum[:t] - g) / others)

    per_traj: dict[str, np.ndarray] = {}
    for name, ws in weights.items():
        w = np.concatenate(ws)
        # g_i = ∑_t w_t^i ∇log π(a_t^i|s_t^i): a segment sum over each trajectory's steps
        per_traj[name] = np.add.reduceat(step_grads * w[:, None], starts, axis=0)  # (n_pool, P)

    sizes = np.array(sorted(set(batch_sizes)))
    variance, single, mean_grad = {}, {}, {}
    for name, g in per_traj.items():
        single[name] = float(g.var(axis=0).sum())
        mean_grad[name] = g.mean(axis=0)
        values = []
        for n in sizes:
            picks = rng.integers(0, n_pool, size=(n_batches, n))
            # ĝ_N = (1/N) ∑_{i in batch} g_i, for each resampled batch
            estimates = g[picks].mean(axis=1)  # (n_batches, P)
            values.append(float(estimates.var(axis=0).sum()))
        variance[name] = np.array(values)
    return GradientVariance(sizes, variance, single, mean_grad, n_pool, float(lengths.mean()))
