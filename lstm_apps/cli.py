"""The `lstm-apps` command line. Argument wiring only: every command calls the public API."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm-apps", description="Recurrent-network case studies on Keras 3.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the case studies")
    run = sub.add_parser("run", help="train and evaluate a case study, write a run folder")
    run.add_argument("name", help="case study (see `lstm-apps list`)")
    run.add_argument("--fast", action="store_true", help="tiny data and few epochs (smoke test)")
    run.add_argument(
        "--set",
        dest="changes",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="change a Config field, e.g. --set units=(125,100); repeatable",
    )
    run.add_argument("--output", type=Path, help="run folder (default runs/NAME-TIMESTAMP)")
    evaluate = sub.add_parser("evaluate", help="evaluate a run folder's model on its test data")
    evaluate.add_argument("run_dir", type=Path)
    predict = sub.add_parser("predict", help="predict with a run folder's model")
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
    generate = sub.add_parser("generate", help="generate text with a char_lm run folder's model")
    generate.add_argument("run_dir", type=Path)
    generate.add_argument("--prompt", required=True, help="text to continue")
    generate.add_argument("--length", type=int, default=400, help="characters to add (400)")
    generate.add_argument("--temperature", type=float, default=0.8, help="sampling temperature")
    generate.add_argument("--top-k", type=int, default=None, help="sample among the k most likely")
    generate.add_argument("--seed", type=int, default=None, help="seed for a repeatable sample")
    compare = sub.add_parser(
        "compare",
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
    card = sub.add_parser("card", help="write MODEL_CARD.md for a run folder")
    card.add_argument("run_dir", type=Path)
    card.add_argument("--output", type=Path, help="card path (default RUN_DIR/MODEL_CARD.md)")
    return parser


def read_sequences(path: Path) -> list[np.ndarray]:
    """Read the sequences of a `predict` input file."""
    if not path.exists():
        raise FileNotFoundError(f"No such input file: {path}")
    if path.suffix == ".npy":
        array = np.load(path)
        return [array] if array.ndim == 2 else list(array)
    if path.suffix in (".csv", ".txt"):
        import pandas as pd

        frame = pd.read_csv(path, header=None)
        if (
            not all(isinstance(v, (int, float, np.number)) for v in frame.iloc[0])
            or frame.dtypes.eq(object).any()
        ):
            frame = pd.read_csv(path)
        return [frame.to_numpy(dtype="float32")]
    raise ValueError(
        f"Unsupported input format {path.suffix!r}: use .csv or .npy. Received: {path}"
    )


def read_texts(argument: str) -> list[str]:
    """The texts of a text `predict`: a .txt file (one text per line) or the argument itself."""
    path = Path(argument)
    if path.suffix == ".txt" and path.is_file():
        texts = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not texts:
            raise ValueError(f"{path} holds no text")
        return texts
    if not argument.strip():
        raise ValueError("The text to predict is empty.")
    return [argument]


def _config_of(run_dir):
    from lstm_apps.runs import read_run
    from lstm_apps.tasks import get_case_study

    info = read_run(run_dir)
    module = get_case_study(info["case_study"])
    saved = info["config"]
    config = module.Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()})
    return module, config, info


def cmd_list(args):
    from lstm_apps.tasks import list_case_studies

    studies = list_case_studies()
    width = max(map(len, studies))
    for name, description in studies.items():
        print(f"{name:<{width}}  {description}")


def cmd_run(args):
    from lstm_apps.tasks import get_case_study, parse_overrides, run_case_study

    module = get_case_study(args.name)
    changes = parse_overrides(module.Config, args.changes)
    config = module.Config.fast(**changes) if args.fast else module.Config(**changes)
    output = args.output or Path("runs") / f"{args.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    run = run_case_study(args.name, config, output)
    print(json.dumps(run.metrics, indent=2))
    print(f"Run folder: {output}")


def cmd_evaluate(args):
    from lstm_apps.runs import load_model

    module, config, _ = _config_of(args.run_dir)
    metrics = module.evaluate(load_model(args.run_dir), module.load_data(config))
    print(json.dumps(metrics, indent=2))


def cmd_predict(args):
    from lstm_apps.runs import load_model

    module, config, info = _config_of(args.run_dir)
    extra = {}
    if hasattr(module, "read_inputs"):  # images and videos: read as the run was trained
        inputs = module.read_inputs(args.input, config)
        width = args.beam_width if args.beam_width is not None else getattr(config, "beam_width", 1)
        extra = {"beam_width": width, "length_penalty": getattr(config, "length_penalty", 0.0)}
    elif getattr(module, "TEXT_INPUT", False):
        inputs = read_texts(args.input)
    else:
        inputs = read_sequences(Path(args.input))
    model = load_model(args.run_dir)
    for label, probability in module.predict(model, inputs, info["class_names"], **extra):
        print(f"{label}\t{probability:.4f}")


def cmd_generate(args):
    from lstm_apps.data.text import CharVocabulary
    from lstm_apps.runs import load_model

    module, _, info = _config_of(args.run_dir)
    if not hasattr(module, "generate"):
        raise ValueError(
            f"{args.run_dir} holds a {info['case_study']!r} run, which cannot "
            "generate text; use a char_lm run folder."
        )
    names = info["class_names"]
    vocab = CharVocabulary.from_characters(names[1:], unknown=names[0])
    text = module.generate(
        load_model(args.run_dir),
        vocab,
        args.prompt,
        args.length,
        args.temperature,
        args.top_k,
        args.seed,
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
    from lstm_apps.deploy.card import record_export
    from lstm_apps.deploy.export import default_path, export
    from lstm_apps.runs import load_model

    model = load_model(args.run_dir)
    inputs = None
    if args.inputs is not None:
        if not args.inputs.exists():
            raise FileNotFoundError(f"No such inputs file: {args.inputs}")
        inputs = np.load(args.inputs)
    report = export(
        model,
        args.output or default_path(args.run_dir, args.format),
        args.format,
        inputs=inputs,
        timesteps=args.timesteps,
        batch_size=args.batch_size,
        overwrite=args.overwrite,
    )
    record_export(args.run_dir, report)
    print(report)


def cmd_card(args):
    from lstm_apps.deploy.card import write_card

    print(f"Model card written to {write_card(args.run_dir, args.output)}")


COMMANDS = {
    "export": cmd_export,
    "card": cmd_card,
    "compare": cmd_compare,
    "list": cmd_list,
    "run": cmd_run,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "generate": cmd_generate,
}


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except (ValueError, TypeError, FileNotFoundError, FileExistsError, KeyError) as err:
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        print(f"lstm-apps: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except RuntimeError as err:
        from lstm_apps.deploy.export import ExportError

        if not isinstance(err, ExportError):
            raise
        print(f"lstm-apps: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
