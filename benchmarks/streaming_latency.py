"""Streaming inference: one-step latency and throughput of `StreamingPredictor`.

An LSTM(128) on 12 features with a 3-class softmax head (`output_mode="sequence"`,
random weights) is stepped one sample at a time for 1 and 64 streams, every
method measured side by side in one process:

- predict_per_step: `model.predict` on one step per call, the naive way; it
  does NOT carry the recurrent state, so it is wrong after step 0.
- predict_history_T100: `model.predict` on the last 100 steps per call, the
  correct but O(T) way.
- onnxruntime_session_run: the step ONNX model (`step_onnx()`) in a plain
  `InferenceSession` with 1 intra-op and 1 inter-op thread, states carried by
  hand through `session.run`; `_default_threads`: onnxruntime's thread defaults.
- streaming_tensorflow, streaming_tensorflow_xla, streaming_onnxruntime:
  `StreamingPredictor.step` with each backend.

Each call is timed on its own with `time.perf_counter()` after a warm-up, on
fresh standard-normal inputs. The fast methods are timed in 10 interleaved
rounds (every method once per round), so a slow spell of a shared machine
falls on all of them alike. Before timing, each method steps a (streams, 50,
12) batch and is compared with `model.predict(x)[:, t]` (max |diff|).

Usage:
    python benchmarks/streaming_latency.py [--steps N] [--fast] [--output DIR]

`--steps`: timed calls per fast method (default 2000; the `model.predict`
rows time 50); `--fast` uses 200. Writes streaming_latency.{json,png} to
benchmarks/results (or DIR) and prints a Markdown table and the target checks.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
import tensorflow as tf  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from common import command_line  # noqa: E402
from migrate_results import save  # noqa: E402

from lstm_apps import build_model  # noqa: E402
from lstm_apps.deploy.streaming import StreamingPredictor  # noqa: E402

RESULTS = Path(__file__).parent / "results"
FEATURES, UNITS, CLASSES = 12, 128, 3
STREAMS = (1, 64)
WARMUP, SLOW_WARMUP, SLOW_CALLS = 200, 5, 50
HISTORY, PARITY_STEPS = 100, 50
SLOW = ("predict_per_step", "predict_history_T100")
MODEL = f"LSTM({UNITS}) on {FEATURES} features, {CLASSES}-class softmax head, random weights"
STREAMING = ("streaming_tensorflow", "streaming_tensorflow_xla", "streaming_onnxruntime")


def make_model():
    keras.utils.set_random_seed(0)
    model = build_model(
        "lstm", num_features=FEATURES, num_outputs=CLASSES, units=UNITS, output_mode="sequence"
    )
    sample = np.random.default_rng(1).normal(2.0, 3.0, size=(1000, FEATURES)).astype("float32")
    model.get_layer("normalization").adapt([sample])
    return model


class SessionLoop:
    """The step ONNX model in a plain `InferenceSession`, as a user would run it."""

    def __init__(self, proto_bytes, num_streams, threads):
        options = onnxruntime.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(
            proto_bytes, options, providers=["CPUExecutionProvider"]
        )
        self.shape = (num_streams, UNITS)
        self.reset()

    def reset(self):
        self.s0, self.s1 = np.zeros(self.shape, "float32"), np.zeros(self.shape, "float32")

    def step(self, x):
        y, self.s0, self.s1 = self.session.run(
            None, {"x_t": x, "state_0": self.s0, "state_1": self.s1}
        )
        return y


def methods(model, n, proto_bytes):
    """Name -> (step, reset) for every method at `n` streams."""
    found = {
        "predict_per_step": (lambda x: model.predict(x[:, None, :], verbose=0)[:, 0], None),
        "predict_history_T100": (lambda h: model.predict(h, verbose=0)[:, -1], None),
    }
    for name, threads in (("", 1), ("_default_threads", None)):
        loop = SessionLoop(proto_bytes, n, threads)
        found["onnxruntime_session_run" + name] = (loop.step, loop.reset)
    for name, backend, jit in zip(STREAMING, ("tensorflow",) * 2 + ("onnxruntime",), (0, 1, 0)):
        streamer = StreamingPredictor(model, n, backend=backend, jit_compile=bool(jit))
        found[name] = (streamer.step, streamer.reset)
    return found


def parity(name, step, reset, x, reference):
    """Max |step output - model.predict(x)[:, t]| over the steps of `x`."""
    if name == "predict_history_T100":  # prefixes: predict on the history up to t
        ts = (9, 29, PARITY_STEPS - 1)
        out = np.stack([step(x[:, : t + 1]) for t in ts], axis=1)
        return float(np.abs(out - reference[:, ts]).max())
    if reset is not None:
        reset()
    out = np.stack([step(np.ascontiguousarray(x[:, t])) for t in range(x.shape[1])], axis=1)
    return float(np.abs(out - reference).max())


def time_calls(step, inputs, warmup):
    for x in inputs[:warmup]:
        step(x)
    times = np.empty(len(inputs) - warmup)
    for i, x in enumerate(inputs[warmup:]):
        start = time.perf_counter()
        step(x)
        times[i] = time.perf_counter() - start
    return times


def measure(model, steps, rounds=10):
    """Time every method; the fast ones in `rounds` interleaved rounds, so drift hits all alike."""
    rng = np.random.default_rng(0)
    rows = []
    for n in STREAMS:
        proto_bytes = StreamingPredictor(model, n, backend="tensorflow").step_onnx()
        proto_bytes = proto_bytes.SerializeToString()
        x = rng.standard_normal((n, PARITY_STEPS, FEATURES), dtype="float32")
        reference = model.predict(x, verbose=0)
        per_round = max(1, steps // rounds)
        fast = rng.standard_normal((WARMUP + per_round, n, FEATURES), dtype="float32")
        calls = SLOW_WARMUP + SLOW_CALLS
        single = rng.standard_normal((calls, n, FEATURES), dtype="float32")
        stream = rng.standard_normal((n, calls + HISTORY, FEATURES), dtype="float32")
        windows = [stream[:, i : i + HISTORY] for i in range(calls)]
        found = methods(model, n, proto_bytes)
        diffs, times = {}, {name: [] for name in found}
        for name, (step, reset) in found.items():
            print(f"  {n} stream(s): {name} ...", flush=True)
            diffs[name] = parity(name, step, reset, x, reference)
            if reset is not None:
                reset()
            if name in SLOW:
                inputs = windows if name == "predict_history_T100" else single
                times[name].append(time_calls(step, inputs, SLOW_WARMUP))
            else:
                time_calls(step, fast[:WARMUP], WARMUP)
        for _ in range(rounds):
            for name, (step, _reset) in found.items():
                if name not in SLOW:
                    times[name].append(time_calls(step, fast[WARMUP:], 0))
        for name in found:
            ms = np.concatenate(times[name]) * 1e3
            rows.append(
                {
                    "method": name,
                    "streams": n,
                    "calls": len(ms),
                    "median_ms": float(np.median(ms)),
                    "p90_ms": float(np.percentile(ms, 90)),
                    "p99_ms": float(np.percentile(ms, 99)),
                    "stream_steps_per_s": float(n / (ms.mean() / 1e3)),
                    "max_abs_diff": diffs[name],
                }
            )
    return rows


def targets(rows):
    median = {(r["method"], r["streams"]): r["median_ms"] for r in rows}
    best = min(STREAMING, key=lambda m: median[(m, 1)])
    value = median[(best, 1)]
    lines = [
        f"one-stream median of streaming (best backend: {best}) <= 0.5 ms: "
        f"{'PASS' if value <= 0.5 else 'FAIL'} ({value:.4f} ms)"
    ]
    sessions = ("onnxruntime_session_run", "onnxruntime_session_run_default_threads")
    for method in ("streaming_onnxruntime", "streaming_tensorflow"):
        for n in STREAMS:
            fastest = min(sessions, key=lambda m: median[(m, n)])
            ours, ort = median[(method, n)], median[(fastest, n)]
            lines.append(
                f"{method} no slower than the faster plain onnxruntime loop ({fastest}, "
                f"{n} stream(s)): {'PASS' if ours <= ort else 'FAIL'} ({ours:.4f} ms vs "
                f"{ort:.4f} ms, ratio {ours / ort:.2f})"
            )
    return lines


def table(rows) -> str:
    lines = [
        "| method | streams | median ms | p90 ms | p99 ms | stream-steps/s | max \\|diff\\| |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r['streams']} | {r['median_ms']:.4f} | {r['p90_ms']:.4f} | "
            f"{r['p99_ms']:.4f} | {r['stream_steps_per_s']:,.0f} | {r['max_abs_diff']:.2e} |"
        )
    return "\n".join(lines)


def plot(rows, path):
    names = list(dict.fromkeys(r["method"] for r in rows))
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(10, 5))
    for i, name in enumerate(names):
        values = [
            next(r["median_ms"] for r in rows if r["method"] == name and r["streams"] == n)
            for n in STREAMS
        ]
        ax.bar(
            np.arange(len(STREAMS)) + (i - (len(names) - 1) / 2) * width, values, width, label=name
        )
    ax.axhline(0.5, color="k", linestyle="--", linewidth=1, label="0.5 ms target")
    ax.set_xticks(np.arange(len(STREAMS)), [f"{n} stream(s)" for n in STREAMS])
    ax.set_yscale("log")
    ax.set_ylabel("median latency per step call (ms)")
    ax.set_title(f"LSTM({UNITS}), {FEATURES} features: one-step latency")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000, help="timed calls per fast method")
    parser.add_argument("--fast", action="store_true", help="200 timed calls (skips nothing)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    steps = 200 if args.fast else args.steps
    machine = {
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    print("Machine:", machine)
    model = make_model()
    rows = measure(model, steps)
    checks = targets(rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{MODEL}, {steps} timed calls (model.predict rows: {SLOW_CALLS}).\n"
        "predict_per_step does NOT carry the state (see its max |diff|); "
        f"predict_history_T100 re-runs the last {HISTORY} steps per call. "
        "onnxruntime_session_run: 1 intra-op / 1 inter-op thread; _default_threads: "
        "onnxruntime defaults.\n"
    )
    print(table(rows) + "\n")
    print("\n".join(checks))
    print(f"Peak RSS: {peak:.0f} MiB")
    args.output.mkdir(parents=True, exist_ok=True)
    record = {
        "machine": machine,
        "model": MODEL,
        "timed_calls": steps,
        "warmup": WARMUP,
        "rows": rows,
        "targets": checks,
        "peak_rss_mib": peak,
    }
    path = args.output / "streaming_latency.json"
    save(path, "streaming_latency", record, command=command_line())
    plot(rows, args.output / "streaming_latency.png")
    print(f"Wrote {path} and {path.with_suffix('.png')}")


if __name__ == "__main__":
    main()
