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
# # 01 · Clasificación de secuencia a etiqueta: ¿quién pronunció la vocal?
#
# En este primer caso de estudio una red recurrente lee una secuencia completa
# y devuelve **una sola etiqueta**: es el esquema *N a 1* (muchas entradas, una
# salida), el mismo que usaríamos para decidir el sentimiento de una reseña.
#
# Los datos son los de *Japanese Vowels* (Kudo, Toyama y Shimbo, 1999). Nueve
# hablantes varones pronunciaron la vocal japonesa /ae/ varias veces. Cada
# emisión se describe con una secuencia de tramas; cada trama tiene **12
# coeficientes cepstrales LPC**, y la duración varía entre **7 y 29 tramas**.
# La partición estándar tiene **270 emisiones de entrenamiento y 370 de
# prueba**. La tarea consiste en reconocer cuál de los **9 hablantes** produjo
# cada emisión.
#
# Es el conjunto de datos del ejemplo de clasificación de secuencias de MATLAB,
# cuya red es
#
# ```
# sequenceInputLayer(12)
# -> lstmLayer(100, OutputMode="last")
# -> fullyConnectedLayer(9)
# -> softmaxLayer
# ```
#
# y aquí construimos su equivalente en Keras con el paquete `lstm_apps`.

# %%
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import lstm_apps
import lstm_apps.plots

jv = lstm_apps.get_case_study("japanese_vowels")

# %% [markdown]
# ## Parámetros
#
# Toda la configuración del caso vive en `jv.Config`: los datos y la red en sus
# campos, y el entrenamiento en su sección `training` (un `TrainingConfig`, con
# los nombres de `trainingOptions` de MATLAB: `max_epochs`, `mini_batch_size`,
# `initial_learn_rate`...), la misma en todos los casos de estudio. La variable de entorno
# `LSTM_APPS_FAST=1` activa una variante diminuta (pocas secuencias, una red
# pequeña y muy pocas épocas) que sirve para comprobar que el cuaderno funciona de
# principio a fin en pocos segundos; sus resultados no dicen nada sobre la
# calidad del modelo. Sin esa variable se ejecuta el caso completo.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = jv.Config.fast() if FAST else jv.Config()
keras.utils.set_random_seed(0)
print(config)

# %% [markdown]
# ## Los datos
#
# `jv.load_data` devuelve un objeto `Splits` con las particiones de
# entrenamiento, validación (vacía salvo que `validation_fraction > 0`) y
# prueba. Las secuencias son listas de matrices `(tramas, 12)` de longitud
# variable; las etiquetas ya vienen codificadas como enteros `0..8`, y
# `class_names` guarda el nombre de cada hablante.

# %%
data = jv.load_data(config)
print("sizes:", data.sizes())
print("features per frame:", data.num_features)
print("speakers:", data.class_names)
print("source:", data.source)
print("first training utterance:", data.x_train[0].shape)

# %% [markdown]
# Así se ve una emisión: cada curva es uno de los 12 coeficientes a lo largo
# de las tramas.

# %%
utterance = data.x_train[0]
speaker = data.class_names[data.y_train[0]]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(np.arange(1, len(utterance) + 1), utterance)
ax.set_xlabel("frame")
ax.set_ylabel("LPC cepstrum coefficient")
ax.set_title(f"One training utterance (speaker {speaker}, {len(utterance)} frames)")
ax.legend(
    [f"c{i}" for i in range(1, 13)], ncol=2, fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left"
)
fig.tight_layout()
plt.show()

# %% [markdown]
# Las emisiones no duran lo mismo. El histograma de longitudes muestra esa
# variabilidad, que es justamente lo que obliga a rellenar las secuencias
# antes de agruparlas en un mini-lote.

# %%
train_lengths = [len(s) for s in data.x_train]
test_lengths = [len(s) for s in data.x_test]
bins = np.arange(min(train_lengths + test_lengths), max(train_lengths + test_lengths) + 2) - 0.5
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist([train_lengths, test_lengths], bins=bins, label=["train", "test"])
ax.set_xlabel("frames per utterance")
ax.set_ylabel("utterances")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Relleno (*padding*) y enmascarado (*masking*)
#
# Un mini-lote es un tensor `(lote, tramas, rasgos)`, así que todas sus
# secuencias deben tener la misma longitud. Las más cortas se completan con
# pasos de relleno (ceros), a la derecha (al final) o a la izquierda (al
# principio).
#
# El relleno no debe cambiar la respuesta. Con `OutputMode="last"` la red
# entrega el estado oculto del **último paso**, y ese paso tiene que ser el
# último paso *real* de la secuencia, no un cero de relleno. Para eso las redes
# de `lstm_apps` empiezan con una capa `Masking`: marca como ausentes los pasos
# cuyos 12 valores son iguales al valor de relleno, y la LSTM los salta
# conservando su estado. Con la máscara da igual rellenar por la derecha o por
# la izquierda: la red ve exactamente los mismos pasos reales en el mismo orden.
# (Por eso un paso real con los 12 coeficientes exactamente a cero se
# confundiría con relleno; en estos datos no ocurre.)
#
# `lstm_apps.pad_sequences` hace el relleno. Veámoslo con dos secuencias cortas
# de un solo rasgo:

