"""iseg-navigator user-facing layer: the ``iseg`` command line and the Streamlit app."""
