"""Exported files: metadata, CLI, output contract, short clips, dtypes."""

import json
import os
import subprocess
import sys

import pytest
import torch
from audiomap_export_testlib import CONFIG_DIR, EXPORT_ROOT, audio_batch, make_model

from audiomap_export.cli import main
from audiomap_export.export import export_model, read_metadata

CONTRACT_KEYS = {
    "format",
    "format_version",
    "architecture",
    "sampling_rate",
    "do_normalize",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "position_embeddings_type",
    "feat_extract_norm",
    "num_hidden_states",
    "conv_kernel",
    "conv_stride",
    "id2label",
    "labels",
    "has_head",
    "padding_mode",
    "source",
    "torch_version",
    "config",
}


def _cli_subprocess(*args):
    """``python -m audiomap_export ...`` in a child process (checks the entry point itself)."""
    env = dict(os.environ, PYTHONPATH=EXPORT_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "audiomap_export", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _cli(capsys, *args):
    """The same CLI in-process (importing torch in a child costs seconds): (rc, stdout, stderr)."""
    capsys.readouterr()
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_metadata_of_a_classifier(tmp_path):
    model = make_model(seed=1, with_head=True, position_embeddings_type="rotary")
    path = str(tmp_path / "m.pt")
    meta = export_model(model, path, padding_mode="hf", do_normalize=False, source="unit test")
    assert read_metadata(path) == json.loads(json.dumps(meta))
    assert CONTRACT_KEYS <= set(meta)
    assert meta["format"] == "audiomap-torchscript" and meta["format_version"] == 1
    assert meta["architecture"] == "wav2vec2-conformer"
    assert meta["sampling_rate"] == 16000 and meta["do_normalize"] is False
    assert (meta["hidden_size"], meta["num_hidden_layers"], meta["num_attention_heads"]) == (
        32,
        2,
        4,
    )
    assert meta["num_hidden_states"] == 3
    assert meta["position_embeddings_type"] == "rotary" and meta["feat_extract_norm"] == "layer"
    assert meta["conv_kernel"] == [10, 3, 3, 3, 3, 2, 2] and meta["conv_stride"] == [
        5,
        2,
        2,
        2,
        2,
        2,
        2,
    ]
    assert meta["labels"] == ["yes", "no", "up", "down"]
    assert meta["id2label"] == {"0": "yes", "1": "no", "2": "up", "3": "down"}
    assert meta["has_head"] is True and meta["padding_mode"] == "hf"
    assert meta["source"] == "unit test" and meta["torch_version"] == torch.__version__
    assert (
        meta["config"]["hidden_size"] == 32 and meta["config"]["model_type"] == "wav2vec2-conformer"
    )


def test_metadata_of_a_base_model(tmp_path):
    meta = export_model(make_model(seed=2, feat_extract_norm="group"), str(tmp_path / "b.pt"))
    assert meta["has_head"] is False and meta["labels"] is None and meta["id2label"] is None
    assert meta["padding_mode"] == "masked" and meta["feat_extract_norm"] == "group"


def test_output_contract(tmp_path):
    path = str(tmp_path / "m.pt")
    model = make_model(seed=3, with_head=True)
    export_model(model, path)
    module = torch.jit.load(path)
    audio, lengths = audio_batch([16000, 8000], seed=2)
    out = module(audio, lengths, [0, 2, -1, -3])
    assert set(out) == {"hidden_states", "frame_lengths", "pooled", "logits"}
    assert out["hidden_states"].shape == (4, 2, 49, 32)
    assert out["frame_lengths"].dtype == torch.int64 and out["frame_lengths"].tolist() == [49, 24]
    assert out["pooled"].shape == (2, 32) and out["logits"].shape == (2, 4)
    hs = out["hidden_states"]
    assert torch.equal(hs[1], hs[2])  # 2 == -1 (final, after the encoder LayerNorm)
    assert torch.equal(hs[0], hs[3])  # 0 == -3 (encoder input)
    # pooled is the masked mean of the final hidden state
    for i, f in enumerate(out["frame_lengths"].tolist()):
        assert torch.allclose(out["pooled"][i], hs[1, i, :f].mean(dim=0), atol=1e-6)
    empty = module(audio, lengths, [])
    assert empty["hidden_states"].shape == (0, 2, 49, 32)
    with pytest.raises(Exception, match="out of range"):
        module(audio, lengths, [3])
    with pytest.raises(Exception, match="lengths"):
        module(audio, torch.tensor([16000]), [0])
    with pytest.raises(Exception, match="lengths"):
        module(audio, torch.tensor([16001, 5]), [0])
    with pytest.raises(Exception, match="audio must be"):
        module(audio[0], lengths[:1], [0])


def test_short_clips_give_zero_frames_and_no_nan(tmp_path):
    path = str(tmp_path / "m.pt")
    export_model(make_model(seed=4, with_head=True, feat_extract_norm="group"), path)
    module = torch.jit.load(path)
    # a short clip inside a normal batch
    audio, lengths = audio_batch([8000, 399, 0], seed=3)
    out = module(audio, lengths, [-1])
    assert out["frame_lengths"].tolist() == [24, 0, 0]
    assert torch.isfinite(out["hidden_states"]).all() and torch.isfinite(out["logits"]).all()
    assert torch.equal(out["pooled"][1], torch.zeros(32)) and torch.equal(
        out["pooled"][2], torch.zeros(32)
    )
    # zero frames: logits = classifier(projector-pooled zeros) = classifier bias
    bias = make_model(seed=4, with_head=True, feat_extract_norm="group").classifier.bias
    assert torch.allclose(out["logits"][1], bias, atol=1e-6)
    # a batch that is entirely shorter than the receptive field, and an empty one
    for t in (250, 0):
        out = module(torch.randn(2, t), torch.tensor([t, t // 2]), [0, -1])
        assert out["frame_lengths"].tolist() == [0, 0]
        assert out["hidden_states"].shape == (2, 2, 1, 32)
        assert torch.isfinite(out["logits"]).all() and not out["pooled"].any()


def test_bfloat16_export_runs_on_cpu(tmp_path):
    path = str(tmp_path / "bf16.pt")
    meta = export_model(make_model(seed=5), path, dtype="bfloat16")
    assert meta["dtype"] == "bfloat16"
    ref = make_model(seed=5)
    audio, lengths = audio_batch([8000, 5000], seed=4)
    out = torch.jit.load(path)(audio, lengths, [-1])
    with torch.no_grad():
        want = ref(audio, lengths, [-1])
    assert out["pooled"].dtype == torch.bfloat16  # float32 audio is cast inside the module
    rel = (out["pooled"].float() - want["pooled"]).norm() / want["pooled"].norm()
    assert rel.item() < 0.05


def test_cli_random_init_then_checkpoint_export(tmp_path, capsys):
    a, b, ckpt = str(tmp_path / "a.pt"), str(tmp_path / "b.pt"), str(tmp_path / "ckpt")
    labels = os.path.join(CONFIG_DIR, "tiny-labels.json")
    r = _cli_subprocess("export", "--random-init", "--config", os.path.join(CONFIG_DIR, "tiny.json"), "--seed", "7",
                        "--labels-from", labels, "-o", a, "--save-checkpoint", ckpt)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rc, _, err = _cli(capsys, "export", ckpt, "-o", b, "--padding-mode", "masked")
    assert rc == 0, err
    ma, mb = read_metadata(a), read_metadata(b)
    assert ma["labels"] == mb["labels"] == ["yes", "no", "up", "down"]
    assert mb["source"].startswith("hf-checkpoint") and "model.safetensors" in mb["source"]
    audio, lengths = audio_batch([12000, 6000], seed=5)
    oa = torch.jit.load(a)(audio, lengths, [0, -1])
    ob = torch.jit.load(b)(audio, lengths, [0, -1])
    for k in oa:
        assert torch.equal(oa[k], ob[k]), k
    rc, out, _ = _cli(capsys, "info", b)
    assert rc == 0 and json.loads(out)["has_head"] is True


def test_cli_errors_are_reported_not_raised(tmp_path, capsys):
    rc, _, err = _cli(capsys, "export", str(tmp_path / "nope"), "-o", str(tmp_path / "x.pt"))
    assert rc == 2 and "config.json not found" in err
    rc, _, err = _cli(capsys, "export", "--random-init", "-o", str(tmp_path / "x.pt"))
    assert rc == 2 and "--config" in err
    assert not os.path.exists(tmp_path / "x.pt")


def test_seed_determines_weights(tmp_path, capsys):
    cfg = os.path.join(CONFIG_DIR, "tiny.json")
    paths = [str(tmp_path / f"{i}.pt") for i in range(3)]
    for p, seed in zip(paths, ("1", "1", "2")):
        assert (
            _cli(capsys, "export", "--random-init", "--config", cfg, "--seed", seed, "-o", p)[0]
            == 0
        )
    audio, lengths = audio_batch([8000], seed=6)
    outs = [torch.jit.load(p)(audio, lengths, [-1])["pooled"] for p in paths]
    assert torch.equal(outs[0], outs[1])
    assert not torch.allclose(outs[0], outs[2])


def test_config_architectures_imply_a_head(tmp_path, capsys):
    cfg = json.load(open(os.path.join(CONFIG_DIR, "tiny.json"), encoding="utf-8"))
    cfg["architectures"] = ["Wav2Vec2ConformerForSequenceClassification"]
    cfg["id2label"] = {"0": "a", "1": "b", "2": "c"}
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    rc, _, err = _cli(
        capsys, "export", "--random-init", "--config", str(path), "-o", str(tmp_path / "m.pt")
    )
    assert rc == 0, err
    meta = read_metadata(str(tmp_path / "m.pt"))
    assert meta["has_head"] is True and meta["labels"] == ["a", "b", "c"]


def test_large_config_is_the_rel_pos_large_shape():
    """Checks the shipped config against shared/reference without building 610 M parameters."""
    ref_path = os.path.join(
        EXPORT_ROOT, "..", "..", "..", "shared", "reference", "speech-commands-conformer-large.json"
    )
    if not os.path.isfile(ref_path):
        pytest.skip("shared/reference is not beside this checkout")
    with open(ref_path, encoding="utf-8") as f:
        ref = json.load(f)
    with open(os.path.join(CONFIG_DIR, "large-rel-pos.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    facts = ref["architecture_facts"]
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "conv_dim",
                "conv_kernel", "conv_stride", "feat_extract_norm", "position_embeddings_type",
                "conv_depthwise_kernel_size", "classifier_proj_size", "hidden_act", "conv_bias"):  # fmt: skip
        assert cfg[key] == facts[key], key
    assert cfg["id2label"] == ref["id2label"] and len(cfg["id2label"]) == 36
    assert "Wav2Vec2ConformerForSequenceClassification" in cfg["architectures"]


def test_read_metadata_rejects_files_that_are_not_audiomap_exports(tmp_path):
    not_zip = tmp_path / "notes.pt"
    not_zip.write_text("not a model")
    with pytest.raises(ValueError, match="not a TorchScript file"):
        read_metadata(str(not_zip))
    plain = tmp_path / "plain.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(plain))
    with pytest.raises(ValueError, match="no audiomap.json inside"):
        read_metadata(str(plain))
