"""gen_data.py: voice split and seeded rendering (fast; needs espeak-ng and sox)."""

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gen_data  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are needed",
)


def test_split_is_by_voice_and_seeded():
    variants = gen_data.list_variants()
    assert len(variants) >= 50  # espeak-ng ships ~100 variants
    a = gen_data.split_variants(variants, 7, 10, 12)
    b = gen_data.split_variants(variants, 7, 10, 12)
    assert a == b
    train, val, test = set(a["training"]), set(a["validation"]), set(a["testing"])
    assert len(test) == 12 and len(val) == 10
    assert not (train & test) and not (train & val) and not (val & test)
    assert train | val | test == set(variants)


def test_same_spec_renders_same_clip_and_is_one_second():
    labels = gen_data.load_labels()
    assert labels[0] == "yes" and labels[35] == "_silence_" and len(labels) == 36
    splits = {"training": ["m3"], "validation": ["f2"], "testing": ["croak"]}
    specs = gen_data.make_specs(
        ["yes", "_silence_"], splits, {"training": 2, "validation": 0, "testing": 0}, 5
    )
    tmp = tempfile.mkdtemp()
    try:
        env = gen_data.isolated_env(tmp)
        for spec in specs:
            x1, x2 = gen_data.render(spec, env), gen_data.render(spec, env)
            assert x1.shape == (16000,) and x1.dtype == np.float32
            np.testing.assert_array_equal(x1, x2)
            peak = 20 * np.log10(np.abs(x1).max())
            assert abs(peak - spec.gain_db) < 0.01
        speech = gen_data.render(specs[0], env)
        # the spoken word carries energy well above the quietest 100 ms of the clip
        frames = (speech[: 16000 // 1600 * 1600].reshape(10, 1600) ** 2).mean(axis=1)
        assert frames.max() > 10 * frames.min()
    finally:
        shutil.rmtree(tmp)
