"""Shared fixtures: caches are process-global in AppTest, so every test starts with empty ones."""

import pytest
import streamlit as st
import torch

# The suite runs on 2 xdist workers on 2 cores: one torch thread per worker avoids OpenMP threads of the two
# workers spinning against each other (measured: 100x slow-downs of small sparse matvecs under contention).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
