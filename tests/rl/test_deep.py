"""Deep RL shared machinery (sheet 1.3–1.6): base config, seed streams, networks, evaluation, learning."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.errors import InputError
from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer
from core.rl.common import AgentConfig, NumpyPolicy, discounted_returns, evaluate, mlp, reset_seeds, run_streams
from core.rl.dqn import DQNConfig, DQNTrainer
from core.rl.reinforce import ReinforceConfig, ReinforceTrainer

RANDOM_CARTPOLE_RETURN = 22.0  # mean return of the uniform random policy on CartPole-v1 (about 22)


def test_discounted_returns():
    np.testing.assert_allclose(discounted_returns(np.array([1.0, 2.0, 4.0]), 0.5), [1 + 1 + 1, 2 + 2, 4])


def test_numpy_policy_matches_torch():
    net = mlp((4, 16, 16, 2), seed=1)
    x = np.random.default_rng(1).normal(size=(7, 4))
    np.testing.assert_allclose(
        NumpyPolicy(net)(x), net(torch.tensor(x, dtype=torch.float32)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------------------------------------- base config
@pytest.mark.parametrize("config_class", [DQNConfig, ReinforceConfig, ActorCriticConfig])
def test_every_agent_config_extends_the_base(config_class):
    assert issubclass(config_class, AgentConfig)
    shared = {f.name for f in dataclasses.fields(AgentConfig)}
    assert shared == {"env_id", "total_steps", "gamma", "hidden", "eval_every"}
    assert shared <= {f.name for f in dataclasses.fields(config_class)}
    config_class().validate()
    for name in config_class.learning_rate_fields:
        with pytest.raises(InputError, match=name):
            dataclasses.replace(config_class(), **{name: float("nan")}).validate()
    for bad in (dict(gamma=1.0), dict(hidden=0), dict(total_steps=0), dict(eval_every=0), dict(env_id="Pong")):
        with pytest.raises(InputError):
            dataclasses.replace(config_class(), **bad).validate()


def test_defaults_unchanged_by_the_base_config():
    assert (DQNConfig().total_steps, DQNConfig().eval_every, DQNConfig().learning_rate) == (50_000, 2_000, 2.3e-3)
    assert (ReinforceConfig().total_steps, ReinforceConfig().eval_every) == (300_000, 10_000)
    assert (ActorCriticConfig().actor_lr, ActorCriticConfig().critic_lr) == (3e-3, 5e-3)


# ------------------------------------------------------------------------------------------- seed streams
def test_run_streams_of_neighbouring_seeds_never_collide():
    words = {}
    for seed in range(4):
        for name, stream in run_streams(seed).items():
            words[(seed, name)] = tuple(stream.generate_state(4))
    assert len(set(words.values())) == len(words)
    assert run_streams(3)["critic"].generate_state(4).tolist() == list(words[(3, "critic")])
    assert reset_seeds(0, 5) == reset_seeds(np.random.SeedSequence(0), 5)
    assert len(set(reset_seeds(0, 5)) | set(reset_seeds(1, 5))) == 10


def test_mlp_from_a_stream_is_reproducible():
    a = mlp((4, 8, 2), run_streams(0)["network"])
    b = mlp((4, 8, 2), run_streams(0)["network"])
    c = mlp((4, 8, 2), run_streams(0)["critic"])
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a[0].weight, c[0].weight)


# ------------------------------------------------------------------------------------------- input errors
@pytest.mark.parametrize(
    "make",
    [
        lambda: DQNConfig(gamma=1.5).validate(),
        lambda: DQNConfig(batch_size=100, buffer_size=10).validate(),
        lambda: DQNConfig(env_id="Pong").validate(),
        lambda: ReinforceConfig(episodes_per_batch=0).validate(),
        lambda: ActorCriticConfig(variant="sideways").validate(),
        lambda: ActorCriticConfig(actor_lr=-1.0).validate(),
    ],
)
def test_bad_hyperparameters_raise_input_error(make):
    with pytest.raises(InputError):
        make()


# ------------------------------------------------------------------------------------------- learning
def _random_mean() -> float:
    rng = np.random.default_rng(0)
    return evaluate(lambda obs: rng.integers(0, 2, size=len(obs)), "CartPole-v1", 20, seed=0).mean


def test_random_policy_baseline():
    assert abs(_random_mean() - RANDOM_CARTPOLE_RETURN) < 8


@pytest.mark.parametrize(
    "make",
    [
        lambda: DQNTrainer(DQNConfig(total_steps=12_000, eval_every=12_000), seed=1),
        lambda: ReinforceTrainer(ReinforceConfig(total_steps=20_000, eval_every=20_000), seed=0),
        lambda: ActorCriticTrainer(ActorCriticConfig(total_steps=30_000, eval_every=30_000), seed=0),
    ],
    ids=["dqn", "reinforce", "actor_critic_batch"],
)
def test_agent_beats_random_within_small_budget(make):
    trainer = make()
    while not trainer.finished:
        trainer.train_chunk(5_000)
    assert trainer.log.eval_mean, "no evaluation happened"
    assert trainer.log.eval_mean[-1] > 3 * RANDOM_CARTPOLE_RETURN
