"""DQN and Double DQN (sheet 1.3), one CleanRL-style module: hyperparameters, replay buffer, trainer.

The sheet's loss, with the target network θ⁻ it introduces against the moving target:

    L(θ) = ( r + γ max_{a'} Q(s', a'; θ⁻) − Q(s, a; θ) )²                         (DQN)

Double DQN (sheet 1.3 c) picks the next action with the online net and values it with the target net:

    a* = argmax_{a'} Q(s', a'; θ),   L(θ) = ( r + γ Q(s', a*; θ⁻) − Q(s, a; θ) )²     (DDQN)

θ⁻ is copied from θ every C gradient updates. Transitions (s, a, r, s', done) go to a replay buffer and
updates use uniform random minibatches from it. Both devices can be switched off to show what the sheet
says they prevent: without replay each update uses only the newest transition (consecutive, correlated
samples); without a target network θ⁻ = θ at every update (the target moves with every step).

At a terminal state the target is just r (``done`` = 1); a time-limit truncation is not terminal, so the
target there still bootstraps from Q(s', ·; θ⁻).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np
import torch
from torch.nn import functional as F

from core.errors import InputError
from core.rl.common import (
    ACTION_NAMES,
    AgentConfig,
    ChunkedTrainer,
    EvalResult,
    NumpyPolicy,
    discounted_returns,
    is_bad,
    make_env,
    mlp,
    reset_seeds,
    state_slice,
)

# What the Q slice can show: the greedy value, or the preference for action 1 over action 0.
Q_SLICE_QUANTITIES = ("max_a Q(s,a)", "Q(s,a₁) − Q(s,a₀)")
# In a truncated episode G_t misses γ^(T−t) V(s_T); states this far from the cut are used (γ^300 < 0.05).
TRUNCATION_MARGIN = 300


@dataclass(frozen=True)
class DQNConfig(AgentConfig):
    """Hyperparameters of DQN / Double DQN (the shared ones are in AgentConfig). Defaults solve CartPole-v1 in
    about 20–40k env steps."""

    double: bool = False
    """Double DQN target: a* = argmax_a' Q(s',a';θ), target r + γ Q(s',a*;θ⁻)."""
    replay: bool = True
    """Sample minibatches uniformly from a replay buffer; off: learn from the newest transition only."""
    target_network: bool = True
    """Bootstrap from a frozen copy θ⁻ refreshed every C updates; off: θ⁻ = θ always."""
    total_steps: int = 50_000
    """Env-step budget of the run (DQN's default is smaller than AgentConfig's)."""
    learning_rate: float = 2.3e-3
    """Adam step size α."""
    learning_rate_fields: ClassVar[tuple[str, ...]] = ("learning_rate",)
    buffer_size: int = 50_000
    """Replay capacity (oldest transitions are overwritten)."""
    batch_size: int = 64
    """Minibatch size of one update."""
    learning_starts: int = 1_000
    """Env steps of pure exploration before the first update."""
    train_frequency: int = 256
    """With replay: every this many env steps, run ``gradient_steps`` updates."""
    gradient_steps: int = 128
    """With replay: updates per training round (ratio updates / env steps = gradient_steps / train_frequency)."""
    target_update_C: int = 10
    """C: the target network θ⁻ ← θ every C gradient updates."""
    epsilon_start: float = 1.0
    """ε of the ε-greedy policy at step 0."""
    epsilon_end: float = 0.04
    """ε after the linear decay."""
    exploration_fraction: float = 0.16
    """Fraction of total_steps over which ε decays linearly from start to end."""
    eval_every: int = 2_000
    """Env steps between greedy evaluations (10 episodes each; DQN evaluates more often than AgentConfig)."""

    def validate(self) -> None:
        super().validate()
        if self.batch_size < 1 or self.buffer_size < self.batch_size:
            raise InputError("The replay buffer must hold at least one minibatch (buffer_size ≥ batch_size ≥ 1).")
        if self.train_frequency < 1 or self.gradient_steps < 1 or self.target_update_C < 1:
            raise InputError("train_frequency, gradient_steps and the target period C must all be at least 1.")
        if not (0 <= self.epsilon_end <= 1 and 0 <= self.epsilon_start <= 1):
            raise InputError("ε must lie in [0, 1].")
        if not 0 < self.exploration_fraction <= 1:
            raise InputError("The exploration fraction must lie in (0, 1].")


class ReplayBuffer:
    """A ring buffer of transitions with uniform minibatch sampling (one vectorized index draw)."""

    def __init__(self, capacity: int, obs_dim: int) -> None:
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), dtype=np.float32)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.dones = np.zeros(capacity, dtype=np.float32)
        self.size = 0
        self.position = 0

    def add(self, obs, action: int, reward: float, next_obs, done: bool) -> None:
        i = self.position
        self.obs[i], self.actions[i], self.rewards[i], self.next_obs[i], self.dones[i] = (
            obs,
            action,
            reward,
            next_obs,
            done,
        )
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, batch_size: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over the stored transitions, with replacement."""
        return rng.integers(0, self.size, size=batch_size)

    def batch(self, idx: np.ndarray) -> tuple[torch.Tensor, ...]:
        return (
            torch.from_numpy(self.obs[idx]),
            torch.from_numpy(self.actions[idx]),
            torch.from_numpy(self.rewards[idx]),
            torch.from_numpy(self.next_obs[idx]),
            torch.from_numpy(self.dones[idx]),
        )


