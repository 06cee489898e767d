"""database page (in progress)."""

import streamlit as st

st.title("database")
st.info("This page is being built.")
