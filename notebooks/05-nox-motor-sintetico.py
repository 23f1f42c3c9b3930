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
# # 05 · NOx de un motor a partir de sus señales (datos **sintéticos**)
#
# Renault ha contado que usa redes LSTM para estimar las emisiones de óxidos de
# nitrógeno (NOx) de un motor a partir de señales que la centralita ya mide:
# el par, el régimen de giro, la temperatura del refrigerante y la marcha
# engranada. Sus datos no son públicos, así que en este cuaderno **todos los
# datos son sintéticos**: los fabrica un simulador sencillo y documentado,
# `lstm_apps.data.synthetic`. Ninguna cifra de este cuaderno describe un motor
# real; lo que sí se puede aprender es *por qué* una red recurrente encaja en
# este problema.
#
# La tarea es de **secuencia a secuencia**: en cada segundo la red lee cinco
# señales (velocidad del vehículo, régimen, par, temperatura del refrigerante y
# marcha) y devuelve el caudal de NOx de ese mismo segundo, en mg/s. La
# compararemos con un modelo **estático** (árboles de *gradient boosting* de
# scikit-learn) que ve exactamente las mismas cinco señales, pero solo las del
# segundo presente.

# %%
import os

import keras
import matplotlib.pyplot as plt
import pandas as pd

import lstm_apps
import lstm_apps.plots
from lstm_apps.data import synthetic

