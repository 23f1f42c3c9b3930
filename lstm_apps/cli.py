"""The `lstm-apps` command line. Argument wiring only: every command calls the public API.

Arguments are parsed and checked before TensorFlow is imported, so `--help`,
`list` and a mistyped name answer at once; TensorFlow's start-up logging is
silenced unless `--verbose` is given.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from lstm_apps.console import (
    config_help,
    describe_error,
    finite_float,
    interrupted_note,
    memory_note,
    metrics_table,
    one_line_warnings,
    package_logging,
    quiet_tensorflow,
    stop_on_sigterm,
    use_tensorflow_backend,
)
from lstm_apps.scaling.run_options import (
    add_worker_arguments,
    check_workers,
    launch_workers,
    lost_peers,
    other_worker,
)
from lstm_apps.scaling.shard_command import add_shard_parser, check_shard, cmd_shard
from lstm_apps.tuning.command import add_tune_parser, check_tune, cmd_tune

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # the shell's code for a command stopped by SIGPIPE


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm-apps", description="Recurrent-network case studies on Keras 3.")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's start-up logging and full tracebacks of errors",
    )
    common = _Parser(add_help=False)
    common.add_argument(
        "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the case studies", parents=[common])
    run = sub.add_parser(
        "run",
        help="train and evaluate a case study, write a run folder",
        add_help=False,
        parents=[common],
    )
    run.add_argument("name", help="case study (see `lstm-apps list`)")
    run.add_argument(
        "-h", "--help", action="store_true", help="show this help and every Config field of NAME"
    )
    run.add_argument("--fast", action="store_true", help="tiny data and few epochs (smoke test)")
    run.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="change a Config field, e.g. --set units=(125,100) or --set "
        "training.max_epochs=5; repeatable (see `lstm-apps run NAME --help`)",
    )
    run.add_argument("--output", type=Path, help="run folder (default runs/NAME-TIMESTAMP)")
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a non-empty --output folder as a whole (it is never merged)",
    )
    add_worker_arguments(run)
    evaluate = sub.add_parser(
        "evaluate", help="evaluate a run folder's model on its test data", parents=[common]
    )
    evaluate.add_argument("--json", action="store_true", help="print every metric as JSON")
    evaluate.add_argument("run_dir", type=Path)
    predict = sub.add_parser("predict", parents=[common], help="predict with a run folder's model")
    predict.add_argument("run_dir", type=Path)
    predict.add_argument(
        "input",
        help="a .csv (one sequence: a row per time step, a column per "
        "feature) or a .npy file (one (T, F) sequence or a (N, T, F) batch); for a "
        "sentiment run, the text itself or a .txt file with one text per line; for a "
        "captioning run, an image file or a folder of images; for a video run, a video "
        "file or a folder of frames",
    )
    predict.add_argument(
        "--beam-width",
        type=int,
        default=None,
        help="captioning and video captions: beam search width (default: the run's)",
    )
    generate = sub.add_parser(
        "generate", parents=[common], help="generate text with a char_lm run folder's model"
    )
    generate.add_argument("run_dir", type=Path)
    generate.add_argument("--prompt", required=True, help="text to continue")
    generate.add_argument("--length", type=int, default=400, help="characters to add (400)")
    generate.add_argument(
        "--temperature", type=finite_float, default=0.8, help="sampling temperature"
    )
    generate.add_argument("--top-k", type=int, default=None, help="sample among the k most likely")
    generate.add_argument("--seed", type=int, default=None, help="seed for a repeatable sample")
    compare = sub.add_parser(
        "compare",
        parents=[common],
        help="measure the SimpleRNN / LSTM / GRU comparison table (Markdown and figures)",
    )
    compare.add_argument("--fast", action="store_true", help="a few-minute version")
    compare.add_argument(
        "--output", type=Path, default=Path("comparison"), help="folder (default ./comparison)"
    )
    compare.add_argument(
        "--adding-results",
        type=Path,
        help="JSON of an earlier adding-problem sweep (benchmarks/memory_tasks.py) to reuse",
    )
    compare.add_argument("--seed", type=int, default=0, help="seed of the training runs (0)")
    export = sub.add_parser(
        "export",
        parents=[common],
        help="export a run folder's model to saved_model, onnx or litert, checked against Keras",
    )
    export.add_argument("run_dir", type=Path)
    export.add_argument("--format", required=True, choices=("saved_model", "onnx", "litert"))
    export.add_argument(
        "--output",
        type=Path,
        help="artifact path (default: RUN_DIR/saved_model, model.onnx or model.tflite)",
    )
    export.add_argument("--overwrite", action="store_true", help="replace an existing artifact")
    export.add_argument("--timesteps", type=int, help="fixed sequence length (required by litert)")
    export.add_argument(
        "--batch-size", type=int, default=1, help="fixed batch size of a litert model (1)"
    )
    export.add_argument(
        "--inputs",
        type=Path,
        help="held-out sequences for the parity check, a padded (N, T, F) .npy file "
        "(default: 16 sequences drawn from the model's stored normalization statistics)",
    )
    add_tune_parser(sub, common)
    add_shard_parser(sub, common)
    card = sub.add_parser("card", parents=[common], help="write MODEL_CARD.md for a run folder")
    card.add_argument("run_dir", type=Path)
    card.add_argument("--output", type=Path, help="card path (default RUN_DIR/MODEL_CARD.md)")
    return parser


def cmd_list(args):
    from lstm_apps.tasks.registry import list_case_studies

    studies = list_case_studies()
    width = max(map(len, studies))
    for name, description in studies.items():
        print(f"{name:<{width}}  {description}")


def check_run(args):
    """Check a `run` command's arguments (before TensorFlow is imported); return the Config."""
    from lstm_apps.storage import check_output_folder
    from lstm_apps.tasks.registry import (
        check_distribution,
        check_name,
        config_class,
        parse_overrides,
    )

    check_name(args.name)
    config = config_class(args.name)
    distributed = check_workers(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FutureWarning)
        changes = parse_overrides(config, args.changes)
    for warning in caught:
        print(f"lstm-apps: warning: {warning.message}", file=sys.stderr)
    if args.output is None:
        args.output = Path("runs") / f"{args.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    if other_worker(distributed) is None:  # the run folder is the chief's to check and write
        check_output_folder(args.output, overwrite=args.overwrite)
    base = config.fast() if args.fast else config()
    config = base.replace(**changes)
    check_distribution(args.name, config)
    return config


