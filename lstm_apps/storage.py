"""Safe writing: atomic files, strict JSON and transactional folders.

* `atomic_write(path, write)`: a file appears complete or not at all.
* `write_json(path, payload)`: strict JSON (no `NaN` or `Infinity`), atomically.
* `folder_transaction(directory, overwrite=...)`: a whole folder is written
  into a hidden temporary sibling and renamed into place only when complete,
  under a lock that refuses a second writer.

Files and folders get the permissions the process's umask gives newly
created files (0644 and 0755 under the usual umask 022), not the 0600 and
0700 of Python's `tempfile`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import math
import os
import shutil
import tempfile
import warnings
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permission bits of a new file under the current umask (0644 under umask 022)."""
    return 0o666 & ~_umask()


def folder_mode() -> int:
    """Permission bits of a new folder under the current umask (0755 under umask 022)."""
    return 0o777 & ~_umask()


def atomic_write(path: Path, write):
    """Call `write(tmp)` on a temporary file beside `path`, then rename it to `path`.

    A failure inside `write` leaves `path` as it was and removes the
    temporary file; the new file gets the umask's permissions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    os.close(handle)
    try:
        write(tmp)
        if os.path.isfile(tmp):
            os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def file_sha256(path) -> str:
    """The sha256 of a file, in hex (read in blocks of 1 MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first_non_finite(value, where=""):
    if isinstance(value, float) and not math.isfinite(value):
        return where or "(top level)", value
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _first_non_finite(item, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


def _plain(value):
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} to JSON")


def write_json(path, payload):
    """Write `payload` as strict JSON, atomically.

    Raises:
        ValueError: `payload` holds NaN or an infinity (not valid JSON); the
            message names the file and the key.
    """
    path = Path(path)
    try:
        text = json.dumps(payload, indent=2, default=_plain, allow_nan=False)
    except ValueError:
        found = _first_non_finite(json.loads(json.dumps(payload, default=_plain)))
        where, value = found or ("a value", "not finite")
        raise ValueError(
            f"Refusing to write {path}: {where} is {value}, which is not valid JSON."
        ) from None
    atomic_write(path, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))


def finite_or_none(values: dict) -> dict:
    """`values` with every non-finite number replaced by None (JSON null)."""
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in values.items()
    }


class _NonFinite(ValueError):
    pass


def _refuse_constant(name):
    raise _NonFinite(name)


