"""The held-out split of the bundled real data (one source of truth for training and evaluation).

The bundled TotalSegmentator CT (``../shared/data/totalsegmentator_example``) carries 42 organ
labels.  The shipped click model is trained **leave-organs-out**: the organs in
:data:`HELD_OUT_CT_ORGANS` (the evaluation organs, plus the right kidney, the left kidney's
mirror twin) are never shown to it; it may train on every other organ of that volume and on
synthetic shapes; of those, :data:`VALIDATION_CT_ORGANS` are kept out of the fitting and
only used to choose settings.  The three pyradiomics lesion volumes are never trained on at all: they
are evaluation targets only.
"""

from __future__ import annotations

__all__ = [
    "EVAL_CT_ORGANS",
    "HELD_OUT_CT_ORGANS",
    "EVAL_LESIONS",
    "VALIDATION_CT_ORGANS",
    "is_trainable_ct_organ",
    "is_fittable_class",
]

#: CT organs scored by ``bench/realdata.py`` (spleen, a kidney, liver, pancreas (644 voxels),
#: aorta (997 voxels, < 1,000), gallbladder).
EVAL_CT_ORGANS: tuple[str, ...] = (
    "spleen",
    "kidney_left",
    "liver",
    "pancreas",
    "aorta",
    "gallbladder",
)

#: CT organs the shipped model never trains on (the evaluation organs and the right kidney).
HELD_OUT_CT_ORGANS: frozenset[str] = frozenset(EVAL_CT_ORGANS) | {"kidney_right"}

#: Lesion volumes (pyradiomics, ``../shared/data/pyradiomics_lesions``): evaluation only.
EVAL_LESIONS: tuple[str, ...] = ("brain1", "brain2", "breast1")


def is_trainable_ct_organ(name: str) -> bool:
    """True when the shipped model may train on this organ of the bundled CT.

    >>> is_trainable_ct_organ("stomach"), is_trainable_ct_organ("spleen")
    (True, False)
    """
    return name not in HELD_OUT_CT_ORGANS


#: Trainable CT organs held back from the shipped model's *fitting* to choose its settings
#: (caps, priors, training length) on data that is neither fitted nor evaluated on.
VALIDATION_CT_ORGANS: tuple[str, ...] = (
    "stomach",
    "colon",
    "autochthon_left",
    "vertebrae_L1",
    "iliopsoas_left",
    "duodenum",
    "inferior_vena_cava",
    "lung_lower_lobe_right",
)


def is_fittable_class(name: str) -> bool:
    """True when the shipped model may *fit* a class of this name on any image, not only on
    the bundled CT: not a held-out evaluation organ, not a part of one (``aorta_true_lumen``
    is part of the held-out ``aorta``), and not a validation organ (fitting the MR stomach
    would flatter the CT stomach that chooses the checkpoint).

    >>> [is_fittable_class(n) for n in ("vertebrae", "liver", "aorta_true_lumen", "colon")]
    [True, False, False, False]
    """
    if name in VALIDATION_CT_ORGANS or not is_trainable_ct_organ(name):
        return False
    return not any(name.startswith(organ + "_") for organ in HELD_OUT_CT_ORGANS)
