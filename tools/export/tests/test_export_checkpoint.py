"""HF checkpoint directories: strict keys, both weight formats, ignored modules, save/load."""

import json
import os

import pytest
import torch
from audiomap_export_testlib import LABELS4, audio_batch, make_model

from audiomap_export.checkpoint import (
    CheckpointError,
    load_checkpoint,
    load_state_dict_strict,
    save_checkpoint,
)
from audiomap_export.safetensors_io import load_file, save_file

HF_BASE_KEYS = [
    "feature_extractor.conv_layers.0.conv.weight",
    "feature_extractor.conv_layers.0.layer_norm.weight",
    "feature_projection.layer_norm.weight",
    "feature_projection.projection.weight",
    "encoder.layers.0.ffn1_layer_norm.weight",
    "encoder.layers.0.ffn1.intermediate_dense.weight",
    "encoder.layers.0.ffn1.output_dense.bias",
    "encoder.layers.0.self_attn_layer_norm.bias",
    "encoder.layers.0.self_attn.linear_q.weight",
    "encoder.layers.0.self_attn.linear_out.bias",
    "encoder.layers.0.self_attn.linear_pos.weight",
    "encoder.layers.0.self_attn.pos_bias_u",
    "encoder.layers.0.self_attn.pos_bias_v",
    "encoder.layers.0.conv_module.layer_norm.weight",
    "encoder.layers.0.conv_module.pointwise_conv1.weight",
    "encoder.layers.0.conv_module.depthwise_conv.weight",
    "encoder.layers.0.conv_module.batch_norm.running_var",
    "encoder.layers.0.conv_module.batch_norm.num_batches_tracked",
    "encoder.layers.0.conv_module.pointwise_conv2.weight",
    "encoder.layers.1.ffn2_layer_norm.weight",
    "encoder.layers.1.ffn2.output_dense.weight",
    "encoder.layers.1.final_layer_norm.bias",
    "encoder.layer_norm.weight",
    "masked_spec_embed",
]


def _outputs(model):
    audio, lengths = audio_batch([12000, 7000], seed=4)
    with torch.no_grad():
        return model(audio, lengths, [0, 1, 2])


def _assert_same(a, b, tol=0.0):
    assert set(a) == set(b)
    for k in a:
        assert (a[k].double() - b[k].double()).abs().max().item() <= tol, k


def test_state_dict_keys_are_hf_names():
    base = make_model().state_dict()
    for key in HF_BASE_KEYS:
        assert key in base, key
    assert not any(k.startswith("encoder.pos_conv_embed") for k in base)
    assert not any(
        "bias" in k for k in base if "linear_pos" in k or "pointwise_conv" in k or "depthwise" in k
    )
    head = make_model(with_head=True, use_weighted_layer_sum=True).state_dict()
    for key in HF_BASE_KEYS:
        assert "wav2vec2_conformer." + key in head, key
    for key in (
        "projector.weight",
        "projector.bias",
        "classifier.weight",
        "classifier.bias",
        "layer_weights",
    ):
        assert key in head
    assert "layer_weights" not in make_model(with_head=True).state_dict()
    group = make_model(feat_extract_norm="group").state_dict()
    assert "feature_extractor.conv_layers.0.layer_norm.weight" in group
    assert "feature_extractor.conv_layers.1.layer_norm.weight" not in group


def test_missing_key_is_named():
    model = make_model(seed=1)
    state = dict(make_model(seed=2).state_dict())
    del state["encoder.layers.1.self_attn.linear_k.weight"]
    with pytest.raises(
        CheckpointError,
        match=r"missing keys \(1\): encoder\.layers\.1\.self_attn\.linear_k\.weight",
    ):
        load_state_dict_strict(model, state)


def test_unexpected_key_is_named():
    model = make_model(seed=1)
    state = dict(make_model(seed=2).state_dict())
    state["encoder.layers.7.bogus.weight"] = torch.zeros(3)
    with pytest.raises(
        CheckpointError, match=r"unexpected keys \(1\): encoder\.layers\.7\.bogus\.weight"
    ):
        load_state_dict_strict(model, state)


def test_shape_mismatch_is_named():
    model = make_model(seed=1)
    state = dict(make_model(seed=2).state_dict())
    state["encoder.layer_norm.weight"] = torch.ones(31)
    with pytest.raises(
        CheckpointError, match=r"encoder\.layer_norm\.weight: checkpoint \[31\] vs model \[32\]"
    ):
        load_state_dict_strict(model, state)


def test_failed_load_leaves_weights_untouched():
    model = make_model(seed=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = dict(make_model(seed=2).state_dict())
    state["extra"] = torch.zeros(1)
    with pytest.raises(CheckpointError):
        load_state_dict_strict(model, state)
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k])


@pytest.mark.parametrize(
    "unused",
    [
        ("weight_g", "weight_v"),
        ("parametrizations.weight.original0", "parametrizations.weight.original1"),
    ],
)
def test_pos_conv_embed_is_ignored_in_either_spelling(unused):
    src, dst = make_model(seed=3), make_model(seed=4)
    state = dict(src.state_dict())
    for name in unused + ("bias",):
        state["encoder.pos_conv_embed.conv." + name] = torch.randn(4)
    ignored = load_state_dict_strict(dst, state)
    assert len(ignored) == 3 and all("pos_conv_embed" in k for k in ignored)
    _assert_same(_outputs(src), _outputs(dst))


