"""The cases of `hostile_sweep.py`: hostile inputs and faults, in eight classes.

Each `Case` names the `lstm-apps` arguments (or a shell line with `{lstm}`),
what a good command line does with it (`expect`: "error", "ok" or
"either"), the words a clear error must hold (`mention`; "a|b" accepts
either), the base run folders copied into its folder (`needs`), a `setup`
that writes its hostile files, and optionally an `action` (signals while it
runs) and a `check` (a verdict from the result or from a second command).

The real data come from LSTM_APPS_DATA_DIR (default /work/shared/datasets);
hostile files are small edits of them, written into each case's folder.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import os
import re
import shutil
import signal
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("LSTM_APPS_DATA_DIR", "/work/shared/datasets"))
CLASSES = (
    "folders",
    "tables",
    "labels",
    "nonfinite",
    "oversized",
    "predict",
    "artifacts",
    "startup",
)
QUICK = ["--set", "training.verbose=0", "--set", "training.max_epochs=1"]


@dataclass
class Case:
    id: str
    cls: str
    title: str
    args: list | str
    expect: str = "error"  # "error", "ok" or "either"
    mention: tuple = ()
    forbid: tuple = ()  # words a clear message must not hold (e.g. a temporary file's name)
    needs: tuple = ()  # base runs copied into the case folder, under the study's name
    bases: tuple = ()  # base runs the setup uses itself
    setup: Callable | None = None  # setup(ctx, folder)
    env: dict | None = None
    timeout: int = 150
    check: Callable | None = None  # check(ctx, folder, result) -> (outcome | None, note)
    action: Callable | None = None  # action(proc, folder), in a thread
    outputs: tuple = ("out",)  # paths a successful command may create or change
    error_outputs: tuple = ()  # paths a refused command may leave
    exit_codes: tuple = (2,)
    stderr_max: int = 1
    ok_stderr_max: int = 0
    extra: dict = field(default_factory=dict)


CASES: list[Case] = []


def add(id, cls, title, args, **kw):
    assert cls in CLASSES, cls
    assert all(c.id != id for c in CASES), id
    CASES.append(Case(id, cls, title, args, **kw))


def run(study, *sets, output="out", extra=(), fast=True):
    """`run STUDY --fast --set training.verbose=0 --set training.max_epochs=1 [--set ...]`."""
    args = ["run", study, *(["--fast"] if fast else []), *QUICK]
    for item in sets:
        args += ["--set", item]
    if output is not None:
        args += ["--output", output]
    return [*args, *extra]


BASE_STUDIES = (
    "japanese_vowels",
    "hola",
    "char_lm",
    "engine_nox",
    "nox",
    "sentiment",
    "forecasting",
    "activity",
    "turbofan",
    "captioning",
    "video",
)


def base_run_args(study, work: Path):
    """The arguments of the base run folder `study` (trained in WORK/bases) and its name."""
    if study == "japanese_vowels_table":
        return run(
            "japanese_vowels", f"data_path={work / 'data' / 'jv_table.csv'}", output=study
        ), study
    if study == "sentiment":  # a small labelled CSV keeps the base run short
        return run("sentiment", f"data={work / 'data' / 'reviews.csv'}", output=study), study
    return run(study, output=study), study


def prepare(ctx):
    """Shared data files in WORK/data (the base runs read them)."""
    data = ctx.work / "data"
    data.mkdir(exist_ok=True)
    write_table(data / "jv_table.csv", *jv_table())
    write_table(data / "reviews.csv", *reviews_table())


# --- real data, cut small -------------------------------------------------------------------

TRAIN_COUNTS = [30] * 9
TEST_COUNTS = [31, 35, 88, 44, 29, 24, 40, 50, 29]


@functools.cache
def _uci_blocks(name):
    blocks, current = [], []
    for line in (DATA / "japanese_vowels" / name).read_text().splitlines():
        values = line.split()
        if not values or all(float(v) == 1.0 for v in values):  # a block separator
            if current:
                blocks.append(current)
                current = []
            continue
        current.append(values)
    if current:
        blocks.append(current)
    return blocks


def jv_sequences(split="test", speaker=1, count=1):
    """Real utterances of one speaker as (T, 12) float32 arrays."""
    counts = TRAIN_COUNTS if split == "train" else TEST_COUNTS
    blocks = _uci_blocks("ae.train" if split == "train" else "ae.test")
    start = sum(counts[: speaker - 1])
    return [np.array(b, dtype="float32") for b in blocks[start : start + count]]


def jv_table(train_per=5, test_per=3, speakers=range(1, 10)):
    """A long-format table (header, rows) of real Japanese Vowels utterances."""
    header = ["sequence", "label", "split", *(f"c{k}" for k in range(1, 13))]
    rows = []
    for split, name, counts, per in (
        ("train", "ae.train", TRAIN_COUNTS, train_per),
        ("test", "ae.test", TEST_COUNTS, test_per),
    ):
        blocks = _uci_blocks(name)
        for speaker in speakers:
            start = sum(counts[: speaker - 1])
            for i, block in enumerate(blocks[start : start + per]):
                for frame in block:
                    rows.append([f"{split}-{speaker}-{i}", str(speaker), split, *frame])
    return header, rows


@functools.cache
def _gas_rows():
    with open(DATA / "gas_turbine" / "gt_2011.csv", newline="") as f:
        return list(csv.reader(f))


def nox_table(n=800):
    """Hourly gas-turbine rows with an "hour" time column (header, rows)."""
    rows = _gas_rows()
    return ["hour", *rows[0]], [[str(i), *r] for i, r in enumerate(rows[1 : n + 1])]


def nox_window(n=6):
    """The 9 features of `n` real hours (header, rows)."""
    rows = _gas_rows()
    return rows[0][:9], [r[:9] for r in rows[1 : n + 1]]


def series_table(n=240):
    """An hourly NOx series with an ISO time column (header, rows)."""
    rows = _gas_rows()[1 : n + 1]
    return ["time", "nox"], [
        [f"2011-01-{1 + i // 24:02d}T{i % 24:02d}:00:00", r[-1]] for i, r in enumerate(rows)
    ]


@functools.cache
def _reviews():
    import pandas as pd

    frame = pd.read_csv(DATA / "imdb_reviews" / "imdb_reviews.csv.gz", usecols=["label", "text"])
    picked = pd.concat([frame[frame.label == 0].head(40), frame[frame.label == 1].head(40)])
    return [(t[:300], str(label)) for t, label in zip(picked.text, picked.label)]


def reviews_table(per_class=40):
    rows = [[t, y] for t, y in _reviews()]
    neg = [r for r in rows if r[1] == "0"][:per_class]
    pos = [r for r in rows if r[1] == "1"][:per_class]
    return ["text", "label"], [r for pair in zip(neg, pos) for r in pair]


def write_table(path, header, rows, *, sep=",", encoding="utf-8", bom=False, newline="\n"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode(encoding)))
    else:
        path.write_bytes(text.encode(encoding))
    return path


def write_csv_array(path, array, header=None, sep=",", bom=False, newline="\n", cell=None):
    """Write a (T, F) array as CSV; `cell=(t, j, text)` replaces one value by `text`."""
    lines = [] if header is None else [sep.join(header)]
    for t, row in enumerate(np.asarray(array)):
        texts = [repr(float(v)) for v in row]
        if cell is not None and cell[0] == t:
            texts[cell[1]] = cell[2]
        lines.append(sep.join(texts))
    Path(path).write_text(("\ufeff" if bom else "") + newline.join(lines) + newline)


def table_setup(mutate=None, name="table.csv", make=jv_table, **kw):
    """A setup writing a (mutated) copy of a real table into the case folder."""

    def setup(ctx, d):
        header, rows = make()
        if mutate is not None:
            result = mutate(header, rows)
            if result is not None:
                header, rows = result
        write_table(d / name, header, rows, **kw)

    return setup


EXTENSIONS = "txt csv npy npz json md keras png mp4 pb lock gz tsv".split()


def _file_name(key: str) -> str:
    """A keyword of `files` as a path: "a__b_txt" -> "a/b.txt", "_x_lock" -> ".x.lock"."""
    parts = []
    for part in key.split("__"):
        if part.startswith("_"):
            part = "." + part[1:]
        stem, _, ext = part.rpartition("_")
        if stem and ext.lower() in EXTENSIONS:
            part = f"{stem}.{ext}"
        parts.append(part)
    return "/".join(parts)


def files(paths=None, **contents):
    """A setup writing files: {path: text, bytes or callable(path)}, or keywords as
    `_file_name` reads them."""
    named = {**(paths or {}), **{_file_name(k): v for k, v in contents.items()}}

    def setup(ctx, d):
        for name, content in named.items():
            path = d / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(path)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)

    return setup


def chain(*setups):
    def setup(ctx, d):
        for s in setups:
            s(ctx, d)

    return setup


def edit_json(path, change):
    """A setup editing a JSON file of the case folder with `change(dict)`."""

    def setup(ctx, d):
        p = d / path
        value = json.loads(p.read_text())
        change(value)
        p.write_text(json.dumps(value, indent=2))

    return setup


def save_npy(array, **kw):
    return lambda path: np.save(path, array, **kw)


JV_SEQ = jv_sequences("test", 1, 1)[0] if (DATA / "japanese_vowels").exists() else None


def jv_npy(path):
    np.save(path, JV_SEQ)


# --- signals and background processes -------------------------------------------------------


def signal_after_lock(lock_name, sig, delay=1.5, wait=120):
    """An action: once LOCK_NAME exists in the case folder (training started), send `sig`."""

    def action(proc, d):
        start = time.time()
        while time.time() - start < wait and proc.poll() is None:
            if (d / lock_name).exists():
                time.sleep(delay)
                if proc.poll() is None:
                    proc.send_signal(sig)
                return
            time.sleep(0.05)

    return action


def kill_during_save(prefix, wait=150):
    """An action: SIGKILL as soon as a hidden PREFIX* temporary folder appears (the save)."""

    def action(proc, d):
        start = time.time()
        while time.time() - start < wait and proc.poll() is None:
            if any(d.glob(prefix + "*")):
                proc.send_signal(signal.SIGKILL)
                (d / ".sweep-killed-during-save").touch()
                return
            time.sleep(0.002)

    return action


def start_writer(output, epochs=400):
    """A setup that starts a long run into OUTPUT and waits until it holds the lock."""

    def setup(ctx, d):
        args = [
            "run",
            "japanese_vowels",
            "--fast",
            "--set",
            "training.verbose=0",
            "--set",
            f"training.max_epochs={epochs}",
            "--output",
            output,
        ]
        proc = ctx.start(args, d)
        ctx.background[d.name] = proc
        start = time.time()
        while not (d / f".{output}.lock").exists():
            if proc.poll() is not None or time.time() - start > 120:
                raise RuntimeError("the first writer did not take the lock")
            time.sleep(0.1)
        time.sleep(1.0)

    return setup


# --- checks ---------------------------------------------------------------------------------


def rows_of(stdout):
    return [line.split("\t")[1:] for line in stdout.splitlines()[1:] if "\t" in line]


def same_prediction_as(args, what):
    """A check: the case's predictions must equal those of `args` (the same data, well formed)."""

    def check(ctx, d, result):
        if result.rc != 0:
            return None, ""
        reference = ctx.lstm(args, d)
        if reference.rc != 0:
            return None, f"reference command failed: {reference.stderr.strip()[-200:]}"
        mine, theirs = rows_of(result.stdout), rows_of(reference.stdout)
        if mine != theirs:
            return (
                "silent-wrong",
                f"accepted, but predicts {mine[:2]} where {what} gives {theirs[:2]}",
            )
        return None, f"same predictions as {what}"

    return check


