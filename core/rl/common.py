"""Shared machinery of the deep-RL agents (sheet 1.3–1.6): environments, small networks, evaluation, rollouts.

Every agent in ``core/rl/dqn.py``, ``core/rl/reinforce.py`` and ``core/rl/actor_critic.py`` is a
:class:`ChunkedTrainer` configured by a subclass of :class:`AgentConfig`: ``trainer.train_chunk(n_steps)``
advances training by ``n_steps`` environment steps and returns, so a page can train a little, redraw, check a
stop button and continue. Everything is deterministic given the seed: the seed's independent streams (network
initialisations, action sampling, replay sampling, environment resets, evaluation start states) are children of
``np.random.SeedSequence(seed)`` (:data:`STREAMS`), never ``seed + k``.

Notation of the sheet: state ``s``, action ``a``, reward ``r``, discount ``γ``; the discounted return from
step t is ``G_t = r_t + γ r_{t+1} + γ² r_{t+2} + … = r_t + γ G_{t+1}`` (sheet 1.1, item 7).

Speed notes (measured on the 2-core course machine): one PyTorch op costs ~4 µs, so a 2×64 MLP update
(forward, backward, Adam) costs ~0.8 ms, and the update is faster on 1 thread than on 2 for networks this
small. Acting therefore uses a NumPy copy of the network (:class:`NumpyPolicy`, ~10 µs per step instead of
~55 µs), refreshed whenever the weights change, and training runs under ``core.torch_threads.torch_threads`` (1
thread). torch is imported where a network is built, not with this module: the RL comparison page reads its
constants and logs without loading torch.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import gymnasium as gym
import numpy as np

from core.errors import InputError
from core.numerics import seed_streams, softmax, torch_seed
from core.torch_threads import torch_threads

if TYPE_CHECKING:
    from torch import nn

__all__ = ["softmax"]  # re-exported for the agents; the one softmax lives in core.numerics

# The environments the pages offer; both have a discrete action space and a small continuous state.
ENV_IDS = ("CartPole-v1", "Acrobot-v1")
# "Solved" as the issue defines it: greedy evaluation mean ≥ this over EVAL_EPISODES episodes (CartPole-v1).
SOLVED_RETURN = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}
EVAL_EPISODES = 10
# The independent random streams of one training run, spawned in this order from SeedSequence(seed):
# network (Q-net or actor init), critic (critic init), actions (exploration / sampling a ~ π), replay (minibatch
# indices), env (training resets), eval (greedy-evaluation start states), episode (the episode a page shows),
# holdout (start states no evaluation during training saw: judging a network that was *chosen* on the eval
# states on those same states would be biased; a child's stream depends only on its index, so appending a name
# leaves the others unchanged).
STREAMS = ("network", "critic", "actions", "replay", "env", "eval", "episode", "holdout")
# A Q value or loss beyond this magnitude means training has blown up (CartPole's Q is at most 1/(1-γ)).
DIVERGENCE_BOUND = 1e7
# What CartPole's state components are called, for plot axes.
STATE_NAMES = {
    "CartPole-v1": ("cart position x", "cart velocity ẋ", "pole angle θ", "pole angular velocity θ̇"),
    "Acrobot-v1": ("cos θ₁", "sin θ₁", "cos θ₂", "sin θ₂", "θ̇₁", "θ̇₂"),
}
ACTION_NAMES = {"CartPole-v1": ("push left", "push right"), "Acrobot-v1": ("torque −1", "torque 0", "torque +1")}
# Default axis ranges of a state-space slice per component (CartPole fails at |x| > 2.4, |θ| > 0.21).
SLICE_RANGES = {
    "CartPole-v1": ((-2.4, 2.4), (-3.0, 3.0), (-0.21, 0.21), (-3.0, 3.0)),
    "Acrobot-v1": ((-1, 1), (-1, 1), (-1, 1), (-1, 1), (-12.6, 12.6), (-28.3, 28.3)),
}

Seed = int | np.random.SeedSequence


def run_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """The named independent streams of one run: ``dict(zip(STREAMS, SeedSequence(seed).spawn(len(STREAMS))))``.

    Neighbouring seeds share nothing: the critic of seed s and the actor of seed s + 1 start from different
    weights (with ``seed + 1`` for the critic they started from the same ones).
    """
    return dict(zip(STREAMS, seed_streams(seed, len(STREAMS))))


def reset_seeds(seed: Seed, n: int) -> list[int]:
    """``n`` integer seeds for ``env.reset(seed=…)`` drawn from one stream (an int means SeedSequence(int)).

    Episode i of the stream starts from reset seed k_i = ``SeedSequence.generate_state(n)[i]`` (32-bit words of
    the stream's hash), so the start states of a stream never overlap those of a neighbouring seed.
    """
    stream = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [int(k) for k in stream.generate_state(n)]


@dataclass(frozen=True)
class AgentConfig:
    """The settings every deep-RL agent shares (CleanRL style: one frozen dataclass, a docstring per field).

    :class:`~core.rl.dqn.DQNConfig`, :class:`~core.rl.reinforce.ReinforceConfig` and
    :class:`~core.rl.actor_critic.ActorCriticConfig` extend it with their own fields (a subclass may redeclare a
    field to change its default). The seed is not a field: it is the trainer's second argument, so that one
    configuration can be trained on several seeds.
    """

    env_id: str = "CartPole-v1"
    """Gymnasium environment id (one of ENV_IDS)."""
    total_steps: int = 300_000
    """Env-step budget of the run (all environments together)."""
    gamma: float = 0.99
    """Discount γ of G_t = r_t + γ G_{t+1}."""
    hidden: int = 64
    """Width of the two hidden layers of every network of the agent."""
    eval_every: int = 10_000
    """Env steps between greedy evaluations (EVAL_EPISODES episodes each)."""

    # names of the subclass's step-size fields (validate checks each is a positive finite number)
    learning_rate_fields: ClassVar[tuple[str, ...]] = ()

    def validate(self) -> None:
        """InputError for settings no agent can use; subclasses call this first, then check their own fields."""
        check_env_id(self.env_id)
        if self.total_steps < 1:
            raise InputError(f"The step budget must be at least 1; got {self.total_steps}.")
        if not 0.0 <= self.gamma < 1.0:
            raise InputError(f"The discount γ must lie in [0, 1); got {self.gamma}.")
        for name in self.learning_rate_fields:
            value = getattr(self, name)
            if not value > 0 or not math.isfinite(value):
                raise InputError(f"The learning rate {name} must be a positive number; got {value}.")
        if not 1 <= self.hidden <= 1024:
            raise InputError(f"The hidden layer width must be between 1 and 1024; got {self.hidden}.")
        if self.eval_every < 1:
            raise InputError("eval_every must be at least 1.")


def check_env_id(env_id: str) -> None:
    if env_id not in ENV_IDS:
        raise InputError(f"Unknown environment {env_id!r}; choose one of {', '.join(ENV_IDS)}.")


def make_env(env_id: str, render_mode: str | None = None) -> gym.Env:
    """A Gymnasium env with its time limit (500 steps for CartPole-v1), without the per-step checker."""
    check_env_id(env_id)
    return gym.make(env_id, render_mode=render_mode, disable_env_checker=True)


def env_dims(env_id: str) -> tuple[int, int]:
    """(observation size, number of actions)."""
    env = make_env(env_id)
    dims = int(np.prod(env.observation_space.shape)), int(env.action_space.n)
    env.close()
    return dims


def mlp(sizes: tuple[int, ...], seed: Seed, out_scale: float = 1.0) -> nn.Sequential:
    """A ReLU MLP with the given layer sizes, initialised from ``seed`` only (PyTorch's default init scheme).

    Every weight and bias of layer n_in → n_out is drawn from U(−1/√n_in, 1/√n_in). ``seed`` is an int or a
    spawned stream (:func:`run_streams`). ``out_scale`` shrinks the last layer (0.01 makes a policy start close
    to uniform, as CleanRL does).
    """
    import torch  # here, not at the top: the comparison page reads this module's constants without torch
    from torch import nn

    torch_int = torch_seed(seed) if isinstance(seed, np.random.SeedSequence) else seed
    generator = torch.Generator().manual_seed(torch_int)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(n_in, n_out)
        bound = 1.0 / math.sqrt(n_in)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
            if i == len(sizes) - 2:
                linear.weight.mul_(out_scale)
                linear.bias.mul_(out_scale)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class NumpyPolicy:
    """A NumPy copy of a ReLU MLP for acting: same outputs as the torch net, ~5× cheaper for one state."""

    def __init__(self, net: nn.Sequential) -> None:
        from torch import nn

        linears = [m for m in net if isinstance(m, nn.Linear)]
        self.weights = [m.weight.detach().numpy().T.astype(np.float64) for m in linears]
        self.biases = [m.bias.detach().numpy().astype(np.float64) for m in linears]

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        h = np.asarray(obs, dtype=np.float64)
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        return h


def discounted_returns(rewards: np.ndarray, gamma: float) -> np.ndarray:
    """G_t = r_t + γ G_{t+1} with G_T = 0 (sheet 1.1 item 7, from every step of one episode)."""
    out = np.zeros(len(rewards))
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        # G_t = r_t + γ G_{t+1}
        running = rewards[t] + gamma * running
        out[t] = running
    return out


@dataclass
class EvalResult:
    """Greedy episodes of one evaluation."""

    returns: np.ndarray
    """(episodes,) undiscounted return of each episode."""
    observations: list[np.ndarray]
    """per episode, (T_i, obs_dim) states visited."""
    rewards: list[np.ndarray]
    """per episode, (T_i,) rewards received."""
    truncated: np.ndarray
    """(episodes,) True when the time limit ended the episode (it did not fail)."""

    @property
    def mean(self) -> float:
        return float(self.returns.mean())

    @property
    def sd(self) -> float:
        return float(self.returns.std())


def evaluate(
    act: Callable[[np.ndarray], np.ndarray], env_id: str, n_episodes: int = EVAL_EPISODES, seed: Seed = 0
) -> EvalResult:
    """Run ``n_episodes`` episodes of the policy ``act`` (a batch of states → a batch of actions) in lockstep.

    Episode i starts from ``reset(seed=reset_seeds(seed, n_episodes)[i])``; the episodes run side by side so
    that one batched forward pass chooses all their actions.
    """
    envs = [make_env(env_id) for _ in range(n_episodes)]
    obs = [env.reset(seed=k)[0] for k, env in zip(reset_seeds(seed, n_episodes), envs)]
    observations: list[list[np.ndarray]] = [[o] for o in obs]
    rewards: list[list[float]] = [[] for _ in envs]
    truncated = np.zeros(n_episodes, dtype=bool)
    alive = list(range(n_episodes))
    while alive:
        actions = act(np.stack([obs[i] for i in alive]))
        still = []
        for i, a in zip(alive, actions):
            o, r, term, trunc, _ = envs[i].step(int(a))
            rewards[i].append(float(r))
            if term or trunc:
                truncated[i] = trunc and not term
            else:
                obs[i] = o
                observations[i].append(o)
                still.append(i)
        alive = still
    for env in envs:
        env.close()
    return EvalResult(
        returns=np.array([sum(r) for r in rewards]),
        observations=[np.array(o) for o in observations],
        rewards=[np.array(r) for r in rewards],
        truncated=truncated,
    )


@dataclass
class Rollout:
    """One rendered episode."""

    frames: np.ndarray
    """(F, H, W, 3) uint8 rgb_array frames (every ``frame_every``-th step, downsampled)."""
    frame_steps: np.ndarray
    """(F,) the step of each frame."""
    observations: np.ndarray
    """(T, obs_dim) the states s_0 … s_{T−1} in which an action was taken."""
    rewards: np.ndarray
    """(T,) rewards."""
    actions: np.ndarray
    """(T,) actions taken."""
    final_observation: np.ndarray
    """(obs_dim,) s_T, the observation returned by the last step (terminal state, or where the time limit cut)."""
    terminated: bool
    """Gymnasium's ``terminated``: s_T is terminal (V(s_T) = 0). False means ``truncated`` by the time limit."""

    @property
    def total_return(self) -> float:
        return float(self.rewards.sum())


def rollout(
    act: Callable[[np.ndarray], np.ndarray],
    env_id: str,
    seed: Seed,
    max_frames: int = 60,
    pixel_stride: int = 2,
    render: bool = True,
) -> Rollout:
    """One episode of ``act`` from ``reset(seed=reset_seeds(seed, 1)[0])``, with ``render_mode="rgb_array"`` frames.

    At most ``max_frames`` frames are kept, evenly spaced over the episode (an episode of 500 steps is
    shown every ~8th step), each downsampled by ``pixel_stride`` so that the animation stays light.
    """
    if max_frames < 2:
        raise InputError("An animation needs at least 2 frames.")
    env = make_env(env_id, render_mode="rgb_array" if render else None)
    obs, _ = env.reset(seed=reset_seeds(seed, 1)[0])
    frames_all: list[np.ndarray] = []
    observations, rewards, actions = [obs], [], []
    while True:
        if render:
            frames_all.append(env.render()[::pixel_stride, ::pixel_stride])
        a = int(act(obs[None, :])[0])
        obs, r, term, trunc, _ = env.step(a)
        rewards.append(float(r))
        actions.append(a)
        if term or trunc:
            if render:
                frames_all.append(env.render()[::pixel_stride, ::pixel_stride])
            terminated = bool(term)
            break
        observations.append(obs)
    env.close()
    if render:
        keep = np.unique(np.linspace(0, len(frames_all) - 1, min(max_frames, len(frames_all))).round().astype(int))
        frames = np.stack([frames_all[i] for i in keep])
    else:
        keep = np.zeros(0, dtype=int)
        frames = np.zeros((0, 1, 1, 3), dtype=np.uint8)
    return Rollout(
        frames, keep, np.array(observations), np.array(rewards), np.array(actions), np.asarray(obs), terminated
    )


@dataclass
class TrainingLog:
    """Curves of one training run; every list grows as training goes on (never holds a NaN)."""

    episode_step: list[int] = field(default_factory=list)
    """env step at which each training episode ended."""
    episode_return: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    eval_mean: list[float] = field(default_factory=list)
    """greedy evaluation mean return over EVAL_EPISODES episodes."""
    eval_sd: list[float] = field(default_factory=list)
    eval_wall: list[float] = field(default_factory=list)
    """training seconds (evaluation included) when each evaluation finished."""
    loss_step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)
    """algorithm-specific curves (ε, mean max_a Q, critic loss, …), aligned with their own ``*_step`` list."""

    def add(self, name: str, value: float) -> None:
        self.extra.setdefault(name, []).append(float(value))


class ChunkedTrainer:
    """Base of every agent: training in chunks of env steps, periodic greedy evaluation, divergence watch.

    Subclasses implement ``_advance(n_steps)`` (interact and learn for at most ``n_steps`` env steps, return
    how many were taken) and ``greedy_actions(obs)``. They set ``self.diverged_reason`` when a loss or value
    is no longer finite; training then stops and the curves keep only the good part.
    """

    def __init__(self, config: AgentConfig, seed: int) -> None:
        """Validate ``config`` and set up what every agent shares: its counters, logs, the env's sizes, the
        seed's independent streams (``self.streams``, see :data:`STREAMS`) and the action-sampling generator."""
        config.validate()
        self.config = config
        self.env_id: str = config.env_id
        self.total_steps: int = config.total_steps
        self.eval_every: int = config.eval_every
        self.seed = seed
        self.obs_dim, self.n_actions = env_dims(config.env_id)
        self.streams = run_streams(seed)
        # exploration / a ~ π_θ(·|s): its own stream, independent of initialisation, replay and resets
        self.rng = np.random.default_rng(self.streams["actions"])
        self.steps = 0
        self.train_seconds = 0.0
        self.log = TrainingLog()
        self.diverged_reason: str | None = None
        self.solved_step: int | None = None
        self.solved_seconds: float | None = None
        self._next_eval = self.eval_every
        self._eval_index = 0

    # --- to implement
    def _advance(self, n_steps: int) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def greedy_actions(self, obs: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_evaluate(self, result: EvalResult) -> None:
        """Hook for algorithm-specific diagnostics computed on the greedy episodes."""

    # --- shared
    @property
    def diverged(self) -> bool:
        return self.diverged_reason is not None

    @property
    def finished(self) -> bool:
        return self.diverged or self.steps >= self.total_steps

    @property
    def solved(self) -> bool:
        return self.solved_step is not None

    def train_chunk(self, n_steps: int, stop_when_solved: bool = False) -> None:
        """Advance training by up to ``n_steps`` env steps (fewer at the end of the budget or on divergence)."""
        if n_steps < 1:
            raise InputError("A training chunk needs at least one step.")
        start = time.perf_counter()
        with torch_threads():
            target = min(self.total_steps, self.steps + n_steps)
            while self.steps < target and not self.diverged:
                if stop_when_solved and self.solved:
                    break
                taken = self._advance(min(target, self._next_eval) - self.steps)
                self.steps += taken
                if self.steps >= self._next_eval and not self.diverged:
                    self.train_seconds += time.perf_counter() - start
                    start = time.perf_counter()
                    self.evaluate_now()
                    self._next_eval += self.eval_every
        self.train_seconds += time.perf_counter() - start

    def evaluate_now(self) -> EvalResult:
        """Greedy evaluation on EVAL_EPISODES fixed start states; logs it and checks the "solved" criterion."""
        start = time.perf_counter()
        result = evaluate(self.greedy_actions, self.env_id, EVAL_EPISODES, self.streams["eval"])
        self._on_evaluate(result)
        self.train_seconds += time.perf_counter() - start
        log = self.log
        log.eval_step.append(self.steps)
        log.eval_mean.append(result.mean)
        log.eval_sd.append(result.sd)
        log.eval_wall.append(self.train_seconds)
        if self.solved_step is None and result.mean >= SOLVED_RETURN[self.env_id]:
            self.solved_step = self.steps
            self.solved_seconds = self.train_seconds
        return result


def is_bad(value: float) -> bool:
    """True for a NaN/inf or a magnitude past DIVERGENCE_BOUND."""
    return not math.isfinite(value) or abs(value) > DIVERGENCE_BOUND


def state_grid(
    env_id: str, x_dim: int, y_dim: int, x_range: tuple[float, float], y_range: tuple[float, float], n: int, base=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """States on an n×n grid over two state components, the others fixed at ``base`` (zeros by default).

    Returns (xs (n,), ys (n,), states (n*n, obs_dim)); row-major: state k = (ys[k // n], xs[k % n]).
    """
    obs_dim, _ = env_dims(env_id)
    if x_dim == y_dim or not (0 <= x_dim < obs_dim and 0 <= y_dim < obs_dim):
        raise InputError("Pick two different state components for the two axes of the slice.")
    xs = np.linspace(*x_range, n)
    ys = np.linspace(*y_range, n)
    states = np.tile(np.zeros(obs_dim) if base is None else np.asarray(base, float), (n * n, 1))
    yy, xx = np.meshgrid(ys, xs, indexing="ij")  # (n, n) each: row = y, column = x
    states[:, x_dim] = xx.reshape(-1)
    states[:, y_dim] = yy.reshape(-1)
    return xs, ys, states


def state_slice(
    fn: Callable[[np.ndarray], np.ndarray],
    env_id: str,
    x_dim: int,
    y_dim: int,
    n: int = 61,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A scalar function of the state over a 2-D slice: z[i, j] = f(s_ij), s_ij = (0, …, x_j, …, y_i, …, 0).

    ``fn`` maps a batch of states (m, obs_dim) to (m,) values; the ranges default to SLICE_RANGES. Returns
    (xs (n,), ys (n,), z (n, n)) with rows along y and columns along x, as a heatmap wants them.
    """
    obs_dim, _ = env_dims(env_id)
    if x_dim == y_dim or not (0 <= x_dim < obs_dim and 0 <= y_dim < obs_dim):
        raise InputError("Pick two different state components for the two axes of the slice.")
    ranges = SLICE_RANGES[env_id]
    xs, ys, states = state_grid(env_id, x_dim, y_dim, x_range or ranges[x_dim], y_range or ranges[y_dim], n)
    # z[i, j] = f(s_ij), state k = (ys[k // n], xs[k % n]) row-major
    return xs, ys, np.asarray(fn(states), dtype=float).reshape(n, n)
