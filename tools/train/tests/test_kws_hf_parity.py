"""The shipped checkpoint loads into HF's Wav2Vec2ConformerForSequenceClassification with no
missing/unexpected keys and gives the same logits as tools/export's model and the TorchScript file.

Runs only where ``transformers`` is importable (not on the CPU build machine)."""

import sys
from pathlib import Path

import pytest
import torch

TRAIN = Path(__file__).resolve().parents[1]
REPO = TRAIN.parents[1]
MODEL_DIR = REPO / "packages/model-kws/model"
sys.path.insert(0, str(TRAIN))
sys.path.insert(0, str(REPO / "tools/export"))

transformers = pytest.importorskip(
    "transformers",
    reason="transformers is not installed here; HF parity of packages/model-kws/model not checked",
)

from kws_data import normalize  # noqa: E402


@pytest.mark.skipif(
    not (MODEL_DIR / "config.json").exists(), reason="packages/model-kws/model not present"
)
def test_shipped_checkpoint_loads_into_hf_with_same_logits():
    hf, info = transformers.Wav2Vec2ConformerForSequenceClassification.from_pretrained(
        str(MODEL_DIR), output_loading_info=True, torch_dtype=torch.float32
    )
    assert info["missing_keys"] == [] and info["unexpected_keys"] == [], info
    assert not info.get("mismatched_keys"), info
    hf.eval()
    g = torch.Generator().manual_seed(1)
    x = normalize(torch.randn(2, 16000, generator=g))
    with torch.no_grad():
        ref = hf(x, attention_mask=torch.ones_like(x, dtype=torch.long)).logits
    scripted = torch.jit.load(str(MODEL_DIR / "model.pt"), map_location="cpu")
    with torch.no_grad():
        ours = scripted(x, torch.full((2,), 16000, dtype=torch.long), [])["logits"]
    torch.testing.assert_close(ours, ref, atol=1e-4, rtol=1e-4)