def class_count(path, expected):
    def check(ctx, d, result):
        if result.rc != 0:
            return None, ""
        names = json.loads((d / path).read_text()).get("class_names") or []
        if len(names) != expected:
            return "silent-wrong", f"trained {len(names)} classes, the data has {expected}: {names}"
        return None, ""

    return check


def no_hidden_leftovers(ctx, d, result):
    hidden = sorted(p.name for p in d.iterdir() if p.name.startswith("."))
    if hidden:
        return None, f"hidden leftovers beside the run folder: {hidden}"
    return None, ""


def replaced_whole(ctx, d, result):
    if result.rc != 0:
        return None, ""
    stale = [
        n for n in ("MODEL_CARD.md", "exports.json", "saved_model") if (d / "hola" / n).exists()
    ]
    verdict = (
        ("silent-wrong", f"old files kept beside the new model: {stale}") if stale else (None, "")
    )
    _, hidden = no_hidden_leftovers(ctx, d, result)
    return verdict[0], "; ".join(x for x in (verdict[1], hidden) if x)


def faster_than(limit):
    def check(ctx, d, result):
        if result.seconds > limit:
            return None, f"slow: {result.seconds:.2f} s (target {limit} s)"
        return None, f"{result.seconds:.2f} s"

    return check


def stdout_compact(ctx, d, result):
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.rc == 0 and (len(lines) > 16 or any(line.lstrip().startswith("{") for line in lines)):
        return "misleading", f"{len(lines)} stdout lines at the end of a run"
    return None, f"{len(lines)} stdout lines"


def labelled_progress(ctx, d, result):
    labels = re.findall(r"(?:Network|Model|member)\s+\d+/\d+[^\n]*", result.stdout)
    if result.rc == 0 and len(labels) < 2:
        return "misleading", f"progress of the models is not labelled: {labels}"
    return None, f"labels: {labels[:3]}"


def strict_json(ctx, d, result):
    if result.rc != 0:
        return None, ""

    def refuse(token):
        raise ValueError(token)

    try:
        json.loads(result.stdout, parse_constant=refuse)
    except ValueError as err:
        return "silent-wrong", f"`evaluate --json` is not strict JSON: {err}"
    return None, ""


def after_sigkill(ctx, d, result):
    """The old folder must be intact; the next run into it must succeed and clean up."""
    caught = (d / ".sweep-killed-during-save").exists()
    again = ctx.lstm(run("japanese_vowels", output="japanese_vowels", extra=["--overwrite"]), d)
    hidden = sorted(p.name for p in d.iterdir() if p.name.startswith(".") and "sweep" not in p.name)
    note = (
        f"{'killed during the save' if caught else 'the kill missed the save'}; next run "
        f"rc={again.rc}, hidden entries after it: {hidden}"
    )
    if again.rc != 0:
        return "silent-wrong", note + f"; next run failed: {again.stderr.strip()[-200:]}"
    return None, note


def stop_writer(ctx, d, result):
    proc = ctx.background.pop(d.name, None)
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    return None, ""


def same_as_base(args, study):
    """A check: a damaged-but-accepted model must predict what the intact base does."""

    def check(ctx, d, result):
        if result.rc != 0:
            return None, ""
        fresh = d / "intact"
        ctx.copy_base(study, fresh)
        reference = ctx.lstm([a.replace(study, "intact") if a == study else a for a in args], d)
        if rows_of(reference.stdout) != rows_of(result.stdout):
            return "silent-wrong", "the damaged model was loaded and predicts differently"
        return None, "loaded; same predictions as the intact model"

    return check


def read_only(*paths):
    def setup(ctx, d):
        for rel in paths:
            root = d / rel
            for folder, _dirs, names in os.walk(root):
                for name in names:
                    os.chmod(Path(folder) / name, 0o444)
            for folder, *_ in list(os.walk(root))[::-1]:
                os.chmod(folder, 0o555)

    return setup


def all_cases():
    if not CASES:
        define()
    return list(CASES)


def copy_tree(source, target):
    shutil.copytree(source, target, symlinks=True)


def zip_without(member_filter):
    """A setup rewriting japanese_vowels/model.keras keeping only members passing the filter."""

    def setup(ctx, d):
        path = d / "japanese_vowels" / "model.keras"
        with zipfile.ZipFile(path) as z:
            members = {n: z.read(n) for n in z.namelist() if member_filter(n)}
        with zipfile.ZipFile(path, "w") as z:
            for name, data in members.items():
                z.writestr(name, data)

    return setup


# --- the cases --------------------------------------------------------------------------------


def define():  # noqa: C901 (a flat list of cases)
    _folders()
    _tables()
    _labels()
    _nonfinite()
    _oversized()
    _predict()
    _artifacts()
    _startup()


JV = "japanese_vowels"


