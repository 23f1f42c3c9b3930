"""Build the Spanish 3-class tweet CSV used by `benchmarks/own_data.py` from its raw files.

The raw files are the Spanish part of UMSAB (the InterTASS 2017 tweets as
released in github.com/cardiffnlp/xlm-t, `data/sentiment/spanish/`): six text
files, `{train,val,test}_{text,labels}.txt`, one tweet or one label code per
line (0 negative, 1 neutral, 2 positive), with no newline after the last line.
The script checks each file's sha256 against the values pinned below (the
copy at commit 593a7a337c710e27a50d12de9d4f716de6eb64c0, also the files of the
later commits), pairs texts with labels, and writes one UTF-8 CSV with the
columns `text,label,split`: labels "negative" / "neutral" / "positive", splits
"train" / "validation" / "test" (the source's own split: 1,839 / 324 / 870
tweets, 613 / 108 / 290 of each class). Nothing is downloaded, and the CSV
is written outside the repository (no data file is committed).

Usage:
    python benchmarks/build_spanish_sentiment.py [--raw DIR] [--output FILE]

`--raw` defaults to ~/.cache/lstm_apps/spanish_tweets_intertass/raw and
`--output` to ~/.cache/lstm_apps/spanish_tweets_intertass/spanish_tweets_3class.csv.
See datasets/spanish_tweets_intertass/README.md for the source and licence.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
from pathlib import Path

NAME = "spanish_tweets_intertass"
CACHE = Path.home() / ".cache" / "lstm_apps" / NAME
RAW = CACHE / "raw"
OUTPUT = CACHE / "spanish_tweets_3class.csv"
REPOSITORY = Path(__file__).resolve().parents[1]
SOURCE = "github.com/cardiffnlp/xlm-t, data/sentiment/spanish/"
SHA256 = {
    "train_text.txt": "8d6c55413482605e3c8ea8abc129824c2c3492f803fa12f79ddb6b037667c16f",
    "train_labels.txt": "1225a2d319fe4831e1dcb859a51e21c6a8a40c627f4a18c4e872554c385d23f5",
    "val_text.txt": "5184902f010a6180fb1bb8d085a73f97e2bca9a059d79655e8e97e5d6ef3b920",
    "val_labels.txt": "2728c5af0a67fdb89dfbab4663e5df365c529bb7c513192e829771ebe16aef65",
    "test_text.txt": "c075f04461e28d63703d52bc14f55b104e9004c5ff64a56d9de2bc142372452c",
    "test_labels.txt": "7977cc5b0346f7ddab596fa6655ee7d2fe9f36c77129bfc14f3307d607a91761",
}
SPLITS = {"train": "train", "val": "validation", "test": "test"}  # file prefix -> CSV split
CLASSES = {"0": "negative", "1": "neutral", "2": "positive"}  # TweetEval / UMSAB codes


def read_checked(raw: Path, name: str) -> list[str]:
    """The lines of one raw file, after checking its sha256.

    Raises:
        ValueError: the file is missing or its sha256 differs from the pinned one.
    """
    path = raw / name
    if not path.is_file():
        raise ValueError(f"Missing raw file {path}: copy {SOURCE}{name} there. Received: raw={raw}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise ValueError(
            f"{path} is not the pinned file (sha256 {SHA256[name]}). Received: sha256={digest}"
        )
    return data.decode("utf-8").split("\n")


def build(raw: Path) -> list[tuple[str, str, str]]:
    """Rows `(text, label, split)` in source order: train, then validation, then test."""
    rows = []
    for prefix, split in SPLITS.items():
        texts = read_checked(raw, f"{prefix}_text.txt")
        labels = read_checked(raw, f"{prefix}_labels.txt")
        if len(texts) != len(labels):
            raise ValueError(
                f"{raw}: {prefix}_text.txt has {len(texts)} lines but {prefix}_labels.txt "
                f"has {len(labels)}. Received: raw={raw}"
            )
        rows += [(text, CLASSES[code], split) for text, code in zip(texts, labels)]
    return rows


def write_csv(rows, output: Path) -> str:
    """Write the CSV (UTF-8, LF line ends) and return its sha256."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "label", "split"])
        writer.writerows(rows)
    return hashlib.sha256(output.read_bytes()).hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW, help="folder of the six raw files")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="CSV to write")
    args = parser.parse_args()
    output = args.output.expanduser().resolve()
    if output.is_relative_to(REPOSITORY):
        raise ValueError(
            f"The CSV must be written outside the repository {REPOSITORY} (no data file is "
            f"committed). Received: output={args.output}"
        )
    rows = build(args.raw.expanduser())
    digest = write_csv(rows, output)
    counts = collections.Counter((split, label) for _, label, split in rows)
    print(f"Wrote {output}: {len(rows):,} tweets, sha256 {digest}")
    print("| split | " + " | ".join(CLASSES.values()) + " | total |")
    print("|---|" + "---|" * (len(CLASSES) + 1))
    for split in SPLITS.values():
        row = [counts[split, label] for label in CLASSES.values()]
        print(f"| {split} | " + " | ".join(f"{n:,}" for n in row) + f" | {sum(row):,} |")


if __name__ == "__main__":
    main()
