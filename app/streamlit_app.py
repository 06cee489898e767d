"""Entry point of the iseg-navigator Streamlit app (``iseg app``).

Pages are declared with ``st.navigation``/``st.Page``; each page file is short and reads
the knowledge base, taxonomy and reference implementations through cached helpers in
:mod:`app.state`.  Any error in a page is shown as a message, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

# ``streamlit run app/streamlit_app.py`` puts app/ (not the repository root) on sys.path.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from app.state import guard, show_callback_error  # noqa: E402

# Page files live in app/views/ (not app/pages/): a folder named "pages" next to the entry
# point switches Streamlit to its legacy multipage mode, which runs page files directly and
# would bypass the error guard below.
_PAGES = Path(__file__).resolve().parent / "views"

# The favicon is an emoji, which Streamlit draws locally (an SVG data URL); a
# ``:material/...:`` favicon is fetched from fonts.gstatic.com, and the app must work
# without network.  Set before st.navigation, it also stops the pages' icons (material
# symbols, drawn with the font bundled in Streamlit) from becoming the favicon.
st.set_page_config(page_title="iseg-navigator", page_icon="🧭", layout="wide")

pages = [
    st.Page(str(_PAGES / "home.py"), title="Home", icon=":material/home:", default=True),
    st.Page(str(_PAGES / "wizard.py"), title="Find my method", icon=":material/explore:"),
    st.Page(str(_PAGES / "segment.py"), title="Segment interactively", icon=":material/ads_click:"),
    st.Page(str(_PAGES / "database.py"), title="Method database", icon=":material/table_view:"),
    st.Page(str(_PAGES / "taxonomy.py"), title="Taxonomy", icon=":material/account_tree:"),
    st.Page(str(_PAGES / "graph.py"), title="Comparison graph", icon=":material/hub:"),
    st.Page(str(_PAGES / "run_pipeline.py"), title="Run a pipeline", icon=":material/play_circle:"),
    st.Page(str(_PAGES / "benchmarks.py"), title="Benchmarks", icon=":material/bar_chart:"),
]

page = st.navigation(pages)
with guard(page.title):
    show_callback_error()
    page.run()
