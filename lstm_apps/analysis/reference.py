"""Reference recurrent cells in NumPy: forward pass and backpropagation through time.

Each cell follows the equations of the course (see the README's "Reference
cells" section) and reads its weights from the matching Keras 3 layer, so
its outputs can be checked against Keras and its gradients against
TensorFlow's autodiff. They are for understanding and testing, not speed.

Keras weight layout (`layer.get_weights()`), with U units and F features:

* `SimpleRNN`: kernel `(F, U)` = W, recurrent kernel `(U, U)` = U, bias `(U,)` = b;
  h_t = tanh(x_t W + h_{t-1} U + b).
* `LSTM`: kernel `(F, 4U)`, recurrent kernel `(U, 4U)`, bias `(4U,)`, each
  split into four blocks of U columns in the order input gate i, forget gate
  f, candidate g (the equations' c̃), output gate o;
  c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).
* `GRU` (Keras 3 default `reset_after=True`): kernel `(F, 3U)`, recurrent
  kernel `(U, 3U)` in the order update gate z, reset gate r, candidate h̃;
  bias `(2, 3U)`: row 0 for the input part, row 1 for the recurrent part.
  The reset gate multiplies the recurrent product *after* the matrix product:
  h̃ = tanh(x W_h + b_h + r ⊙ (h_{t-1} U_h + b'_h)), and
  h_t = z ⊙ h_{t-1} + (1 - z) ⊙ h̃ (Keras's convention: z keeps the old state).
"""

from __future__ import annotations

import numpy as np

LSTM_NAMES = {
    "i": "input_gate",
    "f": "forget_gate",
    "o": "output_gate",
    "g": "candidate",
    "c": "cell",
    "h": "hidden",
}
GRU_NAMES = {"z": "update_gate", "r": "reset_gate", "n": "candidate", "h": "hidden"}


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _named(states, names):
    return {long: states[short] for short, long in names.items()}