def test_rotary_inv_freq_and_training_only_keys_are_optional():
    src = make_model(seed=3, position_embeddings_type="rotary")
    dst = make_model(seed=4, position_embeddings_type="rotary")
    state = dict(src.state_dict())
    state["encoder.embed_positions.inv_freq"] = torch.ones(4)
    del state["masked_spec_embed"]
    del state["encoder.layers.0.conv_module.batch_norm.num_batches_tracked"]
    load_state_dict_strict(dst, state)
    _assert_same(_outputs(src), _outputs(dst))


def _write_dir(tmp_path, state, config, fmt="safetensors", preprocessor=None):
    d = tmp_path / "ckpt"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(config))
    if fmt == "safetensors":
        save_file(state, str(d / "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(state, str(d / "pytorch_model.bin"))
    if preprocessor is not None:
        (d / "preprocessor_config.json").write_text(json.dumps(preprocessor))
    return str(d)


@pytest.mark.parametrize("fmt", ["safetensors", "bin"])
def test_load_checkpoint_dir_with_head(tmp_path, fmt):
    src = make_model(seed=5, with_head=True)
    state = {k: v.clone() for k, v in src.state_dict().items()}
    state["wav2vec2_conformer.encoder.pos_conv_embed.conv.weight_g"] = torch.ones(1, 1, 16)
    d = _write_dir(
        tmp_path,
        state,
        src.config,
        fmt,
        preprocessor={"do_normalize": False, "sampling_rate": 16000},
    )
    model, info = load_checkpoint(d)
    assert info["has_head"] and info["preprocessor"]["do_normalize"] is False
    assert info["ignored_keys"] == ["wav2vec2_conformer.encoder.pos_conv_embed.conv.weight_g"]
    _assert_same(_outputs(src), _outputs(model))


def test_load_checkpoint_converts_half_weights(tmp_path):
    src = make_model(seed=6)
    state = {
        k: (v.to(torch.bfloat16) if v.is_floating_point() else v)
        for k, v in src.state_dict().items()
    }
    d = _write_dir(tmp_path, state, src.config)
    model, info = load_checkpoint(d)
    assert (
        info["preprocessor"]["do_normalize"] is True
    )  # HF default without preprocessor_config.json
    assert model.encoder.layer_norm.weight.dtype == torch.float32
    assert torch.equal(model.encoder.layer_norm.weight, state["encoder.layer_norm.weight"].float())


def test_prefixed_checkpoint_without_classifier_needs_base_only(tmp_path):
    src = make_model(seed=7)
    state = {"wav2vec2_conformer." + k: v for k, v in src.state_dict().items()}
    state["lm_head.weight"] = torch.zeros(5, 32)
    state["lm_head.bias"] = torch.zeros(5)
    d = _write_dir(tmp_path, state, src.config)
    with pytest.raises(CheckpointError, match="--base-only"):
        load_checkpoint(d)
    model, info = load_checkpoint(d, base_only=True)
    assert info["ignored_keys"] == ["lm_head.bias", "lm_head.weight"]
    _assert_same(_outputs(src), _outputs(model))


def test_missing_files_are_clear_errors(tmp_path):
    with pytest.raises(CheckpointError, match="config.json not found"):
        load_checkpoint(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "wav2vec2-conformer"}))
    with pytest.raises(CheckpointError, match="no weights found"):
        load_checkpoint(str(tmp_path))


def test_save_checkpoint_round_trip(tmp_path):
    src = make_model(seed=8, with_head=True, use_weighted_layer_sum=True)
    out = str(tmp_path / "saved")
    files = save_checkpoint(src, out, do_normalize=False)
    assert sorted(os.listdir(out)) == sorted(files)
    cfg = json.loads((tmp_path / "saved" / "config.json").read_text())
    assert cfg["architectures"] == ["Wav2Vec2ConformerForSequenceClassification"]
    assert cfg["model_type"] == "wav2vec2-conformer"
    assert cfg["id2label"] == LABELS4
    assert cfg["label2id"] == {v: int(k) for k, v in LABELS4.items()}
    pre = json.loads((tmp_path / "saved" / "preprocessor_config.json").read_text())
    assert pre["do_normalize"] is False and pre["sampling_rate"] == 16000
    tensors, meta = load_file(os.path.join(out, "model.safetensors"))
    assert meta == {"format": "pt"}
    assert set(tensors) == set(src.state_dict())
    model, info = load_checkpoint(out)
    assert info["has_head"] and info["preprocessor"]["do_normalize"] is False
    _assert_same(_outputs(src), _outputs(model))


def test_save_checkpoint_in_bfloat16(tmp_path):
    src = make_model(seed=9)
    out = str(tmp_path / "bf16")
    save_checkpoint(src, out, dtype=torch.bfloat16)
    tensors, _ = load_file(os.path.join(out, "model.safetensors"))
    assert tensors["encoder.layer_norm.weight"].dtype == torch.bfloat16
    assert (
        tensors["encoder.layers.0.conv_module.batch_norm.num_batches_tracked"].dtype == torch.int64
    )
    model, _ = load_checkpoint(out)
    a, b = _outputs(src), _outputs(model)
    assert (a["pooled"] - b["pooled"]).abs().max().item() < 0.5  # same model, bf16-rounded weights


def test_skipping_default_init_is_scoped():
    """build_model(default_init=False) must not leave torch's Linear/Conv1d init disabled."""
    from audiomap_export.model import build_model

    build_model(make_model().config, default_init=False)
    torch.manual_seed(0)
    assert torch.nn.Linear(16, 16).weight.abs().sum() > 0
    assert torch.nn.Conv1d(4, 4, 3).weight.abs().sum() > 0
    assert "reset_parameters" not in torch.nn.Conv1d.__dict__
