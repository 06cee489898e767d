"""graph page (in progress)."""

import streamlit as st

st.title("graph")
st.info("This page is being built.")
