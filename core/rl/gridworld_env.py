"""A :class:`core.rl.gridworld.GridWorld` as a Gymnasium environment with an explicit ``P[s][a]`` table."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from core.rl.gridworld import GridWorld


class GridWorldEnv(gym.Env):
    """A :class:`GridWorld` as a Gymnasium environment with an explicit ``P[s][a]`` table.

    ## Action space
    ``Discrete(4)``: 0 up, 1 right, 2 down, 3 left.

    ## Observation space
    ``Discrete(H * W)``: the agent's cell as ``row * W + col``.

    ## Starting state
    The layout's ``S`` cell (or the first free cell).

    ## Rewards
    ``r(s, a, s')`` as in :mod:`core.rl.gridworld`'s docstring.

    ## Episode end
    Terminated on arrival in a terminal cell.  No time limit of its own: wrap it in
    ``gymnasium.wrappers.TimeLimit`` for continuing layouts.

    ## Transition table
    ``env.P[s][a]`` is a list of ``(probability, next_state, reward, terminated)``, as in Gymnasium's
    toy-text environments.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}  # noqa: RUF012 (Gymnasium convention)

    def __init__(self, world: GridWorld, render_mode: str | None = None):
        self.world = world
        self.table = world.mdp()
        self.observation_space = spaces.Discrete(world.n_states)
        self.action_space = spaces.Discrete(4)
        self.render_mode = render_mode
        self.s = world.state(*world.start)
        self.last_action: int | None = None

    @property
    def P(self) -> dict[int, dict[int, list[tuple[float, int, float, bool]]]]:
        t = self.table
        return {
            s: {a: [(p, n, r, bool(t.terminal[n])) for p, n, r in t.table(s, a)] for a in range(4)}
            for s in range(t.n_states)
        }

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.s = self.world.state(*self.world.start)
        self.last_action = None
        return int(self.s), {"prob": 1.0}

    def step(self, action: int):
        t = self.table
        probs = t.prob[self.s, action]
        k = int(self.np_random.choice(len(probs), p=probs))
        s_next = int(t.next_state[self.s, action, k])
        reward = float(t.reward[self.s, action, k])
        self.s = s_next
        self.last_action = int(action)
        terminated = bool(self.world.terminal.reshape(-1)[s_next])
        return s_next, reward, terminated, False, {"prob": float(probs[k])}

    def render(self):
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        return None

    def _render_text(self) -> str:
        row, col = self.world.cell(self.s)
        lines = []
        for r, tokens in enumerate(self.world.tokens):
            lines.append(" ".join(("@" if (r, c) == (row, col) else tok).rjust(4) for c, tok in enumerate(tokens)))
        return "\n".join(lines) + "\n"

    def _render_rgb(self, cell: int = 32) -> np.ndarray:
        H, W = self.world.shape
        image = np.full((H * cell, W * cell, 3), 235, dtype=np.uint8)
        for (r, c), colour in (
            *((tuple(rc), (60, 60, 60)) for rc in np.argwhere(self.world.wall)),
            *(
                (tuple(rc), (0, 158, 115) if self.world.cell_reward[tuple(rc)] > 0 else (213, 94, 0))
                for rc in np.argwhere(self.world.terminal)
            ),
        ):
            image[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell] = colour
        r, c = self.world.cell(self.s)
        image[r * cell + cell // 4 : (r + 1) * cell - cell // 4, c * cell + cell // 4 : (c + 1) * cell - cell // 4] = (
            0,
            114,
            178,
        )
        image[::cell, :] = 200
        image[:, ::cell] = 200
        return image
