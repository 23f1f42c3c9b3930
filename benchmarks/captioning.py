"""Captioning and video benchmark: CNN + LSTM encoder-decoders on real handwriting and Flickr8k.

Usage:
    python benchmarks/captioning.py [--seeds 0] [--variants digits flickr8k ...]
                                    [--set FIELD=VALUE ...]   (e.g. training.max_epochs=5)

Variants (each is `lstm-apps run NAME` with the settings below):
    digits           captioning: digit scenes, small CNN + LSTM 256, beam 3 (the defaults)
    flickr8k         captioning: the Flickr8k sample (753 / 113 / 125 photos), words seen
                     at least 3 times, beam 3, LSTM 256; EfficientNet-Lite0 (bundled
                     ImageNet weights) at 224x224, pooled 1280 features computed once,
                     init-inject + merge decoder (the defaults for data=flickr8k)
    flickr8k_attention   the same encoder's 7x7x1280 grid, soft-attention decoder
    flickr8k_finetune    the last block of EfficientNet-Lite0 trained with the decoder
                     (every image goes through the encoder at each step), 5 epochs at most
    flickr8k_small_cnn   the earlier route: a small CNN from scratch at 96x96 with word
                     spotting first, 10 epochs (the notebook's full mode)
    video_bilstm     video: moving-digit clips, per-frame CNN + BiLSTM 128 per direction,
                     40 classes (the defaults: 6,000 clips, 10 warm-up + 20 epochs)
    video_lstm       video: the same with a forward LSTM 128
    video_caption    video: the same clips captioned with the BiLSTM encoder
                     ("el cuatro sube y luego gira ...")

Flickr8k runs start from an empty feature cache (a temporary LSTM_APPS_CACHE_DIR):
`extract_seconds` is the time to read the photos and encode them, `load_cached_seconds`
a second load from the cache, and `seconds_per_epoch` the training time less that
cached load over the caption epochs (word spotting included for the small CNN).
BLEU-1..4 are NLTK's `corpus_bleu`: cumulative uniform weights, brevity penalty, no
smoothing, against the five references of each test photo. `own_captions` is the
share of test photos whose caption no other photo got. The Flickr8k figures are kept
apart: `--output benchmarks/results/captioning_flickr8k.json`.

Prints one line per run and writes benchmarks/results/captioning.json after every
run, so an interrupted benchmark keeps what it measured and a rerun skips finished
runs. Times are wall-clock seconds on the machine that runs it; peak memory is the
process's resident peak so far (it only grows across runs of one process).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common import command_line, mean_std, seed_parser
from migrate_results import load, save
from result_layouts import variants_layout

from lstm_apps.tasks import get_case_study, parse_overrides, run_case_study

RESULTS = Path(__file__).parent / "results" / "captioning.json"
FLICKR = dict(data="flickr8k", min_word_count=3)
VARIANTS = {
    "digits": ("captioning", {}),
    "flickr8k": ("captioning", FLICKR),
    "flickr8k_attention": ("captioning", {**FLICKR, "decoder": "attention"}),
    "flickr8k_finetune": (
        "captioning",
        {**FLICKR, "fine_tune_blocks": 1, "training.max_epochs": 5},
    ),
    "flickr8k_small_cnn": (
        "captioning",
        {**FLICKR, "encoder": "small_cnn", "image_size": 96, "training.max_epochs": 10},
    ),
    "video_bilstm": ("video", dict(head="classify")),
    "video_lstm": ("video", dict(head="classify", architecture="lstm")),
    "video_caption": ("video", dict(head="caption")),
}
HEADLINE = (
    "accuracy",
    "digit_accuracy",
    "direction_accuracy",
    "macro_f1",
    "bleu_1",
    "bleu_4",
    "own_captions",
    "exact_match",
    "greedy_exact_match",
)


def _flickr_run(module, config):
    """A Flickr8k run from an empty feature cache, with the extraction and cached-load times."""
    times, before = {}, os.environ.get("LSTM_APPS_CACHE_DIR")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["LSTM_APPS_CACHE_DIR"] = cache
        try:
            for key in ("extract_seconds", "load_cached_seconds"):
                start = time.perf_counter()
                module.load_data(config)
                times[key] = round(time.perf_counter() - start, 2)
            run = run_case_study("captioning", config)
        finally:
            if before is None:
                del os.environ["LSTM_APPS_CACHE_DIR"]
            else:
                os.environ["LSTM_APPS_CACHE_DIR"] = before
    return run, times


def main():
    args = seed_parser(__doc__, RESULTS, seeds=(0,), variants=VARIANTS).parse_args()
    results = load(args.output, variants_layout, {})
    for variant in args.variants:
        name, settings = VARIANTS[variant]
        module = get_case_study(name)
        runs = results.setdefault(variant, {"case_study": name, "settings": settings, "runs": []})
        done = {r["seed"] for r in runs["runs"]}
        for seed in args.seeds:
            if seed in done:
                continue
            overrides = parse_overrides(module.Config, args.changes)
            changes = {**settings, **overrides, "training.seed": seed}
            config = module.Config().replace(**changes)
            if getattr(config, "data", None) == "flickr8k":
                run, row = _flickr_run(module, config)
            else:
                run, row = run_case_study(name, config), {}
            epochs = len(run.history["loss"])
            row = {"seed": seed, **run.metrics, **run.timing, "epochs": epochs, **row}
            row.update(run.data.sizes())
            if "load_cached_seconds" in row:
                fit_seconds = run.timing["train_seconds"] - row["load_cached_seconds"]
                row["seconds_per_epoch"] = round(fit_seconds / epochs, 2)
            for key, history in (
                ("pretrain_epochs", getattr(run, "pretraining_history", {})),
                ("warmup_epochs", getattr(run, "warmup_history", {})),
            ):
                if history:  # the warm-up fits that ran
                    row[key] = len(history["loss"])
            runs["runs"].append(row)
            runs["summary"] = mean_std(runs["runs"])
            save(args.output, "captioning", results, command=command_line())
            shown = ", ".join(f"{k} {row[k]:.4f}" for k in HEADLINE if k in row)
            print(
                f"{variant} seed {seed}: {shown}; train {row['train_seconds']:.0f} s, "
                f"evaluate {row['evaluate_seconds']:.0f} s, peak {row['peak_memory_mib']:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