def _folders():
    c = "folders"
    add(
        "F01",
        c,
        "--output is a non-empty folder that is not a run (user notes), no --overwrite",
        run("hola"),
        setup=files(out__notes_txt="my notes\n"),
        mention=("out", "--overwrite"),
    )
    add(
        "F02",
        c,
        "--overwrite on an old run holding MODEL_CARD.md, exports.json, saved_model/",
        run("hola", output="hola", extra=["--overwrite"]),
        expect="ok",
        needs=("hola",),
        setup=files(
            hola__MODEL_CARD_md="old card\n",
            hola__exports_json="[]\n",
            hola__saved_model__saved_model_pb=b"old",
        ),
        outputs=("hola",),
        check=replaced_whole,
    )
    add(
        "F03",
        c,
        '--output "" (empty string: the current folder, which holds a file)',
        run("hola", output=""),
        setup=files(keep_txt="precious\n"),
        mention=("--output",),
    )
    add(
        "F04",
        c,
        "--output . --overwrite in a folder holding user files",
        run("hola", output=".", extra=["--overwrite"]),
        setup=files(keep_txt="precious\n"),
        mention=("--output",),
    )
    add(
        "F05",
        c,
        "--output path with spaces",
        run("hola", output="my runs/run 1"),
        expect="ok",
        outputs=("my runs",),
        check=no_hidden_leftovers,
    )
    add(
        "F06",
        c,
        "--output into a nonexistent deep path",
        run("hola", output="deep/a/b/c/run"),
        expect="ok",
        outputs=("deep",),
    )
    add(
        "F07",
        c,
        "--output below a regular file",
        run("hola", output="notes.txt/run"),
        setup=files(notes_txt="x\n"),
        mention=("notes.txt", "file|not a folder"),
    )
    add(
        "F08",
        c,
        "--output is a symlink to an old run folder, --overwrite",
        run("hola", output="link", extra=["--overwrite"]),
        expect="ok",
        needs=("hola",),
        setup=lambda ctx, d: (d / "link").symlink_to("hola"),
        outputs=("link", "hola"),
        check=no_hidden_leftovers,
    )
    add(
        "F09",
        c,
        "--overwrite a run folder whose figures/ is read-only",
        run(JV, output=JV, extra=["--overwrite"]),
        expect="either",
        needs=(JV,),
        setup=read_only(f"{JV}/figures"),
        outputs=(JV,),
        mention=("figures",),
        check=no_hidden_leftovers,
    )
    add(
        "F10",
        c,
        "SIGINT (Ctrl-C) during training into a new --output",
        [
            "run",
            JV,
            "--fast",
            "--set",
            "training.verbose=0",
            "--set",
            "training.max_epochs=400",
            "--output",
            "out",
        ],
        action=signal_after_lock(".out.lock", signal.SIGINT),
        exit_codes=(130, 1, -2),
        check=no_hidden_leftovers,
    )
    add(
        "F11",
        c,
        "SIGTERM during an --overwrite run: the old folder must survive",
        [
            "run",
            JV,
            "--fast",
            "--set",
            "training.verbose=0",
            "--set",
            "training.max_epochs=400",
            "--output",
            JV,
            "--overwrite",
        ],
        needs=(JV,),
        action=signal_after_lock(f".{JV}.lock", signal.SIGTERM),
        exit_codes=(143, 130, -15),
        check=no_hidden_leftovers,
    )
    add(
        "F12",
        c,
        "SIGKILL while an --overwrite run saves; then run again",
        run(JV, output=JV, extra=["--overwrite"]),
        needs=(JV,),
        action=kill_during_save(f".{JV}.tmp-"),
        exit_codes=(-9, 137),
        check=after_sigkill,
        timeout=200,
    )
    add(
        "F13",
        c,
        "a second run into an --output another process is writing",
        run(JV),
        setup=start_writer("out"),
        mention=("another",),
        check=stop_writer,
        error_outputs=("out",),
    )
    add(
        "F14",
        c,
        "stale .out.lock and .out.tmp-* left by a killed run, then a new run",
        run("hola"),
        expect="ok",
        setup=files({".out.lock": "12345\n", ".out.tmp-dead/config.json": "{}"}),
        outputs=("out", ".out.lock", ".out.tmp-dead", ".out.tmp-dead/config.json"),
        check=no_hidden_leftovers,
    )
    add(
        "F15",
        c,
        "default --output (runs/NAME-TIME) in a read-only working folder",
        run("hola", output=None),
        setup=read_only("."),
        mention=("read-only|permission",),
    )
    add(
        "F16",
        c,
        "disk full while saving (ulimit -f 40 KB) on an --overwrite run",
        "ulimit -f 40; {lstm} run japanese_vowels --fast --set training.verbose=0 "
        "--set training.max_epochs=1 --output japanese_vowels --overwrite",
        needs=(JV,),
        mention=("large|space", "japanese_vowels|model.keras"),
        check=no_hidden_leftovers,
    )
    add(
        "F17",
        c,
        "export saved_model --output the run folder itself --overwrite",
        ["export", JV, "--format", "saved_model", "--output", JV, "--overwrite"],
        needs=(JV,),
        mention=(JV,),
        timeout=200,
    )
    add(
        "F18",
        c,
        "card --output the run's own config.json",
        ["card", JV, "--output", f"{JV}/config.json"],
        needs=(JV,),
        mention=("config.json",),
    )
    add(
        "F19",
        c,
        "export onnx to a path whose parent folder does not exist",
        ["export", JV, "--format", "onnx", "--output", "newdir/sub/model.onnx"],
        expect="either",
        needs=(JV,),
        outputs=("newdir", f"{JV}/exports.json"),
        mention=("newdir",),
        timeout=240,
    )
    add(
        "F20",
        c,
        "card --output into a missing folder",
        ["card", JV, "--output", "missing/dir/CARD.md"],
        expect="either",
        needs=(JV,),
        outputs=("missing",),
        mention=("missing",),
    )
    add(
        "F21",
        c,
        "--overwrite on a non-run folder that holds the training table itself",
        run(JV, "data_path=mydata/table.csv", output="mydata", extra=["--overwrite"]),
        setup=table_setup(name="mydata/table.csv"),
        mention=("mydata",),
    )
    add(
        "F22",
        c,
        "export saved_model --overwrite onto a non-empty user folder",
        ["export", JV, "--format", "saved_model", "--output", "docs", "--overwrite"],
        needs=(JV,),
        setup=files(docs__thesis_txt="years of work\n"),
        mention=("docs",),
        timeout=200,
    )
    add(
        "F23",
        c,
        "card --output pointing at an existing folder",
        ["card", JV, "--output", "somedir"],
        needs=(JV,),
        setup=files(somedir__a_txt="a"),
        mention=("somedir",),
        forbid=(".somedir-",),
    )
    add(
        "F24",
        c,
        "--output inside the read-only datasets folder",
        run("hola", output=str(DATA / "hola_run")),
        mention=("read-only|permission",),
    )


