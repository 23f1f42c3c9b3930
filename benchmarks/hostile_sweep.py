"""Hostile-input sweep of the `lstm-apps` command line, run as a new user would.

Each case (defined in `hostile_cases.py`) builds its files in a fresh folder,
runs one fresh `python -m lstm_apps.cli ...` process there (a per-case
timeout and a memory guard), and is classified from what came back:

- "clear": the error was refused with the expected exit code, on one stderr
  line that names what it should, and nothing on disk was lost or left behind;
- "ok": a valid input was handled (exit 0, nothing on stderr);
- "traceback": a Python traceback reached the user;
- "misleading": an error that does not name the problem (a required word is
  missing), a wrong exit code, extra stderr lines, or a valid input refused;
- "silent-wrong": bad input accepted, a wrong result, data dropped, or an
  existing file lost, overwritten or left half-written;
- "hang": the case ran past its timeout or the memory guard killed it.

The processes run as root without the capabilities that bypass file
permissions (`setpriv`), so read-only folders behave as they do for a
normal user. Base run folders (one per study, `--fast`, one epoch) are
trained once at the start and copied into the cases that need them.

Usage:
    python benchmarks/hostile_sweep.py [--only CLASS[,CLASS]] [--case ID[,ID]] [--list]
        [--timeout S] [--keep] [--work DIR] [--output DIR]

Writes hostile_sweep.json and hostile_sweep.md to benchmarks/results (or
--output) and prints one table row per case as it finishes.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import os
import platform
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import hostile_cases as hc  # noqa: E402
from common import command_line  # noqa: E402
from migrate_results import save  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PYTHON = sys.executable
CLI = [PYTHON, "-m", "lstm_apps.cli"]
MEMORY_LIMIT_MIB = 5000  # the guard kills a case whose process tree grows past this
DROP_CAPS = "-dac_override,-dac_read_search,-fowner"
OUTCOMES = ("clear", "ok", "traceback", "misleading", "silent-wrong", "hang", "skipped")


@dataclass
class Result:
    """What one process left: exit code, time, output and the memory it reached."""

    rc: int | None
    seconds: float
    stdout: str
    stderr: str
    timed_out: bool = False
    memory_killed: bool = False
    peak_mib: float = 0.0


def unprivileged(argv):
    """`argv` run without the capabilities that let root ignore file permissions."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return list(argv)
    return ["setpriv", f"--bounding-set={DROP_CAPS}", f"--inh-caps={DROP_CAPS}", "--", *argv]


def base_env(extra=None) -> dict:
    env = dict(os.environ)
    env.setdefault("LSTM_APPS_DATA_DIR", str(hc.DATA))
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def _tree_rss_mib(pid) -> float:
    try:
        import psutil
    except ImportError:
        return 0.0
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0


def spawn(command, cwd, env=None, timeout=150, action=None) -> Result:
    """Run `command` (an argv list, or a shell string) in `cwd` with a timeout and memory guard.

    `action(proc, cwd)`, if given, runs in a thread once the process has
    started (it sends signals, for instance).
    """
    shell = isinstance(command, str)
    argv = unprivileged(["bash", "-c", command] if shell else command)
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=base_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_default_signals,
    )
    out, err = [], []
    readers = [
        threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if action is not None:
        threading.Thread(target=action, args=(proc, Path(cwd)), daemon=True).start()
    timed_out = memory_killed = False
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mib(proc.pid))
        if peak > MEMORY_LIMIT_MIB:
            memory_killed = True
        elif time.perf_counter() - start > timeout:
            timed_out = True
        if timed_out or memory_killed:
            _kill_group(proc)
            break
        time.sleep(0.1)
    proc.wait()
    seconds = time.perf_counter() - start
    for reader in readers:
        reader.join(10)
    return Result(
        rc=proc.returncode,
        seconds=round(seconds, 2),
        stdout=b"".join(out).decode("utf-8", "replace"),
        stderr=b"".join(err).decode("utf-8", "replace"),
        timed_out=timed_out,
        memory_killed=memory_killed,
        peak_mib=round(peak, 1),
    )


