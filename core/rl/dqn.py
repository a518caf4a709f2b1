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

What stabilises DQN in practice, each a switch of :class:`DQNConfig` (measured one at a time over 5 seeds by
``bench/bench_deep_rl.py``, table in docs/benchmarks_deep_rl.md and on the DQN page):

* the target schedule: a hard copy θ⁻ ← θ every C updates, or a soft (Polyak) θ⁻ ← τ θ + (1 − τ) θ⁻ after each;
* the Huber loss instead of the square (the gradient of one TD error is clipped at ±δ);
* gradient-norm clipping, g ← g · min(1, c / ‖g‖);
* learning-rate decay α_t (linear, then constant) and the ε schedule, both over fixed numbers of env steps;
* keeping the best greedy network: DQN's greedy policy can collapse after it solved, so the run's result is a
  copy of θ from its best greedy evaluation, not whatever θ is at the end.
"""

from __future__ import annotations

import copy
import math
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
# The choices of the string-valued switches of DQNConfig.
TARGET_UPDATES = ("hard", "soft")
LOSSES = ("huber", "mse")
# In a truncated episode G_t misses γ^(T−t) V(s_T); states this far from the cut are used (γ^300 < 0.05).
TRUNCATION_MARGIN = 300


@dataclass(frozen=True)
class DQNConfig(AgentConfig):
    """Hyperparameters of DQN / Double DQN (the shared ones are in AgentConfig).

    The defaults are the stable combination measured by ``bench/bench_deep_rl.py`` (5 seeds, CartPole-v1): each
    stabiliser below (target schedule, Huber loss, gradient clipping, learning-rate decay, keeping the best
    network) is a switch, and docs/benchmarks_deep_rl.md gives its measured effect.
    """

    double: bool = False
    """Double DQN target: a* = argmax_a' Q(s',a';θ), target r + γ Q(s',a*;θ⁻)."""
    replay: bool = True
    """Sample minibatches uniformly from a replay buffer; off: learn from the newest transition only."""
    target_network: bool = True
    """Bootstrap from a separate copy θ⁻ (updated as ``target_update`` says); off: θ⁻ = θ always."""
    total_steps: int = 50_000
    """Env-step budget of the run (DQN's default is smaller than AgentConfig's)."""
    learning_rate: float = 2.3e-3
    """Adam step size α at the start (α₀)."""
    learning_rate_fields: ClassVar[tuple[str, ...]] = ("learning_rate",)
    lr_decay: bool = False
    """Decay α linearly from α₀ to lr_end_fraction · α₀ over ``lr_decay_steps`` env steps, then hold it; off: α₀
    throughout. Late small steps keep a solved network from being knocked over by its own updates."""
    lr_end_fraction: float = 0.1
    """α after the decay, as a fraction of α₀."""
    lr_decay_steps: int = 30_000
    """Env steps over which α decays (independent of the budget, so a longer run only adds steps at the end α)."""
    loss: str = "mse"
    """TD loss: "huber" (quadratic within ±δ of the target, linear beyond: the gradient is clipped at δ) or "mse"."""
    huber_delta: float = 1.0
    """δ of the Huber loss."""
    max_grad_norm: float = 10.0
    """Rescale the gradient to this L2 norm when it is longer (‖g‖ ≤ max_grad_norm); 0 switches clipping off."""
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
    target_update: str = "hard"
    """How θ⁻ follows θ: "hard" copies θ⁻ ← θ every C updates; "soft" (Polyak) moves θ⁻ ← τ θ + (1 − τ) θ⁻ after
    every update."""
    target_update_C: int = 50
    """C: with hard updates, θ⁻ ← θ every C gradient updates."""
    tau: float = 0.01
    """τ: with soft updates, the fraction of the way θ⁻ moves towards θ per update (τ = 1 is a copy every update)."""
    epsilon_start: float = 1.0
    """ε of the ε-greedy policy at step 0."""
    epsilon_end: float = 0.04
    """ε after the linear decay."""
    exploration_steps: int = 10_000
    """Env steps over which ε decays linearly from start to end (independent of the budget)."""
    keep_best: bool = True
    """Keep a copy of the network with the best greedy evaluation so far; the page shows it as the run's result."""
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
        if self.exploration_steps < 1 or self.lr_decay_steps < 1:
            raise InputError("The ε and learning-rate decays need at least 1 step each.")
        if self.target_update not in TARGET_UPDATES:
            raise InputError(
                f"Unknown target update {self.target_update!r}; choose one of {', '.join(TARGET_UPDATES)}."
            )
        if not 0 < self.tau <= 1:
            raise InputError(f"The Polyak step τ must lie in (0, 1]; got {self.tau}.")
        if self.loss not in LOSSES:
            raise InputError(f"Unknown TD loss {self.loss!r}; choose one of {', '.join(LOSSES)}.")
        if not self.huber_delta > 0:
            raise InputError(f"The Huber threshold δ must be positive; got {self.huber_delta}.")
        if not (self.max_grad_norm >= 0 and math.isfinite(self.max_grad_norm)):
            raise InputError(f"The gradient-norm bound must be ≥ 0 (0 = no clipping); got {self.max_grad_norm}.")
        if not 0 < self.lr_end_fraction <= 1:
            raise InputError(f"The final learning rate must be a fraction in (0, 1] of α₀; got {self.lr_end_fraction}.")


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


