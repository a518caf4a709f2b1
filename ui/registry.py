"""The one list of pages. It drives the navigation (app.py), the course map (Home) and the tests.

To add a page: write ``pages/<name>.py`` and add one :class:`PageSpec` to ``PAGES`` under its section.
The AppTest and browser suites pick it up from here with no further change.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS = (
    "Reinforcement learning",
    "Information theory",
    "Supervised learning",
    "Deep networks",
    "Sequence models",
    "Generative models",
)


@dataclass(frozen=True)
class PageSpec:
    """One page of the playground."""

    path: str
    """Script path relative to the repository root, e.g. ``pages/mdp_value_iteration.py``."""
    title: str
    icon: str
    """An emoji (material icons are fetched from the network and break offline use)."""
    section: str
    sheet: str
    """Course-sheet section(s) covered, e.g. ``1.1``."""
    summary: str
    """One line for the course map: what the page shows."""

    @property
    def url_path(self) -> str:
        # Hyphens, not the file name: Streamlit would otherwise match the URL against its legacy pages/ folder
        # discovery and run the page file on its own, bypassing app.py's navigation.
        return self.path.removeprefix("pages/").removesuffix(".py").replace("_", "-")


HOME = PageSpec(
    path="pages/home.py",
    title="Home",
    icon="🏠",
    section="",
    sheet="",
    summary="The map of the course.",
)

PAGES: tuple[PageSpec, ...] = (
    # --- Reinforcement learning ---
    PageSpec(
        path="pages/mdp_value_iteration.py",
        title="MDP & value iteration",
        icon="🧭",
        section="Reinforcement learning",
        sheet="1.1",
        summary="Edit a gridworld, run Q-iteration sweep by sweep, see V*, π* and one Bellman backup in numbers.",
    ),
    # --- Reinforcement learning: tabular (Q-learning / SARSA) ---
    # --- Reinforcement learning: deep RL ---
    # --- Information theory ---
    # --- Supervised learning ---
    # --- Deep networks: neural networks ---
    # --- Deep networks: CNNs ---
    # --- Sequence models ---
    # --- Generative models ---
)

for _page in PAGES:
    assert _page.section in SECTIONS, f"{_page.path}: unknown section {_page.section!r}"


def pages_in(section: str) -> list[PageSpec]:
    return [p for p in PAGES if p.section == section]
