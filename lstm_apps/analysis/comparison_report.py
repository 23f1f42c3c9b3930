"""The course's RNN / LSTM / GRU table as Markdown, with plain verdicts on
the course's claims drawn from the measurements (`comparison_markdown`)."""

from __future__ import annotations

from lstm_apps.analysis.gradients import UNDERFLOW
from lstm_apps.analysis.memory import KINDS, LABELS


def _ratio_text(value):
    return f"< {UNDERFLOW:.0e}" if value <= UNDERFLOW else f"{value:.1e}"


def _solved_text(row):
    longest = row["adding_longest_solved"]
    return f"T = {longest}" if longest else "no T"


def verdicts(rows):
    """Plain statements of what the measurements say about the course's claims."""
    by = {row["cell"]: row for row in rows}
    lines = []
    rnn, lstm, gru = by["simple_rnn"], by["lstm"], by["gru"]
    ratio = gru["epoch_seconds"] / lstm["epoch_seconds"]
    if ratio < 0.9:
        verdict = f"holds here: a GRU epoch took {ratio:.0%} of an LSTM epoch"
    elif ratio > 1.1:
        verdict = f"does not hold here: a GRU epoch took {ratio:.0%} of an LSTM epoch"
    else:
        verdict = f"no clear difference here (GRU epoch at {ratio:.0%} of the LSTM's)"
    lines.append(
        f'- "GRUs train faster than LSTMs": {verdict}; Japanese Vowels, '
        f"{gru['epoch_seconds']:.2f} s against {lstm['epoch_seconds']:.2f} s per epoch at "
        "matched parameter counts."
    )
    gated = min(lstm["adding_longest_solved"] or 0, gru["adding_longest_solved"] or 0)
    holds = gated > (rnn["adding_longest_solved"] or 0)
    lines.append(
        f'- "Plain RNNs fail on long dependencies; gates fix this": '
        f"{'holds' if holds else 'does not hold'} on the adding problem. Longest solved: "
        f"SimpleRNN {_solved_text(rnn)}, LSTM {_solved_text(lstm)}, GRU {_solved_text(gru)}."
    )
    longest = lstm["adding_longest_T"]
    lstm_error, gru_error = lstm["adding_error_at_longest_T"], gru["adding_error_at_longest_T"]
    if (lstm["adding_longest_solved"] or 0) != (gru["adding_longest_solved"] or 0):
        better = (
            "LSTM"
            if (lstm["adding_longest_solved"] or 0) > (gru["adding_longest_solved"] or 0)
            else "GRU"
        )
        verdict = f"the {better} solved the longer task"
    elif lstm_error < 0.5 * gru_error:
        verdict = "same longest T solved, lower LSTM error at the longest T"
    elif gru_error < 0.5 * lstm_error:
        verdict = "does not hold here: same longest T solved, lower GRU error at the longest T"
    else:
        verdict = "no clear difference here"
    lines.append(
        f'- "LSTMs are slightly better on very long sequences": {verdict} '
        f"(adding, T = {longest}: MSE {lstm_error:.4f} LSTM vs {gru_error:.4f} GRU)."
    )
    init = ", ".join(f"{LABELS[k]} {_ratio_text(by[k]['gradient_ratio_init'])}" for k in KINDS)
    line = f"- Gradient ratio first/last step at initialization: {init}"
    if all(by[k]["gradient_ratio_trained"] is not None for k in KINDS):
        trained = ", ".join(
            f"{LABELS[k]} {_ratio_text(by[k]['gradient_ratio_trained'])}" for k in KINDS
        )
        line += f"; after training: {trained}"
    lines.append(line + ".")
    return lines


def comparison_markdown(rows, notes=()) -> str:
    """The course's RNN / LSTM / GRU table, measured, as Markdown."""
    trained_at = rows[0].get("gradient_trained_at")
    header = (
        "| cell | gates | parameters | s / epoch (JV) | latency ms / sequence | "
        "JV accuracy | longest T solved (adding) | grad ratio, init | "
        f"grad ratio, trained (T={trained_at}) |"
    )
    lines = [header, "|" + "---|" * 9]
    gates = {"simple_rnn": "-", "lstm": "3 (+ candidate)", "gru": "2 (+ candidate)"}
    for row in rows:
        trained = row.get("gradient_ratio_trained")
        lines.append(
            f"| {LABELS[row['cell']]} | {gates[row['cell']]} | {row['parameters']:,} | "
            f"{row['epoch_seconds']:.2f} | {row['latency_ms']:.2f} | {row['accuracy']:.3f} | "
            f"{row['adding_longest_solved'] or 'none'} | "
            f"{_ratio_text(row['gradient_ratio_init'])} | "
            f"{'n/a' if trained is None else _ratio_text(trained)} |"
        )
    return "\n".join(lines + [""] + verdicts(rows) + [""] + list(notes)) + "\n"
