"""run_pipeline page (in progress)."""

import streamlit as st

st.title("run_pipeline")
st.info("This page is being built.")