def _tables():
    c = "tables"
    jv = lambda *sets, **kw: run(JV, "data_path=table.csv", *sets, **kw)  # noqa: E731
    add(
        "T01",
        c,
        "jv table separated by semicolons",
        jv(),
        setup=table_setup(sep=";"),
        mention=("sequence", "table.csv"),
    )
    add(
        "T02",
        c,
        "jv table with a UTF-8 BOM and CRLF line ends",
        jv(),
        expect="ok",
        setup=table_setup(bom=True, newline="\r\n"),
    )

    def latin(h, rows):
        for r in rows:
            if r[1] == "1":
                r[1] = "señor"

    add(
        "T03",
        c,
        "jv table saved in latin-1 (a label with ñ)",
        jv(),
        setup=table_setup(latin, encoding="latin-1"),
        mention=("utf-8", "table.csv"),
    )
    add(
        "T04",
        c,
        "jv table holding a single sequence",
        jv(),
        setup=table_setup(lambda h, rows: (h, [r for r in rows if r[0] == rows[0][0]])),
        mention=("test",),
    )
    add(
        "T05",
        c,
        "jv table with one class only (train and test)",
        jv(),
        setup=table_setup(lambda h, rows: (h, [r for r in rows if r[1] == "1"])),
        mention=("class",),
    )

    def huge(h, rows):
        rows[3][5] = "1e39"

    add(
        "T06",
        c,
        "jv table feature 1e39 (finite in the file, overflows float32)",
        jv(),
        setup=table_setup(huge),
        mention=("1e39|1e+39", "line"),
    )

    def text_column(h, rows):
        h.insert(3, "speaker_name")
        for r in rows:
            r.insert(3, "Taro")

    add(
        "T07",
        c,
        "jv table with an extra text column (speaker_name)",
        jv(),
        setup=table_setup(text_column),
        mention=("speaker_name",),
    )

    def index_column(h, rows):
        h.insert(0, "")
        for i, r in enumerate(rows):
            r.insert(0, str(i))

    add(
        "T08",
        c,
        "jv table saved with the pandas index (unnamed first column)",
        jv(),
        setup=table_setup(index_column),
        mention=("column 1|no name|unnamed",),
    )

    def reused_id(h, rows):
        first_train = rows[0][0]
        first_test = next(r[0] for r in rows if r[2] == "test")
        for r in rows:
            if r[0] == first_test:
                r[0] = first_train

    add(
        "T09",
        c,
        "jv table: one sequence id used in both train and test",
        jv(),
        setup=table_setup(reused_id),
        mention=("train-1-0",),
    )

    def spaced_header(h, rows):
        h[1] = " label"

    add(
        "T10",
        c,
        "jv table header ' label' (a space before the name)",
        jv(),
        setup=table_setup(spaced_header),
        mention=("label",),
    )
    add(
        "T11",
        c,
        "jv table compressed (.csv.gz)",
        run(JV, "data_path=table.csv.gz"),
        expect="ok",
        setup=table_setup(name="table.csv.gz"),
    )
    add(
        "T12",
        c,
        "jv table as TSV (tabs) named .tsv",
        run(JV, "data_path=table.tsv"),
        expect="either",
        setup=table_setup(name="table.tsv", sep="\t"),
        mention=("table.tsv",),
    )

    def uci(garbage=False, drop_test=False):
        def setup(ctx, d):
            (d / "uci").mkdir()
            for name in ("ae.train", "ae.test"):
                if drop_test and name == "ae.test":
                    continue
                text = (DATA / JV / name).read_text()
                if garbage and name == "ae.train":
                    lines = text.splitlines(keepends=True)
                    lines[4] = lines[4].replace(lines[4].split()[3], "0.1O3", 1)
                    text = "".join(lines)
                (d / "uci" / name).write_text(text)

        return setup

    add(
        "T13",
        c,
        "jv UCI folder whose ae.train has a typo (0.1O3) on line 5",
        run(JV, "data_path=uci"),
        setup=uci(garbage=True),
        mention=("ae.train", "line"),
    )
    add(
        "T14",
        c,
        "jv UCI folder without ae.test",
        run(JV, "data_path=uci"),
        setup=uci(drop_test=True),
        mention=("ae.test",),
    )

    def xlsx(ctx, d):
        with zipfile.ZipFile(d / "table.xlsx", "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/workbook.xml", "<workbook/>")

    add(
        "T15",
        c,
        "jv data_path is an Excel file (.xlsx)",
        run(JV, "data_path=table.xlsx"),
        setup=xlsx,
        mention=("table.xlsx",),
    )
    nox = lambda *sets, **kw: run("nox", "data_path=nox.csv", "time_column=hour", *sets, **kw)  # noqa: E731
    add(
        "T16",
        c,
        "nox CSV without the CDP feature column",
        nox(),
        setup=table_setup(
            lambda h, rows: ([x for x in h if x != "CDP"], [r[:9] + r[10:] for r in rows]),
            name="nox.csv",
            make=nox_table,
        ),
        mention=("CDP",),
    )

    def concatenated(h, rows):
        rows.insert(400, list(h))

    add(
        "T17",
        c,
        "nox CSV: two files concatenated (header repeated at line 402)",
        nox(),
        setup=table_setup(concatenated, name="nox.csv", make=nox_table),
        mention=("402",),
    )
    add(
        "T18",
        c,
        "nox CSV with validation_fraction=0",
        nox("validation_fraction=0.0"),
        expect="either",
        setup=table_setup(name="nox.csv", make=nox_table),
        mention=("validation",),
    )

    def mixed_dates(h, rows):
        for i, r in enumerate(rows):
            day, hour = 1 + i // 24, i % 24
            r[0] = (
                f"2011-01-{day:02d} {hour:02d}:00" if i % 2 else f"{day:02d}/01/2011 {hour:02d}:00"
            )

    add(
        "T19",
        c,
        "nox CSV time column in two date formats",
        nox(),
        setup=table_setup(mixed_dates, name="nox.csv", make=nox_table),
        mention=("hour",),
    )
    add(
        "T20",
        c,
        "nox CSV with 20 rows",
        nox(),
        setup=table_setup(lambda h, rows: (h, rows[:20]), name="nox.csv", make=nox_table),
        mention=("window|rows",),
    )
    fc = lambda *sets: run("forecasting", "data=series.csv", "time_column=time", *sets)  # noqa: E731
    add(
        "T21",
        c,
        "forecasting CSV with 8 rows",
        fc(),
        setup=table_setup(lambda h, rows: (h, rows[:8]), name="series.csv", make=series_table),
        mention=("series.csv|steps|rows",),
    )

    def constant(h, rows):
        for r in rows:
            r[1] = "50.0"

    add(
        "T22",
        c,
        "forecasting CSV with a constant series",
        fc(),
        expect="either",
        setup=table_setup(constant, name="series.csv", make=series_table),
        mention=("constant|season",),
    )

    def repeated_time(h, rows):
        rows[100][0] = rows[99][0]

    add(
        "T23",
        c,
        "forecasting CSV with a repeated timestamp",
        fc(),
        setup=table_setup(repeated_time, name="series.csv", make=series_table),
        mention=("time", "2011-01-05T03:00:00"),
    )

    def comma_decimal(h, rows):
        for r in rows:
            r[1] = r[1].replace(".", ",")

    add(
        "T24",
        c,
        "forecasting CSV with semicolons and decimal commas",
        fc(),
        setup=table_setup(comma_decimal, name="series.csv", make=series_table, sep=";"),
        mention=("series.csv",),
    )
    add(
        "T25",
        c,
        "sentiment CSV with two texts (one per class)",
        run("sentiment", "data=r.csv"),
        setup=table_setup(lambda h, rows: (h, rows[:2]), name="r.csv", make=reviews_table),
        mention=("class|texts|examples",),
    )

    def multiline(h, rows):
        for r in rows[::3]:
            r[0] = r[0][:80] + "\nSecond line, with a comma.\n" + r[0][80:]

    add(
        "T26",
        c,
        "sentiment CSV whose quoted texts hold line breaks",
        run("sentiment", "data=r.csv"),
        expect="ok",
        setup=table_setup(multiline, name="r.csv", make=reviews_table),
        timeout=200,
    )
    add(
        "T27",
        c,
        "sentiment TSV (texts with commas) named .tsv",
        run("sentiment", "data=r.tsv"),
        expect="ok",
        setup=table_setup(name="r.tsv", make=reviews_table, sep="\t"),
        timeout=200,
    )

    def cmapss(ctx, d):
        (d / "cm").mkdir()
        for name in ("train_FD001.txt", "test_FD001.txt", "RUL_FD001.txt"):
            shutil.copy(DATA / "cmapss_fd001" / name, d / "cm" / name)
        path = d / "cm" / "train_FD001.txt"
        lines = path.read_text().splitlines(keepends=True)
        lines[9] = " ".join(lines[9].split()[:-3]) + "\n"
        path.write_text("".join(lines))

    add(
        "T28",
        c,
        "turbofan train_FD001.txt with a short row (line 10)",
        run("turbofan", "data_path=cm"),
        setup=cmapss,
        mention=("train_FD001", "10"),
    )
    quijote = DATA / "spanish_quijote_gutenberg" / "quijote_body.txt"
    add(
        "T29",
        c,
        "char_lm text_path saved in latin-1",
        run("char_lm", "text_path=q.txt"),
        setup=files(
            q_txt=lambda p: p.write_bytes(
                quijote.read_text(encoding="utf-8")[:20000].encode("latin-1", "replace")
            )
        ),
        mention=("utf-8", "q.txt"),
    )
    add(
        "T30",
        c,
        "char_lm text_path an empty file",
        run("char_lm", "text_path=q.txt"),
        setup=files(q_txt=""),
        mention=("q.txt|0 characters|empty",),
    )
    add(
        "T31",
        c,
        "char_lm text_path of 50 characters",
        run("char_lm", "text_path=q.txt"),
        setup=files(q_txt="En un lugar de la Mancha, de cuyo nombre no quiero\n"),
        mention=("q.txt|characters",),
    )
    add(
        "T32",
        c,
        "activity data_path an .npz with other keys",
        run("activity", "data_path=h.npz"),
        setup=files(h_npz=lambda p: np.savez(p, foo=np.zeros(3))),
        mention=("h.npz",),
    )


def _labels():
    c = "labels"
    jv = lambda *sets: run(JV, "data_path=table.csv", *sets)  # noqa: E731

    def label_of_first(value):
        def mutate(h, rows):
            for r in rows:
                if r[0] == rows[0][0]:
                    r[1] = value

        return mutate

    add(
        "L01",
        c,
        "jv label 'N/A' on one sequence",
        jv(),
        setup=table_setup(label_of_first("N/A")),
        mention=("N/A", "line"),
    )
    add(
        "L02",
        c,
        "jv label '<NA>' on one sequence",
        jv(),
        setup=table_setup(label_of_first("<NA>")),
        mention=("<NA>",),
    )

    def spaced(h, rows):
        for r in rows:
            r[1] = f"spk{r[1]}" + (" " if r[0] == "train-2-0" else "")

    add(
        "L03",
        c,
        "jv text labels, one written 'spk2 ' (trailing space)",
        jv(),
        setup=table_setup(spaced),
        mention=("spk2",),
        check=class_count("out/config.json", 9),
    )

    def single(h, rows):
        return h, [
            r for r in rows if not (r[1] == "9" and r[2] == "train" and not r[0].endswith("-0"))
        ]

    add(
        "L04",
        c,
        "jv class 9 with one training example, validation_fraction=0.2",
        jv("validation_fraction=0.2"),
        setup=table_setup(single),
        mention=("9", "validation"),
    )

    def unseen(h, rows):
        for r in rows:
            if r[0] == "test-1-0":
                r[1] = "10"

    add(
        "L05",
        c,
        "jv test label '10' never seen in training",
        jv(),
        setup=table_setup(unseen),
        mention=("10",),
    )

    def two_labels(h, rows):
        last = max(i for i, r in enumerate(rows) if r[0] == rows[0][0])
        rows[last][1] = "2"

    add(
        "L06",
        c,
        "jv sequence whose last row carries another label",
        jv(),
        setup=table_setup(two_labels),
        mention=("train-1-0",),
    )
    sent = lambda *sets: run("sentiment", "data=r.csv", *sets)  # noqa: E731

    def null_label(h, rows):
        rows[5][1] = "NULL "

    add(
        "L07",
        c,
        "sentiment label 'NULL ' (upper case, trailing space)",
        sent(),
        setup=table_setup(null_label, name="r.csv", make=reviews_table),
        mention=("line|7",),
    )
    add(
        "L08",
        c,
        "sentiment label column named 'sentiment'",
        sent(),
        setup=table_setup(
            lambda h, rows: (["text", "sentiment"], rows), name="r.csv", make=reviews_table
        ),
        mention=("label", "sentiment"),
    )

    def words(h, rows):
        for r in rows:
            r[1] = "pos" if r[1] == "1" else "neg"
        rows[3][1] = rows[3][1] + " "

    add(
        "L09",
        c,
        "sentiment labels pos/neg, one written with a trailing space",
        sent(),
        setup=table_setup(words, name="r.csv", make=reviews_table),
        mention=("space",),
    )

    def unseen_test(h, rows):
        h.append("split")
        for i, r in enumerate(rows):
            r.append("test" if i % 4 == 0 else "train")
        rows[0][1] = "2"

    add(
        "L10",
        c,
        "sentiment test label '2' never seen in training (split column)",
        sent(),
        setup=table_setup(unseen_test, name="r.csv", make=reviews_table),
        mention=("2",),
        timeout=200,
    )
    add("L11", c, "hola word 'aaaa' (a single class)", run("hola", "word=aaaa"), mention=("word",))
    add("L12", c, "hola word 'h' (one letter)", run("hola", "word=h"), mention=("word",))
    add("L13", c, "hola empty word", run("hola", "word="), mention=("word",))


