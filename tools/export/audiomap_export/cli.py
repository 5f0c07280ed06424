"""Command line: ``python -m audiomap_export export ...`` and ``python -m audiomap_export info ...``."""

import argparse
import json
import os
import shlex
import sys
import time
from typing import Any, Dict, List, Optional

from .checkpoint import CheckpointError, load_checkpoint, read_json, save_checkpoint
from .config import ConfigError, labels_in_order, with_labels
from .export import EXPORT_DTYPES, export_model, read_metadata
from .init import random_init
from .model import PADDING_MODES, build_model


def read_labels(path: str) -> List[str]:
    """Labels from a JSON file (a list, an ``{"id2label": {...}}`` object, or an id2label
    object) or from a text file with one label per line."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        obj: Any = json.loads(text)
    except json.JSONDecodeError:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if isinstance(obj, list):
        return [str(v) for v in obj]
    if isinstance(obj, dict):
        id2label = obj.get("id2label", obj)
        labels = labels_in_order({"id2label": id2label})
        if labels:
            return labels
    raise ConfigError(f"{path}: expected a list of labels or an id2label object")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="audiomap_export", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser(
        "export", help="export an HF checkpoint dir (or random weights) to TorchScript"
    )
    e.add_argument(
        "checkpoint_dir", nargs="?", help="HF checkpoint directory (config.json + weights)"
    )
    e.add_argument("-o", "--output", required=True, help="output .pt path")
    e.add_argument(
        "--padding-mode", choices=PADDING_MODES, default="masked", help="default: masked"
    )
    e.add_argument(
        "--dtype",
        choices=EXPORT_DTYPES,
        default="float32",
        help="weight dtype (default: float32); qint8: dynamic int8 quantisation of the encoder's "
        "Linear layers, CPU only",
    )
    e.add_argument(
        "--base-only",
        action="store_true",
        help="export only the base model of a prefixed checkpoint",
    )
    e.add_argument(
        "--random-init",
        action="store_true",
        help="random weights from --config instead of a checkpoint",
    )
    e.add_argument("--config", help="HF-style config.json for --random-init")
    e.add_argument("--seed", type=int, default=0, help="seed for --random-init (default: 0)")
    e.add_argument(
        "--with-head",
        action="store_true",
        help="add a sequence-classification head (--random-init); implied when the config's "
        "architectures names ...ForSequenceClassification",
    )
    e.add_argument(
        "--num-labels", type=int, help="head with N labels LABEL_0.. (implies --with-head)"
    )
    e.add_argument(
        "--labels-from",
        help="labels file: JSON list / id2label, or one per line (implies --with-head)",
    )
    e.add_argument(
        "--no-normalize", action="store_true", help="metadata do_normalize=false (--random-init)"
    )
    e.add_argument("--save-checkpoint", help="also write the random model as an HF checkpoint dir")

    b = sub.add_parser(
        "batch", help="run several exports in one process (saves torch start-up time)"
    )
    b.add_argument(
        "file", help="file with one `export` argument list per line ('-' = stdin; # comments)"
    )

    i = sub.add_parser("info", help="print the audiomap.json metadata of an exported file")
    i.add_argument("model", help="exported .pt file")
    return p


def _random_model(args: argparse.Namespace):
    if not args.config:
        raise ConfigError("--random-init needs --config FILE")
    config: Dict[str, Any] = read_json(args.config)
    labels: Optional[List[str]] = None
    if args.labels_from:
        labels = read_labels(args.labels_from)
    elif args.num_labels is not None:
        labels = [f"LABEL_{i}" for i in range(args.num_labels)]
    archs = config.get("architectures") or []
    with_head = bool(
        args.with_head or labels is not None or any("SequenceClassification" in a for a in archs)
    )
    if labels is not None:
        config = with_labels(config, labels)
    elif with_head and not config.get("id2label"):
        raise ConfigError(
            "--with-head needs labels: --num-labels, --labels-from, or id2label in the config"
        )
    model = random_init(build_model(config, with_head=with_head, default_init=False), args.seed)
    source = f"random-init config={os.path.basename(args.config)} seed={args.seed}"
    return model.eval(), source


def cmd_export(args: argparse.Namespace) -> int:
    t0 = time.time()
    do_normalize, sampling_rate = not args.no_normalize, 16000
    if args.random_init:
        if args.checkpoint_dir:
            raise ConfigError("give either a checkpoint_dir or --random-init, not both")
        model, source = _random_model(args)
        if args.save_checkpoint:
            save_checkpoint(
                model, args.save_checkpoint, do_normalize=do_normalize, sampling_rate=sampling_rate
            )
    else:
        if not args.checkpoint_dir:
            raise ConfigError("need a checkpoint_dir (or --random-init --config FILE)")
        model, info = load_checkpoint(
            args.checkpoint_dir, padding_mode=args.padding_mode, base_only=args.base_only
        )
        do_normalize = info["preprocessor"]["do_normalize"]
        sampling_rate = info["preprocessor"]["sampling_rate"]
        source = f"hf-checkpoint {os.path.abspath(args.checkpoint_dir)} ({info['weights_file']})"
        if info["ignored_keys"]:
            print(f"ignored {len(info['ignored_keys'])} unused checkpoint keys", file=sys.stderr)
    meta = export_model(
        model,
        args.output,
        padding_mode=args.padding_mode,
        dtype=args.dtype,
        do_normalize=do_normalize,
        sampling_rate=sampling_rate,
        source=source,
    )
    print(
        f"wrote {args.output}: {meta['num_hidden_layers']} layers x {meta['hidden_size']}, "
        f"{meta['position_embeddings_type']} positions, {meta['feat_extract_norm']} norm, "
        f"head={meta['has_head']}, padding={meta['padding_mode']}, dtype={args.dtype} "
        f"in {time.time() - t0:.1f}s"
    )
    return 0


def cmd_batch(path: str) -> int:
    """Run ``export`` once per non-empty, non-comment line of ``path`` (shell-quoted args)."""
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    parser = _parser()
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            cmd_export(parser.parse_args(["export", *shlex.split(line)]))
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "export":
            return cmd_export(args)
        if args.command == "batch":
            return cmd_batch(args.file)
        print(json.dumps(read_metadata(args.model), indent=2, sort_keys=True))
        return 0
    except (ConfigError, CheckpointError, FileNotFoundError) as err:
        print(f"audiomap_export: error: {err}", file=sys.stderr)
        return 2
