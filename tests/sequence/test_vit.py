"""The tiny ViT (core/sequence/vit.py): patches as image_patches cuts them, the torch model equal to the NumPy
forward on its weights, order-blind without positional embeddings, and the shipped run's accuracy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.datasets import digits
from core.errors import InputError
from core.sequence import vit
from core.sequence.attention import image_patches


@pytest.mark.parametrize("patch", vit.VIT_PATCHES)
def test_patch_tensor_equals_image_patches(patch):
    images = digits()[0][:5]
    ours = vit.patch_tensor(torch.tensor(images), patch).numpy()
    for k, image in enumerate(images):
        np.testing.assert_array_equal(ours[k], image_patches(image, patch))


@pytest.mark.parametrize("changes", [dict(), dict(patch=4, layers=2, heads=2), dict(positional=False)])
def test_numpy_forward_equals_the_torch_model(changes):
    config = dataclasses.replace(vit.ViTConfig(epochs=1, seed=2), **changes)
    trainer = vit.ViTTrainer(config)
    trainer.train_chunk(1)
    weights = trainer.weights()
    images = digits()[0][:4]
    with torch.no_grad():
        expected = trainer.model.double()(torch.tensor(images)).numpy()
    trainer.model.float()
    for k, image in enumerate(images):
        logits, layers = vit.numpy_forward(weights, config, image)
        np.testing.assert_allclose(logits, expected[k], atol=1e-9)
        assert len(layers) == config.layers
    reading = vit.read(weights, config, 0)
    maps = reading.cls_attention(config.layers - 1)
    assert maps.shape == (config.heads, 8 // config.patch, 8 // config.patch)
    # the class token's row sums to 1 over itself and the patches: the patches get 1 − A_cls,cls
    row = reading.layers[-1].heads[0].A[0]
    assert maps[0].sum() == pytest.approx(1 - row[0])


def test_without_positions_the_patch_order_does_not_matter():
    """Without E_pos the class token's output is a function of the set of patches: shuffling them (here: a
    permutation of the 2×2 blocks of the image) leaves the logits unchanged."""
    config = vit.ViTConfig(positional=False, patch=4)
    trainer = vit.ViTTrainer(dataclasses.replace(config, epochs=1))
    trainer.train_chunk(1)
    image = digits()[0][7]
    blocks = [image[r : r + 4, c : c + 4] for r in (0, 4) for c in (0, 4)]
    shuffled = np.block([[blocks[3], blocks[0]], [blocks[2], blocks[1]]])
    weights = trainer.weights()
    np.testing.assert_allclose(
        vit.numpy_forward(weights, config, image)[0], vit.numpy_forward(weights, config, shuffled)[0], atol=1e-10
    )
    with_pe = vit.ViTConfig(patch=4)
    placed = vit.ViTTrainer(dataclasses.replace(with_pe, epochs=1))
    placed.train_chunk(1)
    assert not np.allclose(
        vit.numpy_forward(placed.weights(), with_pe, image)[0],
        vit.numpy_forward(placed.weights(), with_pe, shuffled)[0],
    )


def test_split_is_a_seeded_partition():
    train, test = vit.split(0)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 1797
    assert len(test) == round(1797 * vit.TEST_SHARE)
    np.testing.assert_array_equal(vit.split(0)[1], test)
    assert not np.array_equal(vit.split(1)[1], test)


def test_shipped_default_classifies_the_held_out_digits():
    trainer = vit.load_shipped(vit.ViTConfig())
    assert trainer is not None, "run python -m scripts.make_pretrained seq-vit"
    assert trainer.accuracy(trainer.test_index) == pytest.approx(trainer.test_accuracies[-1], abs=1e-6)
    assert trainer.test_accuracies[-1] >= 0.9


def test_shipped_round_trip_and_bad_input(tmp_path):
    config = vit.ViTConfig(patch=4, dim=16, heads=2, epochs=1)
    trainer = vit.ViTTrainer(config)
    trainer.train_chunk(1)
    vit.save_shipped(trainer, tmp_path)
    back = vit.load_shipped(config, tmp_path)
    assert back.fingerprint() == trainer.fingerprint() and back.test_accuracies == pytest.approx(
        trainer.test_accuracies
    )
    with pytest.raises(InputError, match="patch size"):
        vit.ViTTrainer(vit.ViTConfig(patch=3))
    with pytest.raises(InputError, match="digits"):
        vit.read(trainer.weights(), config, 5000)