def _default_signals():
    """Ctrl-C reaches the child even when the sweep itself runs in the background
    (a background shell job starts with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Context:
    """What setups and checks may use: the work folder, base runs and a way to run lstm-apps."""

    def __init__(self, work: Path, timeout: int):
        self.work = work
        self.timeout = timeout
        self.bases: dict[str, Path] = {}
        self.base_errors: dict[str, str] = {}
        self.background: dict[str, subprocess.Popen] = {}

    def lstm(self, args, cwd, *, env=None, timeout=None, action=None) -> Result:
        """Run `lstm-apps ARGS` in `cwd` (a fresh process)."""
        return spawn([*CLI, *args], cwd, env=env, timeout=timeout or self.timeout, action=action)

    def start(self, args, cwd, env=None) -> subprocess.Popen:
        """Start `lstm-apps ARGS` in the background (the caller stops it)."""
        return subprocess.Popen(
            unprivileged([*CLI, *args]),
            cwd=cwd,
            env=base_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_default_signals,
        )

    def copy_base(self, study, target: Path) -> Path:
        if study not in self.bases:
            raise RuntimeError(f"no base run for {study}: {self.base_errors.get(study)}")
        shutil.copytree(self.bases[study], target, symlinks=True)
        return target

    def train_base(self, study):
        """Train the base run folder of `study` once (`--fast`, one epoch)."""
        if study in self.bases or study in self.base_errors:
            return
        folder = self.work / "bases"
        folder.mkdir(exist_ok=True)
        args, output = hc.base_run_args(study, self.work)
        result = self.lstm(args, folder, timeout=300)
        if result.rc == 0 and (folder / output).is_dir():
            self.bases[study] = folder / output
            print(f"base run {study}: {result.seconds:.1f} s", flush=True)
        else:
            self.base_errors[study] = f"rc={result.rc}: {result.stderr.strip()[-300:]}"
            print(f"base run {study} FAILED: {self.base_errors[study]}", flush=True)


# --- snapshots: what changed on disk --------------------------------------------------------


def snapshot(root: Path) -> dict[str, str]:
    """relative path -> a fingerprint (type, size, content hash) of everything under `root`."""
    found = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            try:
                info = path.lstat()
                if stat.S_ISLNK(info.st_mode):
                    found[rel] = f"link:{os.readlink(path)}"
                elif stat.S_ISDIR(info.st_mode):
                    found[rel] = "dir"
                elif stat.S_ISREG(info.st_mode):
                    found[rel] = f"file:{info.st_size}:{_digest(path, info)}"
                else:
                    found[rel] = "other"
            except OSError as err:
                found[rel] = f"error:{err.errno}"
    return found


def _digest(path: Path, info) -> str:
    if info.st_size > 64 * 2**20:
        return str(info.st_mtime_ns)
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "unreadable"


def diff(before: dict, after: dict):
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    modified = sorted(p for p in set(before) & set(after) if before[p] != after[p])
    return added, removed, modified


def _within(path: str, prefixes) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def _hidden(path: str) -> bool:
    return any(part.startswith(".") for part in Path(path).parts)


def restore_permissions(root: Path):
    """Make everything under `root` writable again, so that it can be removed."""
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if not path.is_symlink():
                try:
                    path.chmod(path.stat().st_mode | stat.S_IRWXU)
                except OSError:
                    pass
    root.chmod(root.stat().st_mode | stat.S_IRWXU)


# --- classification -----------------------------------------------------------------------


def stderr_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def classify(case, result: Result, changes, after) -> tuple[str, list[str]]:
    """The outcome of a case from its result and what changed on disk, with notes.

    Files left behind by a refused command count against it; empty folders and
    hidden entries (locks, temporary folders) are only noted.
    """
    added, removed, modified = changes
    allowed = case.outputs if result.rc == 0 else case.error_outputs
    lost = [p for p in removed + modified if not _within(p, allowed)]
    left = [p for p in added if not _within(p, allowed)]
    notes = []
    if lost:
        notes.append(f"changed or removed: {', '.join(lost[:6])}")
    if left:
        notes.append(f"left behind: {', '.join(left[:6])}")
    lines = stderr_lines(result.stderr)
    if result.timed_out:
        return "hang", notes + [f"no answer within {case.timeout} s"]
    if result.memory_killed:
        return "hang", notes + [f"killed by the sweep at {result.peak_mib:.0f} MiB"]
    if "Traceback (most recent call last)" in result.stderr:
        return "traceback", notes
    visible_left = [p for p in left if not _hidden(p) and after.get(p) != "dir"]
    refused = result.rc != 0 and (case.expect == "error" or case.expect == "either")
    if case.expect == "error" and result.rc == 0:
        return "silent-wrong", notes + ["accepted (exit code 0)"]
    if refused:
        if lost or visible_left:
            return "silent-wrong", notes + ["refused, but files were lost or half-written"]
        if result.rc not in case.exit_codes:
            return "misleading", notes + [f"exit code {result.rc}, expected {case.exit_codes}"]
        missing = [m for m in case.mention if not _mentions(result.stderr, m)]
        if missing:
            return "misleading", notes + [f"the message does not name: {missing}"]
        wrong = [m for m in case.forbid if _mentions(result.stderr, m)]
        if wrong:
            return "misleading", notes + [f"the message names the wrong thing: {wrong}"]
        if len(lines) > case.stderr_max:
            return "misleading", notes + [f"{len(lines)} stderr lines (at most {case.stderr_max})"]
        return "clear", notes
    if result.rc != 0:
        return "misleading", notes + [f"valid input refused (exit code {result.rc})"]
    if lost:
        return "silent-wrong", notes
    if len(lines) > case.ok_stderr_max:
        return "misleading", notes + [f"{len(lines)} stderr lines on success"]
    return "ok", notes


def _mentions(text: str, needle: str) -> bool:
    """Whether `text` holds `needle` (case-insensitive); "a|b" accepts either."""
    low = text.lower()
    return any(option.lower() in low for option in needle.split("|"))


# --- running --------------------------------------------------------------------------------


def display(case) -> str:
    """The case's command line as a user would type it, with its environment changes."""
    if isinstance(case.args, str):
        command = case.args.replace("{lstm}", "lstm-apps")
    else:
        command = "lstm-apps " + shlex.join(case.args)
    env = case.env or {}
    unset = [f"-u {k}" for k, v in env.items() if v is None]
    assigned = [f"{k}={shlex.quote(str(v))}" for k, v in env.items() if v is not None]
    if unset:
        return " ".join(["env", *unset, *assigned, command])
    return " ".join([*assigned, command])


