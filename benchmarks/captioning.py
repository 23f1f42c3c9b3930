"""Captioning and video benchmark: CNN + LSTM encoder-decoders on real handwriting and Flickr8k.

Usage:
    python benchmarks/captioning.py [--seeds 0] [--variants digits flickr8k ...]
                                    [--set FIELD=VALUE ...]   (e.g. training.max_epochs=5)

Variants (each is `lstm-apps run NAME` with the settings below):
    digits           captioning: digit scenes, small CNN + LSTM 256, beam 3 (the defaults)
    flickr8k         captioning: the Flickr8k sample (753 train images), small CNN from
                     scratch at 128x128, words seen at least 3 times, beam 3
    video_bilstm     video: moving-digit clips, per-frame CNN + BiLSTM 128 per direction,
                     40 classes (the defaults: 6,000 clips, 10 warm-up + 20 epochs)
    video_lstm       video: the same with a forward LSTM 128
    video_caption    video: the same clips captioned with the BiLSTM encoder
                     ("el cuatro sube y luego gira ...")

Prints one line per run and writes benchmarks/results/captioning.json after every
run, so an interrupted benchmark keeps what it measured and a rerun skips finished
runs. Times are wall-clock seconds on the machine that runs it; peak memory is the
process's resident peak so far (it only grows across runs of one process).
"""

from __future__ import annotations

from pathlib import Path

from common import command_line, mean_std, seed_parser
from migrate_results import load, save
from result_layouts import variants_layout

from lstm_apps.tasks import get_case_study, parse_overrides, run_case_study

RESULTS = Path(__file__).parent / "results" / "captioning.json"
VARIANTS = {
    "digits": ("captioning", {}),
    "flickr8k": ("captioning", dict(data="flickr8k", min_word_count=3)),
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
    "exact_match",
    "greedy_exact_match",
)


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
            run = run_case_study(name, module.Config().replace(**changes))
            row = {"seed": seed, **run.metrics, **run.timing, "epochs": len(run.history["loss"])}
            row.update(run.data.sizes())
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