def td_target(
    q_net: torch.nn.Module,
    target_net: torch.nn.Module,
    rewards: torch.Tensor,
    next_obs: torch.Tensor,
    dones: torch.Tensor,
    gamma: float,
    double: bool,
) -> torch.Tensor:
    """The bootstrapped target y of the sheet's loss, shape (batch,).

    DQN:  y = r + γ (1 − done) max_{a'} Q(s', a'; θ⁻)
    DDQN: y = r + γ (1 − done) Q(s', a*; θ⁻),  a* = argmax_{a'} Q(s', a'; θ)
    """
    with torch.no_grad():
        q_next_target = target_net(next_obs)  # (batch, A)
        if double:
            # a* = argmax_{a'} Q(s', a'; θ): chosen by the online network ...
            a_star = q_net(next_obs).argmax(dim=1, keepdim=True)  # (batch, 1)
            # ... valued by the target network: Q(s', a*; θ⁻)
            q_next = q_next_target.gather(1, a_star).squeeze(1)
        else:
            # max_{a'} Q(s', a'; θ⁻)
            q_next = q_next_target.max(dim=1).values
        # y = r + γ (1 − done) · (the bootstrap above)
        return rewards + gamma * (1.0 - dones) * q_next


def linear_epsilon(step: int, config: DQNConfig) -> float:
    """ε decays linearly from epsilon_start to epsilon_end over exploration_fraction · total_steps, then stays."""
    decay_steps = max(1, int(config.exploration_fraction * config.total_steps))
    fraction = min(1.0, step / decay_steps)
    return config.epsilon_start + fraction * (config.epsilon_end - config.epsilon_start)


