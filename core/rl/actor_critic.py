"""Actor-critic with the one-step advantage (sheet 1.5): online and batch variants.

Two networks: the critic V̂_φ(s) (the sheet's "teacher" φ) and the actor π_θ(a|s). For a transition
(s, a, r, s'):

    critic:    minimise (r + γ V̂_φ(s') − V̂_φ(s))²              (L2 loss towards the target r + γ V̂_φ(s'))
    advantage: Â(s, a) = r + γ V̂_φ(s') − V̂_φ(s)
    actor:     θ ← θ + α ∇_θ log π_θ(a|s) Â(s, a)

Online AC updates after every single step of one environment; batch AC first follows π_θ for several steps
in several environments and then takes one step on the average over all of those transitions.
At a terminal s' the target is r alone (V̂(terminal) = 0); a time-limit cut still bootstraps.

The sheet's estimator also carries a γ^t factor; like nearly every implementation (and Sutton & Barto's
"one-step actor-critic" without it), we drop it: with it, late steps of long episodes would barely learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch.nn import functional as F

from core.errors import InputError
from core.numerics import softmax
from core.rl.common import (
    AgentConfig,
    ChunkedTrainer,
    NumpyPolicy,
    Rollout,
    is_bad,
    make_env,
    mlp,
    reset_seeds,
)
from core.rl.flat_mlp import FlatAdam, FlatMLP
from core.rl.reinforce import sample_actions

VARIANTS = ("online", "batch")
ONLINE_DEFAULTS = dict(
    variant="online",
    actor_lr=1e-4,
    critic_lr=1e-3,
    reward_scale=1.0,
    adam_beta1=0.9,
    entropy_coef=0.0,
    max_grad_norm=0.0,
    eval_every=5_000,
)
"""The online variant's defaults (the page's and the benchmark's), measured on 5 seeds by bench/bench_deep_rl.py
(docs/benchmarks_deep_rl.md, "one fix undone or added at a time"). One transition per update is a far noisier
gradient than a batch, so the actor steps 10× smaller than the critic: with both at 1e-3 the policy solved and then
collapsed on every seed; at the earlier 3e-4 / 5e-4 it needed twice the steps. A reward scale of 0.01 solved a
little sooner but stayed solved less often; Adam with β₁ = 0 and an entropy bonus of 0.01 did not help, and
clipping each gradient at ‖g‖ ≤ 1 stopped learning altogether (the largest gradients come from the failures, the
transitions that carry the news). It evaluates every 5k steps (10k for batch): at several thousand steps per
second an evaluation is cheap next to the training it checks."""


@dataclass(frozen=True)
class ActorCriticConfig(AgentConfig):
    """Hyperparameters of online / batch actor-critic (the shared ones are in AgentConfig)."""

    variant: str = "batch"
    """"online": update after every step of one env; "batch": after n_steps steps of n_envs envs."""
    actor_lr: float = 3e-3
    """Adam step size of the actor π_θ."""
    critic_lr: float = 5e-3
    """Adam step size of the critic V̂_φ."""
    n_envs: int = 8
    """Batch variant: environments run side by side."""
    n_steps: int = 16
    """Batch variant: steps per env between updates (a batch holds n_envs · n_steps transitions)."""
    reward_scale: float = 1.0
    """The critic learns V̂ of c · r (c = this): with c = 0.01 CartPole's values are ~1 instead of ~100, a target a
    freshly initialised critic reaches in fewer Adam steps. Queries (``values``) report V̂ / c, in reward units."""
    entropy_coef: float = 0.0
    """β of the entropy bonus: the actor ascends log π(a|s) Â + β H(π(·|s)), which keeps π from going
    deterministic on the strength of a few noisy one-sample advantages."""
    max_grad_norm: float = 0.0
    """Rescale each network's gradient to this L2 norm when it is longer; 0 switches clipping off."""
    adam_beta1: float = 0.9
    """Adam's β₁ (momentum of the gradient average). One-transition gradients are correlated along an episode;
    β₁ = 0 (RMSprop with Adam's bias correction) makes each update react to the newest transition only (measured
    on the online variant: no clear difference, see ONLINE_DEFAULTS)."""

    learning_rate_fields: ClassVar[tuple[str, ...]] = ("actor_lr", "critic_lr")

    def validate(self) -> None:
        super().validate()
        if self.variant not in VARIANTS:
            raise InputError(f"Unknown actor-critic variant {self.variant!r}; choose online or batch.")
        if not (1 <= self.n_envs <= 64 and 1 <= self.n_steps <= 1024):
            raise InputError("The batch needs 1–64 environments and 1–1024 steps per environment.")
        if not (self.reward_scale > 0 and math.isfinite(self.reward_scale)):
            raise InputError(f"The reward scale must be a positive number; got {self.reward_scale}.")
        if not (0 <= self.entropy_coef < 10):
            raise InputError(f"The entropy coefficient β must lie in [0, 10); got {self.entropy_coef}.")
        if not (self.max_grad_norm >= 0 and math.isfinite(self.max_grad_norm)):
            raise InputError(f"The gradient-norm bound must be ≥ 0 (0 = no clipping); got {self.max_grad_norm}.")
        if not 0 <= self.adam_beta1 < 1:
            raise InputError(f"Adam's β₁ must lie in [0, 1); got {self.adam_beta1}.")


