"""The case studies: one package each (`tasks/<name>/study.py`, its settings in
`config.py`), one contract (`tasks.base`), one registry and run route (`tasks.registry`).

Importing this package, the settings modules and the registry does not import Keras:
`check_name`, `config_class`, `make_config`, `parse_overrides` and `list_case_studies`
run before TensorFlow starts; `get_case_study` imports the study itself."""

from lstm_apps.tasks.base import CaseStudyConfig, check_case_study
from lstm_apps.tasks.registry import (
    CASE_STUDIES,
    check_name,
    config_class,
    config_module,
    get_case_study,
    list_case_studies,
    load_run,
    make_config,
    parse_overrides,
    run_case_study,
)

__all__ = [
    "CASE_STUDIES",
    "CaseStudyConfig",
    "check_case_study",
    "check_name",
    "config_class",
    "config_module",
    "get_case_study",
    "list_case_studies",
    "load_run",
    "make_config",
    "parse_overrides",
    "run_case_study",
]
