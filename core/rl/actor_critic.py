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
from core.rl.reinforce import sample_actions

VARIANTS = ("online", "batch")


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

    learning_rate_fields: ClassVar[tuple[str, ...]] = ("actor_lr", "critic_lr")

    def validate(self) -> None:
        super().validate()
        if self.variant not in VARIANTS:
            raise InputError(f"Unknown actor-critic variant {self.variant!r}; choose online or batch.")
        if not (1 <= self.n_envs <= 64 and 1 <= self.n_steps <= 1024):
            raise InputError("The batch needs 1–64 environments and 1–1024 steps per environment.")


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
            ]
        )
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

    # ---------------------------------------------------------------- queries
    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """π_θ(·|s), shape (n, A)."""
        return softmax(self._actor_np(np.asarray(obs, dtype=np.float64)))

    def values(self, obs: np.ndarray) -> np.ndarray:
        """V̂_φ(s), shape (n,)."""
        return self._critic_np(np.asarray(obs, dtype=np.float64))[:, 0]

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
        obs_dim = obs.shape[-1]
        s = torch.from_numpy(obs.reshape(-1, obs_dim))  # (n_steps·n_envs, obs_dim)
        s_next = torch.from_numpy(next_obs.reshape(-1, obs_dim))
        a = torch.from_numpy(actions.reshape(-1))
        r = torch.from_numpy(rewards.reshape(-1))
        d = torch.from_numpy(dones.reshape(-1))
        values = self.critic(torch.cat([s, s_next])).squeeze(1)  # one pass for V̂(s) and V̂(s')
        v, v_next = values[: len(s)], values[len(s) :].detach()
        target, advantage = one_step_advantage(r, v.detach(), v_next, d, self.config.gamma)
        # critic: L2 loss towards r + γ V̂_φ(s')
        critic_loss = F.mse_loss(v, target)
        log_pi = torch.log_softmax(self.actor(s), dim=1).gather(1, a[:, None]).squeeze(1)
        # actor: ascend log π_θ(a|s) Â(s, a) (minimise its negative), averaged over the batch
        actor_loss = -(log_pi * advantage).mean()
        self.optimizer.zero_grad(set_to_none=True)
        (actor_loss + critic_loss).backward()  # separate parameters: the two gradients do not mix
        losses = actor_loss.item(), critic_loss.item()
        if any(is_bad(x) for x in losses):
            self.diverged_reason = (
                f"the critic loss reached {losses[1]:.3g} (actor step {self.config.actor_lr:g}, "
                f"critic step {self.config.critic_lr:g}); the curves stop at the last good point."
            )
            return False
        self.optimizer.step()
        if not all(torch.isfinite(p).all() for p in (*self.actor.parameters(), *self.critic.parameters())):
            self.diverged_reason = "the network weights became NaN; the curves stop at the last good point."
            return False
        self._actor_np = NumpyPolicy(self.actor)
        self._critic_np = NumpyPolicy(self.critic)
        self._losses.append(losses)
        return True

    def _advance(self, n_steps: int) -> int:
        cfg = self.config
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