class DQNTrainer(ChunkedTrainer):
    """DQN / Double DQN on a Gymnasium env, trained in chunks with ``train_chunk(n_steps)``.

    Logs: episode returns, TD loss (mean per training round), ε (at every episode end), and at every
    greedy evaluation the mean max_a Q(s_t, a) predicted over the visited states next to the mean discounted
    return G_t actually obtained from them (the overestimation picture).
    """

    snapshot_modules: ClassVar[tuple[str, ...]] = ("q_net",)
    """The networks a shipped result keeps (core/rl/snapshots.py): what its figures and greedy episodes use."""

    def __init__(self, config: DQNConfig, seed: int = 0) -> None:
        super().__init__(config, seed)
        obs_dim = self.obs_dim
        self.q_net = mlp((obs_dim, config.hidden, config.hidden, self.n_actions), self.streams["network"])
        self.target_net = copy.deepcopy(self.q_net) if config.target_network else self.q_net
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=config.learning_rate, fused=True)
        capacity = config.buffer_size if config.replay else 1
        self.buffer = ReplayBuffer(capacity, obs_dim)
        self.updates = 0
        self.target_updates = 0
        self._policy = NumpyPolicy(self.q_net)
        self._good_state = copy.deepcopy(self.q_net.state_dict())
        self.env = make_env(config.env_id)
        env_seed = reset_seeds(self.streams["env"], 1)[0]
        self.obs, _ = self.env.reset(seed=env_seed)
        self.env.action_space.seed(env_seed)
        # minibatch indices: a stream of their own, so exploration and sampling do not shift each other
        self.replay_rng = np.random.default_rng(self.streams["replay"])
        self._episode_return = 0.0
        self._round_losses: list[float] = []

    def refresh_numpy_copies(self) -> None:
        """After the torch weights were replaced (a restored snapshot): act with the new ones."""
        self._policy = NumpyPolicy(self.q_net)
        self._good_state = copy.deepcopy(self.q_net.state_dict())

    # ---------------------------------------------------------------- acting
    def q_values(self, obs: np.ndarray) -> np.ndarray:
        """Q(s, ·; θ) for a batch of states, shape (n, A)."""
        return self._policy(np.asarray(obs, dtype=np.float64))

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """π(s) = argmax_a Q(s, a; θ)."""
        return self.q_values(obs).argmax(axis=1)

    @property
    def epsilon(self) -> float:
        return linear_epsilon(self.steps, self.config)

    # ---------------------------------------------------------------- learning
    def _update(self, idx: np.ndarray) -> float:
        cfg = self.config
        obs, actions, rewards, next_obs, dones = self.buffer.batch(idx)
        y = td_target(self.q_net, self.target_net, rewards, next_obs, dones, cfg.gamma, cfg.double)
        # Q(s, a; θ) of the actions actually taken
        q_sa = self.q_net(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        # L(θ) = (y − Q(s, a; θ))², averaged over the minibatch
        loss = F.mse_loss(q_sa, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.updates += 1
        if cfg.target_network and self.updates % cfg.target_update_C == 0:
            # θ⁻ ← θ every C updates
            self.target_net.load_state_dict(self.q_net.state_dict())
            self.target_updates += 1
        return loss.item()

    def _learn(self, n_updates: int, newest_only: bool) -> None:
        for _ in range(n_updates):
            if newest_only:
                idx = np.array([(self.buffer.position - 1) % self.buffer.capacity])
            else:
                idx = self.buffer.sample_indices(self.config.batch_size, self.replay_rng)
            loss = self._update(idx)
            if is_bad(loss):
                self.diverged_reason = (
                    f"the TD loss reached {loss:.3g} after {self.updates} updates (learning rate "
                    f"{self.config.learning_rate:g}); the curves stop at the last good point."
                )
                self.q_net.load_state_dict(self._good_state)
                break
            self._round_losses.append(loss)
        self._policy = NumpyPolicy(self.q_net)

    def _advance(self, n_steps: int) -> int:
        cfg = self.config
        taken = 0
        for _ in range(n_steps):
            step = self.steps + taken
            epsilon = linear_epsilon(step, cfg)
            if self.rng.random() < epsilon:
                action = int(self.rng.integers(self.n_actions))
            else:
                action = int(self._policy(self.obs[None, :]).argmax())
            next_obs, reward, terminated, truncated, _ = self.env.step(action)
            self.buffer.add(self.obs, action, reward, next_obs, terminated)
            self._episode_return += reward
            taken += 1
            if terminated or truncated:
                self.log.episode_step.append(step + 1)
                self.log.episode_return.append(self._episode_return)
                self.log.add("epsilon", epsilon)
                self._episode_return = 0.0
                self.obs, _ = self.env.reset()
            else:
                self.obs = next_obs
            if not cfg.replay:
                # no replay: one update on the transition just observed (batch of 1)
                self._learn(1, newest_only=True)
            elif step + 1 >= cfg.learning_starts and (step + 1) % cfg.train_frequency == 0:
                self._learn(cfg.gradient_steps, newest_only=False)
            if self._round_losses and ((not cfg.replay and (step + 1) % cfg.train_frequency == 0) or cfg.replay):
                self.log.loss_step.append(step + 1)
                self.log.loss.append(float(np.mean(self._round_losses)))
                self._round_losses = []
            if self.diverged:
                break
        return taken

    def _on_evaluate(self, result: EvalResult) -> None:
        """Mean max_a Q(s_t, a; θ) over the greedy episodes' states vs the mean discounted return G_t obtained."""
        predicted, actual = [], []
        for obs, rewards, cut in zip(result.observations, result.rewards, result.truncated):
            # G_t = r_t + γ G_{t+1}: what the greedy policy actually collected from s_t
            returns = discounted_returns(rewards, self.config.gamma)
            keep = len(rewards) - TRUNCATION_MARGIN if cut else len(rewards)
            if keep <= 0:
                continue
            predicted.append(self.q_values(obs[:keep]).max(axis=1))
            actual.append(returns[:keep])
        if predicted:
            self.log.add("q_step", self.steps)
            self.log.add("q_predicted", float(np.concatenate(predicted).mean()))
            self.log.add("q_actual", float(np.concatenate(actual).mean()))
        self._good_state = copy.deepcopy(self.q_net.state_dict())

    def overestimation(self) -> tuple[float, float] | None:
        """(mean max_a Q predicted, mean discounted return obtained) at the last greedy evaluation, or None
        before the first one: the gap the overestimation plot draws, as two numbers."""
        predicted, actual = self.log.extra.get("q_predicted"), self.log.extra.get("q_actual")
        if not predicted:
            return None
        return predicted[-1], actual[-1]

    def summary(self) -> dict:
        return {"config": asdict(self.config), "seed": self.seed, "steps": self.steps, "updates": self.updates}


def q_slice(
    q_values, env_id: str, x_dim: int, y_dim: int, quantity: str = Q_SLICE_QUANTITIES[0], n: int = 61
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Q over a 2-D slice of the state space (the other components 0), for the heatmap of the DQN page.

    With s_ij the state whose ``x_dim`` component is x_j and ``y_dim`` component is y_i:

        max_a Q(s,a):        z[i, j] = max_a Q(s_ij, a; θ)              (the greedy value V(s) = max_a Q)
        Q(s,a₁) − Q(s,a₀):   z[i, j] = Q(s_ij, a₁; θ) − Q(s_ij, a₀; θ)  (> 0: the greedy policy takes a₁)

    ``q_values`` maps states (m, obs_dim) to Q(s, ·) (m, A), e.g. ``DQNTrainer.q_values``. Returns
    (xs (n,), ys (n,), z (n, n)), rows along y.
    """
    if quantity not in Q_SLICE_QUANTITIES:
        raise InputError(f"Unknown Q-slice quantity {quantity!r}; choose one of {', '.join(Q_SLICE_QUANTITIES)}.")
    if quantity == Q_SLICE_QUANTITIES[0]:
        # max_a Q(s, a; θ)
        return state_slice(lambda s: q_values(s).max(axis=1), env_id, x_dim, y_dim, n)

    def preference(states: np.ndarray) -> np.ndarray:
        q = q_values(states)
        # Q(s, a₁; θ) − Q(s, a₀; θ)
        return q[:, 1] - q[:, 0]

    return state_slice(preference, env_id, x_dim, y_dim, n)


def q_slice_label(env_id: str, quantity: str) -> str:
    """The colour-bar label of :func:`q_slice` with the environment's action names."""
    if quantity == Q_SLICE_QUANTITIES[0]:
        return "max_a Q"
    acts = ACTION_NAMES[env_id]
    return f"Q({acts[1]}) − Q({acts[0]})"