def td_loss(q_sa: torch.Tensor, y: torch.Tensor, kind: str = "huber", delta: float = 1.0) -> torch.Tensor:
    """The TD loss over a minibatch, from the TD errors δ_i = y_i − Q(s_i, a_i; θ), averaged over i.

    mse:    L = mean_i δ_i²                                       (∂L/∂Q_i = −2 δ_i / B, grows with δ_i)
    huber:  L = mean_i ( ½ δ_i²  if |δ_i| ≤ δ,  δ (|δ_i| − ½ δ)  otherwise )   (∂L/∂Q_i = −clip(δ_i, −δ, δ) / B)

    Huber is what DQN's "clip the error term to [−1, 1]" (Mnih et al. 2015) means: one far-off target (a bad
    bootstrap early in training) pulls on θ no harder than δ.
    """
    if kind == "mse":
        # mean_i (y_i − Q(s_i, a_i; θ))²
        return F.mse_loss(q_sa, y)
    # mean_i huber_δ(y_i − Q(s_i, a_i; θ))
    return F.huber_loss(q_sa, y, delta=delta)


def polyak_update(target_net: torch.nn.Module, q_net: torch.nn.Module, tau: float) -> None:
    """θ⁻ ← τ θ + (1 − τ) θ⁻ for every parameter, in place (τ = 1: a hard copy θ⁻ ← θ)."""
    with torch.no_grad():
        # θ⁻ + τ (θ − θ⁻) = τ θ + (1 − τ) θ⁻, one fused op for all the parameters
        torch._foreach_lerp_(list(target_net.parameters()), list(q_net.parameters()), tau)


def linear_schedule(step: int, start: float, end: float, duration: int) -> float:
    """start + min(1, step / duration) · (end − start): a linear ramp over ``duration`` steps, then constant."""
    fraction = min(1.0, step / max(1, duration))
    return start + fraction * (end - start)


def linear_epsilon(step: int, config: DQNConfig) -> float:
    """ε_t decays linearly from epsilon_start to epsilon_end over exploration_steps env steps, then stays."""
    return linear_schedule(step, config.epsilon_start, config.epsilon_end, config.exploration_steps)


def learning_rate_at(step: int, config: DQNConfig) -> float:
    """α_t = α₀ + min(1, t / T_α) (α_end − α₀) with lr decay on (α_end = lr_end_fraction · α₀, T_α =
    lr_decay_steps); α₀ with it off."""
    if not config.lr_decay:
        return config.learning_rate
    end = config.lr_end_fraction * config.learning_rate
    return linear_schedule(step, config.learning_rate, end, config.lr_decay_steps)


