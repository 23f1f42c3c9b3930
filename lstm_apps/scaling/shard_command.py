"""`lstm-apps shard NAME --output DIR` (a study's data) or `lstm-apps shard --csv PATH --output
DIR` (a long-format CSV of any size, streamed): shard folders (argument wiring only)."""

from __future__ import annotations

from pathlib import Path

COMPRESSION_CHOICES = ("GZIP", "ZLIB", "none")
CSV_COLUMNS = {"sequence": "sequence", "label": "label", "split": "split"}
CHUNK_ROWS = 100_000


def add_shard_parser(sub, common):
    """Add the `shard` sub-command to the `lstm-apps` parser."""
    shard = sub.add_parser(
        "shard",
        parents=[common],
        help="write a study's data, or a long-format CSV of any size (--csv, streamed in "
        "chunks), as compressed TFRecord shards with a manifest, for training on data larger "
        "than memory",
    )
    shard.add_argument(
        "name", nargs="?", help="case study (see `lstm-apps list`); or give --csv instead"
    )
    shard.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="a long-format CSV (one row per time step; .gz, .bz2, .xz, .zip too) converted "
        "chunk by chunk, never whole in memory; each sequence's rows must be contiguous and "
        "in time order",
    )
    for option, default in CSV_COLUMNS.items():
        shard.add_argument(
            f"--{option}-column",
            metavar="NAME",
            help=f"with --csv: the {option} column (default {default!r})",
        )
    shard.add_argument(
        "--chunk-rows",
        type=int,
        metavar="N",
        help=f"with --csv: rows read at a time (default {CHUNK_ROWS:,})",
    )
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

    Sets `args.change_dict` (the parsed `--set` changes; empty with `--csv`).

    Raises:
        ValueError: for neither or both of NAME and `--csv`, CSV options
            without `--csv` (or `--set`/`--fast` with it), an unknown study,
            a bad `--set`, a bad `--sequences-per-shard` or `--chunk-rows`, or
            an `--output` that is a file.
    """
    csv_options = [f"--{o}-column" for o in CSV_COLUMNS if getattr(args, f"{o}_column")]
    csv_options += ["--chunk-rows"] if args.chunk_rows is not None else []
    if (args.name is None) == (args.csv is None):
        raise ValueError(
            "Give a case study NAME or --csv PATH (exactly one). Received: "
            f"name={args.name!r}, --csv={None if args.csv is None else str(args.csv)!r}"
        )
    if args.csv is None and csv_options:
        raise ValueError(f"{', '.join(csv_options)} need --csv. Received: {args.name!r}")
    if args.csv is not None and (args.changes or args.fast):
        given = [*(["--set"] if args.changes else []), *(["--fast"] if args.fast else [])]
        raise ValueError(f"{' and '.join(given)} apply to a case study, not to --csv.")
    args.change_dict = {}
    if args.name is not None:
        from lstm_apps.tasks.registry import check_name, config_class, parse_overrides

        check_name(args.name)
        args.change_dict = parse_overrides(config_class(args.name), args.changes)
    if args.sequences_per_shard < 1:
        raise ValueError(
            f"--sequences-per-shard must be at least 1. Received: {args.sequences_per_shard}"
        )
    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise ValueError(f"--chunk-rows must be at least 1. Received: {args.chunk_rows}")
    if args.output.exists() and not args.output.is_dir():
        raise ValueError(f"--output must be a folder. Received: {args.output} (a file)")


def cmd_shard(args):
    """Write the shard folders and print what was written."""
    if not hasattr(args, "change_dict"):
        check_shard(args)
    compression = "" if args.compression == "none" else args.compression
    if args.csv is not None:
        from lstm_apps.scaling.csv_shards import write_csv_shards

        columns = {
            f"{o}_column": getattr(args, f"{o}_column") or default
            for o, default in CSV_COLUMNS.items()
        }
        manifests = write_csv_shards(
            args.csv,
            args.output,
            **columns,
            chunk_rows=args.chunk_rows or CHUNK_ROWS,
            sequences_per_shard=args.sequences_per_shard,
            compression=compression,
            overwrite=args.overwrite,
        )
        origin = f"CSV {args.csv.name}"
    else:
        from lstm_apps.scaling.study_shards import write_study_shards

        manifests = write_study_shards(
            args.name,
            args.output,
            changes=args.change_dict,
            fast=args.fast,
            sequences_per_shard=args.sequences_per_shard,
            compression=compression,
            overwrite=args.overwrite,
        )
        origin = f"study {args.name}"
    print(summary(args.output, manifests, origin))


def summary(root, manifests, origin=None) -> str:
    """A table of the written splits: sequences, shards, bytes and the manifest's path, then
    the features, the labels (with the class count) and the compression; `origin` (e.g.
    "CSV big.csv") opens the table when given."""
    lines = [f"Shards of {origin}:"] if origin else []
    lines.append(f"{'split':<11}{'sequences':>10}{'shards':>8}{'bytes':>14}  manifest")
    for split, manifest in manifests.items():
        size = sum(shard["bytes"] for shard in manifest["shards"])
        lines.append(
            f"{split:<11}{manifest['num_sequences']:>10}{len(manifest['shards']):>8}"
            f"{size:>14,}  {Path(root) / split / 'manifest.json'}"
        )
    first = next(iter(manifests.values()))
    label = first["label"]
    kind = label["kind"] or "none"
    if kind == "class":
        kind += f" ({label['num_classes']} classes)"
    lines.append(
        f"{first['num_features']} features per step; labels: {kind}"
        f"{' per step' if label['per_step'] else ''}; compression: "
        f"{first['compression'] or 'none'}"
    )
    return "\n".join(lines)