def _nonfinite():
    c = "nonfinite"
    add(
        "N01",
        c,
        "learning rate 1e300 (finite, diverges)",
        run(JV, "training.initial_learn_rate=1e300"),
        mention=("diverge",),
    )
    add(
        "N02",
        c,
        "l2_regularization=1e38 (the penalty overflows)",
        run(JV, "training.l2_regularization=1e38"),
        mention=("l2_regularization",),
    )
    add(
        "N03",
        c,
        "sequence_padding_value=nan",
        run(JV, "training.sequence_padding_value=nan"),
        mention=("finite",),
    )
    add("N04", c, "units=(16,1e999)", run(JV, "units=(16,1e999)"), mention=("finite",))
    add(
        "N05", c, "time_budget=-inf", run(JV, "training.time_budget=-inf"), mention=("time_budget",)
    )
    add(
        "N06",
        c,
        "input_noise=1e30",
        run(JV, "input_noise=1e30"),
        expect="either",
        mention=("input_noise",),
    )
    gen = lambda *a: ["generate", "char_lm", "--prompt", "En un lugar", "--length", "20", *a]  # noqa: E731
    add(
        "N07",
        c,
        "generate --temperature nan",
        gen("--temperature", "nan"),
        needs=("char_lm",),
        mention=("temperature",),
    )
    add(
        "N08",
        c,
        "generate --temperature inf",
        gen("--temperature", "inf"),
        needs=("char_lm",),
        mention=("temperature",),
    )
    add(
        "N09",
        c,
        "generate --temperature 0",
        gen("--temperature", "0"),
        expect="either",
        needs=("char_lm",),
        mention=("temperature",),
    )
    add(
        "N10",
        c,
        "generate --temperature -1",
        gen("--temperature", "-1"),
        needs=("char_lm",),
        mention=("temperature",),
    )
    series = np.array(
        [
            float(v)
            for v in [
                112,
                118,
                132,
                129,
                121,
                135,
                148,
                148,
                136,
                119,
                104,
                118,
                115,
                126,
                141,
                135,
                125,
                149,
                170,
                170,
            ]
        ]
    )
    inf_series = series.copy()
    inf_series[7] = np.inf
    add(
        "N11",
        c,
        "predict forecasting: a .npy series holding inf",
        ["predict", "forecasting", "s.npy"],
        needs=("forecasting",),
        setup=files(s_npy=save_npy(inf_series)),
        mention=("s.npy", "finite"),
    )
    add(
        "N12",
        c,
        "predict jv: a CSV cell 1e39 (overflows float32)",
        ["predict", JV, "u.csv"],
        needs=(JV,),
        setup=files(u_csv=lambda path: write_csv_array(path, JV_SEQ, cell=(2, 3, "1e39"))),
        mention=("u.csv", "float32|large"),
    )

    def inf_cell(h, rows):
        rows[300][4] = "inf"

    add(
        "N13",
        c,
        "nox CSV feature cell 'inf'",
        run("nox", "data_path=nox.csv", "time_column=hour"),
        setup=table_setup(inf_cell, name="nox.csv", make=nox_table),
        mention=("302",),
    )

    def nan_cell(h, rows):
        rows[50][1] = "nan"

    add(
        "N14",
        c,
        "forecasting CSV value 'nan' with fill=error",
        run("forecasting", "data=series.csv", "time_column=time", "fill=error"),
        setup=table_setup(nan_cell, name="series.csv", make=series_table),
        mention=("52",),
    )
    batch = np.stack([JV_SEQ[:7]] * 4)
    nan_batch = batch.copy()
    nan_batch[1, 2, 3] = np.nan
    add(
        "N15",
        c,
        "export --inputs a batch holding NaN",
        ["export", JV, "--format", "onnx", "--output", "m.onnx", "--inputs", "b.npy"],
        needs=(JV,),
        setup=files(b_npy=save_npy(nan_batch)),
        mention=("b.npy|inputs", "nan|finite"),
        timeout=200,
    )
    add(
        "N16",
        c,
        "config.json edited to hold dropout NaN, then card",
        ["card", JV],
        needs=(JV,),
        setup=chain(
            edit_json(
                f"{JV}/config.json", lambda v: v["config"].__setitem__("dropout", float("nan"))
            ),
            files(u_npy=jv_npy),
        ),
        mention=("config.json", "dropout"),
    )
    huge = JV_SEQ.astype("float64")
    huge[1, 1] = 1e300
    add(
        "N17",
        c,
        "predict jv: float64 .npy holding 1e300",
        ["predict", JV, "u.npy"],
        needs=(JV,),
        setup=files(u_npy=save_npy(huge)),
        mention=("u.npy", "float32|large"),
    )


def _oversized():
    c = "oversized"
    add("O01", c, "jv units=(16,100000000)", run(JV, "units=(16,100000000)"), mention=("units",))
    add(
        "O02",
        c,
        "char_lm embedding_dim=100000000",
        run("char_lm", "embedding_dim=100000000"),
        mention=("embedding_dim",),
    )
    add(
        "O03",
        c,
        "sentiment embedding_dim=100000000",
        run("sentiment", "data=r.csv", "embedding_dim=100000000"),
        setup=table_setup(name="r.csv", make=reviews_table),
        mention=("embedding_dim",),
    )
    add(
        "O04",
        c,
        "captioning units=100000000",
        run("captioning", "units=100000000"),
        mention=("units",),
    )
    add(
        "O05",
        c,
        "video frame_size=20000 (400 M pixels a frame)",
        run("video", "frame_size=20000"),
        mention=("frame_size",),
    )
    add(
        "O06",
        c,
        "engine_nox cycle_seconds=1000000000",
        run("engine_nox", "cycle_seconds=1000000000"),
        mention=("cycle_seconds",),
    )
    add(
        "O07",
        c,
        "jv mini_batch_size=100000000 (more than the data)",
        run(JV, "training.mini_batch_size=100000000"),
        expect="ok",
    )
    add(
        "O08",
        c,
        "char_lm window=100000000",
        run("char_lm", "window=100000000"),
        mention=("window",),
    )
    add(
        "O09",
        c,
        "turbofan output_mode=last window=100000",
        run("turbofan", "output_mode=last", "window=100000"),
        mention=("window",),
    )
    add(
        "O10",
        c,
        "activity downsample=100000",
        run("activity", "downsample=100000"),
        expect="either",
        mention=("downsample",),
    )
    add(
        "O11",
        c,
        "jv sequence_length=100000000 (pad every batch)",
        run(JV, "training.sequence_length=100000000"),
        mention=("sequence_length",),
    )
    add(
        "O12",
        c,
        "sentiment max_length=100000000",
        run("sentiment", "data=r.csv", "max_length=100000000"),
        setup=table_setup(name="r.csv", make=reviews_table),
        expect="either",
        mention=("max_length",),
    )
    add(
        "O13",
        c,
        "hola units=3000000000 (past int32)",
        run("hola", "units=3000000000"),
        mention=("units",),
    )
    add(
        "O14",
        c,
        "forecasting num_samples=1000000000 with dropout",
        run("forecasting", "num_samples=1000000000", "dropout=0.2"),
        expect="either",
        mention=("num_samples",),
    )
    add(
        "O15",
        c,
        "captioning num_scenes=(100000000,60,60)",
        run("captioning", "num_scenes=(100000000,60,60)"),
        mention=("num_scenes",),
    )


def _png(size, mode="L", color=0):
    def write(path):
        from PIL import Image

        Image.new(mode, size, color).save(path)

    return write


