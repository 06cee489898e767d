"""Tests of the one BibTeX writer (kb/bibtex.py), shared by ``iseg export`` and the app."""

from __future__ import annotations

import re

import bibtexparser
import pytest

from kb import load_kb
from kb.bibtex import bibtex_fields, to_bibtex


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def library(kb):
    return bibtexparser.parse_string(to_bibtex(kb.methods))


def test_parses_with_no_failed_blocks(library):
    assert len(library.failed_blocks) == 0
    assert len(library.entries) == 121
    assert len({e.key for e in library.entries}) == 121


def test_cli_and_app_write_identical_bibtex(capsys, kb):
    from app.cli import main
    from app.components import to_bibtex as app_to_bibtex

    assert main(["export", "--format", "bibtex"]) == 0
    cli = capsys.readouterr().out
    app = app_to_bibtex(kb.method_or_post_review(m.id) for m in kb.methods)
    assert cli == app


def test_authors_joined_with_and_never_et_al(library):
    for e in library.entries:
        author = e["author"]
        assert "et al" not in author, e.key
        assert not re.search(r",\s*[A-Z]", author), f"{e.key}: names joined by commas: {author}"
    sakinis = next(e for e in library.entries if e.key == "sakinis-et-al")
    assert sakinis["author"].endswith("and others")


def test_conference_papers_are_inproceedings_with_booktitle(library, kb):
    by_key = {e.key: e for e in library.entries}
    miccai = [
        m.id
        for m in kb.methods
        if m.citation.venue.startswith("International Conference on Medical Image")
    ]
    assert miccai
    for key in miccai:
        assert by_key[key].entry_type == "inproceedings"
        assert "booktitle" in by_key[key].fields_dict and "journal" not in by_key[key].fields_dict
    assert by_key["deepcut"].entry_type == "article" and "journal" in by_key["deepcut"].fields_dict


def test_volume_pages_and_article_numbers_from_the_bibliography(kb):
    # [1] "36.2 (2016), pp. 674–683"; [21] "65.6 (2020, Art. no. 065002)"
    _, f = bibtex_fields(kb.method(1))
    assert (f["volume"], f["number"], f["pages"]) == ("36", "2", "674--683")
    _, f = bibtex_fields(kb.method(21))
    assert (f["volume"], f["number"], f["eid"]) == ("65", "6", "065002")
    assert "pages" not in f


def test_identifiers_only_where_the_kb_sources_give_them(library, kb):
    by_key = {e.key: e for e in library.entries}
    arxiv = [m for m in kb.methods if m.citation.venue.startswith("arXiv:")]
    assert arxiv
    for m in arxiv:
        e = by_key[m.id]
        assert e["eprint"] == m.citation.venue.split(":", 1)[1]
        assert e["url"].startswith("https://arxiv.org/abs/")
    jiang = by_key[kb.method(51).id]
    assert jiang["doi"] == "10.1186/s13326-021-00255-z"
    with_url = [e for e in library.entries if "url" in e.fields_dict]
    for e in with_url:  # every url appears in the method's own sources or is its arXiv page
        m = kb.method(e.key)
        refs = " ".join(
            s.ref for g in ("table", "citation", "leaf", "code") for s in getattr(m.sources, g)
        )
        assert e["url"] in refs or e["url"].startswith("https://arxiv.org/abs/"), e.key


def test_post_review_entries_parse_and_say_when_the_title_is_not_verified(kb):
    lib = bibtexparser.parse_string(to_bibtex(kb.post_review))
    assert len(lib.failed_blocks) == 0 and len(lib.entries) == len(kb.post_review)
    for e in lib.entries:
        m = kb.post_review_method(e.key)
        assert "beyond_review" in e["note"]
        if m.citation.title is None:
            assert "title not verified" in e["note"] and "author" not in e.fields_dict
