"""train_shipped's phantom families that span object sizes (``--tiny``, ``--large``)."""

from __future__ import annotations

import numpy as np


def test_size_families(shared_data):
    from reference_impl.swfastedit.train_shipped import training_volumes

    kw = dict(n_synthetic=0, n_anisotropic=0, min_voxels=50, seed=0, organs=(), val_organs=())
    fit0, val0 = training_volumes(**kw)
    assert fit0 == [] and val0 == []  # the defaults add nothing: old commands train the same
    fit, val = training_volumes(n_tiny=8, n_large=4, **kw)
    names = [v[0] for v in fit + val]
    assert sum(n.startswith("tiny:") for n in names) == 8
    assert sum(n.startswith("large:") for n in names) == 4
    assert sum(n.startswith("tiny-val:") for n in names) == 2
    assert sum(n.startswith("large-val:") for n in names) == 1
    for name, img, lab, sp in fit + val:
        assert img.min() >= 0 and img.max() <= 1 and lab.any()
        ml = lab.sum() * np.prod(sp) / 1000
        if name.startswith("tiny"):
            assert lab.sum() < 400 and sp[1] <= 1.0  # a few dozen to a few hundred voxels
        else:
            assert ml > 50 and min(sp) >= 3.0  # organ-sized (> 50 mL) at 3-5 mm