def cmd_run(args, config) -> int:
    from lstm_apps.tasks.registry import run_case_study

    if args.workers > 1:
        return launch_workers(args, config)
    run = run_case_study(args.name, config, args.output, overwrite=args.overwrite)
    worker = other_worker(config.training.distribution == "multi_worker")
    if worker is not None:
        print(f"Worker {worker}: trained; the chief evaluates and writes the run folder")
        return 0
    print(metrics_table(run.metrics))
    print(f"Run folder: {args.output} (every metric in metrics.json)")
    return 0


def cmd_evaluate(args):
    from lstm_apps.tasks import load_run

    module, run = load_run(args.run_dir, with_data=True)
    metrics = module.evaluate(run)
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        print(metrics_table(metrics, limit=len(metrics)))


def cmd_predict(args):
    from lstm_apps.tasks import load_run

    module, run = load_run(args.run_dir)
    if args.beam_width is not None:
        if not hasattr(run.config, "beam_width"):
            raise ValueError(
                f"--beam-width applies to captioning and video runs; {args.run_dir} holds a "
                f"{run.name!r} run. Received: --beam-width {args.beam_width}"
            )
        run.config = run.config.replace(beam_width=args.beam_width)
    inputs = module.read_inputs(args.input, run.config)
    rows = inputs.with_ids(module.predict(run, inputs))
    print("id\tlabel\tscore")
    for key, label, score in rows:
        print(f"{key}\t{label}\t{score:.4f}")


def cmd_generate(args):
    from lstm_apps.tasks import load_run

    module, run = load_run(args.run_dir)
    if not hasattr(module, "generate"):
        raise ValueError(
            f"{args.run_dir} holds a {run.name!r} run, which cannot "
            "generate text; use a char_lm run folder."
        )
    text = module.generate(
        run,
        args.prompt,
        length=args.length,
        temperature=args.temperature,
        top_k=args.top_k,
        seed=args.seed,
    )
    print(args.prompt + text)


def cmd_compare(args):
    from lstm_apps.analysis.comparison import compare

    result = compare(
        args.output, fast=args.fast, adding_results=args.adding_results, seed=args.seed
    )
    print(result["markdown"])
    print(f"Written to {args.output}: " + ", ".join(p.name for p in result["paths"].values()))


def cmd_export(args):
    from lstm_apps.deploy.folders import export_run_folder

    print(
        export_run_folder(
            args.run_dir, args.format, args.output, inputs=args.inputs,
            timesteps=args.timesteps, batch_size=args.batch_size, overwrite=args.overwrite,
        )
    )  # fmt: skip


def cmd_card(args):
    from lstm_apps.deploy.card import write_card

    print(f"Model card written to {write_card(args.run_dir, args.output)}")


def check_run_folder(args):
    """The run folder of evaluate, predict, generate, export and card must hold a run."""
    from lstm_apps.tasks.registry import read_config

    read_config(args.run_dir)


COMMANDS = {
    "tune": cmd_tune,
    "export": cmd_export,
    "card": cmd_card,
    "compare": cmd_compare,
    "list": cmd_list,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "generate": cmd_generate,
    "shard": cmd_shard,
}
USAGE_ERRORS = (ValueError, TypeError, KeyError, OSError)


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run" and args.help:
            fields = config_help(args.name)  # an unknown name fails before any output
            print(parser._subparsers._group_actions[0].choices["run"].format_help())
            print(fields)
            return 0
        config = args.config = check_run(args) if args.command == "run" else None
        if hasattr(args, "run_dir"):
            check_run_folder(args)
        if args.command == "tune":
            check_tune(args)
        if args.command == "shard":
            check_shard(args)
        if args.command == "list":
            cmd_list(args)
            return 0
        if args.verbose:
            use_tensorflow_backend()
        else:
            quiet_tensorflow()
            one_line_warnings()
        package_logging(logging.INFO if args.verbose else logging.WARNING)
        with stop_on_sigterm():
            if args.command == "run":
                return cmd_run(args, config)
            else:
                COMMANDS[args.command](args)
    except BrokenPipeError:  # the reader of our output has gone (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(f"lstm-apps: interrupted; {interrupted_note(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        if args.verbose:
            raise
        print(f"lstm-apps: error: out of memory; {memory_note(args)}", file=sys.stderr)
        return EXIT_USAGE
    except USAGE_ERRORS as err:
        if args.verbose:
            raise
        print(f"lstm-apps: error: {describe_error(err)}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as err:
        from lstm_apps.deploy.export import ExportError

        if not isinstance(err, ExportError) or args.verbose:
            raise
        print(f"lstm-apps: error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # a worker of a multi-worker run lost its peers
        if lost_peers(err) is None or args.verbose:
            raise
        print(f"lstm-apps: error: {lost_peers(err)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