# %%
short = [np.array([[1.0], [2.0]]), np.array([[3.0], [4.0], [5.0], [6.0]])]
print("right padding:\n", lstm_apps.pad_sequences(short, padding="right")[..., 0])
print("left padding:\n", lstm_apps.pad_sequences(short, padding="left")[..., 0])

# %% [markdown]
# Durante el entrenamiento, `lstm_apps.train` agrupa secuencias de longitud
# parecida en cada mini-lote para que haya poco relleno, y rellena por el lado
# que indique `config.sequence_padding_direction` (a la derecha por defecto,
# que es lo que permite a Keras usar sus núcleos recurrentes rápidos en GPU).

# %% [markdown]
# ## La red del curso
#
# `lstm_apps.build_model` construye la red equivalente a la de MATLAB: entrada
# de 12 rasgos, enmascarado, normalización de la entrada, una LSTM de `H = 100`
# unidades que devuelve solo el último paso, y una capa densa con *softmax*
# para los 9 hablantes.

# %%
H, F, K = 100, 12, 9
model = lstm_apps.build_model("lstm", num_features=F, num_outputs=K, units=H)
model.summary()

# %% [markdown]
# Las filas `NotEqual` y `Any` del resumen son las operaciones con las que
# Keras calcula la máscara. La capa `normalization` guarda la media y la
# desviación típica de cada rasgo, más un indicador de si ya se calcularon
# (12 + 12 + 1 = 25 valores): se aprenden de los datos de entrenamiento, no
# por gradiente, y por eso figuran como no entrenables.
#
# Contemos los parámetros aprendibles. Una LSTM tiene cuatro bloques (puertas
# de olvido, entrada y salida, y la celda candidata); cada uno tiene una matriz
# `H × (F + H)` que actúa sobre `[h_{t-1}, x_t]` y un sesgo de tamaño `H`:
#
# $$4H(F + H) + 4H = 4 \cdot 100 \cdot (12 + 100) + 4 \cdot 100 = 45\,200.$$
#
# La capa densa añade `H · K + K = 909` parámetros. Comprobémoslo con
# `lstm_apps.learnable_parameters`:

# %%
lstm_count = 4 * H * (F + H) + 4 * H
head_count = H * K + K
print(f"LSTM: {lstm_count}, head: {head_count}, total: {lstm_count + head_count}")
print("lstm_apps.learnable_parameters:", lstm_apps.learnable_parameters(model))
assert lstm_apps.learnable_parameters(model) == lstm_count + head_count == 46_109

# %% [markdown]
# ## Entrenamiento
#
# `jv.train(config, data)` construye la red descrita por `config` (en el caso
# completo, la misma de arriba; en la variante rápida, una más estrecha), la
# compila y la entrena con las opciones del caso: Adam con una caída escalonada
# de la tasa de aprendizaje, recorte de gradientes, mini-lotes barajados en cada
# época y un poco de ruido gaussiano sumado a la entrada normalizada mientras
# entrena (`input_noise`, una forma sencilla de aumento de datos que ayuda con
# solo 270 emisiones). Devuelve un `Run` con el modelo y el historial.

# %%
run = jv.train(config, data)
learnable = lstm_apps.learnable_parameters(run.model)
print(
    f"units: {config.units} | epochs: {config.training.max_epochs} | "
    f"learnable parameters: {learnable}"
)

# %% [markdown]
# La figura de progreso muestra la pérdida y la exactitud de entrenamiento en
# cada época.

# %%
lstm_apps.plots.plot_training_progress(run.history)
plt.show()

# %% [markdown]
# ## Evaluación en la partición de prueba
#
# `jv.evaluate` predice cada emisión de prueba y devuelve un diccionario plano:
# la exactitud (`accuracy`), el F1 macro (`macro_f1`, la media del F1 de los 9
# hablantes, que pesa igual a los hablantes con pocas emisiones) y la precisión
# y la exhaustividad de cada hablante.

# %%
metrics = jv.evaluate(run)
print(f"test accuracy: {metrics['accuracy']:.3f}")
print(f"test macro-F1: {metrics['macro_f1']:.3f}")
pd.DataFrame(
    {
        "precision": [metrics[f"precision_{s}"] for s in data.class_names],
        "recall": [metrics[f"recall_{s}"] for s in data.class_names],
    },
    index=pd.Index(data.class_names, name="speaker"),
).round(3)

