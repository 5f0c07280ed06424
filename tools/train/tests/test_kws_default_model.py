"""The shipped default model (packages/model-kws/model): files, export consistency, and keyword accuracy
on fresh espeak-ng clips spoken by voice variants that were held out of training."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

TRAIN = Path(__file__).resolve().parents[1]
REPO = TRAIN.parents[1]
MODEL_DIR = REPO / "packages/model-kws/model"
sys.path.insert(0, str(TRAIN))
sys.path.insert(0, str(REPO / "tools/export"))

import gen_data  # noqa: E402
from kws_data import labels, normalize  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "model.pt").exists(), reason="packages/model-kws/model/model.pt not present"
)

# Voices built from variants in the data set's test split (seed 1234): never seen in training.
TEST_VOICES = ["en-us+f4", "en-gb+m4", "en-gb-scotland+steph", "en-us-nyc+zac"]
WORDS = labels()[:35]
# Measured 95.7% (134/140) on this fixed set with the shipped model (90.0% with the previous one); chance is ~3%.
MIN_ACCURACY = 0.85


@pytest.fixture(scope="module")
def scripted():
    torch.set_num_threads(1)
    return torch.jit.load(str(MODEL_DIR / "model.pt"), map_location="cpu").eval()


def speak(word: str, voice: str, env) -> np.ndarray:
    """A clean 1-s clip: espeak-ng at default speed/pitch, silence-trimmed, centred."""
    speech = gen_data.active_region(gen_data.synth(word, voice, 160, 50, [], env))[:16000]
    clip = np.zeros(16000, dtype=np.float32)
    start = (16000 - len(speech)) // 2
    clip[start : start + len(speech)] = speech
    return clip


@pytest.fixture(scope="module")
def clips():
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed")
    tmp = tempfile.mkdtemp(prefix="kws-test-")
    try:
        env = gen_data.isolated_env(tmp)  # keeps espeak-ng's pulse files out of ~ and /tmp
        items = [(w, v) for v in TEST_VOICES for w in WORDS]
        audio = np.stack([speak(w, v, env) for w, v in items])
    finally:
        shutil.rmtree(tmp)
    return items, torch.from_numpy(audio)


def test_files_metadata_and_size():
    sizes = {p.name: p.stat().st_size for p in MODEL_DIR.iterdir() if p.is_file()}
    assert {"model.pt", "config.json", "model.safetensors", "preprocessor_config.json"} <= set(
        sizes
    )
    assert sum(sizes.values()) <= 10_000_000, sizes
    extra = {"audiomap.json": ""}
    torch.jit.load(str(MODEL_DIR / "model.pt"), _extra_files=extra)
    meta = json.loads(extra["audiomap.json"])
    assert meta["format"] == "audiomap-torchscript" and meta["has_head"]
    assert meta["labels"] == labels() and meta["sampling_rate"] == 16000 and meta["do_normalize"]
    config = json.loads((MODEL_DIR / "config.json").read_text())
    assert config["id2label"] == {str(i): name for i, name in enumerate(labels())}
    pre = json.loads((MODEL_DIR / "preprocessor_config.json").read_text())
    assert pre["do_normalize"] is True and pre["sampling_rate"] == 16000


def test_torchscript_matches_checkpoint(scripted):
    from audiomap_export.checkpoint import load_checkpoint

    model, info = load_checkpoint(str(MODEL_DIR))
    assert info["has_head"]
    g = torch.Generator().manual_seed(0)
    x = normalize(torch.randn(3, 16000, generator=g))
    lengths = torch.tensor([16000, 12000, 16000])
    with torch.no_grad():
        a = scripted(x, lengths, [-1])
        b = model(x, lengths, [-1])
    torch.testing.assert_close(a["logits"], b["logits"], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(a["pooled"], b["pooled"], atol=1e-4, rtol=1e-4)


def test_classifies_fresh_clips_from_held_out_voices(scripted, clips):
    items, audio = clips
    with torch.no_grad():
        x = normalize(audio)
        logits = scripted(x, torch.full((len(items),), 16000, dtype=torch.long), [])["logits"]
    pred = [labels()[i] for i in logits.argmax(dim=1).tolist()]
    wrong = [(w, v, p) for (w, v), p in zip(items, pred) if p != w]
    acc = 1 - len(wrong) / len(items)
    assert acc >= MIN_ACCURACY, f"accuracy {acc:.3f} over {len(items)} clips; wrong: {wrong}"


def test_silence_is_silence(scripted):
    g = np.random.default_rng(3)
    noise = (0.01 * g.standard_normal((4, 16000))).astype(np.float32)
    with torch.no_grad():
        logits = scripted(
            normalize(torch.from_numpy(noise)), torch.full((4,), 16000, dtype=torch.long), []
        )["logits"]
    assert [labels()[i] for i in logits.argmax(dim=1).tolist()] == ["_silence_"] * 4


def test_qint8_keeps_top1_within_one_point(scripted, clips):
    """``export --dtype qint8`` of the shipped checkpoint: issue 18 §4's accuracy target."""
    from evaluate_qint8 import qint8_model

    items, audio = clips
    quantized = qint8_model(MODEL_DIR)
    x = normalize(audio)
    lengths = torch.full((len(items),), 16000, dtype=torch.long)
    with torch.no_grad():
        f, q = scripted(x, lengths, [-1]), quantized(x, lengths, [-1])
    truth = torch.tensor([labels().index(w) for w, _ in items])
    acc_f = (f["logits"].argmax(dim=1) == truth).float().mean().item()
    acc_q = (q["logits"].argmax(dim=1) == truth).float().mean().item()
    assert abs(acc_q - acc_f) <= 0.01, f"top-1 float32 {acc_f:.4f}, qint8 {acc_q:.4f}"
    cos = torch.nn.functional.cosine_similarity(f["pooled"], q["pooled"], dim=1)
    assert cos.min().item() >= 0.99, cos.min()
    # int8 rounding must show, or the float model ran twice
    assert not torch.allclose(f["pooled"], q["pooled"], atol=1e-4)