def _predict():
    c = "predict"
    p = lambda study, *a: ["predict", study, *a]  # noqa: E731
    add(
        "P01",
        c,
        "jv model given 13 features (.npy)",
        p(JV, "x13.npy"),
        needs=(JV,),
        setup=files(x13_npy=save_npy(np.hstack([JV_SEQ, JV_SEQ[:, :1]]))),
        mention=("x13.npy", "13", "12"),
    )
    add(
        "P02",
        c,
        "jv: an empty (0-byte) .csv",
        p(JV, "empty.csv"),
        needs=(JV,),
        setup=files(empty_csv=""),
        mention=("empty.csv",),
    )
    add(
        "P03",
        c,
        "jv: a directory",
        p(JV, "inputs"),
        needs=(JV,),
        setup=files(inputs__a_npy=jv_npy),
        mention=("inputs", "folder|directory"),
    )
    add(
        "P04",
        c,
        "jv: a .npy of dtype object",
        p(JV, "obj.npy"),
        needs=(JV,),
        setup=files(
            obj_npy=save_npy(np.array([JV_SEQ, JV_SEQ[:5]], dtype=object), allow_pickle=True)
        ),
        mention=("obj.npy",),
    )
    add(
        "P05",
        c,
        "jv: a .npy of strings",
        p(JV, "str.npy"),
        needs=(JV,),
        setup=files(str_npy=save_npy(JV_SEQ.astype(str))),
        mention=("str.npy",),
    )
    add(
        "P06",
        c,
        "jv: a CSV separated by semicolons",
        p(JV, "u.csv"),
        needs=(JV,),
        setup=files(u_csv=lambda path: write_csv_array(path, JV_SEQ, sep=";")),
        mention=("u.csv", "line"),
    )
    add(
        "P07",
        c,
        "jv: a CSV with BOM, header and CRLF",
        p(JV, "u.csv"),
        expect="ok",
        needs=(JV,),
        setup=files(
            u_csv=lambda path: write_csv_array(
                path, JV_SEQ, header=[f"c{k}" for k in range(1, 13)], bom=True, newline="\r\n"
            )
        ),
        outputs=(),
    )
    add(
        "P08",
        c,
        "jv: a CSV whose header is numeric (pandas' default 0,1,...,11)",
        p(JV, "u.csv"),
        expect="either",
        needs=(JV,),
        setup=files(
            u_csv=lambda path: write_csv_array(path, JV_SEQ, header=[str(k) for k in range(12)]),
            u_npy=jv_npy,
        ),
        check=same_prediction_as(p(JV, "u.npy"), "the same sequence as .npy"),
        outputs=(),
        mention=("header",),
    )
    header, rows = nox_window(6)
    order = [5, 0, 1, 2, 3, 4, 6, 7, 8]
    add(
        "P09",
        c,
        "nox: a window CSV with its named columns in another order",
        p("nox", "w2.csv"),
        expect="either",
        needs=("nox",),
        setup=files(
            w_csv=lambda path: write_table(path, header, rows),
            w2_csv=lambda path: write_table(
                path, [header[i] for i in order], [[r[i] for i in order] for r in rows]
            ),
        ),
        check=same_prediction_as(p("nox", "w.csv"), "the columns in training order"),
        mention=("TIT|column",),
        outputs=(),
    )
    names = ["speed_kmh", "engine_rpm", "torque_nm", "coolant_c", "gear"]
    rng = np.random.default_rng(0)
    engine = np.column_stack(
        [
            rng.uniform(0, 120, 60),
            rng.uniform(800, 4000, 60),
            rng.uniform(0, 300, 60),
            rng.uniform(20, 90, 60),
            rng.integers(1, 6, 60),
        ]
    )
    perm = [4, 3, 2, 1, 0]
    add(
        "P10",
        c,
        "engine_nox: signal CSV with named columns in reverse order",
        p("engine_nox", "e2.csv"),
        expect="either",
        needs=("engine_nox",),
        setup=files(
            e_csv=lambda path: write_csv_array(path, engine, header=names),
            e2_csv=lambda path: write_csv_array(
                path, engine[:, perm], header=[names[i] for i in perm]
            ),
        ),
        check=same_prediction_as(p("engine_nox", "e.csv"), "the columns in training order"),
        mention=("gear|column",),
        outputs=(),
    )
    add("P11", c, "jv: '-' (stdin convention)", p(JV, "-"), needs=(JV,), mention=("-",))
    add(
        "P12",
        c,
        "jv: a (0, 20, 12) .npy batch",
        p(JV, "e.npy"),
        needs=(JV,),
        setup=files(e_npy=save_npy(np.zeros((0, 20, 12), "float32"))),
        mention=("e.npy",),
    )
    long = jv_sequences("test", 3, 40)
    long20 = next(s for s in long if len(s) >= 20)[:20]
    add(
        "P13",
        c,
        "jv: a transposed (12, 20) .npy",
        p(JV, "t.npy"),
        needs=(JV,),
        setup=files(t_npy=save_npy(long20.T)),
        mention=("t.npy", "20"),
    )
    add(
        "P14",
        c,
        "jv: an .npz",
        p(JV, "u.npz"),
        needs=(JV,),
        setup=files(u_npz=lambda path: np.savez(path, x=JV_SEQ)),
        mention=("u.npz",),
    )
    add(
        "P15",
        c,
        "jv: a file without read permission",
        p(JV, "u.npy"),
        needs=(JV,),
        setup=chain(files(u_npy=jv_npy), lambda ctx, d: os.chmod(d / "u.npy", 0)),
        mention=("u.npy", "permission"),
    )
    add(
        "P16",
        c,
        "forecasting: a 1-row CSV",
        p("forecasting", "one.csv"),
        expect="either",
        needs=("forecasting",),
        setup=files(one_csv="123.0\n"),
        mention=("one.csv",),
        outputs=(),
    )
    add(
        "P17",
        c,
        "forecasting (univariate model): a (20, 3) .npy",
        p("forecasting", "m.npy"),
        needs=("forecasting",),
        setup=files(m_npy=save_npy(np.ones((20, 3)))),
        mention=("m.npy", "3"),
    )
    add(
        "P18",
        c,
        "hola: letters not in the vocabulary ('xyz')",
        p("hola", "xyz"),
        needs=("hola",),
        mention=("x",),
    )
    add(
        "P19",
        c,
        "hola: upper-case letters ('HOL')",
        p("hola", "HOL"),
        expect="either",
        needs=("hola",),
        mention=("H",),
        outputs=(),
    )
    add(
        "P20",
        c,
        "char_lm predict: characters not in the vocabulary",
        p("char_lm", "€漢字"),
        expect="either",
        needs=("char_lm",),
        mention=("€|漢",),
        outputs=(),
    )
    add(
        "P21",
        c,
        "sentiment: an empty .txt",
        p("sentiment", "r.txt"),
        needs=("sentiment",),
        setup=files(r_txt=""),
        mention=("r.txt",),
    )
    add(
        "P22",
        c,
        "sentiment: a UTF-16 .txt",
        p("sentiment", "r.txt"),
        needs=("sentiment",),
        setup=files(r_txt="Great film\nAwful film\n".encode("utf-16")),
        mention=("r.txt", "utf-8"),
    )
    add(
        "P23",
        c,
        "sentiment: a text of spaces only",
        p("sentiment", "   "),
        needs=("sentiment",),
        mention=("empty",),
    )
    add(
        "P24",
        c,
        "sentiment: a .TXT file (upper-case suffix)",
        p("sentiment", "R.TXT"),
        expect="ok",
        needs=("sentiment",),
        setup=files(R_TXT="Great film\nAwful film\n"),
        outputs=(),
    )
    add(
        "P25",
        c,
        "captioning: a text file named scene.png",
        p("captioning", "scene.png"),
        needs=("captioning",),
        setup=files(scene_png="not an image\n"),
        mention=("scene.png",),
    )
    add(
        "P26",
        c,
        "captioning: an RGBA 300x200 PNG",
        p("captioning", "big.png"),
        expect="ok",
        needs=("captioning",),
        setup=files(big_png=_png((300, 200), "RGBA", (0, 0, 0, 255))),
        outputs=(),
    )
    add(
        "P27",
        c,
        "captioning: a folder without images",
        p("captioning", "imgs"),
        needs=("captioning",),
        setup=files(imgs__notes_txt="x"),
        mention=("imgs",),
    )
    add(
        "P28",
        c,
        "captioning --beam-width 0",
        [*p("captioning", "s.png"), "--beam-width", "0"],
        needs=("captioning",),
        setup=files(s_png=_png((64, 40))),
        mention=("beam",),
    )
    add(
        "P29",
        c,
        "captioning --beam-width -3",
        [*p("captioning", "s.png"), "--beam-width", "-3"],
        needs=("captioning",),
        setup=files(s_png=_png((64, 40))),
        mention=("beam",),
    )
    add(
        "P30",
        c,
        "video: a folder with one frame",
        p("video", "clip"),
        expect="either",
        needs=("video",),
        setup=files(clip__f000_png=_png((32, 32))),
        mention=("clip",),
        outputs=(),
    )
    add(
        "P31",
        c,
        "video: clip.mp4 holding garbage bytes",
        p("video", "clip.mp4"),
        needs=("video",),
        setup=files(clip_mp4=b"\x00garbage" * 100),
        mention=("clip.mp4",),
    )
    add(
        "P32",
        c,
        "video: frames of different sizes",
        p("video", "clip"),
        expect="either",
        needs=("video",),
        setup=files(
            clip__f000_png=_png((32, 32)),
            clip__f001_png=_png((64, 48)),
            clip__f002_png=_png((20, 20)),
        ),
        mention=("clip",),
        outputs=(),
    )
    add(
        "P33",
        c,
        "activity: a (1, 6) recording",
        p("activity", "r.npy"),
        expect="either",
        needs=("activity",),
        setup=files(r_npy=save_npy(np.ones((1, 6), "float32"))),
        mention=("r.npy",),
        outputs=(),
    )
    add(
        "P34",
        c,
        "jv --beam-width 2 (not a captioning run)",
        [*p(JV, "u.npy"), "--beam-width", "2"],
        needs=(JV,),
        setup=files(u_npy=jv_npy),
        mention=("beam",),
    )
    add(
        "P35",
        c,
        "jv: a path with spaces and non-ASCII characters",
        p(JV, "mis datos/señal.csv"),
        expect="ok",
        needs=(JV,),
        setup=files({"mis datos/señal.csv": lambda path: write_csv_array(path, JV_SEQ)}),
        outputs=(),
    )
    add(
        "P36",
        c,
        "nox: a 1-hour window (trained on 6)",
        p("nox", "w1.csv"),
        expect="either",
        needs=("nox",),
        setup=files(w1_csv=lambda path: write_table(path, *nox_window(1))),
        mention=("window|6",),
        outputs=(),
    )
    add(
        "P37",
        c,
        "generate on a hola run",
        ["generate", "hola", "--prompt", "h"],
        needs=("hola",),
        mention=("char_lm",),
    )
    gen = lambda *a: ["generate", "char_lm", *a]  # noqa: E731
    add(
        "P38",
        c,
        "generate --length -5",
        gen("--prompt", "En", "--length", "-5"),
        needs=("char_lm",),
        mention=("length",),
    )
    add(
        "P39",
        c,
        "generate --length 0",
        gen("--prompt", "En", "--length", "0"),
        expect="either",
        needs=("char_lm",),
        mention=("length",),
        outputs=(),
    )
    add(
        "P40",
        c,
        "generate --prompt '' (empty)",
        gen("--prompt", "", "--length", "20"),
        expect="either",
        needs=("char_lm",),
        mention=("prompt",),
        outputs=(),
    )
    add(
        "P41",
        c,
        "generate --top-k 0",
        gen("--prompt", "En", "--length", "20", "--top-k", "0"),
        needs=("char_lm",),
        mention=("top",),
    )
    add(
        "P42",
        c,
        "generate --prompt of characters not in the vocabulary",
        gen("--prompt", "€漢字", "--length", "20"),
        expect="either",
        needs=("char_lm",),
        mention=("€|漢",),
        ok_stderr_max=1,
        outputs=(),
    )
    add(
        "P43",
        c,
        "generate --top-k 100000 (more than the vocabulary)",
        gen("--prompt", "En", "--length", "20", "--top-k", "100000"),
        expect="either",
        needs=("char_lm",),
        mention=("top",),
        outputs=(),
    )
    add(
        "P44",
        c,
        "turbofan: a 3-cycle CSV with 14 named columns",
        p("turbofan", "eng.csv"),
        expect="ok",
        needs=("turbofan",),
        setup=files(
            eng_csv=lambda path: write_csv_array(
                path, np.tile(np.linspace(0, 1, 14), (3, 1)), header=[f"s{k}" for k in range(14)]
            )
        ),
        outputs=(),
    )


