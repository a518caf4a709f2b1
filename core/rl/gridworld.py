"""Gridworlds: a text layout and its explicit transition table P(s'|s, a), r(s, a, s') (env: gridworld_env).

## Layout language

One token per cell, separated by spaces, one row per line::

    .       floor                      S       start (floor)
    #       wall                       T       terminal, reward 0 on arrival
    +1, -10 terminal; that reward on arrival
    ~-1     floor that pays its number on every arrival (a swamp, a coin), not terminal
    A+10    jump source: every action teleports to cell ``a`` and pays +10 (any capital but S, T)
    a       the target of jump A (floor)

## Dynamics

* Actions 0..3 are up, right, down, left.  The intended move happens with probability ``1 - slip``; the
  agent slips to each perpendicular direction with probability ``slip / 2`` (CS188's "noise").  With
  ``slip = 2/3`` the three moves are equally likely, exactly Gymnasium's slippery FrozenLake.
* A move into the border or a wall leaves the agent where it is and pays ``bump_reward`` on top.
* The reward for arriving in ``s'`` is ``r(s, a, s') = living_reward + cell_reward(s') (+ bump_reward)``.
* A jump source sends every action to its target with its own reward and nothing else (Sutton & Barto
  Example 3.5).
* Terminal cells and walls are absorbing with reward 0, so their value is 0.

States are numbered row-major, ``s = row * width + col``; wall cells are states that are never reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import gymnasium as gym
import numpy as np

from core.errors import InputError
from core.rl.mdp import TabularMDP, greedy_path

ACTIONS = ("up", "right", "down", "left")
ARROWS = ("↑", "→", "↓", "←")
# (row, col) step of each action
DELTAS = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
MAX_SIDE = 200

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TERMINAL_RE = re.compile(rf"^{_NUMBER}$")
_SWAMP_RE = re.compile(rf"^~({_NUMBER})$")
_JUMP_RE = re.compile(rf"^([A-RU-Z])({_NUMBER})$")
_TARGET_RE = re.compile(r"^([a-z])$")


@dataclass(frozen=True)
class GridWorld:
    """A parsed gridworld: boolean/float maps of shape (H, W) plus the scalar dynamics parameters."""

    wall: np.ndarray
    terminal: np.ndarray
    cell_reward: np.ndarray
    jump_target: np.ndarray
    """(H, W) int: flat index of the jump target, -1 where the cell is no jump source."""
    jump_reward: np.ndarray
    tokens: tuple[tuple[str, ...], ...]
    start: tuple[int, int]
    living_reward: float = 0.0
    bump_reward: float = 0.0
    slip: float = 0.0
    _mdp: list = field(default_factory=list, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.wall.shape

    @property
    def n_states(self) -> int:
        return self.wall.size

    @property
    def start_state(self) -> int:
        """s_0 = row * W + col of the start cell."""
        return self.state(*self.start)

    def state(self, row: int, col: int) -> int:
        return row * self.shape[1] + col

    def cell(self, s: int) -> tuple[int, int]:
        return divmod(int(s), self.shape[1])

    def layout(self) -> str:
        """The layout text this world was parsed from (normalized spacing)."""
        return "\n".join(" ".join(row) for row in self.tokens)

    def mdp(self) -> TabularMDP:
        """The explicit table P(s'|s, a), r(s, a, s') built with array operations (no loop over states)."""
        if not self._mdp:
            self._mdp.append(_build_mdp(self))
        return self._mdp[0]


def parse_layout(text: str, living_reward: float = 0.0, bump_reward: float = 0.0, slip: float = 0.0) -> GridWorld:
    """Parse the layout language (module docstring) into a :class:`GridWorld`; InputError names any problem."""
    if not 0.0 <= slip <= 1.0:
        raise InputError(f"The slip probability must lie in [0, 1]; got {slip}.")
    rows = [line.split() for line in text.replace("/", "\n").splitlines() if line.strip()]
    if not rows:
        raise InputError("The grid layout is empty: write at least one row of cells.")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"Row {i + 1} has {len(row)} cells but row 1 has {width}: every row needs the same width.")
    height = len(rows)
    if height > MAX_SIDE or width > MAX_SIDE:
        raise InputError(f"The grid is {height}×{width}; the largest supported side is {MAX_SIDE}.")
    wall = np.zeros((height, width), dtype=bool)
    terminal = np.zeros((height, width), dtype=bool)
    cell_reward = np.zeros((height, width))
    jump_target = np.full((height, width), -1, dtype=np.int64)
    jump_reward = np.zeros((height, width))
    starts: list[tuple[int, int]] = []
    sources: dict[str, tuple[int, int]] = {}
    targets: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(rows):
        for c, token in enumerate(row):
            if token == ".":
                continue
            if token == "#":
                wall[r, c] = True
            elif token == "S":
                starts.append((r, c))
            elif token == "T":
                terminal[r, c] = True
            elif _TERMINAL_RE.match(token):
                terminal[r, c] = True
                cell_reward[r, c] = float(token)
            elif m := _SWAMP_RE.match(token):
                cell_reward[r, c] = float(m.group(1))
            elif m := _JUMP_RE.match(token):
                if m.group(1) in sources:
                    raise InputError(f"Jump source {m.group(1)} appears twice (row {r + 1}, column {c + 1}).")
                sources[m.group(1)] = (r, c)
                jump_reward[r, c] = float(m.group(2))
            elif m := _TARGET_RE.match(token):
                if m.group(1) in targets:
                    raise InputError(f"Jump target {m.group(1)} appears twice (row {r + 1}, column {c + 1}).")
                targets[m.group(1)] = (r, c)
            else:
                raise InputError(
                    f"Unknown cell '{token}' at row {r + 1}, column {c + 1}. Use . # S T, a number "
                    "(terminal reward), ~number (reward cell), A+10 (jump source) or a (jump target)."
                )
    if wall.all():
        raise InputError("Every cell is a wall: the agent has nowhere to be. Free at least one cell.")
    for letter, (r, c) in sources.items():
        if letter.lower() not in targets:
            raise InputError(f"Jump source {letter} at row {r + 1}, column {c + 1} has no target '{letter.lower()}'.")
        tr, tc = targets[letter.lower()]
        jump_target[r, c] = tr * width + tc
    if len(starts) > 1:
        raise InputError(f"There are {len(starts)} start cells S; mark exactly one (or none for the first free cell).")
    if starts:
        start = starts[0]
    else:
        free = np.argwhere(~wall & ~terminal)
        start = tuple(int(v) for v in (free[0] if len(free) else np.argwhere(~wall)[0]))
    return GridWorld(
        wall=wall,
        terminal=terminal,
        cell_reward=cell_reward,
        jump_target=jump_target,
        jump_reward=jump_reward,
        tokens=tuple(tuple(row) for row in rows),
        start=start,
        living_reward=float(living_reward),
        bump_reward=float(bump_reward),
        slip=float(slip),
    )


def _build_mdp(world: GridWorld) -> TabularMDP:
    H, W = world.shape
    S = H * W
    rows, cols = np.divmod(np.arange(S), W)
    # dest[d, s]: where a move in direction d from s lands; bumped[d, s]: the move hit the border or a wall
    nr = rows[None, :] + DELTAS[:, 0:1]
    nc = cols[None, :] + DELTAS[:, 1:2]
    inside = (nr >= 0) & (nr < H) & (nc >= 0) & (nc < W)
    flat = np.where(inside, nr * W + nc, 0)
    bumped = ~inside | world.wall.reshape(-1)[flat]
    dest = np.where(bumped, np.arange(S)[None, :], flat)  # (4, S)

    # slot k of action a: k=0 intended direction, k=1 and k=2 the two perpendicular slips
    directions = (np.arange(4)[:, None] + np.array([0, 1, 3])[None, :]) % 4  # (A, K)
    next_state = dest[directions].transpose(2, 0, 1)  # (A, K, S) -> (S, A, K)
    bump = bumped[directions].transpose(2, 0, 1)
    prob = np.broadcast_to(np.array([1.0 - world.slip, world.slip / 2, world.slip / 2]), next_state.shape).copy()
    # r(s, a, s') = living reward + reward of the cell arrived in (+ bump penalty)
    reward = world.living_reward + world.cell_reward.reshape(-1)[next_state] + world.bump_reward * bump

    one_hot_stay = np.array([1.0, 0.0, 0.0])
    jump_src = np.flatnonzero(world.jump_target.reshape(-1) >= 0)
    next_state[jump_src] = world.jump_target.reshape(-1)[jump_src][:, None, None]
    prob[jump_src] = one_hot_stay
    reward[jump_src] = 0.0
    reward[jump_src, :, 0] = world.jump_reward.reshape(-1)[jump_src][:, None]

    absorbing = np.flatnonzero((world.terminal | world.wall).reshape(-1))
    next_state[absorbing] = absorbing[:, None, None]
    prob[absorbing] = one_hot_stay
    reward[absorbing] = 0.0
    return TabularMDP(
        next_state=np.ascontiguousarray(next_state),
        prob=prob,
        reward=np.ascontiguousarray(reward),
        terminal=(world.terminal | world.wall).reshape(-1).copy(),
        action_names=ACTIONS,
    )


def frozen_lake_layout(map_name: str = "4x4") -> str:
    """Gymnasium's FrozenLake map in the layout language: S start, F floor, H hole (terminal 0), G goal (+1)."""
    from gymnasium.envs.toy_text.frozen_lake import MAPS

    token = {"S": "S", "F": ".", "H": "T", "G": "+1"}
    return "\n".join(" ".join(token[ch] for ch in row) for row in MAPS[map_name])


