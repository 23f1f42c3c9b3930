"""Numerics and speed of mixed bfloat16 training (`training.precision`) on two real studies.

Runs the Japanese Vowels benchmark (LSTM and BiLSTM, several seeds) and the character
language model benchmark (LSTM 256) once in float32 and once with
`training.precision=mixed_bfloat16`, each in its own process. It then writes one results
file that sets the two side by side:

- Japanese Vowels: test accuracy per seed, and the gap between the two precisions'
  means against its standard error (the seed noise);
- char_lm: test bits per character, training seconds, and the time each fit took to
  first reach the float32 run's final validation bits per character (the time to the
  figure; epochs are taken as equally long).

Usage:
    python benchmarks/precision_checks.py [--seeds 5] [--epochs 18]
        [--reuse DIR]   # combine existing outputs named jv_PRECISION.json and
                        # char_lm_PRECISION.json instead of running the benchmarks
Prints a table and writes benchmarks/results/precision_checks.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import command_line, read_results, write_results

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "precision_checks.json"
PRECISIONS = ("float32", "mixed_bfloat16")


def commands(folder: Path, precision: str, seeds: int, epochs: int) -> dict[str, list[str]]:
    """The two benchmark commands of one precision, writing into `folder`."""
    change = f"--set=training.precision={precision}"
    jv = [str(HERE / "japanese_vowels.py"), "--networks", "lstm", "bilstm", f"--seeds={seeds}"]
    lm = [str(HERE / "char_lm.py"), "--cells", "lstm", f"--epochs={epochs}"]
    return {
        name: [sys.executable, *script, change, f"--output={folder / f'{name}_{precision}.json'}"]
        for name, script in (("jv", jv), ("char_lm", lm))
    }


def seconds_to_reach(epoch_bits: list[float], target: float, seconds: float) -> float | None:
    """Training seconds until the first epoch whose validation bits/char is <= `target`
    (None if none is): epochs are taken as equally long."""
    for epoch, bits in enumerate(epoch_bits, start=1):
        if bits <= target + 1e-9:
            return seconds * epoch / len(epoch_bits)
    return None


def combine(folder: Path) -> tuple[list[dict], dict]:
    """The runs of both studies at both precisions, and the side-by-side comparison."""
    runs, compared = [], {}
    for precision in PRECISIONS:
        for run in read_results(folder / f"jv_{precision}.json")["runs"]:
            metrics = {k: run["metrics"][k] for k in ("accuracy", "train_seconds")}
            variant = f"japanese_vowels/{run['variant']}/{precision}"
            runs.append({"variant": variant, "seed": run["seed"], "metrics": metrics})
    for network in ("lstm", "bilstm"):
        acc = {
            p: [r["metrics"]["accuracy"] for r in runs if r["variant"].endswith(f"/{network}/{p}")]
            for p in PRECISIONS
        }
        gap = statistics.mean(acc["mixed_bfloat16"]) - statistics.mean(acc["float32"])
        error = sum(statistics.variance(a) / len(a) for a in acc.values()) ** 0.5
        compared[f"japanese_vowels/{network}"] = {
            "accuracy_gap": gap,
            "gap_standard_error": error,
            "within_noise": abs(gap) <= 2 * error,
        }
    lm = {p: read_results(folder / f"char_lm_{p}.json")["runs"][0] for p in PRECISIONS}
    target = lm["float32"]["metrics"]["bits_per_char"]
    final_val = lm["float32"]["info"]["epoch_bits_per_char"]["val_loss"][-1]
    for precision, run in lm.items():
        m = run["metrics"]
        val = run["info"]["epoch_bits_per_char"]["val_loss"]
        reach = seconds_to_reach(val, final_val, m["train_seconds"])
        metrics = {k: m[k] for k in ("bits_per_char", "train_seconds", "epochs_run")}
        if reach is not None:  # left out when the fit never reached the float32 figure
            metrics["seconds_to_float32_validation_figure"] = reach
        runs.append({"variant": f"char_lm/lstm/{precision}", "seed": 0, "metrics": metrics})
    bf16 = lm["mixed_bfloat16"]["metrics"]
    compared["char_lm/lstm"] = {
        "bits_per_char_gap": bf16["bits_per_char"] - target,
        "train_seconds_ratio": bf16["train_seconds"] / lm["float32"]["metrics"]["train_seconds"],
        "float32_final_validation_bits_per_char": final_val,
    }
    return runs, compared


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="Japanese Vowels seeds")
    parser.add_argument("--epochs", type=int, default=18, help="char_lm epochs")
    parser.add_argument("--reuse", type=Path, help="combine the outputs already in this folder")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.reuse is not None:
        names = [f"{study}_{p}.json" for study in ("jv", "char_lm") for p in PRECISIONS]
        missing = [name for name in names if not (args.reuse / name).is_file()]
        if missing:
            parser.error(f"--reuse {args.reuse} lacks {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.reuse or Path(scratch)
        if args.reuse is None:
            for precision in PRECISIONS:
                for command in commands(folder, precision, args.seeds, args.epochs).values():
                    print("running:", " ".join(command[1:]), file=sys.stderr, flush=True)
                    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        runs, compared = combine(folder)
    for name, values in compared.items():
        print(name, {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()})
    write_results(
        args.output,
        benchmark="precision_checks",
        title="Mixed bfloat16 against float32 training: Japanese Vowels accuracy and char_lm "
        "bits per character and time",
        command=command_line(),
        config={"precisions": list(PRECISIONS), "jv_seeds": args.seeds, "epochs": args.epochs},
        seeds=sorted({run["seed"] for run in runs}),
        runs=runs,
        notes=[
            f"combined from the outputs already in {args.reuse}, written by the benchmark "
            "commands of `commands()` run one after another on this machine"
        ]
        if args.reuse
        else [],
        extra={"compared": compared},
    )
    print(f"Written: {args.output}", file=sys.stderr)
    return compared


if __name__ == "__main__":
    main()
