"""Speech benchmark: spoken digits (FSDD) isolated and connected, the baseline, streaming.

Variants (each a full `lstm-apps run speech` with these settings):

    official            BiLSTM on the official split (recordings 0-4 of each digit and
                        speaker are the test set), with the logistic-regression baseline on
                        the same log-mel frames, in the same run
    official_gru        the same with a unidirectional GRU
    official_cnn_lstm   the same with the convolutional front + LSTM
    official_minirocket the BiLSTM again, with MiniRocket as the baseline
    speaker_<name>      leave one speaker out: every recording of <name> is the test set
                        (six variants, one per speaker)
    connected           2-7 digits per utterance, causal LSTM with CTC; digit error rate
                        with beam search and greedy decoding; then streaming: a long
                        recording of 12 test digits fed 10 ms at a time through
                        `DigitStreamer` (onnxruntime), with the step time per hop

Prints one line per run and writes benchmarks/results/speech.json after every run, so an
interrupted benchmark keeps what it measured and a rerun skips finished runs. Times are
wall-clock seconds on the machine that runs it; peak memory is the process's resident peak
so far.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from common import command_line, mean_std, print_row, run_row, seed_parser
from migrate_results import load, save
from result_layouts import variants_layout

from lstm_apps.tasks import get_case_study, parse_overrides, run_case_study

RESULTS = Path(__file__).parent / "results" / "speech.json"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
VARIANTS = {
    "official": {},
    "official_gru": {"architecture": "gru"},
    "official_cnn_lstm": {"architecture": "cnn_lstm"},
    "official_minirocket": {"baseline": "minirocket"},
    **{f"speaker_{s}": {"protocol": "speaker", "test_speaker": s} for s in SPEAKERS},
    "connected": {
        "task": "connected",
        "architecture": "lstm",
        "baseline": "none",
        "training.max_epochs": 40,
        "training.mini_batch_size": 64,
        "training.initial_learn_rate": 0.003,
        "training.learn_rate_drop_period": 20,
        "training.time_budget": 1140.0,
    },
}
HEADLINE = (
    "accuracy",
    "baseline_logreg_accuracy",
    "baseline_minirocket_accuracy",
    "digit_error_rate",
    "digit_error_rate_greedy",
    "stream_digit_error_rate",
    "stream_step_ms_median",
)


def streaming_row(run, count=12) -> dict:
    """Stream a long recording of `count` test digits hop by hop; DER and step times."""
    from lstm_apps.tasks.speech.ctc import digit_error_rate
    from lstm_apps.tasks.speech.streaming import DigitStreamer, demo_recording

    sentence = demo_recording(run.data, count)
    digits = list(sentence.labels[0])
    streamer = DigitStreamer(run.model)
    streamer.run(sentence.waveforms[0][: streamer.hop * 50])  # warm-up
    result = streamer.run(sentence.waveforms[0])
    steps = 1000 * np.asarray(result.step_seconds)
    return {
        "stream_backend": streamer.predictor.backend,
        "stream_digits": len(digits),
        "stream_digit_error_rate": digit_error_rate([digits], [result.digits]),
        "stream_step_ms_median": float(np.median(steps)),
        "stream_step_ms_p99": float(np.percentile(steps, 99)),
        "stream_hop_ms": 1000 * streamer.hop / streamer.sample_rate,
    }


def main():
    parser = seed_parser(__doc__, RESULTS, seeds=(0,), variants=VARIANTS)
    parser.add_argument("--run-folders", type=Path, help="also write each run's folder here")
    args = parser.parse_args()
    results = load(args.output, variants_layout, {})
    module = get_case_study("speech")
    for variant in args.variants:
        settings = VARIANTS[variant]
        runs = results.setdefault(
            variant, {"case_study": "speech", "settings": settings, "runs": []}
        )
        done = {r["seed"] for r in runs["runs"]}
        for seed in args.seeds:
            if seed in done:
                continue
            overrides = parse_overrides(module.Config, args.changes)
            config = module.Config().replace(**{**settings, **overrides, "training.seed": seed})
            folder = args.run_folders and args.run_folders / f"{variant}-seed{seed}"
            run = run_case_study("speech", config, output=folder)
            row = run_row(seed, run)
            if config.task == "connected" and config.streamable:
                row.update(streaming_row(run))
            runs["runs"].append(row)
            runs["summary"] = mean_std(runs["runs"])
            save(args.output, "speech", results, command=command_line())
            print_row(variant, row, HEADLINE, digits=4)


if __name__ == "__main__":
    main()
