"""Controlled vocabularies of the knowledge base.

The thesis tables (Tables 14-16, thesis l.1473-1603) spell the same concept in several
ways ("Bounding Box" / "BBBox", "X-Ray", "CT/MRI").  The KB stores one enum value per
concept and keeps the table's original string next to it.  :func:`normalise_interaction`,
:func:`normalise_guidance` and :func:`normalise_modality` map one original cell fragment
to enum values; they raise ``ValueError`` naming the received string and the known ones.
"""

from __future__ import annotations

import enum

__all__ = [
    "InteractionType",
    "GuidanceSignal",
    "Modality",
    "TargetCategory",
    "LEAF_IDS",
    "LEAF_NAMES",
    "BRANCH_IDS",
    "IMPLICIT_SIGNALS",
    "normalise_interaction",
    "normalise_guidance",
    "normalise_modality",
    "parse_interaction",
    "parse_modality",
    "parse_guidance",
    "INTERACTION_CHOICES",
    "MODALITY_CHOICES",
]


class InteractionType(enum.StrEnum):
    """Kind of user interaction (thesis Section 3.1; Tables 14-16, column 'Interaction')."""

    CLICKS = "clicks"
    SCRIBBLES = "scribbles"
    BOUNDING_BOX = "bounding-box"
    POLYGONS = "polygons"
    EYE_GAZE = "eye-gaze"


class GuidanceSignal(enum.StrEnum):
    """How interactions are encoded for the model (Tables 14-16, column 'Guidance Signal')."""

    HEATMAP = "heatmap"
    DISK = "disk"
    EUCLIDEAN_MAP = "euclidean-map"
    GEODESIC_MAP = "geodesic-map"
    EXP_GEODESIC_MAP = "exp-geodesic-map"
    CHEBYSHEV_MAP = "chebyshev-map"
    IDENTITY = "identity"
    LOCATION_PRIOR = "location-prior"
    ATTRACTION_FIELD_MAP = "attraction-field-map"
    GRAPH = "graph"
    LONGEST_AXIS_LINES = "longest-axis-lines"
    B_SPLINES = "b-splines"
    POSITIONAL_ENCODING = "positional-encoding"
    IMPLICIT = "implicit"


#: Signals the thesis calls implicit (l.598); every other signal is explicit (l.546).
IMPLICIT_SIGNALS: frozenset[GuidanceSignal] = frozenset({GuidanceSignal.IMPLICIT})


class Modality(enum.StrEnum):
    """Imaging modality (Tables 14-16, column 'Modality'; Table 20)."""

    CT = "CT"
    MRI = "MRI"
    US = "US"
    PET = "PET"
    PET_CT = "PET/CT"
    XRAY = "X-ray"
    MICROSCOPY = "microscopy"
    DERMOSCOPY = "dermoscopy"
    ENDOSCOPY = "endoscopy"
    FUNDUS = "fundus"
    OCT = "OCT"
    NOT_SPECIFIED = "not-specified"


class TargetCategory(enum.StrEnum):
    """Anatomy vs pathology split of segmentation targets (thesis l.1802)."""

    ANATOMY = "anatomy"
    PATHOLOGY = "pathology"
    UNSPECIFIED = "unspecified"  # "≥ 10 targets" / "not specified" rows
    OTHER = "other"  # neither anatomy nor pathology (surgical instruments, [105])


#: The 13 leaves of the taxonomy tree (thesis Section 6.1.3).  Convention (thesis l.1723, cited as ~l.1727 in the issue):
#: T2.1.1.1 = non-iterative sampling-based, T2.1.1.2 = non-iterative rule-based.
LEAF_NAMES: dict[str, str] = {
    "T1.1": "Active learning",  # l.1688
    "T2.1.1.1": "Non-iterative sampling-based",  # l.1723
    "T2.1.1.2": "Non-iterative rule-based",  # l.1723
    "T2.1.2.1.1": "Iterative uniform sampling",  # l.1738
    "T2.1.2.1.2": "Iterative distance transform-based sampling",  # l.1738
    "T2.1.2.2.1": "Center of largest error",  # l.1742 ff.
    "T2.1.2.2.2": "Error skeletonization",
    "T2.1.2.2.3": "Multiple custom rules",
    "T2.1.2.2.4": "Worst vertex/slice correction",
    "T2.2.1": "Pre-saved weak labels as additional input",  # l.1763
    "T2.2.2": "Post-processing during application",  # l.1765
    "T3.1": "Full training from scratch",  # l.1787
    "T3.2": "Fine-tuning during application",  # l.1789
}
LEAF_IDS: tuple[str, ...] = tuple(LEAF_NAMES)

