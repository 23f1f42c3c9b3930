# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Un modelo de caracteres: la red aprende a escribir «hola»
#
# Es el ejemplo más pequeño del curso. Una red recurrente lee la palabra
# «hola» letra a letra y, después de cada letra, intenta adivinar la
# siguiente:
#
# | paso | letra leída | letra que debe predecir |
# |------|-------------|-------------------------|
# | 1    | h           | o                       |
# | 2    | o           | l                       |
# | 3    | l           | a                       |
#
# Ahora hay una salida **en cada paso**: es el esquema *N a N* (secuencia a
# secuencia). Entre un paso y el siguiente la red se pasa a sí misma su
# **estado oculto** `h_t`, un vector que resume lo que lleva leído.
#
# Los datos caben en una línea y la red los memoriza en pocos segundos, así
# que no hay partición de prueba que valga: lo interesante es mirar **dentro**
# de la celda mientras predice. Entrenaremos las tres celdas del curso (RNN
# simple, LSTM y GRU) y abriremos sus estados y sus puertas.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import lstm_apps
from lstm_apps.analysis.gates import recurrent_states
from lstm_apps.tasks.hola import plots as hola_plots

hola = lstm_apps.get_case_study("hola")

# %% [markdown]
# ## Parámetros
#
# La configuración vive en `hola.Config`: la palabra, la celda y su tamaño, y
# en `config.training` los ajustes del entrenamiento (tasa de aprendizaje
# `initial_learn_rate`, épocas `max_epochs`, ...), con los mismos nombres que
# `trainingOptions` de MATLAB. `LSTM_APPS_FAST=1` elige `Config.fast()`, que
# entrena menos épocas; aun así la red suele acertar las tres letras.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = hola.Config.fast() if FAST else hola.Config()
print(config)

# %% [markdown]
# ## Codificación *one-hot*
#
# Una red no lee letras, lee números. El vocabulario son las letras distintas
# de la palabra, ordenadas: `a, h, l, o`. Cada letra se convierte en un vector
# con tantas posiciones como letras tiene el vocabulario, todo ceros salvo un
# 1 en la posición de esa letra. La entrada es, por tanto, una secuencia de 3
# pasos con 4 rasgos cada uno, y los objetivos son los códigos enteros de
# `o, l, a`.
#
# Un vector *one-hot* nunca es todo ceros, de modo que la capa de
# enmascarado de la red (que salta los pasos de relleno, hechos de ceros)
# nunca oculta un paso real.

# %%
data = hola.load_data(config)
names = data.class_names
x, y = data.x_train[0], data.y_train[0]
pd.DataFrame(
    x.astype(int),
    columns=names,
    index=pd.Index([names[c] for c in x.argmax(1)], name="input letter"),
).assign(target=[names[c] for c in y], target_code=y)

# %% [markdown]
# ## La RNN simple
#
# La celda recurrente más sencilla combina la entrada del paso actual con el
# estado del paso anterior y aplica una tangente hiperbólica:
#
# $$h_t = \tanh(W_{hh}\,h_{t-1} + W_{xh}\,x_t + b_h), \qquad
# y_t = \mathrm{softmax}(W_{hy}\,h_t + b_y).$$
#
# El estado inicial es $h_0 = 0$, y las mismas matrices sirven para todos los
# pasos. La capa densa `head` convierte cada $h_t$ en una distribución de
# probabilidad sobre las 4 letras. Con `H = 8` unidades y `V = 4` letras la
# capa recurrente tiene $H(V + H) + H = 104$ parámetros y la cabeza
# $HV + V = 36$.

# %%
H, V = config.units, len(names)
model = hola.build_model(config.replace(cell="simple_rnn"), data)
model.summary()
assert lstm_apps.learnable_parameters(model) == H * (V + H) + H + H * V + V

# %% [markdown]
# ## Entrenamiento de las tres celdas
#
# `hola.train` fija la semilla (`config.training.seed`), construye la red y la
# entrena con Adam. Cada
# época es un único paso de gradiente, porque el conjunto de entrenamiento es
# una sola secuencia. `hola.evaluate` devuelve la proporción de letras
# acertadas (`accuracy`), la probabilidad media que la red asigna a la letra
# correcta y los bits por carácter ($-\log_2$ de esa probabilidad, en media:
# 0 sería certeza absoluta).

# %%
runs, seconds = {}, {}
for cell in hola.CELLS:
    start = time.perf_counter()
    runs[cell] = hola.train(config.replace(cell=cell))
    seconds[cell] = time.perf_counter() - start
summary = pd.DataFrame({cell: hola.evaluate(run) for cell, run in runs.items()}).T
summary["parameters"] = [lstm_apps.learnable_parameters(r.model) for r in runs.values()]
summary["seconds"] = pd.Series(seconds)
summary.round(3)

# %% [markdown]
# ## Paso a paso
#
# Para cada celda, la letra leída, la que debía venir, la que predijo la red
# y con qué probabilidad.

