"""Sunspots at h = 11: how "copy the value L years earlier" forecasts score, for every lag L.

Usage:
    python benchmarks/sunspot_analogs.py [--lags 11 40]

A seasonal naive forecast with season length L predicts step `o + h` by the
value L years before it (for h <= L, a value observed before the origin o).
This scores that family on the forecasting case study's own origins and
MASE scale, on the validation and test parts, at h = 11 and over the
horizon. No network is trained; it runs in seconds. It shows how far the test
cycles (1947-2008) differ from the validation ones (1901-1946): the lag that
validation prefers is not the one that the test would. Prints a table and
writes benchmarks/results/sunspot_analogs.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from common import command_line
from migrate_results import save

from lstm_apps.forecasting import horizon_metrics
from lstm_apps.tasks import forecasting
from lstm_apps.tasks.forecasting.baselines import seasonal_naive_forecasts

RESULTS = Path(__file__).parent / "results" / "sunspot_analogs.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lags", nargs=2, type=int, default=[11, 40], metavar=("FIRST", "LAST"))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    data = forecasting.load_data(forecasting.Config(series="sunspots"))
    values, horizon, scale = data.values, data.horizon, data.mase_scale
    if args.lags[0] < horizon:
        parser.error(f"a lag below the horizon ({horizon}) would read the future")
    rows = []
    for lag in range(args.lags[0], args.lags[1] + 1):
        row = {"lag": lag}
        for part in ("validation", "test"):
            origins = data.validation_origins if part == "validation" else data.origins
            truth = np.stack([values[o : o + horizon] for o in origins])
            predicted = seasonal_naive_forecasts(values, origins, horizon, lag)
            mase = horizon_metrics(truth, predicted, scale)["mase"]
            row[f"{part}_mase_h{horizon}"] = float(mase[-1])
            row[f"{part}_mase_mean"] = float(mase.mean())
        rows.append(row)
    chosen = min(rows, key=lambda r: r[f"validation_mase_h{horizon}"])
    print(f"{'lag':>4}{'validation h' + str(horizon):>16}{'test h' + str(horizon):>10}")
    for row in rows:
        mark = "  <- validation's choice" if row is chosen else ""
        print(f"{row['lag']:>4}{row[f'validation_mase_h{horizon}']:>16.2f}"
              f"{row[f'test_mase_h{horizon}']:>10.2f}{mark}")  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    record = {"horizon": horizon, "validation_choice": chosen["lag"], "rows": rows}
    save(args.output, "sunspot_analogs", record, command=command_line())
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