def kept_evaluation(eval_step: list[int], eval_mean: list[float]) -> tuple[int, float] | None:
    """(step, mean) of the evaluation whose network is kept: the highest greedy mean; on a tie the latest one
    (a network that still scores the best after more training is the better bet). None before any evaluation."""
    if not eval_mean:
        return None
    best = max(eval_mean)
    i = max(k for k, m in enumerate(eval_mean) if m == best)
    return eval_step[i], eval_mean[i]


class DQNTrainer(ChunkedTrainer):
    """DQN / Double DQN on a Gymnasium env, trained in chunks with ``train_chunk(n_steps)``.

    Logs: episode returns, TD loss and gradient norm (means per training round), ε and α (per round), and at
    every greedy evaluation the mean max_a Q(s_t, a) predicted over the visited states next to the mean
    discounted return G_t actually obtained from them (the overestimation picture).

    With ``keep_best`` the trainer also keeps ``best_net``, a copy of θ from the greedy evaluation with the
    highest mean (see :func:`kept_evaluation`): that is the run's result (``result_q_values``,
    ``result_actions``), while ``q_net`` goes on learning (and may get worse: DQN's greedy policy can collapse
    after solving).
    """

    snapshot_modules: ClassVar[tuple[str, ...]] = ("q_net",)
    """The networks a shipped result keeps (core/rl/snapshots.py): what its figures and greedy episodes use. With
    keep_best that is the kept network alone (set per run in __init__); a restored run is finished, and its q_net
    becomes a copy of it."""

    def __init__(self, config: DQNConfig, seed: int = 0) -> None:
        super().__init__(config, seed)
        obs_dim = self.obs_dim
        self.q_net = mlp((obs_dim, config.hidden, config.hidden, self.n_actions), self.streams["network"])
        self.target_net = copy.deepcopy(self.q_net) if config.target_network else self.q_net
        self.best_net = copy.deepcopy(self.q_net)
        if config.keep_best:
            self.snapshot_modules = ("best_net",)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=config.learning_rate, fused=True)
        capacity = config.buffer_size if config.replay else 1
        self.buffer = ReplayBuffer(capacity, obs_dim)
        self.updates = 0
        self.target_updates = 0
        self._policy = NumpyPolicy(self.q_net)
        self._best_policy = NumpyPolicy(self.best_net)
        self._good_state = copy.deepcopy(self.q_net.state_dict())
        self.env = make_env(config.env_id)
        env_seed = reset_seeds(self.streams["env"], 1)[0]
        self.obs, _ = self.env.reset(seed=env_seed)
        self.env.action_space.seed(env_seed)
        # minibatch indices: a stream of their own, so exploration and sampling do not shift each other
        self.replay_rng = np.random.default_rng(self.streams["replay"])
        self._episode_return = 0.0
        self._round_losses: list[float] = []
        self._round_grad_norms: list[float] = []

    def refresh_numpy_copies(self) -> None:
        """After the torch weights were replaced (a restored snapshot): act with the new ones. A snapshot with
        keep_best holds the kept network only: the restored (finished) run's q_net is set to it."""
        if self.snapshot_modules == ("best_net",):
            self.q_net.load_state_dict(self.best_net.state_dict())
        self._policy = NumpyPolicy(self.q_net)
        self._best_policy = NumpyPolicy(self.best_net)
        self._good_state = copy.deepcopy(self.q_net.state_dict())

    # ---------------------------------------------------------------- acting
    def q_values(self, obs: np.ndarray) -> np.ndarray:
        """Q(s, ·; θ) of the online network for a batch of states, shape (n, A)."""
        return self._policy(np.asarray(obs, dtype=np.float64))

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:
        """π(s) = argmax_a Q(s, a; θ) of the online network (what the evaluations during training measure)."""
        return self.q_values(obs).argmax(axis=1)

    @property
    def keeps_best(self) -> bool:
        """True when the run's result is the kept best network (keep_best on and at least one evaluation)."""
        return self.config.keep_best and self.kept() is not None

    def kept(self) -> tuple[int, float] | None:
        """(env step, greedy mean) of the evaluation the kept network comes from (:func:`kept_evaluation`)."""
        return kept_evaluation(self.log.eval_step, self.log.eval_mean)

    def result_q_values(self, obs: np.ndarray) -> np.ndarray:
        """Q(s, ·) of the run's result: the kept best network with keep_best, else the online network."""
        policy = self._best_policy if self.keeps_best else self._policy
        return policy(np.asarray(obs, dtype=np.float64))

    def result_actions(self, obs: np.ndarray) -> np.ndarray:
        """argmax_a of :meth:`result_q_values`: the policy the page shows as the agent's result."""
        return self.result_q_values(obs).argmax(axis=1)

    def kept_actions(self, obs: np.ndarray) -> np.ndarray:
        """argmax_a Q(s, a) of the kept best network (the untrained copy before the first evaluation)."""
        return self._best_policy(np.asarray(obs, dtype=np.float64)).argmax(axis=1)

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
        # L(θ) = mean_i ℓ(y_i − Q(s_i, a_i; θ)), ℓ = Huber_δ or the square
        loss = td_loss(q_sa, y, cfg.loss, cfg.huber_delta)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        params = list(self.q_net.parameters())
        # ‖g‖ = sqrt(Σ_p ‖∂L/∂p‖²), measured before any clipping (the curve the page draws)
        grad_norm = torch.nn.utils.get_total_norm([p.grad for p in params])
        if cfg.max_grad_norm > 0:
            # g ← g · min(1, max_grad_norm / ‖g‖): the direction is kept, the length bounded
            torch.nn.utils.clip_grads_with_norm_(params, cfg.max_grad_norm, grad_norm)
        self.optimizer.step()
        self.updates += 1
        if cfg.target_network:
            if cfg.target_update == "soft":
                # θ⁻ ← τ θ + (1 − τ) θ⁻ after every update
                polyak_update(self.target_net, self.q_net, cfg.tau)
                self.target_updates += 1
            elif self.updates % cfg.target_update_C == 0:
                # θ⁻ ← θ every C updates
                self.target_net.load_state_dict(self.q_net.state_dict())
                self.target_updates += 1
        self._round_grad_norms.append(grad_norm.item())
        return loss.item()

    def _learn(self, n_updates: int, newest_only: bool, step: int) -> None:
        # α_t of the schedule, set once per training round
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate_at(step, self.config)
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
                self._learn(1, newest_only=True, step=step)
            elif step + 1 >= cfg.learning_starts and (step + 1) % cfg.train_frequency == 0:
                self._learn(cfg.gradient_steps, newest_only=False, step=step)
            if self._round_losses and ((not cfg.replay and (step + 1) % cfg.train_frequency == 0) or cfg.replay):
                self.log.loss_step.append(step + 1)
                self.log.loss.append(float(np.mean(self._round_losses)))
                self.log.add("grad_norm", float(np.mean(self._round_grad_norms)))
                self.log.add("learning_rate", learning_rate_at(step, cfg))
                self._round_losses, self._round_grad_norms = [], []
            if self.diverged:
                break
        return taken

    def _on_evaluate(self, result: EvalResult) -> None:
        """Mean max_a Q(s_t, a; θ) over the greedy episodes' states vs the mean discounted return G_t obtained;
        keep θ as the best network when this evaluation ties or beats every earlier one."""
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
        # ties go to the later network (kept_evaluation); the log entry of this evaluation is written after
        # this hook, so compare with the earlier ones
        if self.config.keep_best and (not self.log.eval_mean or result.mean >= max(self.log.eval_mean)):
            self.best_net.load_state_dict(self.q_net.state_dict())
            self._best_policy = NumpyPolicy(self.best_net)

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
