"""How many steps a season has: from the dates when that period is really in the data,
otherwise from the data's autocorrelation; 1 when no season is found.

The test is the autocorrelation at the candidate lag, against its standard
error under the hypothesis of no correlation at that lag (Bartlett's
formula, `sqrt((1 + 2 * sum(r_k^2, k < lag)) / n)`), of two forms of the
series: its changes (first differences, which remove trends and level
shifts) and its values less their least-squares line (where a smooth season
stands out better from white noise); the more significant one counts.

- a period the dates suggest (monthly 12, weekly 52, ...) is kept when its
  autocorrelation is above `Z_DATES` standard errors (one-sided 5 %, the
  seasonality test of the M4 competition's benchmarks);
- otherwise every lag from 2 to a quarter of the series is a candidate: the
  most significant lag that is a local peak of the autocorrelation and is
  above the Bonferroni-corrected one-sided 5 % bound over every lag and both
  forms (about 3.4 standard errors for 60 lags) is the season, so white
  noise is not given one.

For several value columns the autocorrelations are averaged over columns.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

Z_DATES = 1.645  # one-sided 5 % for the one period the dates suggest
MAX_LAG_SHARE = 4  # a candidate season leaves at least this many seasons in the data


def autocorrelation(values, max_lag, *, changes=True) -> np.ndarray:
    """Mean over columns of the autocorrelation at lags 0..max_lag of the first differences
    (`changes`, default) or of the values less their least-squares line."""
    values = np.asarray(values, dtype="float64")
    values = values[:, None] if values.ndim == 1 else values
    if changes:
        values = np.diff(values, axis=0)
    else:
        steps = np.arange(len(values))
        line = np.polynomial.polynomial.polyfit(steps, values, 1)
        values = values - np.polynomial.polynomial.polyval(steps, line).T
    values = values - values.mean(axis=0)
    denominator = np.sum(values**2, axis=0)
    denominator[denominator == 0] = np.inf  # a constant column has no correlation
    n = len(values)
    spectrum = np.fft.rfft(values, n=2 * n, axis=0)  # zero-padded: no wrap-around
    sums = np.fft.irfft(np.abs(spectrum) ** 2, n=2 * n, axis=0)[: min(max_lag, n - 1) + 1]
    return (sums / denominator).mean(axis=1)


def standard_errors(r, n) -> np.ndarray:
    """Bartlett's standard error of each autocorrelation `r[k]` of a series of `n` steps."""
    squares = np.concatenate([[0.0, 0.0], np.cumsum(r[1:] ** 2)[:-1]])[: len(r)]
    return np.sqrt((1 + 2 * squares) / n)


def season_strength(values, period) -> tuple[float, float]:
    """`(autocorrelation, z)` at lag `period`, of the changes or of the values less their
    line, whichever is more significant."""
    if period < 2 or period >= len(values) - 2:
        return float("nan"), float("nan")
    found = []
    for changes in (True, False):
        r = autocorrelation(values, period, changes=changes)
        z = r[period] / standard_errors(r, len(values) - int(changes))[period]
        found.append((float(r[period]), float(z)))
    return max(found, key=lambda pair: pair[1])


def detect_season(values, *, max_lag=None, level=0.05) -> tuple[int, float, float]:
    """The lag of the most significant autocorrelation peak of the series.

    Both the changes (first differences) and the values less their line are
    tested, at every lag from 2 to `max_lag`; a lag counts when it is a local
    peak of the autocorrelation and above the Bonferroni bound over all the
    lags and both forms.

    Args:
        values: `(T,)` or `(T, F)` series.
        max_lag: the longest season tried; default a quarter of the series.
        level: the family-wise significance level over the lags tried.

    Returns:
        `(season, autocorrelation, z)`; `(1, nan, nan)` when no lag is significant.
    """
    max_lag = min(max_lag or len(values) // MAX_LAG_SHARE, len(values) - 3)
    if max_lag < 2:
        return 1, float("nan"), float("nan")
    bound = norm.ppf(1 - level / (2 * (max_lag - 1)))
    best = (1, float("nan"), -np.inf)
    for changes in (True, False):
        r = autocorrelation(values, max_lag + 1, changes=changes)
        z = r / standard_errors(r, len(values) - int(changes))
        for lag in range(2, min(max_lag, len(r) - 2) + 1):
            peak = r[lag] >= r[lag - 1] and r[lag] >= r[lag + 1]
            if peak and z[lag] > bound and z[lag] > best[2]:
                best = (lag, float(r[lag]), float(z[lag]))
    if best[0] == 1:
        return 1, float("nan"), float("nan")
    return best


def infer_season(values, date_period=None) -> tuple[int, str]:
    """The season length of a series, and a sentence saying how it was found.

    Args:
        values: `(T,)` or `(T, F)` values to test (the training part: the
            season is a choice, made without the test part).
        date_period: the period the dates suggest (monthly 12, ...), or None.

    Returns:
        `(season_length, reason)`; 1 means no season.
    """
    values = np.asarray(values, dtype="float64")
    limit = len(values) // MAX_LAG_SHARE
    if date_period is not None and date_period >= 2:
        if date_period > limit:
            checked = (
                f"the dates suggest a season of {date_period} steps, but the training part "
                f"({len(values)} steps) holds fewer than {MAX_LAG_SHARE} such seasons"
            )
        else:
            r, z = season_strength(values, date_period)
            if z > Z_DATES:
                return date_period, (
                    f"{date_period} steps, from the dates, confirmed by the autocorrelation "
                    f"at lag {date_period} ({r:.2f}, {z:.1f} standard errors)"
                )
            checked = (
                f"the dates suggest a season of {date_period} steps, but the autocorrelation "
                f"at that lag is only {r:.2f} ({z:.1f} standard errors)"
            )
    else:
        checked = "the dates suggest no season"
    season, r, z = detect_season(values)
    if season > 1:
        return season, (
            f"{season} steps, from the autocorrelation ({checked}; its most significant "
            f"peak is at lag {season}: {r:.2f}, {z:.1f} standard errors)"
        )
    return 1, (
        f"none (season length 1): {checked}, and no lag from 2 to {max(limit, 2)} has a "
        "significant autocorrelation peak"
    )
