"""Console helpers of the command line: quiet start-up, one-line errors and warnings,
metric tables, argument types, and what an interruption leaves behind."""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import signal
import sys
import textwrap

PER_CLASS = ("precision_", "recall_", "f1_", "support_")


def use_tensorflow_backend():
    """lstm-apps runs on Keras's TensorFlow backend: set it, with a warning if another was set."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow" and "keras" not in sys.modules:
        print(
            f"lstm-apps: warning: KERAS_BACKEND={backend} is ignored; lstm-apps runs on the "
            "tensorflow backend",
            file=sys.stderr,
        )
    os.environ["KERAS_BACKEND"] = "tensorflow"


def quiet_tensorflow():
    """Import TensorFlow and Keras with their start-up logging silenced.

    TF_CPP_MIN_LOG_LEVEL does not silence the lines absl prints before its
    logging is initialised, so standard error (file descriptor 2) is sent to
    /dev/null for the duration of the import.
    """
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    use_tensorflow_backend()
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import keras  # noqa: F401
        import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    tf.get_logger().setLevel("ERROR")
    from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)


def one_line_warnings():
    """Show this package's warnings as one `lstm-apps: warning:` line; hide the libraries'.

    Warnings raised from lstm_apps code speak to the user (a prompt character
    read as unknown, a deprecated name). Those raised inside TensorFlow,
    Keras or NumPy (an overflow in a cast while training diverges) are
    implementation detail: `--verbose` shows them.
    """
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))

    def show(message, category, filename, lineno, file=None, line=None):
        if os.path.abspath(filename).startswith(package):
            text = " ".join(str(message).split())
            print(f"lstm-apps: warning: {text}", file=sys.stderr)

    warnings.showwarning = show


class _Stderr(logging.StreamHandler):
    """A handler that writes to whatever `sys.stderr` is when a record comes."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class _PackageFormatter(logging.Formatter):
    def format(self, record):
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return f"lstm-apps: {level}{' '.join(record.getMessage().split())}"


def package_logging(level=logging.INFO):
    """Show the package's log records on standard error as `lstm-apps: ...` lines.

    What a study logs while it runs reaches a command-line user: warnings
    (baselines skipped and why, diagnoses of the fit) always, information
    (the training settings sized from the data) with `--verbose`. The
    libraries' own loggers are left alone. Records
    still propagate, so handlers on the root logger (pytest's) see them too.
    """
    logger = logging.getLogger("lstm_apps")
    if not any(getattr(h, "_lstm_apps", False) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(_PackageFormatter())
        handler._lstm_apps = True
        logger.addHandler(handler)
    logger.setLevel(level)


def metrics_table(metrics: dict, limit=12) -> str:
    """The headline test metrics as a two-column table (per-class scores left out)."""
    rows = [
        (k, v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith(PER_CLASS)
    ]
    if not rows:
        return "No scalar test metrics."
    width = max(len(k) for k, _ in rows[:limit])
    lines = ["Test metrics:"]
    for key, value in rows[:limit]:
        text = f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else str(value)
        lines.append(f"  {key:<{width}}  {text}")
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)


def describe_error(err: BaseException) -> str:
    """One line for an error: its message, with the file for operating-system errors."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    if isinstance(err, OSError) and err.strerror and err.filename and len(err.args) > 1:
        return f"{err.strerror}: {err.filename}"
    return " ".join(str(err).split()) or type(err).__name__


def finite_float(text: str) -> float:
    """An argparse type: a finite number (`inf` and `nan` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number. Received: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number. Received: {text!r}")
    return value


def memory_note(args) -> str:
    """What to change after running out of memory."""
    changes = getattr(args, "changes", None)
    if args.command == "run" and changes:
        return "reduce the sizes you set. Received: " + ", ".join(f"--set {c}" for c in changes)
    return "reduce the data or model sizes, or free memory, and try again."


def interrupted_note(args) -> str:
    """What an interrupted command left behind."""
    if args.command != "run":
        return "nothing was changed."
    backup = getattr(
        getattr(getattr(args, "config", None), "training", None), "checkpoint_dir", None
    )
    note = f"{args.output} was not written (an existing folder is unchanged)."
    if backup:
        note += f" Rerun the same command to resume from the backup in {backup}."
    return note


@contextlib.contextmanager
def stop_on_sigterm():
    """Turn SIGTERM into KeyboardInterrupt, so that a terminated run cleans up like Ctrl-C.

    An interrupt (SIGTERM or Ctrl-C) that surfaces as another error, because a context
    manager it unwound through failed on the way out (TensorFlow's device scopes do), is
    reported as the interrupt it was.
    """
    received = []

    def interrupt(signum, frame):
        received.append(signum)
        raise KeyboardInterrupt

    try:
        previous = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    except Exception as error:
        if received:
            raise KeyboardInterrupt from error
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def config_help(name) -> str:
    """Every Config field of a case study, grouped, with type, default and meaning."""
    from lstm_apps.tasks.registry import config_class, list_case_studies

    config = config_class(name)
    lines = [f"{name}: {list_case_studies()[name]}", ""]
    for group, rows in config.field_help().items():
        lines.append(f"{group}:")
        for field, kind, default, meaning in rows:
            if kind == "TrainingConfig section":
                lines.append(f"  {field}.*: {meaning}")
                continue
            lines.append(f"  {field} ({kind}, default {default!r})")
            if meaning:
                lines.append(
                    textwrap.fill(meaning, 88, initial_indent=" " * 6, subsequent_indent=" " * 6)
                )
        lines.append("")
    lines.append(f"--fast changes: {config.FAST}")
    return "\n".join(lines)
