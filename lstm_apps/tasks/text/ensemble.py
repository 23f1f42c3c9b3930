"""The kept recurrent network averaged with TF-IDF: calibrated on validation, saved as one model.

A recurrent network and a linear model of word counts make different
mistakes, and their average is the classic strong combination for review
sentiment (Mesnil, Mikolov, Ranzato and Bengio 2014, "Ensemble of generative
and discriminative techniques for sentiment analysis of movie reviews"). The
text study compares it as one more candidate, "ensemble", beside the plain
network, and keeps it only if its validation accuracy is higher.

The rule has no weight tuned on the test texts and one number per member
fitted on validation: each member's probabilities are first calibrated by a
temperature (`p^(1/T)`, renormalized; T minimizes the validation log-loss),
since a network is often far surer of itself than TF-IDF is, then the two are
averaged with equal weights. Its validation accuracy is measured with
temperatures fitted on the other half of the validation texts (two-fold
cross-fitting), so that it is not flattered by being fitted there.
"""

from __future__ import annotations

import keras
import numpy as np

TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(20.0), 241))  # the grid searched


def _log(probabilities):
    return np.log(np.clip(np.asarray(probabilities, "float64"), 1e-7, 1.0))


def sharpen(probabilities, temperature) -> np.ndarray:
    """`p^(1/T)`, renormalized over the classes."""
    z = _log(probabilities) / temperature
    z -= z.max(axis=1, keepdims=True)
    out = np.exp(z)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(probabilities, labels) -> float:
    """The temperature (from `TEMPERATURES`) that minimizes the log-loss on `labels`."""
    logs = _log(probabilities)
    rows = np.arange(len(labels))
    best, loss = 1.0, np.inf
    for t in TEMPERATURES:
        z = logs / t
        z -= z.max(axis=1, keepdims=True)
        nll = -np.mean(z[rows, labels] - np.log(np.exp(z).sum(axis=1)))
        if nll < loss:
            best, loss = float(t), nll
    return best


def average(members, temperatures) -> np.ndarray:
    """The equal-weight average of the members' probabilities, each sharpened by its temperature."""
    return np.mean([sharpen(p, t) for p, t in zip(members, temperatures)], axis=0)


def fit_average(validation, labels, test, seed=0):
    """Fit the temperatures on validation and average the members.

    Args:
        validation: the members' validation probabilities, `[(N_val, K), ...]`.
        labels: the validation class codes.
        test: the members' test probabilities, in the same order.
        seed: seed of the two validation halves.

    Returns:
        `(temperatures, validation probabilities, test probabilities)`: the
        validation ones cross-fitted (each half with temperatures fitted on
        the other half).
    """
    labels = np.asarray(labels)
    temperatures = [fit_temperature(p, labels) for p in validation]
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = [order[: len(order) // 2], order[len(order) // 2 :]]
    crossed = np.zeros_like(np.asarray(validation[0], "float64"))
    for fit, score in (halves, halves[::-1]):
        if not len(fit) or not len(score):
            continue
        fitted = [fit_temperature(p[fit], labels[fit]) for p in validation]
        crossed[score] = average([p[score] for p in validation], fitted)
    return temperatures, crossed, average(test, temperatures)


@keras.saving.register_keras_serializable(package="lstm_apps")
class CalibratedAverage(keras.layers.Layer):
    """The equal-weight average of class probabilities, each sharpened by a temperature.

    Input: a list of `(batch, K)` probabilities (a `(batch, 1)` sigmoid output
    counts as `(1 - p, p)`). Output: `(batch, K)`.
    """

    def __init__(self, temperatures, **kwargs):
        super().__init__(**kwargs)
        self.temperatures = [float(t) for t in temperatures]

    def call(self, members):
        from keras import ops

        out = 0.0
        for p, t in zip(members, self.temperatures):
            if p.shape[-1] == 1:
                p = ops.concatenate([1.0 - p, p], axis=-1)
            out += ops.softmax(ops.log(ops.clip(p, 1e-7, 1.0)) / t, axis=-1)
        return out / len(self.temperatures)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], max(2, input_shape[0][-1]))

    def get_config(self):
        return {**super().get_config(), "temperatures": self.temperatures}


def ensemble_model(text_network, tfidf, temperatures, name="ensemble_on_text"):
    """One model from raw strings: the network's text model and TF-IDF, averaged.

    Args:
        text_network: the kept network wrapped to read raw text (`text_model`).
        tfidf: a `TfidfLogistic` layer.
        temperatures: `(network's, TF-IDF's)`, from `fit_average`.
    """
    inputs = keras.Input(shape=(1,), dtype="string", name="text")
    combined = CalibratedAverage(temperatures, name="calibrated_average")(
        [text_network(inputs), tfidf(inputs)]
    )
    return keras.Model(inputs, combined, name=name)
