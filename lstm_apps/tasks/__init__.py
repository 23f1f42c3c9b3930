"""The case studies: one package each (`tasks/<name>/study.py`), one contract
(`tasks.base`), one registry and run route (`tasks.registry`)."""

from lstm_apps.tasks.base import CaseStudyConfig, check_case_study
from lstm_apps.tasks.registry import (
    CASE_STUDIES,
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
    "get_case_study",
    "list_case_studies",
    "load_run",
    "make_config",
    "parse_overrides",
    "run_case_study",
]
