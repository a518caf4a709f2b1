"""Shared fixtures: caches are process-global in AppTest, so every test starts with empty ones."""

import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