def frozen_lake_mdp(map_name: str = "4x4", is_slippery: bool = True, grid_actions: bool = True) -> TabularMDP:
    """FrozenLake-v1's own transition table ``env.unwrapped.P``, read into a :class:`TabularMDP`.

    FrozenLake numbers its actions left, down, right, up; with ``grid_actions`` they are reordered to this
    module's up, right, down, left so that figures and comparisons line up.
    """
    env = gym.make("FrozenLake-v1", map_name=map_name, is_slippery=is_slippery)
    try:
        P = env.unwrapped.P
        mdp = TabularMDP.from_gymnasium_P(P, env.observation_space.n, env.action_space.n, _FROZEN_LAKE_ACTIONS)
    finally:
        env.close()
    if not grid_actions:
        return mdp
    order = FROZEN_LAKE_TO_GRID_ACTION
    return TabularMDP(mdp.next_state[:, order], mdp.prob[:, order], mdp.reward[:, order], mdp.terminal, ACTIONS)


# FrozenLake numbers its actions left, down, right, up; grid action i is FrozenLake action ORDER[i].
_FROZEN_LAKE_ACTIONS = ("left", "down", "right", "up")
FROZEN_LAKE_TO_GRID_ACTION = np.array([3, 2, 1, 0])


@dataclass(frozen=True)
class Preset:
    """A named gridworld with the parameters its source uses."""

    name: str
    layout: str
    gamma: float
    slip: float = 0.0
    living_reward: float = 0.0
    bump_reward: float = 0.0
    source: str = ""
    gymnasium_map: str | None = None
    """FrozenLake map name: the MDP is then read from Gymnasium's own P table."""


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "Sutton & Barto 4×4 (Example 4.1)",
            "T . . .\n. . . .\n. . . .\n. . . T",
            gamma=1.0,
            living_reward=-1.0,
            source="Sutton & Barto (2018), Example 4.1: reward −1 on every move, two terminal corners, γ = 1.",
        ),
        Preset(
            "Sutton & Barto 5×5 (Example 3.5)",
            ". A+10 . B+5 .\n. . . . .\n. . . b .\n. . . . .\n. a . . .",
            gamma=0.9,
            bump_reward=-1.0,
            source="Sutton & Barto (2018), Example 3.5: from A every action jumps to A′ for +10, from B to B′ "
            "for +5; bumping the edge costs −1; γ = 0.9.",
        ),
        Preset(
            "BookGrid 4×3 (AIMA)",
            ". . . +1\n. # . -1\nS . . .",
            gamma=0.9,
            slip=0.2,
            source="Russell & Norvig's 4×3 world as in CS188: noise 0.2, γ = 0.9.",
        ),
        Preset(
            "BridgeGrid (CS188)",
            "# -100 -100 -100 -100 -100 #\n1 S . . . . 10\n# -100 -100 -100 -100 -100 #",
            gamma=0.9,
            slip=0.2,
            source="CS188 BridgeGrid: a +10 exit across a bridge lined with −100 chasms; with noise 0.2 the "
            "agent stays at the +1 exit. Which single change makes it cross?",
        ),
        Preset(
            "CliffGrid (CS188)",
            ". . . . .\n8 S . . 10\n-100 -100 -100 -100 -100",
            gamma=0.9,
            slip=0.2,
            source="CS188 CliffGrid: a close +8 exit or a distant +10 exit next to the cliff.",
        ),
        Preset(
            "DiscountGrid (CS188)",
            ". . . . .\n. # . . .\n. # +1 # +10\nS . . . .\n-10 -10 -10 -10 -10",
            gamma=0.9,
            slip=0.2,
            source="CS188 DiscountGrid: a close +1 and a distant +10 exit above a −10 cliff. The challenges "
            "below ask for the γ / noise / living reward that produce each policy.",
        ),
        Preset(
            "MazeGrid (CS188)",
            ". . . +1\n# # . #\n. # . .\n. # # .\nS . . .",
            gamma=0.9,
            slip=0.2,
            source="CS188 MazeGrid: one exit at the end of a corridor maze.",
        ),
        Preset(
            "FrozenLake 4×4 (Gymnasium)",
            frozen_lake_layout("4x4"),
            gamma=0.99,
            slip=2 / 3,
            source="Gymnasium FrozenLake-v1, 4×4, slippery: P is read from the env's own table env.unwrapped.P.",
            gymnasium_map="4x4",
        ),
        Preset(
            "FrozenLake 8×8 (Gymnasium)",
            frozen_lake_layout("8x8"),
            gamma=0.99,
            slip=2 / 3,
            source="Gymnasium FrozenLake-v1, 8×8, slippery: P is read from the env's own table env.unwrapped.P.",
            gymnasium_map="8x8",
        ),
    )
}


