"""safetensors reader/writer: round trips, a hand-built file, malformed input, the official package."""

import json
import struct

import pytest
import torch

from audiomap_export.safetensors_io import SafetensorsError, load_file, read_header, save_file


def _sample_tensors():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(3, 5, generator=g) * 100
    return {
        "f32": base.clone(),
        "f16": base.to(torch.float16),
        "bf16": base.to(torch.bfloat16),
        "f64": base.double(),
        "i64": torch.arange(-6, 6, dtype=torch.int64).view(3, 4) * 1_000_000_007,
        "i32": torch.arange(7, dtype=torch.int32),
        "u8": torch.arange(250, 256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
        "strided": base.t(),  # non-contiguous input
    }


def test_round_trip_is_bit_exact(tmp_path):
    tensors = _sample_tensors()
    path = str(tmp_path / "t.safetensors")
    save_file(tensors, path, metadata={"format": "pt", "note": "x"})
    back, meta = load_file(path)
    assert meta == {"format": "pt", "note": "x"}
    assert set(back) == set(tensors)
    for k, t in tensors.items():
        assert back[k].dtype == t.dtype, k
        assert back[k].shape == t.shape, k
        assert torch.equal(back[k], t), k


def test_layout_header_alignment_and_offsets(tmp_path):
    path = str(tmp_path / "t.safetensors")
    save_file(_sample_tensors(), path)
    entries, meta, start = read_header(path)
    assert meta == {}
    assert start % 8 == 0
    spans = sorted(tuple(e["data_offsets"]) for e in entries.values())
    assert spans[0][0] == 0
    for (_, a1), (b0, _) in zip(spans, spans[1:]):
        assert a1 == b0  # contiguous, no holes
    for e in entries.values():
        size = {"F64": 8, "I64": 8, "F32": 4, "I32": 4, "F16": 2, "BF16": 2, "U8": 1, "BOOL": 1}[
            e["dtype"]
        ]
        assert e["data_offsets"][0] % size == 0  # each tensor aligned to its element size
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        raw = f.read()
    assert len(raw) - n == spans[-1][1]


def test_reads_a_hand_built_file(tmp_path):
    """Bytes assembled here by hand, independent of save_file."""
    header = {
        "b": {"dtype": "BF16", "shape": [2], "data_offsets": [8, 12]},
        "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "__metadata__": {"k": "v"},
    }
    raw = json.dumps(header).encode()
    data = struct.pack("<2f", 1.5, -2.0) + struct.pack("<2H", 0x3FC0, 0xC040)  # bf16 1.5, -3.0
    path = tmp_path / "h.safetensors"
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    tensors, meta = load_file(str(path))
    assert meta == {"k": "v"}
    assert tensors["a"].tolist() == [1.5, -2.0]
    assert tensors["b"].dtype == torch.bfloat16 and tensors["b"].float().tolist() == [1.5, -3.0]


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda b: b[:5], "too short"),
        (lambda b: struct.pack("<Q", 10**12) + b[8:], "implausible"),
        (lambda b: b[:8] + b"{not json" + b[17:], "not JSON"),
        (lambda b: b[:-4], "do not fit"),
    ],
)
def test_malformed_files_raise(tmp_path, mutate, match):
    path = str(tmp_path / "t.safetensors")
    save_file({"a": torch.ones(4)}, path)
    with open(path, "rb") as f:
        good = f.read()
    with open(path, "wb") as f:
        f.write(mutate(good))
    with pytest.raises(SafetensorsError, match=match):
        load_file(path)


def test_unsupported_dtype_raises(tmp_path):
    with pytest.raises(SafetensorsError, match="unsupported dtype"):
        save_file({"c": torch.ones(2, dtype=torch.complex64)}, str(tmp_path / "c.safetensors"))


def test_interoperates_with_the_official_package(tmp_path):
    st = pytest.importorskip(
        "safetensors.torch", reason="the 'safetensors' package is not installed here"
    )
    tensors = {k: v.contiguous() for k, v in _sample_tensors().items() if k != "scalar"}
    ours = str(tmp_path / "ours.safetensors")
    theirs = str(tmp_path / "theirs.safetensors")
    save_file(tensors, ours, metadata={"format": "pt"})
    st.save_file(tensors, theirs, metadata={"format": "pt"})
    a = st.load_file(ours)
    b, meta = load_file(theirs)
    assert meta == {"format": "pt"}
    for k, t in tensors.items():
        assert torch.equal(a[k], t) and torch.equal(b[k], t), k
