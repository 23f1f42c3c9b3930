"""`lstm-apps shard NAME --output DIR`: a study's data as shard folders (argument wiring only)."""

from __future__ import annotations

from pathlib import Path

COMPRESSION_CHOICES = ("GZIP", "ZLIB", "none")


def add_shard_parser(sub, common):
    """Add the `shard` sub-command to the `lstm-apps` parser."""
    shard = sub.add_parser(
        "shard",
        parents=[common],
        help="write a study's data (or your long-format CSV via the `sequences` study) as "
        "compressed TFRecord shards with a manifest, for training on data larger than memory",
    )
    shard.add_argument("name", help="case study (see `lstm-apps list`)")
    shard.add_argument(
        "--output",
        type=Path,
        required=True,
        help="parent folder of the train, validation and test shard folders",
    )
    shard.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="change a Config field, as in `lstm-apps run --set` (e.g. --set data=my.csv "
        "for the sequences study)",
    )
    shard.add_argument("--fast", action="store_true", help="the study's fast (small) data")
    shard.add_argument(
        "--sequences-per-shard",
        type=int,
        default=4096,
        metavar="N",
        help="sequences per shard file (default 4096)",
    )
    shard.add_argument(
        "--compression",
        choices=COMPRESSION_CHOICES,
        default="GZIP",
        help="compression of the shard files (default GZIP)",
    )
    shard.add_argument(
        "--overwrite", action="store_true", help="replace earlier shard folders under --output"
    )
    return shard


def check_shard(args):
    """Check a `shard` command's arguments before TensorFlow is imported.

    Sets `args.change_dict` (the parsed `--set` changes).

    Raises:
        ValueError: for an unknown study, a bad `--set`, a bad
            `--sequences-per-shard` or an `--output` that is a file.
    """
    from lstm_apps.tasks.registry import check_name, config_class, parse_overrides

    check_name(args.name)
    args.change_dict = parse_overrides(config_class(args.name), args.changes)
    if args.sequences_per_shard < 1:
        raise ValueError(
            f"--sequences-per-shard must be at least 1. Received: {args.sequences_per_shard}"
        )
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"--output must be a folder. Received: {args.output} (a file)")


def cmd_shard(args):
    """Write the shard folders and print what was written."""
    from lstm_apps.scaling.study_shards import write_study_shards

    if not hasattr(args, "change_dict"):
        check_shard(args)
    manifests = write_study_shards(
        args.name,
        args.output,
        changes=args.change_dict,
        fast=args.fast,
        sequences_per_shard=args.sequences_per_shard,
        compression="" if args.compression == "none" else args.compression,
        overwrite=args.overwrite,
    )
    print(summary(args.output, manifests))


def summary(root, manifests) -> str:
    """A table of the written splits: sequences, shards, bytes and the manifest's path."""
    lines = [f"{'split':<11}{'sequences':>10}{'shards':>8}{'bytes':>14}  manifest"]
    for split, manifest in manifests.items():
        size = sum(shard["bytes"] for shard in manifest["shards"])
        lines.append(
            f"{split:<11}{manifest['num_sequences']:>10}{len(manifest['shards']):>8}"
            f"{size:>14,}  {Path(root) / split / 'manifest.json'}"
        )
    first = next(iter(manifests.values()))
    label = first["label"]
    kind = label["kind"] or "none"
    lines.append(
        f"{first['num_features']} features per step; labels: {kind}"
        f"{' per step' if label['per_step'] else ''}; compression: "
        f"{first['compression'] or 'none'}"
    )
    return "\n".join(lines)
