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
# # 09 · Vida útil restante de motores turbofán (NASA C-MAPSS)
#
# El mantenimiento predictivo quiere saber cuánto le queda a una máquina antes
# de fallar, para revisarla a tiempo sin desmontarla antes de lo necesario.
# Esa cantidad es la **vida útil restante** (*remaining useful life*, RUL):
# el número de ciclos de funcionamiento que el motor seguirá operando después
# del ciclo actual. Es otra regresión, como la del NOx del cuaderno 04, pero
# ahora cada secuencia es la historia completa de un motor.
#
# Usamos el conjunto **C-MAPSS** de la NASA (Saxena, Goebel, Simon y Eklund,
# 2008), subconjunto **FD001**: motores turbofán simulados, una sola condición
# de vuelo (nivel del mar) y un solo modo de fallo (degradación del compresor
# de alta presión). Cada fila es un ciclo de un motor, con 26 números: el
# número de motor, el ciclo, 3 ajustes de operación y 21 sensores
# (temperaturas, presiones, velocidades de giro, caudales...).
#
# - **Entrenamiento** (`train_FD001.txt`): 100 motores que funcionan hasta
#   fallar. Cada uno empieza con un desgaste inicial distinto y desconocido.
#   Su RUL en cada ciclo se conoce: en el último ciclo vale 0, en el anterior
#   1, y así hacia atrás.
# - **Prueba** (`test_FD001.txt`): otros 100 motores cuya historia se corta
#   en algún momento antes del fallo. `RUL_FD001.txt` da la RUL verdadera de
#   cada uno tras su último ciclo registrado (entre 7 y 145 ciclos).
#
# La tarea de referencia es predecir esa RUL final de los 100 motores de
# prueba. La abordamos de dos maneras:
#
# - **Secuencia a secuencia** (`output_mode="sequence"`, la opción por
#   defecto): la red lee la historia entera y da la RUL en *cada* ciclo. Para
#   la prueba basta con leer su salida en el último ciclo.
# - **Secuencia a uno** con ventana (`output_mode="last"`): la red lee solo
#   los últimos `window` ciclos (30) y da la RUL del último.

# %%
import dataclasses
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import lstm_apps
from lstm_apps import plots
from lstm_apps.tasks.turbofan import plots as turbofan_plots