def one_step_advantage(
    rewards: torch.Tensor, values: torch.Tensor, next_values: torch.Tensor, dones: torch.Tensor, gamma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(target, advantage): target = r + γ (1 − done) V̂(s'),  Â = target − V̂(s)."""
    # r + γ V̂_φ(s'), with V̂(terminal) = 0
    target = rewards + gamma * (1.0 - dones) * next_values
    # Â(s, a) = r + γ V̂_φ(s') − V̂_φ(s)
    return target, target - values


def episode_advantages(
    values: np.ndarray, final_value: float, rewards: np.ndarray, gamma: float, terminated: bool
) -> np.ndarray:
    """Â_t = r_t + γ V̂(s_{t+1}) − V̂(s_t) for t = 0 … T−1 along one episode s_0, a_0, r_0, …, s_T.

    ``values`` = V̂(s_0 … s_{T−1}), ``final_value`` = V̂(s_T). As Gymnasium defines them, a *terminated*
    episode ended in a terminal state, worth V̂(s_T) = 0; a *truncated* one was cut by the time limit, and its
    last step still bootstraps from V̂(s_T) (not from V̂(s_{T−1})).
    """
    v = np.asarray(values, dtype=float)
    # V̂(s_T) = 0 after termination, the critic's value of s_T after truncation
    v_T = 0.0 if terminated else float(final_value)
    v_next = np.append(v[1:], v_T)
    # Â_t = r_t + γ V̂(s_{t+1}) − V̂(s_t)
    return np.asarray(rewards, dtype=float) + gamma * v_next - v


class ActorCriticTrainer(ChunkedTrainer):
    """Online or batch actor-critic, trained in chunks with ``train_chunk(n_steps)``."""

    snapshot_modules: ClassVar[tuple[str, ...]] = ("actor", "critic")
    """The networks a shipped result keeps (core/rl/snapshots.py)."""

    def __init__(self, config: ActorCriticConfig, seed: int = 0) -> None:
        super().__init__(config, seed)
        obs_dim = self.obs_dim
        # actor and critic start from independent streams of the seed (not seed and seed + 1)
        self.actor = mlp(
            (obs_dim, config.hidden, config.hidden, self.n_actions), self.streams["network"], out_scale=0.01
        )
        self.critic = mlp((obs_dim, config.hidden, config.hidden, 1), self.streams["critic"])
        self.optimizer = torch.optim.Adam(
            [
                {"params": self.actor.parameters(), "lr": config.actor_lr},
                {"params": self.critic.parameters(), "lr": config.critic_lr},
            ],
            betas=(float(config.adam_beta1), 0.999),
            foreach=True,
        )
        self._actor_params = list(self.actor.parameters())
        self._critic_params = list(self.critic.parameters())
        if config.variant == "online":
            # one transition per update: NumPy copies with a hand-written backward pass (core/rl/flat_mlp.py),
            # ~10× the updates per second of torch on 1-row tensors; the torch modules follow after every chunk
            self._flat_actor, self._flat_critic = FlatMLP(self.actor), FlatMLP(self.critic)
            self._actor_adam = FlatAdam(len(self._flat_actor.params), config.actor_lr, float(config.adam_beta1))
            self._critic_adam = FlatAdam(len(self._flat_critic.params), config.critic_lr, float(config.adam_beta1))
        self._actor_np = NumpyPolicy(self.actor)
        self._critic_np = NumpyPolicy(self.critic)
        n = 1 if config.variant == "online" else config.n_envs
        self.envs = [make_env(config.env_id) for _ in range(n)]
        self.obs = np.stack([env.reset(seed=k)[0] for k, env in zip(reset_seeds(self.streams["env"], n), self.envs)])
        self._returns = np.zeros(n)

    def refresh_numpy_copies(self) -> None:
        """After the torch weights were replaced (a restored snapshot): act and judge with the new ones."""
        self._actor_np = NumpyPolicy(self.actor)
        self._critic_np = NumpyPolicy(self.critic)
        if self.config.variant == "online":
            self._flat_actor.load_from(self.actor)
            self._flat_critic.load_from(self.critic)

    # ---------------------------------------------------------------- queries
    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """π_θ(·|s), shape (n, A)."""
        return softmax(self._actor_np(np.asarray(obs, dtype=np.float64)))

    def values(self, obs: np.ndarray) -> np.ndarray:
        """V̂_φ(s) in reward units (the critic's output / reward_scale), shape (n,)."""
        return self._critic_np(np.asarray(obs, dtype=np.float64))[:, 0] / self.config.reward_scale

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        return self._actor_np(np.asarray(obs, dtype=np.float64)).argmax(axis=1)

    def advantages(self, episode: Rollout) -> np.ndarray:
        """Â_t = r_t + γ V̂(s_{t+1}) − V̂(s_t) along one rolled-out episode (see :func:`episode_advantages`)."""
        return episode_advantages(
            self.values(episode.observations),
            self.values(episode.final_observation[None, :])[0],
            episode.rewards,
            self.config.gamma,
            episode.terminated,
        )

    # ---------------------------------------------------------------- learning
    def _collect(self, n_steps: int):
        """Follow π_θ for n_steps in every env; returns arrays shaped (n_steps, n_envs, ...)."""
        n = len(self.envs)
        obs_dim = self.obs.shape[1]
        obs_buf = np.zeros((n_steps, n, obs_dim), dtype=np.float32)
        next_buf = np.zeros((n_steps, n, obs_dim), dtype=np.float32)
        act_buf = np.zeros((n_steps, n), dtype=np.int64)
        rew_buf = np.zeros((n_steps, n), dtype=np.float32)
        done_buf = np.zeros((n_steps, n), dtype=np.float32)
        for t in range(n_steps):
            actions = sample_actions(self.action_probs(self.obs), self.rng)
            obs_buf[t] = self.obs
            act_buf[t] = actions
            for i, env in enumerate(self.envs):
                o, r, term, trunc, _ = env.step(int(actions[i]))
                rew_buf[t, i], done_buf[t, i], next_buf[t, i] = r, term, o
                self._returns[i] += r
                if term or trunc:
                    step = self.steps + t * n + i + 1
                    self.log.episode_step.append(step)
                    self.log.episode_return.append(float(self._returns[i]))
                    self._returns[i] = 0.0
                    o, _ = env.reset()
                self.obs[i] = o
        return obs_buf, act_buf, rew_buf, next_buf, done_buf

    def _update(self, obs, actions, rewards, next_obs, dones) -> bool:
        cfg = self.config
        obs_dim = obs.shape[-1]
        s = torch.from_numpy(obs.reshape(-1, obs_dim))  # (n_steps·n_envs, obs_dim)
        s_next = torch.from_numpy(next_obs.reshape(-1, obs_dim))
        a = torch.from_numpy(actions.reshape(-1))
        # the critic's reward: c · r
        r = torch.from_numpy(rewards.reshape(-1)) * cfg.reward_scale
        d = torch.from_numpy(dones.reshape(-1))
        values = self.critic(torch.cat([s, s_next])).squeeze(1)  # one pass for V̂(s) and V̂(s')
        v, v_next = values[: len(s)], values[len(s) :].detach()
        target, advantage = one_step_advantage(r, v.detach(), v_next, d, cfg.gamma)
        # critic: L2 loss towards r + γ V̂_φ(s')
        critic_loss = F.mse_loss(v, target)
        log_probs = torch.log_softmax(self.actor(s), dim=1)  # (batch, A)
        log_pi = log_probs.gather(1, a[:, None]).squeeze(1)
        # actor: ascend log π_θ(a|s) Â(s, a) (minimise its negative), averaged over the batch
        actor_loss = -(log_pi * advantage).mean()
        if cfg.entropy_coef > 0:
            # … + β H(π(·|s)),  H = −Σ_a π(a|s) log π(a|s)
            entropy = -(log_probs.exp() * log_probs).sum(dim=1).mean()
            actor_loss = actor_loss - cfg.entropy_coef * entropy
        self.optimizer.zero_grad(set_to_none=True)
        (actor_loss + critic_loss).backward()  # separate parameters: the two gradients do not mix
        losses = actor_loss.item(), critic_loss.item()
        if any(is_bad(x) for x in losses):
            self.diverged_reason = (
                f"the critic loss reached {losses[1]:.3g} (actor step {self.config.actor_lr:g}, "
                f"critic step {self.config.critic_lr:g}); the curves stop at the last good point."
            )
            return False
        if cfg.max_grad_norm > 0:
            # g ← g · min(1, max_grad_norm / ‖g‖), for each network on its own
            torch.nn.utils.clip_grad_norm_(self._actor_params, cfg.max_grad_norm, foreach=True)
            torch.nn.utils.clip_grad_norm_(self._critic_params, cfg.max_grad_norm, foreach=True)
        self.optimizer.step()
        # one norm per tensor (a single fused op) is finite exactly when every weight is
        norms = torch._foreach_norm(self._actor_params + self._critic_params)
        if not torch.isfinite(torch.stack(norms)).all():
            self.diverged_reason = "the network weights became NaN; the curves stop at the last good point."
            return False
        self._actor_np = NumpyPolicy(self.actor)
        self._critic_np = NumpyPolicy(self.critic)
        self._losses.append(losses)
        return True

    def _online_update(self, actor_inputs, logits, action: int, reward: float, obs, next_obs, done: bool) -> bool:
        """One actor-critic step on the single transition (s, a, r, s'), with the actor's forward pass on s
        (``logits``, ``actor_inputs``) already done to choose a. Same loss as :meth:`_update` on a batch of 1:

            δ = c·r + γ (1 − done) V̂_φ(s') − V̂_φ(s)                 (the TD error = the advantage Â)
            critic: ∂/∂V̂(s) (V̂(s) − target)² = −2 δ
            actor:  ∂/∂logits [−log π(a|s) Â − β H(π)] = −Â (onehot(a) − π) + β π ⊙ (log π + H)
        """
        cfg = self.config
        both = np.stack([obs, next_obs])  # (2, obs_dim): V̂(s) and V̂(s') in one pass
        values, critic_inputs = self._flat_critic.forward(both)
        v, v_next = values[0, 0], values[1, 0]
        # δ = c·r + γ (1 − done) V̂(s') − V̂(s)
        delta = cfg.reward_scale * reward + cfg.gamma * (0.0 if done else v_next) - v
        if is_bad(delta) or is_bad(v):
            self.diverged_reason = (
                f"the TD error reached {delta:.3g} (actor step {cfg.actor_lr:g}, critic step {cfg.critic_lr:g}); "
                "the curves stop at the last good point."
            )
            return False
        # critic: δ_L = ∂(V̂(s) − target)²/∂V̂(s) = −2δ on the row of s, 0 on s' (the target is held fixed)
        self._flat_critic.backward(critic_inputs, np.array([[-2.0 * delta], [0.0]]))
        # π(·|s) = softmax(logits), log π = logits − logsumexp
        shifted = logits - logits.max()
        log_pi = shifted - math.log(np.exp(shifted).sum())
        pi = np.exp(log_pi)
        # −∂(log π(a|s) Â)/∂logits = −Â (onehot(a) − π)
        d_logits = delta * pi
        d_logits[action] -= delta
        if cfg.entropy_coef > 0:
            # −β ∂H/∂logits = β π ⊙ (log π + H),  H = −Σ_a π log π
            entropy = -float(pi @ log_pi)
            d_logits += cfg.entropy_coef * pi * (log_pi + entropy)
        self._flat_actor.backward(actor_inputs, d_logits[None, :])
        if cfg.max_grad_norm > 0:
            self._flat_actor.clip_grad_norm(cfg.max_grad_norm)
            self._flat_critic.clip_grad_norm(cfg.max_grad_norm)
        self._actor_adam.step(self._flat_actor.params, self._flat_actor.grad)
        self._critic_adam.step(self._flat_critic.params, self._flat_critic.grad)
        # the logged losses: −log π(a|s) Â and δ²
        self._losses.append((-float(log_pi[action]) * delta, delta * delta))
        return True

    def _advance_online(self, n_steps: int) -> int:
        """Online AC: act, observe one transition, update both networks on it, repeat."""
        env = self.envs[0]
        obs = self.obs[0].astype(np.float64)
        taken = 0
        while taken < n_steps and not self.diverged:
            # a ~ π_θ(·|s): the actor's forward pass on s, kept for its backward pass after the step
            out, actor_inputs = self._flat_actor.forward(obs[None, :])
            logits = out[0]
            probs = softmax(logits)
            action = int(sample_actions(probs[None, :], self.rng)[0])
            next_obs, reward, terminated, truncated, _ = env.step(action)
            taken += 1
            self._returns[0] += reward
            if not self._online_update(actor_inputs, logits, action, float(reward), obs, next_obs, terminated):
                break
            if terminated or truncated:
                self.log.episode_step.append(self.steps + taken)
                self.log.episode_return.append(float(self._returns[0]))
                self._returns[0] = 0.0
                next_obs, _ = env.reset()
            obs = np.asarray(next_obs, dtype=np.float64)
        self.obs[0] = obs
        if not np.isfinite(self._flat_actor.params).all() or not np.isfinite(self._flat_critic.params).all():
            self.diverged_reason = "the network weights became NaN; the curves stop at the last good point."
            self._flat_actor.load_from(self.actor)  # back to the weights of the last good chunk
            self._flat_critic.load_from(self.critic)
            return taken
        # the torch modules (snapshots) and the NumPy policies (queries, evaluation) follow the flat weights
        self._flat_actor.copy_to(self.actor)
        self._flat_critic.copy_to(self.critic)
        self._actor_np = NumpyPolicy(self.actor)
        self._critic_np = NumpyPolicy(self.critic)
        return taken

    def _advance(self, n_steps: int) -> int:
        cfg = self.config
        if cfg.variant == "online":
            self._losses = []
            taken = self._advance_online(n_steps)
            if self._losses:
                actor_losses, critic_losses = zip(*self._losses)
                self.log.loss_step.append(self.steps + taken)
                self.log.loss.append(float(np.mean(critic_losses)))
                self.log.add("actor_loss", float(np.mean(actor_losses)))
            return taken
        per_update = 1 if cfg.variant == "online" else cfg.n_steps
        per_update_total = per_update * len(self.envs)
        taken = 0
        self._losses: list[tuple[float, float]] = []
        while taken < n_steps and not self.diverged:
            batch = self._collect(per_update)
            taken += per_update_total
            self.steps += per_update_total  # episode bookkeeping in _collect reads self.steps
            self._update(*batch)
        self.steps -= taken  # the base class adds ``taken``
        if self._losses:
            actor_losses, critic_losses = zip(*self._losses)
            self.log.loss_step.append(self.steps + taken)
            self.log.loss.append(float(np.mean(critic_losses)))
            self.log.add("actor_loss", float(np.mean(actor_losses)))
        return taken