def _artifacts():
    c = "artifacts"
    pj = ["predict", JV, "u.npy"]
    u = files(u_npy=jv_npy)
    add(
        "A01",
        c,
        "model.keras of 0 bytes",
        pj,
        needs=(JV,),
        setup=chain(u, files(japanese_vowels__model_keras=b"")),
        mention=("model.keras",),
    )
    add(
        "A02",
        c,
        "model.keras is a folder",
        pj,
        needs=(JV,),
        setup=chain(
            u, lambda ctx, d: ((d / JV / "model.keras").unlink(), (d / JV / "model.keras").mkdir())
        ),
        mention=("model.keras",),
    )
    add(
        "A03",
        c,
        "hola's model.keras copied into the jv folder",
        pj,
        needs=(JV, "hola"),
        setup=chain(u, lambda ctx, d: shutil.copy(d / "hola" / "model.keras", d / JV)),
        mention=("mix|model.keras",),
    )
    header, rows = nox_window(6)
    add(
        "A04",
        c,
        "turbofan's config.json copied into the nox folder, then predict",
        ["predict", "nox", "w.csv"],
        needs=("nox", "turbofan"),
        setup=chain(
            files(w_csv=lambda p: write_table(p, header, rows)),
            lambda ctx, d: shutil.copy(d / "turbofan" / "config.json", d / "nox"),
        ),
        mention=("config.json|mix",),
    )
    add(
        "A05",
        c,
        "metrics.json deleted, then card",
        ["card", JV],
        expect="either",
        needs=(JV,),
        setup=lambda ctx, d: (d / JV / "metrics.json").unlink(),
        outputs=(f"{JV}/MODEL_CARD.md",),
        mention=("metrics.json",),
    )
    add(
        "A06",
        c,
        "history.csv garbage, then predict",
        pj,
        expect="either",
        needs=(JV,),
        setup=chain(u, files(japanese_vowels__history_csv=b"\x00\x01garbage,\n\xff")),
        mention=("history.csv",),
        outputs=(),
    )
    add(
        "A07",
        c,
        "config.json saved with a UTF-8 BOM (an editor did it)",
        pj,
        expect="either",
        needs=(JV,),
        setup=chain(
            u,
            lambda ctx, d: (d / JV / "config.json").write_bytes(
                b"\xef\xbb\xbf" + (d / JV / "config.json").read_bytes()
            ),
        ),
        mention=("config.json",),
        outputs=(),
    )
    add(
        "A08",
        c,
        "config.json units 'sixteen', then card",
        ["card", JV],
        needs=(JV,),
        setup=chain(
            u, edit_json(f"{JV}/config.json", lambda v: v["config"].__setitem__("units", "sixteen"))
        ),
        mention=("config.json", "units"),
        error_outputs=(),
    )
    add(
        "A27",
        c,
        "config.json of another jv run (units=64) beside a units=16 model, then card",
        ["card", JV],
        needs=(JV,),
        setup=edit_json(f"{JV}/config.json", lambda v: v["config"].__setitem__("units", 64)),
        mention=("config.json|mix", "units"),
    )
    add(
        "A28",
        c,
        "config.json deleted, then predict",
        pj,
        needs=(JV,),
        setup=chain(u, lambda ctx, d: (d / JV / "config.json").unlink()),
        mention=("config.json",),
    )
    add(
        "A09",
        c,
        "config.json says case_study nox in a jv folder",
        pj,
        needs=(JV,),
        setup=chain(
            u, edit_json(f"{JV}/config.json", lambda v: v.__setitem__("case_study", "nox"))
        ),
        mention=("config.json",),
    )
    add(
        "A10",
        c,
        "config.json class_names emptied ([])",
        pj,
        needs=(JV,),
        setup=chain(u, edit_json(f"{JV}/config.json", lambda v: v.__setitem__("class_names", []))),
        mention=("class_names|classes",),
    )
    add(
        "A11",
        c,
        "model.keras: a valid zip without the weights",
        pj,
        needs=(JV,),
        setup=chain(u, zip_without(lambda n: not n.endswith(".h5"))),
        mention=("model.keras",),
    )

    def flip(ctx, d):
        path = d / JV / "model.keras"
        data = bytearray(path.read_bytes())
        mid = len(data) // 2
        data[mid : mid + 64] = bytes(64)
        path.write_bytes(bytes(data))

    add(
        "A12",
        c,
        "model.keras with 64 zeroed bytes in the middle",
        pj,
        needs=(JV,),
        setup=chain(u, flip),
        mention=("model.keras",),
        check=same_as_base(pj, JV),
    )
    add(
        "A13",
        c,
        "evaluate a read-only run folder",
        ["evaluate", JV],
        expect="ok",
        needs=(JV,),
        setup=read_only(JV),
        outputs=(),
    )
    add(
        "A14",
        c,
        "card of a read-only run folder, written elsewhere",
        ["card", JV, "--output", "cards/CARD.md"],
        expect="ok",
        needs=(JV,),
        setup=read_only(JV),
        outputs=("cards",),
    )

    def table_run(data_path, table=None):
        def setup(ctx, d):
            ctx.copy_base("japanese_vowels_table", d / JV)
            if table is not None:
                table(d)
            edit_json(
                f"{JV}/config.json",
                lambda v: v["config"].__setitem__("data_path", str(d / data_path)),
            )(ctx, d)

        return setup

    add(
        "A15",
        c,
        "evaluate a run whose data_path has since been deleted",
        ["evaluate", JV],
        bases=("japanese_vowels_table",),
        setup=table_run("gone.csv"),
        mention=("gone.csv",),
    )

    def thirteen(d):
        def more(h, rows):
            h.append("c13")
            for r in rows:
                r.append("0.5")

        header, rows = jv_table()
        more(header, rows)
        write_table(d / "table13.csv", header, rows)

    add(
        "A16",
        c,
        "evaluate a run whose data table now has 13 features",
        ["evaluate", JV],
        bases=("japanese_vowels_table",),
        setup=table_run("table13.csv", thirteen),
        mention=("13", "12"),
    )
    add(
        "A17",
        c,
        "model.keras a symlink to a missing file",
        pj,
        needs=(JV,),
        setup=chain(
            u,
            lambda ctx, d: (
                (d / JV / "model.keras").unlink(),
                (d / JV / "model.keras").symlink_to("/nonexistent.keras"),
            ),
        ),
        mention=("model.keras",),
    )
    add(
        "A18",
        c,
        "run_dir is a file",
        ["predict", "notes.txt", "u.npy"],
        setup=chain(u, files(notes_txt="x")),
        mention=("notes.txt",),
    )

    def half(ctx, d):
        tmp = d / f".{JV}.tmp-k1ll3d"
        tmp.mkdir()
        shutil.copy(d / JV / "config.json", tmp / "config.json")

    add(
        "A19",
        c,
        "predict on a half-written hidden .NAME.tmp-* folder",
        ["predict", f".{JV}.tmp-k1ll3d", "u.npy"],
        needs=(JV,),
        setup=chain(u, half),
        mention=("model.keras",),
    )
    ex = ["export", JV, "--format", "onnx", "--output", "m.onnx"]
    add(
        "A20",
        c,
        "export --inputs a .npy of dtype object",
        [*ex, "--inputs", "obj.npy"],
        needs=(JV,),
        setup=files(
            obj_npy=save_npy(np.array([JV_SEQ, JV_SEQ[:5]], dtype=object), allow_pickle=True)
        ),
        mention=("obj.npy",),
    )
    add(
        "A21",
        c,
        "export --inputs a 2-D .npy",
        [*ex, "--inputs", "two.npy"],
        needs=(JV,),
        setup=files(two_npy=save_npy(JV_SEQ)),
        mention=("two.npy|inputs", "shape|dim"),
    )
    add(
        "A22",
        c,
        "export litert without --timesteps",
        ["export", JV, "--format", "litert", "--output", "m.tflite"],
        needs=(JV,),
        mention=("timesteps",),
    )
    add(
        "A23",
        c,
        "export --timesteps 0",
        [*ex, "--timesteps", "0"],
        needs=(JV,),
        mention=("timesteps",),
    )
    add(
        "A24",
        c,
        "card when figures/ is missing",
        ["card", JV],
        expect="ok",
        needs=(JV,),
        setup=lambda ctx, d: shutil.rmtree(d / JV / "figures"),
        outputs=(f"{JV}/MODEL_CARD.md",),
    )
    add(
        "A25",
        c,
        "card when exports.json is damaged",
        ["card", JV],
        needs=(JV,),
        setup=files(japanese_vowels__exports_json='[{"path": '),
        mention=("exports.json",),
    )
    add(
        "A26",
        c,
        "evaluate a nox run on a machine without the data (offline, no data dir)",
        ["evaluate", "nox"],
        needs=("nox",),
        env={"LSTM_APPS_DATA_DIR": None, "LSTM_APPS_CACHE_DIR": "cache"},
        mention=("gt_2011|gas_turbine|LSTM_APPS_DATA_DIR",),
        error_outputs=("cache",),
    )


