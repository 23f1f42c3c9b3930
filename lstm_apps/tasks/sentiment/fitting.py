"""Fit every model a sentiment or text run compares, on one split, and score each.

`fit_models` is the loop the `sentiment` and `text` studies share: each
network of `config.models` on word ids, and TF-IDF + logistic regression on
the raw texts, each scored on the validation and test texts as a
`ModelResult`. `keep_best` picks the recurrent network a run keeps, on
validation accuracy only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from lstm_apps.tasks.sentiment.comparison import RECURRENT, ModelResult, fit_tfidf
from lstm_apps.tasks.sentiment.networks import fit_network, network_probabilities

log = logging.getLogger(__name__)


@dataclass
class Fitted:
    """What `fit_models` trained.

    Args:
        networks: model kind → trained network on word ids.
        histories: model kind → its per-epoch logs.
        results: model kind → `ModelResult`, in `config.models` order.
        tfidf: the fitted TF-IDF pipeline (None when "tfidf" is not compared).
    """

    networks: dict = field(default_factory=dict)
    histories: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)
    tfidf: object = None


def fit_models(config, data, callbacks=(), class_weight=None) -> Fitted:
    """Train and score every model of `config.models` on `data`.

    Args:
        config: the study's Config (its `models`, model and training fields).
        data: the `SentimentSplits`.
        callbacks: extra Keras callbacks for each network.
        class_weight: optional `{class code: weight}`; the networks weigh
            their loss with it and TF-IDF uses scikit-learn's "balanced"
            weights (the same rule).

    Returns:
        A `Fitted`.
    """
    fitted = Fitted()
    count = sum(kind != "tfidf" for kind in config.models)
    for kind in config.models:
        if kind == "tfidf":
            pipeline, c, seconds = fit_tfidf(
                data, config.strip_accents, "balanced" if class_weight else None
            )
            fitted.tfidf = pipeline
            fitted.results[kind] = ModelResult.score(
                pipeline.predict_proba(data.text_test),
                data.y_test,
                seconds,
                None if data.text_val is None else pipeline.predict_proba(data.text_val),
                data.y_val,
                C=c,
            )
            log.info("tfidf: C=%g, %.0f s", c, seconds)
            continue
        if config.training.verbose:  # label each network's progress bar
            print(f"Network {len(fitted.networks) + 1}/{count}: {kind}")
        network, history, seconds = fit_network(config, data, kind, callbacks, class_weight)
        fitted.networks[kind], fitted.histories[kind] = network, history
        fitted.results[kind] = ModelResult.score(
            network_probabilities(network, data.x_test),
            data.y_test,
            seconds,
            None if data.x_val is None else network_probabilities(network, data.x_val),
            data.y_val,
            epochs=len(history["loss"]),
        )
        log.info("%s: %d epochs, %.0f s", kind, len(history["loss"]), seconds)
    return fitted


def keep_best(results) -> str:
    """The recurrent kind with the best validation accuracy (the earlier in `RECURRENT` on
    ties, and without validation the first)."""
    return max(
        (k for k in results if k in RECURRENT),
        key=lambda k: (_finite(results[k].validation_accuracy), -RECURRENT.index(k)),
    )


def _finite(value) -> float:
    return value if value == value else -1.0