class _Cell:
    kind = ""

    def __init__(self, kernel, recurrent_kernel, bias):
        self.kernel = np.asarray(kernel, dtype=np.float64)
        self.recurrent_kernel = np.asarray(recurrent_kernel, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.units = self.recurrent_kernel.shape[0]

    @classmethod
    def from_keras(cls, layer):
        """Read the weights of a built Keras layer of the matching kind."""
        name = type(layer).__name__
        if name != cls.kind:
            raise TypeError(f"{cls.__name__} reads a Keras {cls.kind} layer. Received: {name}")
        config = layer.get_config()
        if cls.kind == "GRU" and not config.get("reset_after", True):
            raise ValueError("Only the Keras 3 default GRU (reset_after=True) is supported.")
        if config.get("activation") != "tanh" or config.get("recurrent_activation", "sigmoid") != (
            "sigmoid"
        ):
            raise ValueError("The reference cells use tanh and sigmoid activations.")
        return cls(*layer.get_weights())

    def weights(self):
        """The weights as a dict, in the layout of the Keras layer."""
        return {
            "kernel": self.kernel,
            "recurrent_kernel": self.recurrent_kernel,
            "bias": self.bias,
        }

    def _check(self, x):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != self.kernel.shape[0]:
            raise ValueError(
                f"Expected inputs of shape (batch, timesteps, {self.kernel.shape[0]}). "
                f"Received: {x.shape}"
            )
        return x

    def _backward_start(self, grad_h):
        """The forward cache, zero weight gradients, and zero dL/dx and dL/dh arrays."""
        if not hasattr(self, "_cache"):
            raise RuntimeError("Call `forward` before `backward`.")
        x, states = self._cache
        hs = states if isinstance(states, np.ndarray) else states["h"]
        if np.shape(grad_h) != hs.shape:
            raise ValueError(
                f"`grad_h` must have the shape of the forward outputs, {hs.shape}. "
                f"Received: {np.shape(grad_h)}"
            )
        grads = {k: np.zeros_like(v) for k, v in self.weights().items()}
        return x, states, grads, np.zeros_like(x), np.zeros_like(hs)


class SimpleRNNCell(_Cell):
    """h_t = tanh(x_t W + h_{t-1} U + b)."""

    kind = "SimpleRNN"

    def forward(self, x, return_gates=False):
        """Hidden states `(batch, T, U)` for inputs `(batch, T, F)`, from a zero
        state; with `return_gates`, also the dict `{"hidden": ...}` (no gates)."""
        x = self._check(x)
        h = np.zeros((x.shape[0], self.units))
        hs = []
        for t in range(x.shape[1]):
            h = np.tanh(x[:, t] @ self.kernel + h @ self.recurrent_kernel + self.bias)
            hs.append(h)
        self._cache = (x, np.stack(hs, 1))
        return (self._cache[1], {"hidden": self._cache[1]}) if return_gates else self._cache[1]

    def backward(self, grad_h):
        """Backpropagation through time from `dL/dh_t` given at every step.

        Args:
            grad_h: `(batch, T, U)` gradient of the loss with respect to each
                output h_t (zeros where the loss does not read h_t).

        Returns:
            A dict: `x` (dL/dx_t), `h` (total dL/dh_t, through later steps
            too), and one entry per weight, as in `weights()`.
        """
        x, hs, grads, dx, dh_total = self._backward_start(grad_h)
        carry = np.zeros((x.shape[0], self.units))
        for t in reversed(range(x.shape[1])):
            dh = grad_h[:, t] + carry
            dh_total[:, t] = dh
            da = dh * (1.0 - hs[:, t] ** 2)
            h_prev = hs[:, t - 1] if t else np.zeros_like(dh)
            grads["kernel"] += x[:, t].T @ da
            grads["recurrent_kernel"] += h_prev.T @ da
            grads["bias"] += da.sum(0)
            dx[:, t] = da @ self.kernel.T
            carry = da @ self.recurrent_kernel.T
        return {"x": dx, "h": dh_total, **grads}


class LSTMCell(_Cell):
    """i, f, o = σ(·), g = tanh(·); c_t = f c_{t-1} + i g; h_t = o tanh(c_t)."""

    kind = "LSTM"

    def forward(self, x, return_gates=False):
        """Hidden states `(batch, T, U)`; with `return_gates`, also a dict of
        `(batch, T, U)` arrays: "input_gate", "forget_gate", "output_gate",
        "candidate" (g), "cell" (c) and "hidden" (h)."""
        x = self._check(x)
        n, u = x.shape[0], self.units
        h, c = np.zeros((n, u)), np.zeros((n, u))
        record = {k: [] for k in ("i", "f", "g", "o", "c", "h")}
        for t in range(x.shape[1]):
            a = x[:, t] @ self.kernel + h @ self.recurrent_kernel + self.bias
            i, f = _sigmoid(a[:, :u]), _sigmoid(a[:, u : 2 * u])
            g, o = np.tanh(a[:, 2 * u : 3 * u]), _sigmoid(a[:, 3 * u :])
            c = f * c + i * g
            h = o * np.tanh(c)
            for k, v in zip("ifgoch", (i, f, g, o, c, h)):
                record[k].append(v)
        gates = {k: np.stack(v, 1) for k, v in record.items()}
        self._cache = (x, gates)
        return (gates["h"], _named(gates, LSTM_NAMES)) if return_gates else gates["h"]

    def backward(self, grad_h):
        """Backpropagation through time; see `SimpleRNNCell.backward`."""
        x, s, grads, dx, dh_total = self._backward_start(grad_h)
        u = self.units
        dh_next = np.zeros((x.shape[0], u))
        dc_next = np.zeros_like(dh_next)
        for t in reversed(range(x.shape[1])):
            i, f, g, o, c = (s[k][:, t] for k in "ifgoc")
            c_prev = s["c"][:, t - 1] if t else np.zeros_like(c)
            h_prev = s["h"][:, t - 1] if t else np.zeros_like(c)
            dh = grad_h[:, t] + dh_next
            dh_total[:, t] = dh
            tc = np.tanh(c)
            dc = dc_next + dh * o * (1.0 - tc**2)
            da = np.concatenate(
                [
                    dc * g * i * (1.0 - i),
                    dc * c_prev * f * (1.0 - f),
                    dc * i * (1.0 - g**2),
                    dh * tc * o * (1.0 - o),
                ],
                axis=1,
            )
            grads["kernel"] += x[:, t].T @ da
            grads["recurrent_kernel"] += h_prev.T @ da
            grads["bias"] += da.sum(0)
            dx[:, t] = da @ self.kernel.T
            dh_next = da @ self.recurrent_kernel.T
            dc_next = dc * f
        return {"x": dx, "h": dh_total, **grads}


class GRUCell(_Cell):
    """Keras 3's GRU (reset_after): z, r = σ(·); h̃ = tanh(x W_h + b_h + r (h U_h + b'_h));
    h_t = z h_{t-1} + (1 - z) h̃."""

    kind = "GRU"

    def forward(self, x, return_gates=False):
        """Hidden states `(batch, T, U)`; with `return_gates`, also a dict of
        `(batch, T, U)` arrays: "update_gate" (z), "reset_gate" (r),
        "candidate" (h̃) and "hidden" (h)."""
        x = self._check(x)
        u = self.units
        h = np.zeros((x.shape[0], u))
        record = {k: [] for k in ("z", "r", "n", "m", "h")}
        for t in range(x.shape[1]):
            xa = x[:, t] @ self.kernel + self.bias[0]
            m = h @ self.recurrent_kernel + self.bias[1]
            z = _sigmoid(xa[:, :u] + m[:, :u])
            r = _sigmoid(xa[:, u : 2 * u] + m[:, u : 2 * u])
            n = np.tanh(xa[:, 2 * u :] + r * m[:, 2 * u :])
            h = z * h + (1.0 - z) * n
            for k, v in zip("zrnmh", (z, r, n, m, h)):
                record[k].append(v)
        states = {k: np.stack(v, 1) for k, v in record.items()}
        self._cache = (x, states)
        return (states["h"], _named(states, GRU_NAMES)) if return_gates else states["h"]

    def backward(self, grad_h):
        """Backpropagation through time; see `SimpleRNNCell.backward`."""
        x, s, grads, dx, dh_total = self._backward_start(grad_h)
        u = self.units
        dh_next = np.zeros((x.shape[0], u))
        for t in reversed(range(x.shape[1])):
            z, r, n, m = (s[k][:, t] for k in "zrnm")
            h_prev = s["h"][:, t - 1] if t else np.zeros_like(z)
            dh = grad_h[:, t] + dh_next
            dh_total[:, t] = dh
            dn_pre = dh * (1.0 - z) * (1.0 - n**2)
            dz_pre = dh * (h_prev - n) * z * (1.0 - z)
            dr_pre = dn_pre * m[:, 2 * u :] * r * (1.0 - r)
            dxa = np.concatenate([dz_pre, dr_pre, dn_pre], axis=1)
            dm = np.concatenate([dz_pre, dr_pre, dn_pre * r], axis=1)
            grads["kernel"] += x[:, t].T @ dxa
            grads["recurrent_kernel"] += h_prev.T @ dm
            grads["bias"][0] += dxa.sum(0)
            grads["bias"][1] += dm.sum(0)
            dx[:, t] = dxa @ self.kernel.T
            dh_next = dh * z + dm @ self.recurrent_kernel.T
        return {"x": dx, "h": dh_total, **grads}


CELLS = {"simple_rnn": SimpleRNNCell, "lstm": LSTMCell, "gru": GRUCell}


def from_keras(layer):
    """The reference cell for a Keras `SimpleRNN`, `LSTM` or `GRU` layer, with its weights."""
    for cls in CELLS.values():
        if type(layer).__name__ == cls.kind:
            return cls.from_keras(layer)
    raise TypeError(
        f"Expected a Keras SimpleRNN, LSTM or GRU layer. Received: {type(layer).__name__}"
    )
