"""The PyTorch reference of `throughput.py`: one measurement, printed as one JSON line;
also the data, timing and metric helpers that both workers share (no TensorFlow here).

TensorFlow and PyTorch crash when loaded into one process on this machine, so
`throughput.py` runs this script as a subprocess for its "torch" engine. It never imports
TensorFlow. The model is `nn.LSTM` / `nn.GRU` (bidirectional for "bilstm") read at the last
step, then `nn.Linear`, trained with cross-entropy and Adam on mini-batches reshuffled every
epoch; inference is a `torch.no_grad` forward pass in batches. Threads: one per core
(`--threads`).

Usage (normally started by throughput.py):
    python benchmarks/throughput_torch.py --cell lstm --steps 50 --features 12 --units 128
        --batch 64 --sequences 2048 [--classes 9] [--epochs 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

CELLS = ("lstm", "gru", "bilstm")
CLASSES = 9
LEARNING_RATE = 1e-3
MARKER = "THROUGHPUT_RESULT "  # a worker's result: this, then JSON, on one line of stdout


def make_data(shape, seed, classes):
    """Random-normal fixed-length sequences and integer labels, the same for every engine."""
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((shape["N"], shape["T"], shape["F"]), dtype=np.float32)
    y = rng.integers(0, classes, size=shape["N"]).astype(np.int32)
    return x, y


def rates(epoch_seconds, sequences, infer_seconds, infer_sequences) -> dict:
    """Throughput metrics from the per-epoch times and the timed inference passes."""
    timed = sum(epoch_seconds[1:])
    return {
        "train_samples_per_s": sequences * (len(epoch_seconds) - 1) / timed,
        "first_epoch_seconds": epoch_seconds[0],
        "infer_sequences_per_s": infer_sequences / infer_seconds,
        "peak_memory_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def time_inference(forward, sequences, min_seconds):
    """Warm up once, then repeat `forward` until `min_seconds` pass: (seconds, sequences)."""
    forward()
    passes, start = 0, time.perf_counter()
    while True:
        forward()
        passes += 1
        seconds = time.perf_counter() - start
        if seconds >= min_seconds:
            return seconds, passes * sequences


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=CELLS, required=True)
    for name in ("steps", "features", "units", "batch", "sequences"):
        parser.add_argument(f"--{name}", type=int, required=True)
    parser.add_argument("--classes", type=int, default=CLASSES)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--predict-batch", type=int, default=128)
    parser.add_argument("--min-infer-seconds", type=float, default=1.0)
    return parser.parse_args(argv)


def build(torch, cell, features, units, classes):
    """The recurrent classifier: the last step's state (both directions) -> Linear."""
    recurrent = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "bilstm": torch.nn.LSTM}[cell]
    directions = 2 if cell == "bilstm" else 1

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = recurrent(features, units, batch_first=True, bidirectional=directions == 2)
            self.head = torch.nn.Linear(units * directions, classes)

        def forward(self, x):
            _, state = self.rnn(x)
            hidden = state[0] if isinstance(state, tuple) else state
            # (directions, batch, units): forward's last step and backward's first
            last = torch.cat([hidden[i] for i in range(directions)], dim=1)
            return self.head(last)

    return Classifier()


def measure(args) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    shape = {"N": args.sequences, "T": args.steps, "F": args.features}
    x_np, y_np = make_data(shape, args.seed, args.classes)
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np).long()
    model = build(torch, args.cell, args.features, args.units, args.classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(args.seed)
    seconds = []
    model.train()
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x), generator=generator)
        for first in range(0, len(x), args.batch):
            index = order[first : first + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    model.eval()

    def forward():
        with torch.no_grad():
            for first in range(0, len(x), args.predict_batch):
                model(x[first : first + args.predict_batch])

    infer_seconds, inferred = time_inference(forward, len(x), args.min_infer_seconds)
    metrics = rates(seconds, len(x), infer_seconds, inferred)
    info = {
        "epoch_seconds": seconds,
        "threads": torch.get_num_threads(),
        "final_loss": float(loss.detach()),
    }
    return {"metrics": metrics, "info": info}


def main(argv=None):
    print(MARKER + json.dumps(measure(parse_args(argv))), flush=True)


if __name__ == "__main__":
    main()