def open_grid(height: int, width: int, goal_reward: float = 1.0) -> str:
    """An empty height×width layout with the start top-left and a terminal goal bottom-right (benchmarks)."""
    rows = [["."] * width for _ in range(height)]
    rows[0][0] = "S"
    rows[-1][-1] = f"{goal_reward:+g}"
    return "\n".join(" ".join(row) for row in rows)


def edit_layout(text: str, row: int, col: int, token: str) -> str:
    """Return the layout with cell (row, col) replaced by ``token``; the result is validated by parsing it.

    Setting ``S`` moves the start (the old ``S`` becomes floor).  A wall on the start cell is refused: the
    agent would start inside a wall.
    """
    rows = [line.split() for line in text.replace("/", "\n").splitlines() if line.strip()]
    if not (0 <= row < len(rows) and 0 <= col < len(rows[row])):
        raise InputError(f"Cell ({row}, {col}) is outside the {len(rows)}-row grid.")
    if token == "#" and rows[row][col] == "S":
        raise InputError(
            f"Cell ({row}, {col}) is the start: a wall there would put the agent inside a wall. "
            "Move the start first (tool 'Start'), then build the wall."
        )
    if token == "S":
        rows = [["." if t == "S" else t for t in r] for r in rows]
    rows[row][col] = token
    new_text = "\n".join(" ".join(r) for r in rows)
    parse_layout(new_text)  # raises InputError with the reason if the edit breaks the layout
    return new_text