turbofan = lstm_apps.get_case_study("turbofan")

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` se usa una variante mínima: 12 motores de
# entrenamiento (3 de ellos para validar), 10 de prueba, una red de 16
# unidades y dos épocas. Sirve para comprobar que el cuaderno funciona de
# principio a fin en pocos segundos; sus cifras no dicen nada del método. Sin
# la variable se ejecuta el caso completo: 80 motores de entrenamiento, 20 de
# validación, los 100 de prueba y la LSTM de 100 unidades del curso.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = turbofan.Config.fast() if FAST else turbofan.Config()
keras.utils.set_random_seed(0)
print(config)

# %% [markdown]
# ## Los datos y su preparación
#
# `turbofan.load_data` lee los tres ficheros y prepara los datos como en el
# ejemplo de MATLAB *Sequence-to-Sequence Regression Using Deep Learning*:
#
# 1. **Separa motores de validación.** Se apartan motores de entrenamiento
#    *enteros* (20 en el caso completo), elegidos con una semilla fija
#    (`split_seed`). Nunca se mezclan ciclos de un mismo motor entre
#    entrenamiento y validación: serían casi iguales y la validación sería
#    engañosamente buena.
# 2. **Quita las columnas constantes.** En FD001 hay ajustes y sensores que
#    no cambian en ningún ciclo de los motores de entrenamiento; no aportan
#    nada y se eliminan. La decisión se toma solo con esos motores.
# 3. **Quita las columnas que no siguen al desgaste.** Se calcula la
#    correlación (de Pearson, en valor absoluto) de cada columna con la RUL
#    recortada en los motores de entrenamiento, y se quitan las que no llegan
#    a `min_rul_correlation` (0,2). En FD001 caen los ajustes de operación 1
#    y 2, que solo oscilan alrededor de la única condición de vuelo
#    (correlación de 0,006), y el sensor 6, que solo toma dos valores (0,11).
#    Quedan 14 sensores, todos con correlación de 0,37 o más. Son ruido para
#    la red: con las 17 columnas, el error de validación era peor (RMSE 14,2
#    frente a 13,1, media de 5 semillas).
# 4. **Normaliza** cada columna restante (puntuación z) con la media y la
#    desviación típica de entrenamiento. Lo hace la propia red, en su capa
#    `normalization`, así que el modelo guardado recibe los datos en bruto.
#
# Cada motor queda como una matriz `(ciclos, columnas)` y su RUL verdadera,
# ciclo a ciclo, como un vector `(ciclos,)`.

# %%
data = turbofan.load_data(config)
print(data.source)
print("engines:", data.sizes())
print("dropped (constant on the training engines):", data.dropped_constant)
print("dropped (|correlation with the RUL| below the threshold):", data.dropped_uncorrelated)
print(pd.Series(data.rul_correlation, name="|r| with the capped RUL").round(3).to_dict())
print(f"kept {len(data.features)} columns:", data.features)
lengths = pd.Series([len(x) for x in data.x_train], name="cycles per training engine")
lengths.describe().round(1).to_frame().transpose()

# %% [markdown]
# Así evolucionan cuatro de los sensores en varios motores de entrenamiento.
# El eje horizontal es la RUL, que termina en 0 en el fallo. Durante buena
# parte de la vida los sensores solo muestran ruido; en los últimos cien
# ciclos, más o menos, la degradación los desplaza de forma clara.

# %%
shown = [
    name for name in ("sensor_2", "sensor_4", "sensor_11", "sensor_15") if name in data.features
]
fig, axes = plt.subplots(1, len(shown), figsize=(4 * len(shown), 3.2), sharex=True)
for ax, name in zip(np.atleast_1d(axes), shown):
    column = data.features.index(name)
    for x, y in list(zip(data.x_train, data.y_train))[:8]:
        ax.plot(y, x[:, column], lw=0.8, alpha=0.8)
    ax.invert_xaxis()
    ax.set_title(name, fontsize=9)
    ax.set_xlabel("RUL (cycles)")
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## El tope de la RUL
#
# Al principio de su vida un motor sano no da señales de cuánto le falta: dos
# motores nuevos parecen iguales aunque a uno le queden 300 ciclos y a otro
# 150. Pedirle a la red que distinga lo indistinguible solo añade ruido al
# entrenamiento. Por eso el objetivo de entrenamiento se **satura** en un
# tope: la red aprende $\min(\text{RUL}, \text{tope})$, una RUL *lineal a
# trozos* que se mantiene plana mientras el motor está sano y baja de uno en
# uno cuando se acerca el fallo.
#
# El valor del tope es una decisión de modelado. En la literatura lo más
# habitual es 125 ciclos; el ejemplo de MATLAB usa 150. Aquí lo elegimos con
# los motores de **validación**, comparando la RUL predicha con la verdadera
# (sin tope) en los ciclos que se parecen al último ciclo de un motor de
# prueba. Con 150 la parte plana es más larga y más difícil de estimar, y el
# error de validación sube claramente (el README da las cifras); el caso usa
# `rul_cap=125`. Las métricas de prueba, en cambio, comparan siempre con la
# RUL verdadera, sin tope.

# %%
engine_rul = data.y_train[0]
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(engine_rul, "--", color="0.4", label="true RUL")
for cap in (125, 150):
    ax.plot(np.minimum(engine_rul, cap), label=f"capped at {cap}")
ax.set_xlabel("cycle")
ax.set_ylabel("RUL (cycles)")
ax.set_title(f"A training engine of {len(engine_rul)} cycles")
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Por qué no una red bidireccional
#
# En el cuaderno 01 una BiLSTM leía cada enunciado en los dos sentidos. Aquí
# no se puede, al menos en la variante secuencia a secuencia: la RUL del
# ciclo $t$ debe calcularse solo con los ciclos $1, \dots, t$, porque en
# servicio los ciclos futuros todavía no han ocurrido. Una capa bidireccional
# leería el final de la historia (la parte más degradada) para predecir el
# principio, y sus cifras serían falsamente buenas. `turbofan.Config` lo
# impide:

# %%
try:
    turbofan.Config(architecture="bilstm")
except ValueError as error:
    print(error)

# %% [markdown]
# En la variante con ventana sí sería legítima: la ventana termina en el
# ciclo cuya RUL se predice, así que las dos direcciones solo ven el pasado.

# %% [markdown]
# ## Entrenamiento secuencia a secuencia
#
# `turbofan.train` construye la red (normalización, LSTM, una capa densa y una
# última capa, `rul`, que devuelve la salida en ciclos), agrupa en cada
# minilote motores de longitud parecida para rellenar poco, y entrena con
# Adam, con los ajustes de la sección `config.training` (tasa de aprendizaje
# inicial 0,003 multiplicada por 0,3 cada 30 épocas, minilotes de 8 motores,
# hasta 120 épocas). La pérdida es el error cuadrático en todos los ciclos de cada motor
# frente a la RUL con tope. Se detiene cuando la pérdida de los motores de
# validación deja de mejorar y recupera los pesos de su mejor época.

# %%
run = turbofan.train(config, data)
print(f"epochs: {len(run.history['loss'])}")
run.model.summary()

# %%
fig = plots.plot_training_progress(run.history)
plt.show()

# %% [markdown]
# ## Evaluación y la puntuación PHM08
#
# `turbofan.evaluate(run)` predice la RUL en cada ciclo de cada motor (y la
# guarda en `run.predictions`) y devuelve:
#
# - `rmse`, `mae`: el error de la RUL predicha tras el último ciclo de cada
#   motor de prueba frente a `RUL_FD001.txt`. Es la cifra de referencia.
# - `phm08_score`: la puntuación del concurso PHM08 (ver abajo).
# - `rmse_capped_truth`: el mismo RMSE frente a la RUL verdadera con tope,
#   como lo dan algunos artículos.
# - `rmse_per_cycle`, `mae_per_cycle`: el error en *todos* los ciclos de
#   prueba frente a la RUL con tope, la vista secuencia a secuencia.
# - `validation_rmse`, `validation_mae`: el error en los motores de
#   validación, que es lo que se usa para elegir entre variantes.
#
# ### La puntuación PHM08
#
# Sea $d = \text{RUL predicha} - \text{RUL verdadera}$. Cada motor suma
#
# $$s = \begin{cases} e^{-d/13} - 1 & \text{si } d < 0 \text{ (predicción temprana)}\\
# e^{d/10} - 1 & \text{si } d \ge 0 \text{ (predicción tardía)} \end{cases}$$
#
# y la puntuación es la suma sobre los motores: cuanto menor, mejor. Es
# asimétrica a propósito. Una predicción **temprana** (se anuncia el fallo
# antes de tiempo) cuesta una revisión innecesaria; una **tardía** (se cree
# que al motor le queda más vida de la que tiene) puede significar un fallo
# en vuelo. Por eso el mismo error cuesta más cuando es tardío (se divide
# entre 10) que cuando es temprano (entre 13), y como crece de forma
# exponencial, unos pocos errores tardíos grandes dominan la suma.

# %%
d = np.linspace(-40, 40, 161)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(d, [turbofan.phm08_score([0.0], [x]) for x in d], label="PHM08 score of one engine")
ax.axvline(0, color="k", lw=0.8)
ax.set_xlabel("d = predicted - true RUL (cycles)")
ax.set_ylabel("score")
ax.set_title("Late predictions (d > 0) cost more")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
metrics = turbofan.evaluate(run)
pd.Series(metrics, name="sequence-to-sequence").round(3).to_frame()

# %% [markdown]
# La primera figura muestra la RUL predicha en cada ciclo de varios motores
# de validación, que, como los de entrenamiento, llegan hasta el fallo. La
# línea negra es lo que la red aprende (la RUL con tope) y la discontinua, la
# RUL verdadera. Una red bien entrenada se queda cerca del tope mientras el
# motor está sano y baja con la diagonal al final.

# %%
predictions = run.predictions  # the RUL at every cycle, from `turbofan.evaluate`
fig = turbofan_plots.plot_engine_lives(
    data.y_val, predictions.validation, config.rul_cap, data.validation_units
)
plt.show()

# %% [markdown]
# La segunda resume los motores de prueba en su último ciclo: a la izquierda,
# la RUL predicha frente a la verdadera; a la derecha, el error con signo de
# cada motor, ordenados por su RUL verdadera. Las barras rojas son
# predicciones tardías, las que la puntuación PHM08 castiga más. Los motores
# con una RUL verdadera por encima del tope quedan casi siempre por debajo de
# la diagonal: la red nunca aprendió a predecir más de 125 ciclos.

# %%
fig = turbofan_plots.plot_test_engines(data.test_rul, predictions.last, config.rul_cap)
plt.show()

# %% [markdown]
# ## La variante secuencia a uno, con ventana
#
# La otra forma de plantear la tarea corta cada motor de entrenamiento en
# ventanas de 30 ciclos consecutivos (una que termina en cada ciclo) y enseña
# a la red a dar la RUL del último ciclo de cada ventana. Son muchas más
# muestras, pero cada una ve menos historia: la red no sabe cómo era el
# motor cuando estaba nuevo. El motor de prueba más corto tiene 31 ciclos,
# así que una ventana de 30 siempre cabe. Con más ventanas que motores se
# usan minilotes más grandes (los ajustes del entrenamiento cambian dentro de
# `training`).

# %%
windowed_config = config.replace(
    output_mode="last",
    window=30,
    training=dict(
        mini_batch_size=128,
        learn_rate_drop_period=10,
        validation_patience=10,
        max_epochs=config.training.max_epochs if FAST else 40,
    ),
)
windowed = turbofan.train(windowed_config, data)
windowed_metrics = turbofan.evaluate(windowed)
columns = ["validation_rmse", "rmse", "phm08_score", "rmse_capped_truth"]
both = {"sequence-to-sequence": metrics, "windowed sequence-to-one": windowed_metrics}
pd.DataFrame(both).loc[columns].round(2)

# %% [markdown]
# La elección entre las dos se hace con `validation_rmse`, no con la prueba.
# En el caso completo, con cinco semillas, la variante secuencia a secuencia
# tiene menos error de validación; el README recoge la comparación completa,
# junto con la red de dos capas LSTM con *dropout*.

# %% [markdown]
# ## Ruido en la entrada y un conjunto de redes
#
# Dos semillas distintas dan redes distintas: con los mismos datos, el RMSE
# de prueba de la LSTM de 100 unidades va de unos 13 a unos 16 ciclos
# según la semilla. Hay dos remedios clásicos, y `turbofan.Config` usa o
# permite los dos:
#
# - **Ruido gaussiano en la entrada** (`input_noise`, 0,1 por defecto):
#   durante el entrenamiento se suma ruido de desviación 0,1 a los sensores
#   ya normalizados, de modo que la red no puede fiarse de diferencias más
#   pequeñas que el propio ruido de los sensores. En validación empata con
#   la red sin ruido (RMSE 13,05 frente a 13,08, cinco semillas); en prueba
#   salió mejor (14,3 frente a 14,8), y el README lo dice así.
# - **Un conjunto** (`ensemble=n`): se entrenan n redes con semillas
#   distintas y el modelo da la media de sus predicciones. Cada red se
#   equivoca a su manera; al promediar, una parte de esos errores se cancela.
#   Cuesta n veces el entrenamiento, pero el resultado es un único modelo
#   `.keras` (cada red queda dentro como `member_0`, `member_1`...).
#
# Aquí se entrena un conjunto pequeño (dos redes en la variante rápida,
# cinco en el caso completo) y se compara con cada una de sus redes. Para
# evaluar una red suelta basta una copia del `run` con ese modelo.

# %%
ensemble_config = config.replace(ensemble=2 if FAST else 5)
ensemble = turbofan.train(ensemble_config, data)
ensemble_metrics = turbofan.evaluate(ensemble)
rows = {"ensemble (mean)": ensemble_metrics}
for i in range(ensemble_config.ensemble):
    member = dataclasses.replace(ensemble, model=ensemble.model.get_layer(f"member_{i}"))
    rows[f"member {i}"] = turbofan.evaluate(member)
pd.DataFrame(rows).loc[["validation_rmse", "rmse", "phm08_score"]].round(2)

# %% [markdown]
# El RMSE es una norma, así que el de la media nunca supera la media de los
# RMSE de los miembros (desigualdad triangular); cuánto lo mejora depende de
# lo distintos que sean sus errores. En el caso completo, un conjunto de cinco
# redes baja el RMSE de prueba de 14,3 a menos de 14 (media de cinco
# semillas); el README da las cifras exactas.

# %% [markdown]
# ## Desde la terminal
#
# ```bash
# lstm-apps run turbofan
# lstm-apps run turbofan --set "units=(125, 100)" --set dropout=0.2
# lstm-apps run turbofan --set output_mode=last --set training.mini_batch_size=128
# lstm-apps run turbofan --set architecture=gru
# lstm-apps run turbofan --set ensemble=5
# ```
#
# `run` guarda la configuración, las métricas, el modelo `.keras` y las
# figuras en una carpeta. Para predecir la RUL de un motor nuevo basta un
# fichero `.npy` con su historia `(ciclos, columnas)`, con las columnas de
# `data.features` en ese orden:
#
# ```bash
# lstm-apps predict RUN_DIR motor.npy
# ```
#
# Con datos propios en el mismo formato (tres ficheros de texto separados por
# espacios), `--set data_path=carpeta` los usa en lugar de FD001.