def run_case(case, ctx: Context, keep: bool) -> dict:
    folder = ctx.work / "cases" / case.id
    folder.mkdir(parents=True)
    record = {
        "id": case.id,
        "class": case.cls,
        "title": case.title,
        "command": display(case),
        "expect": case.expect,
    }
    try:
        for study in case.needs:
            ctx.copy_base(study, folder / study)
        if case.setup is not None:
            case.setup(ctx, folder)
    except Exception as err:  # a setup that cannot run is reported, not fatal
        record.update(outcome="skipped", notes=[f"setup failed: {type(err).__name__}: {err}"])
        return record
    before = snapshot(folder)
    if isinstance(case.args, str):
        command = case.args.replace("{lstm}", shlex.join(CLI))
    else:
        command = [*CLI, *case.args]
    result = spawn(command, folder, env=case.env, timeout=case.timeout, action=case.action)
    after = snapshot(folder)
    changes = diff(before, after)
    outcome, notes = classify(case, result, changes, after)
    if case.check is not None:
        try:
            verdict, note = case.check(ctx, folder, result)
        except Exception as err:
            verdict, note = None, f"check failed: {type(err).__name__}: {err}"
        if note:
            notes.append(note)
        if verdict is not None and outcome not in ("traceback", "hang"):
            outcome = verdict
    lines = stderr_lines(result.stderr)
    record.update(
        outcome=outcome,
        exit_code=result.rc,
        seconds=result.seconds,
        stderr_lines=len(lines),
        traceback="Traceback (most recent call last)" in result.stderr,
        stderr_head=lines[:12],
        stderr_tail=lines[-4:] if len(lines) > 12 else [],
        stdout_head=stderr_lines(result.stdout)[:6],
        stdout_lines=len(stderr_lines(result.stdout)),
        files_added=changes[0][:20],
        files_removed=changes[1][:20],
        files_modified=changes[2][:20],
        peak_mib=result.peak_mib,
        notes=notes,
    )
    background = ctx.background.pop(case.id, None)
    if background is not None and background.poll() is None:
        _kill_group(background)
        background.wait()
    if not keep:
        restore_permissions(folder)
        shutil.rmtree(folder, ignore_errors=True)
    return record


def print_row(record):
    first = (record.get("stderr_head") or [""])[0] if record.get("stderr_head") else ""
    if not first and record.get("notes"):
        first = record["notes"][0]
    print(
        f"{record['id']:<5} {record['class']:<10} {str(record.get('exit_code', '-')):>4} "
        f"{record.get('seconds', 0):6.1f} {record.get('stderr_lines', 0):>3} "
        f"{'TB' if record.get('traceback') else '  '} {record['outcome']:<12} {first[:110]}",
        flush=True,
    )


