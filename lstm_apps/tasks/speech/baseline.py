"""The speech study's same-run baseline, on the very features the network reads.

* `logreg`: scikit-learn's logistic regression on per-recording summaries
  of the log-mel (or MFCC) frames: for each feature its mean, standard
  deviation, minimum, maximum, median, slope, first and last value, and the
  frame count (`lstm_apps.tasks.sequences.baselines.summary_features`),
  standardized on the training recordings.
* `minirocket`: aeon's MiniRocket on the frame sequences resampled to the
  median training length (`...sequences.baselines.resample`).

Both are fitted on the training recordings only (not validation), under
`threadpool_limits(1)` beside TensorFlow.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from lstm_apps.tasks.sequences.baselines import resample, summary_features


def fit_baseline(name, train_features, y_train, test_features, seed=0) -> dict:
    """Fit baseline `name` and predict the test recordings.

    Args:
        name: "logreg" or "minirocket".
        train_features, test_features: lists of `(frames, features)` arrays.
        y_train: digit codes of the training recordings.
        seed: random state of the fit.

    Returns:
        `{"name", "predictions" (test codes), "seconds"}`.
    """
    start = time.perf_counter()
    with threadpool_limits(1):
        if name == "logreg":
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            model = make_pipeline(
                StandardScaler(), LogisticRegression(C=0.1, max_iter=3000, random_state=seed)
            )
            model.fit(summary_features(train_features), y_train)
            predictions = model.predict(summary_features(test_features))
        elif name == "minirocket":
            from aeon.classification.convolution_based import MiniRocketClassifier

            length = max(9, int(np.median([len(f) for f in train_features])))
            model = MiniRocketClassifier(random_state=seed)
            model.fit(resample(train_features, length), np.asarray(y_train))
            predictions = model.predict(resample(test_features, length))
        else:
            raise ValueError(
                f"`baseline` must be 'logreg' or 'minirocket'. Received: baseline={name!r}"
            )
    return {
        "name": name,
        "predictions": np.asarray(predictions, "int32"),
        "seconds": time.perf_counter() - start,
    }