#: Inner nodes, used when only the branch of a method is established.
BRANCH_IDS: tuple[str, ...] = (
    "T1",
    "T2",
    "T2.1",
    "T2.1.1",
    "T2.1.2",
    "T2.1.2.1",
    "T2.1.2.2",
    "T2.2",
    "T3",
)

_INTERACTION_ALIASES: dict[str, InteractionType] = {
    "clicks": InteractionType.CLICKS,
    "scribbles": InteractionType.SCRIBBLES,
    "bounding box": InteractionType.BOUNDING_BOX,
    "bbbox": InteractionType.BOUNDING_BOX,  # typo in Table 15, Lin et al. [72]
    "bbox": InteractionType.BOUNDING_BOX,
    "polygons": InteractionType.POLYGONS,
    "eye gaze": InteractionType.EYE_GAZE,
}

_GUIDANCE_ALIASES: dict[str, tuple[GuidanceSignal, ...]] = {
    "heatmaps": (GuidanceSignal.HEATMAP,),
    "disks": (GuidanceSignal.DISK,),
    "euclidean maps": (GuidanceSignal.EUCLIDEAN_MAP,),
    "geodesic maps": (GuidanceSignal.GEODESIC_MAP,),
    "euclidean/geodesic maps": (GuidanceSignal.EUCLIDEAN_MAP, GuidanceSignal.GEODESIC_MAP),
    "exp. geodesic maps": (GuidanceSignal.EXP_GEODESIC_MAP,),
    "chebyshev maps": (GuidanceSignal.CHEBYSHEV_MAP,),
    "identity": (GuidanceSignal.IDENTITY,),
    "location prior": (GuidanceSignal.LOCATION_PRIOR,),
    "attraction field map": (GuidanceSignal.ATTRACTION_FIELD_MAP,),
    "graph": (GuidanceSignal.GRAPH,),
    "longest axis lines": (GuidanceSignal.LONGEST_AXIS_LINES,),
    "b-splines": (GuidanceSignal.B_SPLINES,),
    "positional encoding": (GuidanceSignal.POSITIONAL_ENCODING,),
    "implicit": (GuidanceSignal.IMPLICIT,),
}

_MODALITY_ALIASES: dict[str, tuple[Modality, ...]] = {
    "ct": (Modality.CT,),
    "cta": (Modality.CT,),  # CT angiography is counted as CT
    "mri": (Modality.MRI,),
    "ct/mri": (Modality.CT, Modality.MRI),
    "us": (Modality.US,),
    "ultrasound": (Modality.US,),
    "pet": (Modality.PET,),
    "pet/ct": (Modality.PET_CT,),
    "pet/ct/mri": (Modality.PET_CT, Modality.MRI),
    "x-ray": (Modality.XRAY,),
    "microscopy": (Modality.MICROSCOPY,),
    "dermoscopy": (Modality.DERMOSCOPY,),
    "endoscopy": (Modality.ENDOSCOPY,),
    "fundus": (Modality.FUNDUS,),
    "oct": (Modality.OCT,),
    "not specified": (Modality.NOT_SPECIFIED,),
}


def _lookup(table: dict, original: str, what: str):
    key = " ".join(original.strip().lower().split())
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"unknown {what} {original!r}; known spellings: {sorted(table)}") from None


def normalise_interaction(original: str) -> InteractionType:
    """Map one interaction cell fragment (e.g. ``"BBBox"``) to an :class:`InteractionType`.

    Examples
    --------
    >>> normalise_interaction("BBBox")
    <InteractionType.BOUNDING_BOX: 'bounding-box'>
    """
    return _lookup(_INTERACTION_ALIASES, original, "interaction type")


def normalise_guidance(original: str) -> tuple[GuidanceSignal, ...]:
    """Map one guidance-signal fragment to one or more :class:`GuidanceSignal` values.

    Examples
    --------
    >>> [str(s) for s in normalise_guidance("Euclidean/Geodesic Maps")]
    ['euclidean-map', 'geodesic-map']
    """
    return _lookup(_GUIDANCE_ALIASES, original, "guidance signal")


def normalise_modality(original: str) -> tuple[Modality, ...]:
    """Map one modality fragment (e.g. ``"CT/MRI"``) to one or more :class:`Modality` values.

    Examples
    --------
    >>> [str(m) for m in normalise_modality("CT/MRI")]
    ['CT', 'MRI']
    """
    return _lookup(_MODALITY_ALIASES, original, "modality")


