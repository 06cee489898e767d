"""taxonomy page (in progress)."""

import streamlit as st

st.title("taxonomy")
st.info("This page is being built.")
