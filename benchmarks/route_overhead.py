"""Where the package's training route loses speed against plain Keras: one LSTM, variants.

The task of `throughput.py`'s small size (LSTM 128 read at the last step, 2,048
random sequences of 50 steps and 12 features, 9 classes, Adam, batches of 64),
trained for 4 epochs; samples/s is the median of the epochs after the first.
Each variant runs in its own process:

- keras: `Input -> LSTM -> Dense`, `model.fit` on arrays;
- keras_mask: the same with a `Masking` layer before the LSTM;
- keras_last_valid: no mask; the LSTM returns every step and the output is read at each
  sequence's last non-padded step (exact for a causal layer and right padding);
- keras_nocudnn_xla: `LSTM(use_cudnn=False)` compiled with XLA (`jit_compile=True`);
- fused / fused_xla: the input projection of every step as one `Dense(4H)` before
  a `keras.layers.RNN` whose cell only adds `h @ U` (mathematically an LSTM);
- builder_fit: `lstm_apps.build_model` (masking, normalization "none") with `model.fit`;
- package: `lstm_apps.build_model` + `lstm_apps.train` (the route every study uses);
- package_nobucket: the same with `bucket_by_length=False`;
- keras_intra1 / package_intra1: keras / package with TensorFlow's intra-op thread
  pool set to one thread (`tf.config.threading.set_intra_op_parallelism_threads(1)`).

`--size large` takes throughput.py's large shape (T=200, F=6, H=64, B=32, N=1024) instead.
Every run also records its fastest epoch (`best_epoch_samples_per_s`): on a shared machine
whose epochs run at one of two speeds, the fastest epoch is the steadier figure.

Usage:
    python benchmarks/route_overhead.py [--variants ...] [--rounds 3] [--size small|large]
        [--output FILE]
Prints a table and writes benchmarks/results/route_overhead.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import command_line, write_results

RESULTS = Path(__file__).parent / "results" / "route_overhead.json"
VARIANTS = (
    "keras", "keras_mask", "keras_last_valid", "keras_nocudnn_xla", "fused", "fused_xla",
    "builder_fit", "package", "package_nobucket", "keras_intra1", "package_intra1",
)  # fmt: skip
SIZES = {
    "small": dict(T=50, F=12, H=128, B=64, N=2048),
    "large": dict(T=200, F=6, H=64, B=32, N=1024),
}
T, F, H, B, N, EPOCHS = 50, 12, 128, 64, 2048, 4


def use_size(name):
    """Set the module's shape to one of `SIZES`."""
    global T, F, H, B, N
    T, F, H, B, N = SIZES[name].values()


def _model(variant):
    import keras
    from keras import ops

    class RecurrentPart(keras.layers.Layer):
        """An LSTM cell whose inputs are already `x @ W + b` (4 units wide)."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size, self.output_size = units, [units, units], units

        def build(self, input_shape):
            shape = (self.units, 4 * self.units)
            self.recurrent_kernel = self.add_weight(shape=shape, initializer="orthogonal")

        def call(self, inputs, states):
            h, c = states
            i, f, g, o = ops.split(inputs + ops.matmul(h, self.recurrent_kernel), 4, axis=-1)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            return h, [h, c]

    inputs = keras.Input((T, F))
    if variant.startswith("fused"):
        z = keras.layers.RNN(RecurrentPart(H))(keras.layers.Dense(4 * H)(inputs))
    elif variant == "keras_mask":
        z = keras.layers.LSTM(H)(keras.layers.Masking(0.0)(inputs))
    elif variant == "keras_last_valid":
        steps = keras.layers.LSTM(H, return_sequences=True)(inputs)
        real = ops.any(ops.not_equal(inputs, 0.0), axis=-1)
        last = ops.sum(ops.cast(real, "int32"), axis=1) - 1  # right padding: steps 0..n-1
        z = ops.take_along_axis(steps, ops.reshape(last, (-1, 1, 1)), axis=1)[:, 0]
    else:
        z = keras.layers.LSTM(H, use_cudnn=False if variant == "keras_nocudnn_xla" else "auto")(
            inputs
        )
    model = keras.Model(inputs, keras.layers.Dense(9, activation="softmax")(z))
    model.compile(
        "adam",
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=variant.endswith("_xla"),
    )
    return model


def worker(variant) -> dict:
    if variant.endswith("_intra1"):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        variant = variant.removesuffix("_intra1")
    import keras
    import numpy as np

    import lstm_apps

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, F), dtype=np.float32)
    y = rng.integers(0, 9, size=N)
    seconds = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    if variant.startswith("package"):
        model = lstm_apps.build_model("lstm", num_features=F, num_outputs=9, units=H)
        options = lstm_apps.TrainingOptions(
            max_epochs=EPOCHS, mini_batch_size=B, verbose=0, seed=0, shuffle="every-epoch",
            bucket_by_length=variant == "package",
        )  # fmt: skip
        lstm_apps.train(model, x, y, options, callbacks=[Clock()])
    else:
        if variant == "builder_fit":
            model = lstm_apps.build_model(
                "lstm", num_features=F, num_outputs=9, units=H, normalization="none"
            )
            model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        else:
            model = _model(variant)
        model.fit(x, y, batch_size=B, epochs=EPOCHS, verbose=0, callbacks=[Clock()])
    return {
        "train_samples_per_s": N / float(np.median(seconds[1:])),
        "best_epoch_samples_per_s": N / float(min(seconds[1:])),
        "first_epoch_seconds": seconds[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--size", choices=list(SIZES), default="small")
    parser.add_argument("--worker", choices=VARIANTS)
    args = parser.parse_args()
    use_size(args.size)
    if args.worker:
        print("ROUTE_RESULT " + json.dumps(worker(args.worker)))
        return
    runs = []
    for round_ in range(args.rounds):
        for variant in args.variants:
            done = subprocess.run(
                [sys.executable, __file__, "--worker", variant, "--size", args.size],
                capture_output=True,
                text=True,
            )
            line = next(
                (s for s in done.stdout.splitlines() if s.startswith("ROUTE_RESULT ")), None
            )
            if line is None:
                print(f"{variant}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            metrics = json.loads(line.split(" ", 1)[1])
            runs.append({"variant": variant, "seed": round_, "metrics": metrics})
            print(f"| {round_} | {variant} | {metrics['train_samples_per_s']:,.0f} | "
              f"{metrics['first_epoch_seconds']:.2f} |", flush=True)  # fmt: skip
    write_results(
        args.output,
        benchmark="route_overhead",
        title=f"Training samples/s of one LSTM {H}: plain Keras, masking, reading the last "
        "valid step, XLA, a fused input projection, and the package's route",
        command=command_line(),
        config={"size": args.size, "T": T, "F": F, "H": H, "B": B, "N": N, "epochs": EPOCHS},
        seeds=list(range(args.rounds)),
        runs=runs,
        notes=[
            "one process per variant and round, rounds interleaved; 'seed' is the round "
            "(the data and weights use seed 0 in every run)"
        ],
    )


if __name__ == "__main__":
    main()