def summary_markdown(records, meta) -> str:
    counts = collections.Counter(r["outcome"] for r in records)
    by_class = collections.defaultdict(collections.Counter)
    for r in records:
        by_class[r["class"]][r["outcome"]] += 1
    shown = [o for o in OUTCOMES if counts[o]]
    lines = [
        "# Hostile-input sweep of the command line",
        "",
        f"{len(records)} cases, {meta['seconds']:.0f} s, on {meta['machine']}"
        + (f", started {meta['started']}" if meta.get("started") else "")
        + " "
        f"(load average {meta['load_average']}). Produced by `benchmarks/hostile_sweep.py`; "
        "every case is a fresh `lstm-apps` process. Outcomes: "
        + ", ".join(f"{o} {counts[o]}" for o in shown)
        + ".",
        "",
        "| class | " + " | ".join(shown) + " |",
        "|---|" + "---|" * len(shown),
    ]
    for cls in hc.CLASSES:
        if cls in by_class:
            row = " | ".join(str(by_class[cls][o]) for o in shown)
            lines.append(f"| {cls} | {row} |")
    bad = [r for r in records if r["outcome"] not in ("clear", "ok")]
    if bad:
        lines += ["", "## Cases that are neither clear nor ok", ""]
    for r in bad:
        head = r.get("stderr_head") or []
        if r.get("traceback"):  # the exception itself, not the first frames
            head = [(r.get("stderr_tail") or head)[-1]]
        stderr = " / ".join(head[:3])[:400]
        lines += [
            f"- **{r['id']}** ({r['class']}, {r['outcome']}): {r['title']}",
            f"  - `{r['command']}`",
            f"  - exit {r.get('exit_code')}; stderr: {stderr or '(none)'}",
        ]
        if r.get("notes"):
            lines.append(f"  - {'; '.join(r['notes'])}")
    noted = [
        r
        for r in records
        if r["outcome"] in ("clear", "ok")
        and any(n.startswith(("left behind", "slow")) for n in r.get("notes", []))
    ]
    if noted:
        lines += ["", "## Clear or ok, with something left behind or slow", ""]
    for r in noted:
        lines.append(
            f"- **{r['id']}** ({r['outcome']}): {r['title']}: {'; '.join(r['notes'])[:300]}"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only these classes (comma-separated)")
    parser.add_argument("--case", help="run only these case ids (comma-separated)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--timeout", type=int, default=150, help="default per-case timeout (s)")
    parser.add_argument("--keep", action="store_true", help="keep the case folders")
    parser.add_argument("--work", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    cases = hc.all_cases()
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - set(hc.CLASSES)
        if unknown:
            parser.error(f"unknown classes {sorted(unknown)}; choose from {', '.join(hc.CLASSES)}")
        cases = [c for c in cases if c.cls in wanted]
    if args.case:
        ids = set(args.case.split(","))
        cases = [c for c in cases if c.id in ids]
    if args.list:
        for c in cases:
            print(f"{c.id:<5} {c.cls:<10} {c.expect:<6} {c.title}")
            print(f"      {display(c)}")
        print(f"{len(cases)} cases")
        return
    if not cases:
        parser.error("no case selected")

    work = args.work or Path(tempfile.mkdtemp(prefix="hostile_sweep-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(work, args.timeout)
    start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    load = [round(x, 2) for x in os.getloadavg()]
    hc.prepare(ctx)
    for study in dict.fromkeys(s for c in cases for s in (*c.needs, *c.bases)):
        ctx.train_base(study)
    print(
        f"{'id':<5} {'class':<10} {'rc':>4} {'sec':>6} {'err':>3} tb {'outcome':<12} first line",
        flush=True,
    )
    records = []
    for case in cases:
        if any(s not in ctx.bases for s in (*case.needs, *case.bases)):
            record = {
                "id": case.id,
                "class": case.cls,
                "title": case.title,
                "command": display(case),
                "expect": case.expect,
                "outcome": "skipped",
                "notes": ["a base run it needs failed"],
            }
        else:
            record = run_case(case, ctx, args.keep)
        records.append(record)
        print_row(record)
    meta = {
        "started": started,
        "seconds": round(time.perf_counter() - start, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": load,
        "python": platform.python_version(),
        "memory_limit_mib": MEMORY_LIMIT_MIB,
        "base_errors": ctx.base_errors,
    }
    counts = collections.Counter(r["outcome"] for r in records)
    args.output.mkdir(parents=True, exist_ok=True)
    partial = bool(args.only or args.case)
    stem = "hostile_sweep_partial" if partial else "hostile_sweep"
    payload = {"meta": meta, "counts": dict(counts), "cases": records}
    save(args.output / f"{stem}.json", "hostile_sweep", payload, command=command_line())
    (args.output / f"{stem}.md").write_text(summary_markdown(records, meta))
    print()
    print(", ".join(f"{o}: {counts[o]}" for o in OUTCOMES if counts[o]))
    print(f"Written to {args.output / stem}.json and .md ({meta['seconds']:.0f} s)")
    if not args.keep and args.work is None:
        restore_permissions(work)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
