"""Case-study notebooks: each runs end to end in its fast setting, and its
jupytext `py:percent` twin holds the same code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]-*.ipynb"))
KERNEL = "python3"

pytestmark = pytest.mark.notebook


def code_sources(notebook) -> list[str]:
    return [cell.source.strip() for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Environment variables under which a `python3` kernel can be found.

    If no `python3` kernelspec is installed, one that runs the current
    interpreter is written into a temporary directory (nothing is installed
    into the environment) and that directory is put on JUPYTER_PATH.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    env = {"LSTM_APPS_FAST": "1"}
    data = os.environ.get("LSTM_APPS_DATA_DIR")
    if data:  # kernels run in a temporary folder, so a relative path would not resolve
        env["LSTM_APPS_DATA_DIR"] = str(Path(data).resolve())
    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
        return env
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernels")
    install(user=False, prefix=str(prefix), kernel_name=KERNEL)
    share = prefix / "share" / "jupyter"
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(share), os.environ.get("JUPYTER_PATH", "")) if p
    )
    return env


def test_notebooks_exist():
    assert NOTEBOOKS, f"no case-study notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_twin_has_same_code(path):
    twin = path.with_suffix(".py")
    assert twin.exists(), f"{path.name} has no py:percent twin {twin.name}"
    from_ipynb = code_sources(nbformat.read(path, as_version=4))
    from_py = code_sources(jupytext.read(twin))
    assert from_py == from_ipynb, (
        f"{twin.name} and {path.name} have drifted apart; regenerate the notebook with "
        f"`jupytext --to ipynb {twin.name}`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name} is committed with outputs; strip them"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_fast(path, kernel_env, tmp_path, monkeypatch):
    for key, value in kernel_env.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name=KERNEL, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert not errors
