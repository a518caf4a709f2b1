"""The diffusion page's denoising movie (issue 11): its frames are the samplers' own trajectories."""

from __future__ import annotations

import numpy as np

from core.generative import diffusion as diff
from viz.generative import diffusion as viz


def _trajectories(T: int, ddim_steps: int, count: int = 300):
    schedule = diff.make_schedule("linear", T)
    x_T = np.random.default_rng(0).standard_normal((count, 2))

    # any ε_θ will do for the figure: one that pulls the points towards (1, 0)
    def eps(x: np.ndarray, t: int) -> np.ndarray:
        return 0.5 * (x - np.array([1.0, 0.0]))

    return diff.ddpm_sample(eps, schedule, x_T, 1), diff.ddim_sample(eps, schedule, x_T, ddim_steps)


def _clouds(frame: dict) -> tuple[np.ndarray, np.ndarray]:
    ddpm, ddim = (np.column_stack([d["x"], d["y"]]) for d in frame["data"])
    return ddpm, ddim


def test_denoising_runs_from_x_T_to_the_samples_of_both_samplers():
    ddpm, ddim = _trajectories(T=45, ddim_steps=7)  # T + 1 frames: within MAX_DENOISE_FRAMES
    fig = viz.denoising_animation(np.zeros((5, 2)), ddpm, ddim)
    frames = fig.to_dict()["frames"]
    assert [f["name"] for f in frames] == [str(t) for t in range(45, -1, -1)]  # every t = T … 0
    count = viz.DENOISE_POINTS
    first_ddpm, first_ddim = _clouds(frames[0])
    np.testing.assert_allclose(first_ddpm, ddpm.points[0][:count], atol=0.005)  # both start at the same x_T
    np.testing.assert_allclose(first_ddim, ddpm.points[0][:count], atol=0.005)
    last_ddpm, last_ddim = _clouds(frames[-1])
    np.testing.assert_allclose(last_ddpm, ddpm.samples[:count], atol=0.005)
    np.testing.assert_allclose(last_ddim, ddim.samples[:count], atol=0.005)
    assert all(d["type"] == "scatter" for f in frames for d in f["data"])  # no redraw needed per frame


def test_ddim_holds_its_state_between_jumps():
    ddpm, ddim = _trajectories(T=50, ddim_steps=5)
    frames = viz.denoising_animation(np.zeros((5, 2)), ddpm, ddim).to_dict()["frames"]
    visited = [int(t) for t in ddim.timesteps]  # 50, 40, …, 0
    for frame in frames:
        t = int(frame["name"])
        # the last state DDIM reached: its visited timestep t' ≥ t closest to t
        reached = visited.index(min(v for v in visited if v >= t))
        np.testing.assert_allclose(_clouds(frame)[1], ddim.points[reached][: viz.DENOISE_POINTS], atol=0.005)
        np.testing.assert_allclose(_clouds(frame)[0], ddpm.points[50 - t][: viz.DENOISE_POINTS], atol=0.005)


def test_long_processes_are_sampled_evenly():
    ddpm, ddim = _trajectories(T=200, ddim_steps=20, count=50)
    frames = viz.denoising_animation(np.zeros((5, 2)), ddpm, ddim).to_dict()["frames"]
    names = [int(f["name"]) for f in frames]
    assert len(frames) == viz.MAX_DENOISE_FRAMES and names[0] == 200 and names[-1] == 0
    assert len(frames[0]["data"][0]["x"]) == 50  # fewer samples than the cap: all of them