# %%
pd.concat({cell: hola.step_table(run) for cell, run in runs.items()}).round(3)

# %% [markdown]
# Con el modelo entrenado podemos **generar**: empezamos por «h», tomamos la
# letra más probable, la añadimos al texto y volvemos a leer todo el prefijo,
# de modo que el estado oculto se arrastra de una letra a la siguiente.

# %%
text = "h"
for _ in range(len(config.word) - 1):
    letter, _ = hola.predict(runs["lstm"], text)[-1]
    text += letter
print(text)

# %% [markdown]
# ## El estado oculto y las probabilidades
#
# `hola.inspect_steps` recorre la palabra con los pesos entrenados y devuelve,
# paso a paso, todo lo que calcula la celda. Empezamos por la RNN simple: el
# mapa de calor muestra las 8 componentes de $h_t$ (filas) tras leer cada
# letra (columnas), y las barras, la distribución sobre la letra siguiente;
# la correcta va en naranja.

# %%
steps = {cell: hola.inspect_steps(run) for cell, run in runs.items()}
hola_plots.plot_hidden_state(steps["simple_rnn"])
hola_plots.plot_next_letter(steps["simple_rnn"])
plt.show()

# %% [markdown]
# ## Dentro de la LSTM
#
# La LSTM (Hochreiter y Schmidhuber, 1997) añade una **celda de memoria**
# $c_t$ y tres puertas con valores entre 0 y 1 que deciden qué se olvida, qué
# se escribe y qué se muestra:
#
# $$
# \begin{aligned}
# f_t &= \sigma(W_f\,[h_{t-1}, x_t] + b_f) && \text{olvido} \\
# i_t &= \sigma(W_i\,[h_{t-1}, x_t] + b_i) && \text{entrada} \\
# \tilde c_t &= \tanh(W_c\,[h_{t-1}, x_t] + b_c) && \text{candidato} \\
# c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t \\
# o_t &= \sigma(W_o\,[h_{t-1}, x_t] + b_o) && \text{salida} \\
# h_t &= o_t \odot \tanh(c_t)
# \end{aligned}
# $$
#
# Keras no expone las puertas, así que `lstm_apps.analysis.gates.recurrent_states`
# repite el cálculo en NumPy con los pesos de la capa (`kernel`,
# `recurrent_kernel` y `bias`, con los bloques en el orden i, f, c, o).
# Primero comprobamos que la réplica coincide con la red de Keras y que los
# estados cumplen las ecuaciones de arriba.

# %%
lstm, s = runs["lstm"].model, steps["lstm"]
keras_probabilities = lstm.predict(x[None], verbose=0)[0]
replay = recurrent_states(lstm, x)["probabilities"]
print("NumPy vs Keras, largest difference:", float(np.abs(replay - keras_probabilities).max()))
previous_cell = np.vstack([np.zeros((1, H)), s["cell"][:-1]])
assert np.allclose(s["cell"], s["forget_gate"] * previous_cell + s["input_gate"] * s["candidate"])
assert np.allclose(s["hidden"], s["output_gate"] * np.tanh(s["cell"]))

# %% [markdown]
# Los mapas de las puertas (escala de 0 a 1), del candidato y de la celda de
# memoria, y a continuación el estado oculto y las probabilidades de la LSTM.
# En el primer paso $c_0 = 0$, así que la puerta de olvido todavía no tiene
# nada que borrar: la memoria es solo $i_1 \odot \tilde c_1$.

# %%
hola_plots.plot_gates(s)
hola_plots.plot_hidden_state(s)
hola_plots.plot_next_letter(s)
plt.show()

# %% [markdown]
# ## La GRU
#
# La GRU (Cho et al., 2014) tiene dos puertas, actualización $z_t$ y
# reinicio $r_t$, y no tiene celda de memoria aparte. Ojo con el convenio:
# Keras calcula $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$, es
# decir, conserva el estado anterior donde $z_t$ vale 1, al revés de como
# suele escribirse en el artículo original.

# %%
hola_plots.plot_gates(steps["gru"])
plt.show()

# %% [markdown]
# ## Para terminar
#
# En «hola» cada letra determina por sí sola la siguiente: tras la «h»
# siempre va la «o». Una red sin memoria también resolvería esta tarea, y por
# eso las tres celdas aciertan igual. La memoria se vuelve imprescindible
# cuando la misma letra va seguida de letras distintas, como la «l» de
# «hello» (primero «l», luego «o»): solo el estado oculto puede distinguir la
# primera «l» de la segunda. Pruébalo con
# `hola.train(config.replace(word="hello"))` y mira en `plot_gates` qué
# cambia entre esos dos pasos.
#
# Desde la terminal, el mismo caso deja una carpeta con la configuración, las
# métricas, el modelo y todas las figuras:
#
# ```bash
# lstm-apps run hola
# lstm-apps run hola --set cell=gru --set word=hello
# ```
