"""Exporting a run folder's model: what `lstm-apps export RUN_DIR` does."""

from __future__ import annotations

from pathlib import Path


def export_run_folder(
    run_dir, format, output=None, *, inputs=None, timesteps=None, batch_size=1, overwrite=False
):
    """Export the model of a run folder and record the report in its `exports.json`.

    Most studies export their Keras model with `lstm_apps.deploy.export.export`
    (`inputs`: a padded `.npy` file of check sequences, or None). A study
    whose Keras model is one step of a longer pipeline (translation: the
    model scores the next word, and a loop writes the sentence) defines
    `export_run(run, path, format=..., overwrite=...)`, which is used instead.

    Returns:
        The report (`ExportReport`, or the study's own).
    """
    from lstm_apps.data.sequence_files import read_npy
    from lstm_apps.deploy.card import EXPORTS_NAME, record_export
    from lstm_apps.deploy.export import default_path, export
    from lstm_apps.runs import load_model
    from lstm_apps.storage import check_writable
    from lstm_apps.tasks import get_case_study, load_run
    from lstm_apps.tasks.registry import read_config

    output = output or default_path(run_dir, format)
    check_writable(run_dir, EXPORTS_NAME)  # before anything is written
    check_writable(Path(output).parent, Path(output).name)
    study = get_case_study(read_config(run_dir)[0]["case_study"])
    if hasattr(study, "export_run"):
        given = {"inputs": inputs, "timesteps": timesteps, "batch_size": batch_size}
        unused = [f"{k}={v}" for k, v in given.items() if v not in (None, 1)]
        if unused:
            raise ValueError(
                f"A {study.NAME} run checks its export on its own test sentences and takes no "
                f"inputs, timesteps or batch_size. Received: {', '.join(unused)}"
            )
        run = load_run(run_dir, with_data=True)[1]
        report = study.export_run(run, output, format=format, overwrite=overwrite)
    else:
        if inputs is not None:
            if not Path(inputs).exists():
                raise FileNotFoundError(f"No such inputs file: {inputs}")
            inputs = read_npy(inputs)
        report = export(
            load_model(run_dir), output, format, inputs=inputs, timesteps=timesteps,
            batch_size=batch_size, overwrite=overwrite,
        )  # fmt: skip
    record_export(run_dir, report)
    return report
