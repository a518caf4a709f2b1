"""Compute for ML Playground: pure NumPy / PyTorch / Gymnasium, no Streamlit or Plotly."""