# %% [markdown]
# La matriz de confusión cuenta, para cada hablante real (filas), a quién
# atribuyó la red sus emisiones (columnas). Los errores fuera de la diagonal
# indican qué voces confunde.

# %%
y_pred = lstm_apps.predict(run.model, data.x_test).argmax(axis=1)
lstm_apps.plots.plot_confusion_matrix(data.y_test, y_pred, data.class_names)
plt.show()

# %% [markdown]
# ## LSTM, BiLSTM y GRU
#
# Cambiar de arquitectura es cambiar una cadena de la configuración. La BiLSTM
# recorre cada secuencia en los dos sentidos y concatena ambos resultados; la
# GRU tiene dos puertas en lugar de tres y, por tanto, menos parámetros. Las
# entrenamos con los mismos datos y las mismas opciones, y comparamos la
# exactitud en prueba.

# %%
trained = {"lstm": run}
for architecture in ("bilstm", "gru"):
    variant = config.replace(architecture=architecture, training=dict(verbose=0))
    trained[architecture] = jv.train(variant, data)
scores = {name: jv.evaluate(r) for name, r in trained.items()}
comparison = pd.DataFrame.from_dict(scores, orient="index")[["accuracy", "macro_f1"]]
learnable = [lstm_apps.learnable_parameters(r.model) for r in trained.values()]
comparison.insert(0, "learnable", learnable)
comparison.rename_axis("architecture").round(3)

# %% [markdown]
# El conjunto de prueba es pequeño: acertar o fallar un par de emisiones más
# mueve la exactitud de forma apreciable, y otra semilla de inicialización
# puede reordenar la tabla. Antes de sacar conclusiones conviene repetir la
# comparación con varias semillas (`config.replace(training=dict(seed=...))`).

# %% [markdown]
# ## Predicción
#
# `jv.predict` recibe secuencias sin rellenar, cada una con su propia
# longitud, y devuelve el hablante más probable y su probabilidad.

# %%
pair = [data.x_test[0], data.x_test[-1]]
predictions = jv.predict(run, pair)
pd.DataFrame(
    {
        "frames": [len(s) for s in pair],
        "true speaker": [data.class_names[data.y_test[i]] for i in (0, -1)],
        "predicted speaker": [name for name, _ in predictions],
        "probability": [round(p, 3) for _, p in predictions],
    }
)

# %% [markdown]
# Comprobemos lo dicho sobre la máscara: rellenamos esas dos emisiones de
# longitud distinta por la derecha y por la izquierda, y pasamos ambos lotes
# por la red. Las probabilidades coinciden salvo por el redondeo en coma
# flotante.

# %%
right = run.model.predict(lstm_apps.pad_sequences(pair, padding="right"), verbose=0)
left = run.model.predict(lstm_apps.pad_sequences(pair, padding="left"), verbose=0)
print("largest difference between right and left padding:", float(np.abs(right - left).max()))

# %% [markdown]
# ## Qué probar después
#
# - **Una red apilada**, como la red profunda del curso (`lstmLayer(125,
#   "sequence")`, *dropout* 0.2, `lstmLayer(100, "last")`, *dropout* 0.2): basta
#   con `config.replace(units=(125, 100), dropout=0.2)`.
# - **Otra normalización de la entrada**: `normalization` admite `"zscore"`
#   (por defecto), `"zerocenter"`, `"rescale-zero-one"`, `"rescale-symmetric"`
#   y `"none"`. Las estadísticas siempre se aprenden solo con la partición de
#   entrenamiento.
# - **Validación y parada temprana**: `validation_fraction=0.1` y
#   `training.validation_patience=5` apartan una parte estratificada del entrenamiento y
#   detienen el ajuste cuando la pérdida de validación deja de bajar.
# - **Más o menos unidades, otra tasa de aprendizaje u otro tamaño de
#   mini-lote**, siempre comparando con varias semillas.
#
# El mismo experimento se lanza desde la terminal; cada ejecución deja una
# carpeta con la configuración, las métricas, el historial, el modelo `.keras`
# y las figuras. `--fast` corresponde a `LSTM_APPS_FAST=1` y `--set` cambia
# cualquier campo de `Config` (los de entrenamiento con su prefijo, como
# `training.max_epochs`); `lstm-apps run japanese_vowels --help` los lista todos:
#
# ```bash
# lstm-apps run japanese_vowels
# lstm-apps run japanese_vowels --fast
# lstm-apps run japanese_vowels --set "units=(125, 100)" --set dropout=0.2
# lstm-apps run japanese_vowels --set training.max_epochs=40 --set training.seed=3
# ```
