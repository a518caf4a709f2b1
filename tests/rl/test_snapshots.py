"""Shipped deep-RL results: a finished run written to disk comes back with the same networks, curves and counters."""

import numpy as np
import pytest

from core.errors import InputError
from core.rl.actor_critic import ActorCriticConfig, ActorCriticTrainer
from core.rl.dqn import DQNConfig, DQNTrainer
from core.rl.reinforce import ReinforceConfig, ReinforceTrainer
from core.rl.snapshots import load_trainer, save_trainer
from core.snapshot import snapshot_name

STATES = np.random.default_rng(0).normal(size=(32, 4)) * 0.5

RUNS = {
    # keep_best (the default): the snapshot holds the kept network, the run's result
    "dqn": (DQNTrainer, DQNConfig(total_steps=1_500, learning_starts=200, eval_every=750), "result_q_values"),
    "dqn-last": (
        DQNTrainer,
        DQNConfig(total_steps=1_500, learning_starts=200, eval_every=750, keep_best=False),
        "q_values",
    ),
    "reinforce": (ReinforceTrainer, ReinforceConfig(total_steps=1_000, eval_every=500), "action_probs"),
    "ac": (ActorCriticTrainer, ActorCriticConfig(total_steps=800, eval_every=400), "values"),
}


@pytest.mark.parametrize("kind", list(RUNS))
def test_a_finished_run_round_trips(tmp_path, kind):
    cls, config, query = RUNS[kind]
    trainer = cls(config, seed=3)
    trainer.train_chunk(config.total_steps)
    assert trainer.finished
    path = save_trainer(trainer, kind, tmp_path)
    assert path.stat().st_size < 200_000
    restored = load_trainer(cls, kind, config, 3, tmp_path)
    assert restored is not None and restored.finished
    # float32 on disk: the weights are float32 already, so the outputs are the same to rounding
    np.testing.assert_allclose(getattr(restored, query)(STATES), getattr(trainer, query)(STATES), rtol=1e-6)
    assert restored.log == trainer.log
    assert (restored.steps, restored.solved_step, restored.diverged_reason) == (
        trainer.steps,
        trainer.solved_step,
        trainer.diverged_reason,
    )
    actions = "result_actions" if kind.startswith("dqn") else "greedy_actions"
    np.testing.assert_array_equal(getattr(restored, actions)(STATES), getattr(trainer, actions)(STATES))


def test_another_configuration_or_seed_finds_nothing(tmp_path):
    cls, config, _ = RUNS["reinforce"]
    trainer = cls(config, seed=1)
    trainer.train_chunk(config.total_steps)
    save_trainer(trainer, "reinforce", tmp_path)
    assert load_trainer(cls, "reinforce", config, 2, tmp_path) is None
    other = ReinforceConfig(total_steps=1_000, eval_every=500, gamma=0.95)
    assert load_trainer(cls, "reinforce", other, 1, tmp_path) is None
    assert snapshot_name("reinforce", config, 1) != snapshot_name("reinforce", other, 1)


def test_an_unfinished_run_is_not_shipped(tmp_path):
    cls, config, _ = RUNS["reinforce"]
    with pytest.raises(InputError, match="finished"):
        save_trainer(cls(config, seed=0), "reinforce", tmp_path)