en = lstm_apps.get_case_study("engine_nox")

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` se usa una variante diminuta (pocos ciclos cortos, una
# red estrecha y dos épocas) que solo comprueba que el cuaderno se ejecuta de
# principio a fin; sus cifras no significan nada. Sin esa variable se ejecuta
# el caso completo, que tarda un par de minutos en una CPU de dos núcleos.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = en.Config.fast() if FAST else en.Config()
keras.utils.set_random_seed(0)
print(config)

# %% [markdown]
# ## El simulador
#
# Cada ciclo de conducción imita la forma del WLTC: cuatro fases (velocidad
# baja, media, alta y muy alta) hechas de paradas, aceleraciones, tramos a
# velocidad casi constante y frenadas, muestreadas una vez por segundo. A
# partir de la velocidad, el simulador elige la marcha con umbrales de cambio,
# calcula el régimen con la relación de transmisión y el par con la dinámica
# del vehículo (inercia, rodadura y resistencia aerodinámica). El motor arranca
# en frío y el refrigerante se calienta hacia 90 °C, más deprisa cuanto más se
# le exige.
#
# El NOx depende de la potencia, de la carga, del régimen y de la temperatura,
# y además **de la historia reciente**: cuando el par sube más rápido de lo que
# el turbo y la recirculación de gases pueden seguir, aparece un pico de NOx, y
# el analizador que lo mide responde con retraso. Todos los parámetros están en
# `synthetic.EngineSimulatorConfig`:

# %%
simulator = config.simulator()
print(simulator)

# %% [markdown]
# Simulemos un ciclo con una semilla cualquiera y dibujemos sus señales. Las
# franjas grises marcan los segundos **transitorios**, aquellos en los que el
# par cambia más de `config.transient_torque_rate` N·m de un segundo al
# siguiente.

# %%
cycle = synthetic.simulate_cycle(simulator, seed=2024)
features, nox = synthetic.cycle_arrays(cycle)
threshold = config.transient_torque_rate
en.plot_cycle(features, nox, {}, threshold, title="One SYNTHETIC drive cycle")
plt.show()

# %% [markdown]
# Si ampliamos un par de minutos se ve el retraso: el NOx sube después que el
# par, se dispara en los arranques y tarda unos segundos en bajar.

# %%
start = len(nox) // 3
zoom = (start, min(start + 150, len(nox)))
en.plot_cycle(features, nox, {}, threshold, seconds=zoom, title="SYNTHETIC cycle, zoomed in")
plt.show()

# %% [markdown]
# ## Los datos del caso
#
# `en.load_data` simula los ciclos de entrenamiento, validación y prueba con
# semillas distintas, de modo que la red nunca ve los ciclos con los que se
# la evalúa. Los ciclos de entrenamiento y validación se cortan en ventanas
# (`window_seconds`) para formar mini-lotes; los de prueba se evalúan
# completos. Las señales quedan en sus unidades físicas: la red las normaliza
# con estadísticas aprendidas solo del entrenamiento, y la media y la
# desviación típica del NOx de entrenamiento sirven para escalar la salida.

# %%
data = en.load_data(config)
print("sizes:", data.sizes())
print("features:", en.FEATURES)
print("source:", data.source)
print(f"training NOx: mean {data.nox_mean:.2f} mg/s, std {data.nox_std:.2f} mg/s")

# %% [markdown]
# ## La red
#
# Una LSTM con salida en **cada** paso (`output_mode="sequence"`) y una cabeza
# lineal, construida con `lstm_apps.build_model`. La última capa, `nox_mg_s`,
# deshace la estandarización del objetivo, de modo que el modelo guardado
# devuelve directamente mg/s.

# %%
model = en.build_model(config, data)
model.summary()

# %% [markdown]
# ## Entrenamiento
#
# `en.train` compila y ajusta con Adam, mini-lotes barajados en cada época,
# una caída escalonada de la tasa de aprendizaje y parada temprana sobre los
# ciclos de validación. Todos esos ajustes están en la sección
# `config.training`, con los nombres de `trainingOptions` de MATLAB
# (`initial_learn_rate`, `learn_rate_drop_period`, `max_epochs`...); su
# semilla (`training.seed`) fija también los ciclos simulados.

# %%
print(config.training)
run = en.train(config, data)
lstm_apps.plots.plot_training_progress(run.history)
plt.show()

# %% [markdown]
# ## Evaluación: LSTM frente al modelo estático
#
# `en.evaluate` predice los ciclos de prueba con la LSTM, ajusta el modelo
# estático con los mismos segundos de entrenamiento y devuelve un diccionario
# plano con el error absoluto medio (`mae`), la raíz del error cuadrático medio
# (`rmse`), el coeficiente de determinación (`r2`) y la fracción de segundos
# con un error menor del 10 % (`within_10pct`), para ambos modelos y tanto en
# todos los segundos como solo en los transitorios.

# %%
metrics = en.evaluate(run)
names = ["mae", "rmse", "r2", "within_10pct"]
table = pd.DataFrame(
    {
        ("all seconds", "LSTM"): [metrics[n] for n in names],
        ("all seconds", "static"): [metrics[f"static_{n}"] for n in names],
        ("transients", "LSTM"): [metrics[f"transient_{n}"] for n in names],
        ("transients", "static"): [metrics[f"static_transient_{n}"] for n in names],
    },
    index=names,
)
print(f"transient seconds: {metrics['transient_share']:.1%} of the test cycles")
table.round(3)

# %% [markdown]
# En los segundos transitorios el modelo estático no tiene con qué acertar:
# el mismo par y el mismo régimen pueden venir de un tramo estable o de una
# aceleración que acaba de empezar, y el NOx es muy distinto en cada caso. La
# LSTM lleva en su estado lo que ha pasado en los segundos anteriores y puede
# distinguirlos. (En la variante rápida la red apenas ha entrenado y esta
# comparación no dice nada.)

# %%
fig, ax = plt.subplots(figsize=(6, 3))
table.loc["mae"].unstack().plot.bar(ax=ax, rot=0)
ax.set_ylabel("MAE (mg/s)")
ax.set_title("SYNTHETIC data: NOx error on held-out cycles")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Un ciclo de prueba
#
# Por último, el NOx medido (simulado) de un ciclo de prueba junto a las dos
# predicciones, con las señales encima; primero el ciclo entero y después un
# tramo ampliado.

# %%
baseline = en.fit_static_baseline(data)
x, y = data.x_test[0], data.y_test[0][:, 0]
predictions = {
    "LSTM": en.predict_cycles(run.model, [x])[0],
    "static": en.static_predict(baseline, [x])[0],
}
en.plot_cycle(x, y, predictions, threshold)
plt.show()

# %%
start = len(y) // 3
en.plot_cycle(x, y, predictions, threshold, seconds=(start, min(start + 150, len(y))))
plt.show()

# %% [markdown]
# ## Qué probar después
#
# - **Dar memoria a mano al modelo estático**: añadir como rasgos el par de
#   los segundos anteriores lo acerca a la LSTM; es la manera clásica de darle
#   historia a un modelo sin recurrencia.
# - **Otra celda o más unidades**: `config.replace(architecture="gru")` o
#   `config.replace(units=(64, 32))`.
# - **Ventanas más cortas**: con `window_seconds=20` la red apenas ve la
#   historia al principio de cada ventana.
# - **Otro umbral de transitorio**: `transient_torque_rate` cambia qué
#   segundos cuentan como transitorios.
# - **Otro motor**: con `synthetic.EngineSimulatorConfig(transient_gain=0)`
#   desaparecen los picos de las aceleraciones; simula un ciclo así con
#   `synthetic.simulate_cycle` y compáralo con el de arriba.
#
# Desde la terminal:
#
# ```bash
# lstm-apps run engine_nox --fast
# lstm-apps run engine_nox --set architecture=gru --set units=32
# lstm-apps run engine_nox --set training.max_epochs=40 --set training.initial_learn_rate=0.002
# lstm-apps predict RUN_DIR senales.csv
# ```
#
# `predict` lee un CSV con una fila por segundo y las cinco señales en el
# orden de `en.FEATURES`, y escribe el NOx estimado de cada segundo.
