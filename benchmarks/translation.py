"""Translation benchmark: Tatoeba Spanish <-> English, encoder-decoders with and without
attention and a Transformer baseline, sacreBLEU and chrF on the grouped test split.

Variants (each a full `lstm-apps run translation` with one model, so that two variants can
train side by side on a 2-core machine; one run can also compare them all with
`--set models=...`):

    es_en_seq2seq       Spanish -> English, LSTM encoder-decoder, no attention (the final
                        encoder state is the decoder's only context)
    es_en_attention     the same with Luong (scaled dot-product) attention
    es_en_bahdanau      the same with Bahdanau (additive) attention
    es_en_bilstm        attention over a bidirectional LSTM encoder
    es_en_transformer   a small Transformer (2 + 2 blocks, 4 heads, width 160: 5.3 M
                        parameters, as the LSTMs' 5.0-5.1 M; learn rate 0.0007)
    es_en_transformer_wide  the same at width 256 (9.9 M parameters)
    en_es_attention     English -> Spanish, Luong attention

Every fit stops after `training.time_budget` seconds (30 minutes by default) or on the
validation loss. Prints one line per run and merges it into
benchmarks/results/translation.json (read again just before writing, so that variants run
in parallel do not overwrite each other); a rerun skips finished runs. Times are wall-clock
seconds on the machine that runs it; peak memory is the process's resident peak.
"""

from __future__ import annotations

from pathlib import Path

from common import command_line, mean_std, print_row, run_row, seed_parser
from migrate_results import load, save
from result_layouts import variants_layout

from lstm_apps.tasks import get_case_study, parse_overrides, run_case_study

RESULTS = Path(__file__).parent / "results" / "translation.json"
VARIANTS = {
    "es_en_seq2seq": {"models": ("seq2seq",)},
    "es_en_attention": {"models": ("attention",)},
    "es_en_bahdanau": {"models": ("attention",), "attention": "bahdanau"},
    "es_en_bilstm": {"models": ("bilstm",)},
    "es_en_transformer": {"models": ("transformer",)},
    "es_en_transformer_wide": {"models": ("transformer",), "transformer_units": 256},
    "en_es_attention": {"models": ("attention",), "direction": "en-es"},
}
HEADLINE = ("bleu", "chrf", "greedy_bleu", "bleu_len_1_5", "bleu_len_16_plus")


def main():
    parser = seed_parser(__doc__, RESULTS, seeds=(0,), variants=VARIANTS)
    parser.add_argument("--run-folders", type=Path, help="also write each run's folder here")
    args = parser.parse_args()
    module = get_case_study("translation")
    for variant in args.variants:
        settings = VARIANTS[variant]
        for seed in args.seeds:
            done = load(args.output, variants_layout, {}).get(variant, {}).get("runs", [])
            if seed in {r["seed"] for r in done}:
                continue
            overrides = parse_overrides(module.Config, args.changes)
            config = module.Config().replace(**{**settings, **overrides, "training.seed": seed})
            folder = args.run_folders and args.run_folders / f"{variant}-seed{seed}"
            run = run_case_study("translation", config, output=folder)
            kind = config.models[0]
            row = run_row(seed, run)
            row["train_seconds_model"] = run.metrics.get(f"{kind}_train_seconds")
            results = load(args.output, variants_layout, {})  # others may have written since
            runs = results.setdefault(
                variant, {"case_study": "translation", "settings": settings, "runs": []}
            )
            runs["runs"].append(row)
            runs["summary"] = mean_std(runs["runs"])
            save(args.output, "translation", results, command=command_line())
            print_row(variant, row, HEADLINE, digits=2)


if __name__ == "__main__":
    main()