@dataclass(frozen=True)
class PathOutcome:
    """Where following the greedy policy from the start leads (intended moves, no slips)."""

    cells: tuple[tuple[int, int], ...]
    exit_reward: float | None
    """Reward of the terminal reached, None if the path never ends."""
    next_to_negative_terminal: bool
    """After the start, the path passes a cell beside a terminal with negative reward (it "risks the cliff")."""


def path_outcome(world: GridWorld, Q: np.ndarray) -> PathOutcome:
    """Follow pi(s) = argmax_a Q(s, a) from the start with the intended moves only (:func:`core.rl.mdp.greedy_path`
    with slot 0, first maximizer on ties; ``Q`` may be a greedy mask) and classify where it goes.

    exit_reward = cell_reward(s_T) if s_T is terminal, else None (a loop); the path "risks the cliff" when
    a non-terminal cell on it after the start has a 4-neighbour that is a terminal with cell_reward < 0 (the
    start is not the policy's choice: DiscountGrid's S itself lies beside the cliff).
    """
    H, W = world.shape
    path = greedy_path(world.mdp(), world.start_state, Q, successor_slot=0)  # slot 0 = the intended move
    cells = tuple(world.cell(s) for s in dict.fromkeys(path.tolist()))  # a loop's closing repeat dropped
    last = int(path[-1])
    exit_reward = float(world.cell_reward.reshape(-1)[last]) if world.terminal.reshape(-1)[last] else None
    negative = world.terminal & (world.cell_reward < 0)
    risky = False
    for r, c in cells[1:]:
        if world.terminal[r, c]:
            continue
        for dr, dc in DELTAS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < H and 0 <= cc < W and negative[rr, cc]:
                risky = True
    return PathOutcome(cells=cells, exit_reward=exit_reward, next_to_negative_terminal=risky)


# CS188 DiscountGrid (question 3): the policy each parameter setting should produce.
DISCOUNT_GRID_GOALS = {
    "a": "prefer the close exit (+1), risking the cliff (−10)",
    "b": "prefer the close exit (+1), avoiding the cliff",
    "c": "prefer the distant exit (+10), risking the cliff",
    "d": "prefer the distant exit (+10), avoiding the cliff",
    "e": "avoid both exits and the cliff (the episode never ends)",
}


def discount_grid_challenges(world: GridWorld, Q: np.ndarray) -> dict[str, bool]:
    """Which CS188 DiscountGrid goals (:data:`DISCOUNT_GRID_GOALS`) the greedy policy of Q achieves.

    With the outcome of :func:`path_outcome` (exit reward x, risk flag ρ): (a) x = 1 ∧ ρ, (b) x = 1 ∧ ¬ρ,
    (c) x = 10 ∧ ρ, (d) x = 10 ∧ ¬ρ, (e) no exit (the greedy path loops).
    """
    outcome = path_outcome(world, Q)
    x, risky = outcome.exit_reward, outcome.next_to_negative_terminal
    return {
        "a": x == 1 and risky,
        "b": x == 1 and not risky,
        "c": x == 10 and risky,
        "d": x == 10 and not risky,
        "e": x is None,
    }
