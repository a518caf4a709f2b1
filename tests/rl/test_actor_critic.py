"""Actor-critic (sheet 1.5): one-step advantage, advantages along an episode, independent seeds, page."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer, episode_advantages, one_step_advantage
from core.rl.common import Rollout, mlp, rollout
from tests.apptest_helpers import all_charts, assert_healthy, run_page


def test_one_step_advantage():
    target, adv = one_step_advantage(
        torch.tensor([1.0, 1.0]), torch.tensor([2.0, 2.0]), torch.tensor([3.0, 3.0]), torch.tensor([0.0, 1.0]), 0.5
    )
    torch.testing.assert_close(target, torch.tensor([2.5, 1.0]))
    torch.testing.assert_close(adv, torch.tensor([0.5, -1.0]))


# ------------------------------------------------------------------------------------------- along an episode
def test_episode_advantages_truncated_bootstraps_from_the_final_state():
    # V̂(s_0..s_2) = 1, 2, 3; V̂(s_3) = 4; r = 1 each; γ = 0.5. Cut by the time limit: the last step uses V̂(s_3).
    adv = episode_advantages(np.array([1.0, 2.0, 3.0]), 4.0, np.ones(3), 0.5, terminated=False)
    # Â_0 = 1 + 0.5·2 − 1 = 1,  Â_1 = 1 + 0.5·3 − 2 = 0.5,  Â_2 = 1 + 0.5·4 − 3 = 0  (not 1 + 0.5·3 − 3 = −0.5)
    np.testing.assert_allclose(adv, [1.0, 0.5, 0.0])


def test_episode_advantages_terminated_uses_zero_for_the_terminal_state():
    adv = episode_advantages(np.array([1.0, 2.0, 3.0]), 4.0, np.ones(3), 0.5, terminated=True)
    # Â_2 = 1 + 0.5·0 − 3 = −2
    np.testing.assert_allclose(adv, [1.0, 0.5, -2.0])


def _balance(obs: np.ndarray) -> np.ndarray:
    """Push towards where the pole is falling: keeps CartPole up until the 500-step time limit."""
    return (obs[:, 2] + 0.5 * obs[:, 3] > 0).astype(int)


def test_rollout_returns_the_final_observation_and_how_the_episode_ended():
    fallen = rollout(lambda obs: np.zeros(len(obs), dtype=int), "CartPole-v1", 0, render=False)
    assert fallen.terminated and len(fallen.rewards) < 500
    # always pushing left: the episode ends when a failure bound is crossed in s_T, not in s_{T−1}
    assert abs(fallen.final_observation[0]) > 2.4 or abs(fallen.final_observation[2]) > 0.2095
    assert not (abs(fallen.observations[-1][0]) > 2.4 or abs(fallen.observations[-1][2]) > 0.2095)
    cut = rollout(_balance, "CartPole-v1", 0, render=False)
    assert not cut.terminated and len(cut.rewards) == 500
    assert cut.observations.shape == (500, 4) and cut.final_observation.shape == (4,)


def test_trainer_advantages_use_v_of_the_final_state_after_truncation():
    trainer = ActorCriticTrainer(ActorCriticConfig(), seed=0)
    episode = rollout(_balance, "CartPole-v1", 0, render=False)
    adv = trainer.advantages(episode)
    v = trainer.values(episode.observations)
    v_T = trainer.values(episode.final_observation[None, :])[0]
    gamma = trainer.config.gamma
    assert adv[-1] == pytest.approx(episode.rewards[-1] + gamma * v_T - v[-1])
    assert adv[-1] != pytest.approx(episode.rewards[-1] + gamma * v[-1] - v[-1])
    terminal = Rollout(**{**episode.__dict__, "terminated": True})
    assert trainer.advantages(terminal)[-1] == pytest.approx(episode.rewards[-1] - v[-1])


# ------------------------------------------------------------------------------------------- seeds
def test_critic_of_seed_s_and_actor_of_seed_s_plus_1_start_differently():
    for s in (0, 1, 5):
        critic = ActorCriticTrainer(ActorCriticConfig(), seed=s).critic
        actor = ActorCriticTrainer(ActorCriticConfig(), seed=s + 1).actor
        # the hidden layers have the same shapes; with the old seed + 1 for the critic they were identical
        assert not torch.equal(critic[0].weight, actor[0].weight)
        assert not torch.equal(critic[2].weight, actor[2].weight)
    # what the old scheme did (shows that the check above can fail)
    old_critic, old_actor = mlp((4, 64, 64, 1), 0 + 1), mlp((4, 64, 64, 2), 1, out_scale=0.01)
    assert torch.equal(old_critic[0].weight, old_actor[0].weight)


def test_actor_and_critic_of_one_seed_start_differently():
    trainer = ActorCriticTrainer(ActorCriticConfig(), seed=0)
    assert not torch.equal(trainer.critic[0].weight, trainer.actor[0].weight)


def test_batch_actor_critic_same_seed_reproduces_training():
    runs = []
    for _ in range(2):
        trainer = ActorCriticTrainer(ActorCriticConfig(total_steps=1_024, eval_every=1_024), seed=3)
        trainer.train_chunk(1_024)
        runs.append((trainer.log.episode_return, trainer.log.loss, trainer.log.eval_mean))
    assert runs[0] == runs[1]
    assert runs[0][1] and runs[0][2]


def test_online_actor_critic_trains_and_is_deterministic():
    runs = []
    for _ in range(2):
        trainer = ActorCriticTrainer(ActorCriticConfig(variant="online", total_steps=600, eval_every=600), seed=4)
        trainer.train_chunk(600)
        runs.append((trainer.log.episode_return, trainer.log.loss, trainer.log.eval_mean))
    assert runs[0] == runs[1]
    assert runs[0][1] and all(np.isfinite(runs[0][1]))


# ------------------------------------------------------------------------------------------- page
def test_actor_critic_page_trains_and_shows_the_critic():
    at = run_page("pages/rl/actor_critic.py", {"steps": "5000"})
    at.button(key="rl_actor_critic_train").click().run()
    assert_healthy(at, "after training")
    assert len(all_charts(at)) >= 4
