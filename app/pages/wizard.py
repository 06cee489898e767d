"""wizard page (in progress)."""

import streamlit as st

st.title("wizard")
st.info("This page is being built.")