def read_json(path) -> dict:
    """Read a JSON object from `path`; a damaged file gets an error that names it."""
    path = Path(path)
    try:
        value = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except _NonFinite as err:
        found = _first_non_finite(json.loads(path.read_text(encoding="utf-8")))
        where = f" at {found[0]}" if found else ""
        raise ValueError(
            f"{path} is damaged: it holds {err.args[0]}{where}, which is not valid JSON"
        ) from None
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is damaged: it is not UTF-8 text ({err.reason})") from None
    except json.JSONDecodeError as err:
        raise ValueError(
            f"{path} is damaged: not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(value, dict):
        raise ValueError(
            f"{path} is damaged: expected a JSON object. Received: {type(value).__name__}"
        )
    return value


_HELD: set[str] = set()


class FolderLock:
    """An exclusive, non-blocking lock on `directory`, held in a hidden sibling file.

    A second writer gets `FileExistsError` at once instead of waiting. The
    lock is released (and its file removed) on exit, and by the kernel if the
    process dies. Within one process the lock nests: a run that holds it
    while training can save inside it.
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.path = self.directory.parent / f".{self.directory.name}.lock"
        self._handle = None
        self._nested = False

    def __enter__(self):
        key = str(self.path.absolute())
        if key in _HELD:  # this process holds it already (a run that saves inside its lock)
            self._nested = True
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = open(self.path, "a+")  # noqa: SIM115 (held until __exit__)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                handle.close()
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise FileExistsError(
                    f"Another lstm-apps process is writing {self.directory} (lock file "
                    f"{self.path}); wait for it to finish or choose another --output."
                ) from None
            # The previous holder may have removed the file between our open and lock.
            if self.path.exists() and os.path.samestat(os.fstat(handle.fileno()), self.path.stat()):
                break
            handle.close()
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        _HELD.add(key)
        return self

    def __exit__(self, *exc):
        if self._nested:
            return
        _HELD.discard(str(self.path.absolute()))
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._handle.close()
        self._handle = None


def check_output_folder(directory, *, overwrite=False) -> Path:
    """Refuse an `--output` that would destroy something, before any work starts.

    An absent or empty folder is fine. Refused: a file (or a path below
    one), a symbolic link, the current folder or one of its parents, a
    folder whose parent cannot be written, and a non-empty folder unless
    `overwrite` is given and the folder is a run folder (it holds
    config.json): `--overwrite` never deletes a folder of other files.
    """
    directory = Path(directory)
    if not str(directory).strip():
        raise ValueError("--output must name a folder. Received: an empty path")
    for path in (directory, *directory.parents):
        if path.exists() and not path.is_dir():
            raise FileExistsError(f"--output {directory}: {path} is a file, not a folder")
    if directory.is_symlink():
        raise ValueError(
            f"--output {directory} is a symbolic link; give the folder it points to "
            f"({directory.resolve()}) instead"
        )
    here = Path.cwd().resolve()
    if directory.resolve() == here or directory.resolve() in here.parents:
        raise ValueError(
            f"--output {directory} is the current folder or holds it; choose a new folder"
        )
    if directory.is_dir() and any(directory.iterdir()):
        if not overwrite:
            raise FileExistsError(
                f"{directory} already exists and is not empty; pass --overwrite to replace "
                "it as a whole, or choose another --output"
            )
        if not (directory / "config.json").is_file():
            raise FileExistsError(
                f"{directory} is not a run folder (it has no config.json); --overwrite only "
                "replaces run folders, so choose another --output"
            )
    check_writable(directory.parent, f"the run folder {directory.name}")
    return directory


def check_writable(folder, what) -> Path:
    """Refuse, before anything is written, a folder this process cannot write into.

    Raises:
        PermissionError: naming the folder and `what` was to be written there.
    """
    folder = _existing_ancestor(Path(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES, f"read-only folder, cannot write {what} there", str(folder)
        )
    return folder


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


@contextlib.contextmanager
def folder_transaction(directory, *, overwrite=False):
    """Write a folder all at once: yield a temporary sibling, rename it into place on success.

    Under the lock of `directory`: the caller writes into the yielded folder;
    if it raises, the temporary folder is removed and `directory` is left as
    it was. On success an existing `directory` (allowed only with
    `overwrite`, or when empty) is replaced as a whole, never merged.
    Temporary folders left by a killed writer are removed by the next one.

    Raises:
        FileExistsError: `directory` is not empty and `overwrite` is False,
            or another process holds its lock.
    """
    directory = Path(directory)
    check_output_folder(directory, overwrite=overwrite)
    with FolderLock(directory):
        check_output_folder(directory, overwrite=overwrite)
        for stale in directory.parent.glob(f".{directory.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.tmp-"))
        try:
            os.chmod(tmp, folder_mode())
            try:
                yield tmp
            except OSError as err:  # e.g. a full disk: say what was being written
                raise OSError(
                    err.errno,
                    f"could not write the run folder ({err.strerror or err}); "
                    f"{directory} is unchanged",
                    str(directory),
                ) from err
            _replace_folder(tmp, directory)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _replace_folder(new: Path, directory: Path):
    if not directory.exists():
        os.replace(new, directory)
        return
    old = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}.old-"))
    os.rmdir(old)
    os.replace(directory, old)
    try:
        os.replace(new, directory)
    except OSError:
        os.replace(old, directory)  # put the previous folder back
        raise
    shutil.rmtree(old, ignore_errors=True)
    if old.exists():
        warnings.warn(
            f"The previous {directory.name} could not be removed completely; its rest is in {old}",
            stacklevel=3,
        )
