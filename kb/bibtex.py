"""The one BibTeX writer of the knowledge base (used by ``iseg export`` and the app).

Entries are built from each method's thesis-bibliography fields and written with
`bibtexparser <https://bibtexparser.readthedocs.io>`_ (v2):

* entry type from the venue: ``@inproceedings`` + ``booktitle`` for conferences,
  workshops and symposia; ``@article`` + ``journal`` for journals; ``@misc`` +
  ``eprint``/``archiveprefix`` for arXiv and bioRxiv preprints;
* authors joined with `` and ``; a bibliography "X et al." becomes ``X and others``
  (BibTeX's own spelling), never an author named "et al.";
* ``volume``, ``number``, ``pages`` (``--``) and ``eid`` (article numbers) parsed from
  the thesis bibliography's details such as ``36.2 (2016), pp. 674–683``;
* ``eprint``, ``doi`` and ``url`` only where the KB's own sources give them (the arXiv
  venue, or a paper source on arxiv.org, a DOI resolver or a publisher page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["to_bibtex", "bibtex_fields"]

_DETAILS = re.compile(
    r"^(?:(?P<volume>[\w-]+)(?:\.(?P<number>[\w-]+))?\s+)?\((?P<year>\d{4})"
    r"(?:,\s*Art\. no\. (?P<eid>[\w.-]+))?\)(?:,\s*pp?\. (?P<pages>\w+(?:[–-]\w+)?))?$"
)
_ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?")
_ARXIV_HOSTS = ("arxiv.org/", "ar5iv.labs.arxiv.org/", "scholarfeed.org/paper/")
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s/?#]+(?:/[^\s?#]+)?)")
#: Paper pages that are the publication itself (not an aggregator or review site).
_PUBLISHER_HOSTS = (
    "arxiv.org",
    "doi.org",
    "mdpi.com",
    "biomedcentral.com",
    "ncbi.nlm.nih.gov",
    "pubmed.gov",
    "openreview.net",
    "springer.com",
    "journal.hep.com.cn",
)
_PROCEEDINGS_WORDS = ("conference", "workshop", "symposium", "miccai", "advances in", "proceedings")


def _entry_type(venue: str) -> tuple[str, str]:
    low = venue.lower()
    if low.startswith(("arxiv", "biorxiv")):
        return "misc", "howpublished"
    if any(w in low for w in _PROCEEDINGS_WORDS) or low.startswith("spie medical imaging"):
        return "inproceedings", "booktitle"
    return "article", "journal"


def _escape(text: str) -> str:
    return re.sub(r"(?<!\\)([&%$#_])", r"\\\1", text)


def _authors(printed: str) -> str:
    """``"A, B, and C"`` -> ``"A and B and C"``; ``"A et al."`` -> ``"A and others"``."""
    text = printed.strip().rstrip(".") if printed.strip().endswith("et al.") else printed.strip()
    others = text.endswith(" et al")
    if others:
        text = text[: -len(" et al")]
    names = [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if n.strip()]
    return " and ".join(names + (["others"] if others else []))


def _paper_urls(m: Any) -> list[str]:
    refs = [s.ref for grp in ("table", "citation", "leaf") for s in getattr(m.sources, grp)]
    refs += [s.ref for s in m.sources.code]
    urls = []
    for ref in refs:
        urls += re.findall(r"https?://[^\s)'\"]+", ref)
    return urls


def _identifiers(m: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    venue = m.citation.venue
    if venue.lower().startswith("arxiv:"):
        out["eprint"] = venue.split(":", 1)[1].strip()
        out["archiveprefix"] = "arXiv"
        out["url"] = "https://arxiv.org/abs/" + _ARXIV_ID.sub(r"\1", out["eprint"])
        return out  # a later journal/conference version is a different publication
    for url in _paper_urls(m):
        paper_page = any(
            s.kind == "paper" and url in s.ref
            for grp in ("table", "citation", "leaf")
            for s in getattr(m.sources, grp)
        )
        if not paper_page:
            continue
        arx = _ARXIV_ID.search(url) if any(h in url for h in _ARXIV_HOSTS) else None
        if arx and "eprint" not in out:
            out["eprint"] = arx.group(0)
            out["archiveprefix"] = "arXiv"
        doi = _DOI.search(url)
        if doi and "doi" not in out:
            out["doi"] = doi.group(1)
        if "url" not in out and any(h in url for h in _PUBLISHER_HOSTS):
            out["url"] = url
    if "eprint" in out and "url" not in out:
        out["url"] = "https://arxiv.org/abs/" + _ARXIV_ID.sub(r"\1", out["eprint"])
    return out


def bibtex_fields(m: Any) -> tuple[str, dict[str, str]]:
    """Entry type and ordered, LaTeX-escaped fields of one method's BibTeX entry.

    Parameters
    ----------
    m : Method or PostReviewMethod
        A knowledge-base method.

    Returns
    -------
    (str, dict)
        ``("inproceedings", {"title": ..., "author": ..., "booktitle": ..., ...})``.

    Examples
    --------
    >>> from kb import load_kb
    >>> kind, f = bibtex_fields(load_kb().method(1))
    >>> kind, f["author"], f["volume"], f["number"], f["pages"]
    ('article', 'Martin Rajchl and others', '36', '2', '674--683')
    """
    if getattr(m, "beyond_review", False):
        return m.bibtex_fields()
    c = m.citation
    kind, venue_key = _entry_type(c.venue)
    fields: dict[str, str] = {
        "title": "{" + _escape(c.title) + "}",
        "author": _escape(_authors(c.authors)),
        venue_key: _escape(c.venue),
        "year": str(c.year),
    }
    match = _DETAILS.match(c.details or "")
    if match:
        for key in ("volume", "number", "eid"):
            if match.group(key):
                fields[key] = match.group(key)
        if match.group("pages"):
            fields["pages"] = re.sub(r"[–-]+", "--", match.group("pages"))
    fields.update(_identifiers(m))
    note = f"Reviewed method [{m.ref}] of the thesis bibliography"
    if m.code_url:
        note += f"; code: {m.code_url}"
    fields["note"] = _escape(note)
    return kind, fields


def to_bibtex(methods: Iterable[Any]) -> str:
    """BibTeX of the given methods, one entry per method keyed by its id.

    Parameters
    ----------
    methods : iterable of Method or PostReviewMethod
        E.g. ``load_kb().methods`` or a filtered selection.

    Returns
    -------
    str
        The BibTeX text (empty string for no methods); parses with bibtexparser with no
        failed blocks.
    """
    import bibtexparser
    from bibtexparser.model import Entry, Field

    lib = bibtexparser.Library()
    for m in methods:
        kind, fields = bibtex_fields(m)
        lib.add(Entry(kind, m.id, [Field(k, v) for k, v in fields.items()]))
    if not lib.entries:
        return ""
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    return bibtexparser.write_string(lib, bibtex_format=fmt)