def _startup():
    c = "startup"
    add("S01", c, "no arguments", [], stderr_max=4, check=faster_than(1.0))
    add("S02", c, "run without a study name", ["run"], stderr_max=4, check=faster_than(1.0))
    add(
        "S03",
        c,
        "a mistyped study name (japanese_vowel)",
        ["run", "japanese_vowel"],
        mention=("japanese_vowels",),
        check=faster_than(1.0),
    )
    add(
        "S04",
        c,
        "--set without a value",
        ["run", JV, "--set"],
        stderr_max=4,
        mention=("--set",),
        check=faster_than(1.0),
    )
    add(
        "S05",
        c,
        "--set =5 (no field)",
        ["run", JV, "--set", "=5"],
        mention=("field",),
        check=faster_than(1.0),
    )
    add(
        "S06",
        c,
        "--set units==5",
        ["run", JV, "--set", "units==5"],
        mention=("units",),
        check=faster_than(1.0),
    )
    add(
        "S07",
        c,
        "--set training.max_epoch=3 (typo)",
        ["run", JV, "--set", "training.max_epoch=3"],
        mention=("max_epochs",),
        check=faster_than(1.0),
    )
    add(
        "S08",
        c,
        "--set units=16.5",
        ["run", JV, "--set", "units=16.5"],
        mention=("units",),
        check=faster_than(1.0),
    )
    add(
        "S09",
        c,
        "captioning --set num_scenes=(300,60) (tuple of the wrong length)",
        ["run", "captioning", "--fast", "--set", "num_scenes=(300,60)", "--output", "out"],
        mention=("num_scenes",),
        check=faster_than(1.0),
    )
    add(
        "S10",
        c,
        "--set units=() (empty tuple)",
        ["run", JV, "--set", "units=()", "--output", "out"],
        mention=("units",),
        check=faster_than(1.0),
    )
    add(
        "S11",
        c,
        "--set training.seed=99999999999",
        run(JV, "training.seed=99999999999"),
        mention=("99999999999",),
    )
    add(
        "S12",
        c,
        "--set architecture=LSTM (upper case)",
        run(JV, "architecture=LSTM"),
        expect="either",
        mention=("architecture",),
    )
    add(
        "S13",
        c,
        "--set training.verbose=7",
        run(JV, "training.verbose=7"),
        expect="either",
        mention=("verbose",),
        ok_stderr_max=0,
    )
    add(
        "S14",
        c,
        "activity --set test_subjects=(99,)",
        run("activity", "test_subjects=(99,)"),
        mention=("99",),
    )
    add(
        "S15",
        c,
        "nox --set train_years=(2030,)",
        run("nox", "train_years=(2030,)"),
        mention=("2030",),
    )
    add("S16", c, "nox --set features=('XX',)", run("nox", "features=('XX',)"), mention=("XX",))
    add(
        "S17",
        c,
        "--set training.checkpoint_dir=/proc/nope",
        run("hola", "training.checkpoint_dir=/proc/nope"),
        mention=("/proc/nope",),
    )
    add(
        "S18",
        c,
        "predict piped into `head -1` (closed pipe)",
        "{lstm} predict engine_nox e.csv | head -1; exit ${PIPESTATUS[0]}",
        expect="ok",
        needs=("engine_nox",),
        setup=files(e_csv=lambda p: write_csv_array(p, np.ones((200, 5)))),
        outputs=(),
    )
    add(
        "S19",
        c,
        "list written to a full disk (> /dev/full)",
        "{lstm} list > /dev/full",
        exit_codes=(1, 2, 120),
        mention=("space",),
    )
    add(
        "S20",
        c,
        "KERAS_BACKEND=jax in the environment, predict",
        ["predict", JV, "u.npy"],
        expect="either",
        needs=(JV,),
        setup=files(u_npy=jv_npy),
        env={"KERAS_BACKEND": "jax"},
        mention=("KERAS_BACKEND|jax",),
        outputs=(),
    )
    add(
        "S21",
        c,
        "TF_CPP_MIN_LOG_LEVEL unset: a hola run prints nothing on stderr",
        run("hola"),
        expect="ok",
        env={"TF_CPP_MIN_LOG_LEVEL": None},
    )
    add(
        "S22",
        c,
        "HOME unwritable (/nonexistent): a hola run",
        run("hola"),
        expect="ok",
        env={"HOME": "/nonexistent"},
    )
    add(
        "S23",
        c,
        "the end of a successful run is compact",
        run("engine_nox"),
        expect="ok",
        check=stdout_compact,
    )
    add(
        "S24",
        c,
        "sentiment progress: each model's progress labelled",
        [
            "run",
            "sentiment",
            "--fast",
            "--set",
            "data=r.csv",
            "--set",
            "training.verbose=2",
            "--set",
            "training.max_epochs=1",
            "--output",
            "out",
        ],
        expect="ok",
        setup=table_setup(name="r.csv", make=reviews_table),
        check=labelled_progress,
        timeout=200,
    )
    add("S25", c, "`lstm-apps --help` under 1 s", ["--help"], expect="ok", check=faster_than(1.0))
    add("S26", c, "`lstm-apps list` under 1 s", ["list"], expect="ok", check=faster_than(1.0))
    add(
        "S27",
        c,
        "evaluate --json is strict JSON",
        ["evaluate", "--json", "forecasting"],
        expect="ok",
        needs=("forecasting",),
        check=strict_json,
        outputs=(),
    )
    add(
        "S28",
        c,
        "--verbose after the subcommand",
        ["predict", JV, "u.npy", "--verbose"],
        expect="ok",
        needs=(JV,),
        setup=files(u_npy=jv_npy),
        ok_stderr_max=50,
        outputs=(),
    )
    add(
        "S29",
        c,
        "an unknown option (--fats)",
        ["run", "hola", "--fats"],
        stderr_max=4,
        mention=("--fats",),
        check=faster_than(1.0),
    )
    add(
        "S30",
        c,
        "predict without its input argument",
        ["predict", JV],
        needs=(JV,),
        stderr_max=4,
        mention=("input",),
        check=faster_than(1.0),
    )
    add(
        "S32",
        c,
        "--set units=-5",
        run(JV, "units=-5"),
        mention=("units", "-5"),
    )
    add(
        "S33",
        c,
        "--set training.max_epochs=ten (a string for an int)",
        ["run", JV, "--set", "training.max_epochs=ten", "--output", "out"],
        mention=("max_epochs", "ten"),
        check=faster_than(1.0),
    )
    add(
        "S34",
        c,
        "--set validation_fraction=1.0",
        ["run", JV, "--set", "validation_fraction=1.0", "--output", "out"],
        mention=("validation_fraction",),
        check=faster_than(1.0),
    )
    add(
        "S31",
        c,
        "`run NAME --help` under 1 s",
        ["run", "nox", "--help"],
        expect="ok",
        check=faster_than(1.0),
    )