#: User spellings accepted on top of the table spellings (case-insensitive, one vocabulary
#: for every command: ``iseg methods``, ``iseg recommend``, the app).
_USER_INTERACTIONS: dict[str, InteractionType] = {
    "click": InteractionType.CLICKS,
    "point": InteractionType.CLICKS,
    "points": InteractionType.CLICKS,
    "scribble": InteractionType.SCRIBBLES,
    "box": InteractionType.BOUNDING_BOX,
    "boxes": InteractionType.BOUNDING_BOX,
    "bounding-box": InteractionType.BOUNDING_BOX,
    "bounding-boxes": InteractionType.BOUNDING_BOX,
    "bounding boxes": InteractionType.BOUNDING_BOX,
    "polygon": InteractionType.POLYGONS,
    "eye-gaze": InteractionType.EYE_GAZE,
    "gaze": InteractionType.EYE_GAZE,
}
_USER_MODALITIES: dict[str, tuple[Modality, ...]] = {
    "mr": (Modality.MRI,),
    "xray": (Modality.XRAY,),
    "x ray": (Modality.XRAY,),
    "pet-ct": (Modality.PET_CT,),
    "not-specified": (Modality.NOT_SPECIFIED,),
}

#: The canonical values a user may give (aliases such as ``box`` or ``click`` also work).
INTERACTION_CHOICES: tuple[str, ...] = tuple(str(v) for v in InteractionType)
MODALITY_CHOICES: tuple[str, ...] = tuple(str(v) for v in Modality)


def _key(value: str) -> str:
    return " ".join(str(value).strip().lower().split())


def parse_interaction(value: str) -> InteractionType:
    """Normalise a user's interaction type, case-insensitively.

    Accepts the :class:`InteractionType` values, singular spellings (``click``),
    ``box``/``bbox``/``bounding box`` and every table spelling.

    Raises
    ------
    ValueError
        ``unknown InteractionType 'taps'; allowed: [...]`` for anything else.

    Examples
    --------
    >>> [str(parse_interaction(v)) for v in ("Click", "box", "BBOX", "Scribbles")]
    ['clicks', 'bounding-box', 'bounding-box', 'scribbles']
    """
    key = _key(value)
    for v in InteractionType:
        if key == str(v):
            return v
    if key in _USER_INTERACTIONS:
        return _USER_INTERACTIONS[key]
    if key in _INTERACTION_ALIASES:
        return _INTERACTION_ALIASES[key]
    raise ValueError(
        f"unknown InteractionType {value!r}; allowed: {list(INTERACTION_CHOICES)} "
        "(aliases: click, point, scribble, box, bbox, polygon, gaze)"
    )


def parse_modality(value: str) -> tuple[Modality, ...]:
    """Normalise a user's modality, case-insensitively (``ct``, ``MR``, ``PET/CT``).

    A table spelling such as ``CT/MRI`` gives both modalities.

    Raises
    ------
    ValueError
        ``unknown Modality 'MEG'; allowed: [...]``.

    Examples
    --------
    >>> [str(m) for m in parse_modality("mr")], [str(m) for m in parse_modality("pet/ct")]
    (['MRI'], ['PET/CT'])
    """
    key = _key(value)
    for v in Modality:
        if key == str(v).lower():
            return (v,)
    if key in _USER_MODALITIES:
        return _USER_MODALITIES[key]
    if key in _MODALITY_ALIASES:
        return _MODALITY_ALIASES[key]
    raise ValueError(f"unknown Modality {value!r}; allowed: {list(MODALITY_CHOICES)}")


def parse_guidance(value: str) -> tuple[GuidanceSignal, ...]:
    """Normalise a user's guidance signal (enum value or table spelling, any case).

    Raises
    ------
    ValueError
        ``unknown GuidanceSignal 'foo'; allowed: [..., 'explicit']``.

    Examples
    --------
    >>> [str(g) for g in parse_guidance("Exp. Geodesic Maps")]
    ['exp-geodesic-map']
    """
    key = _key(value)
    for v in GuidanceSignal:
        if key == str(v):
            return (v,)
    if key in _GUIDANCE_ALIASES:
        return _GUIDANCE_ALIASES[key]
    allowed = [str(v) for v in GuidanceSignal] + ["explicit"]
    raise ValueError(f"unknown GuidanceSignal {value!r}; allowed: {allowed}")
