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
# # 10 · Predicción de series temporales: lazo abierto, lazo cerrado y estado
#
# Hasta ahora la red leía una secuencia y daba una etiqueta o un valor del
# presente. Aquí tiene que **adelantarse**: leer una serie hasta el instante
# $t$ y decir cuánto valdrá en $t+1$, $t+2$, ..., $t+H$. Seguimos el esquema
# del ejemplo de MATLAB *Time Series Forecasting Using Deep Learning*:
#
# 1. se estandariza la serie con la media y la desviación típica de la parte
#    de entrenamiento (y solo de ella);
# 2. se entrena una red **secuencia a secuencia** que en cada paso predice el
#    paso siguiente: la entrada es la serie hasta $t$ y el objetivo es la
#    misma serie desplazada un paso;
# 3. para predecir, la red lee la historia observada, que queda resumida en
#    su **estado**, y a partir de ahí avanza paso a paso.
#
# Usamos tres series reales que vienen con `statsmodels` y `aeon`, sin
# descargar nada:
#
# | serie | paso | longitud de la «estación» | origen |
# |---|---|---|---|
# | `sunspots` | año (1700-2008) | 11 (el ciclo solar) | NOAA, vía statsmodels |
# | `co2` | semana (1958-2001) | 52 | Mauna Loa, vía statsmodels |
# | `airline` | mes (1949-1960) | 12 | Box y Jenkins, vía aeon |
#
# Las manchas solares no tienen una estación de calendario: su «estación» es
# el ciclo solar de unos 11 años, que en realidad dura entre 9 y 14. La serie
# de CO2 tiene 59 semanas sin dato, que se rellenan por interpolación lineal
# (la opción `fill`).

# %%
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import lstm_apps
from lstm_apps import plots
from lstm_apps.forecasting import Forecaster, build_network
from lstm_apps.tasks.forecasting import plots as forecasting_plots

forecasting = lstm_apps.get_case_study("forecasting")

# %% [markdown]
# ## Parámetros
#
# Con la variable de entorno `LSTM_APPS_FAST=1` se usa la variante mínima
# (`Config.fast()`): una red de 8 unidades, tres épocas y tres orígenes de
# prueba. Sirve para comprobar que el cuaderno funciona; sus cifras no dicen
# nada de la calidad del método. Sin la variable se ejecuta el caso completo
# sobre la serie de pasajeros (`airline`), que en CPU tarda unos minutos.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = forecasting.Config.fast() if FAST else forecasting.Config()
keras.utils.set_random_seed(0)
print(config)

# %% [markdown]
# ## Las tres series
#
# `forecasting.load_data` parte cada serie en orden temporal: el 65 % inicial
# para entrenar, el 15 % siguiente para validar y el 20 % final para la
# prueba. Devuelve un `ForecastSplits`: además de las tres partes, guarda la
# serie entera (`values`, `times`), la longitud de la estación, el horizonte
# y los orígenes de la prueba como campos con nombre. La figura marca las
# tres partes.

# %%
fig, axes = plt.subplots(3, 1, figsize=(11, 8))
for ax, name in zip(axes, forecasting.SERIES):
    data_i = forecasting.load_data(config.replace(series=name, transform=None))
    times_i, n_train, test_start_i = data_i.times, data_i.num_train, data_i.fit_end
    ax.plot(times_i, data_i.values[:, 0], "k-", lw=0.8)
    ax.axvspan(times_i[n_train], times_i[test_start_i], color="C1", alpha=0.2)
    ax.axvspan(times_i[test_start_i], times_i[-1], color="C2", alpha=0.2)
    ax.set_title(
        f"{name}: {len(data_i.values)} steps, season {data_i.season_length}, "
        f"missing values filled: {data_i.missing_values}",
        fontsize=9,
    )
axes[0].legend(["series", "validation", "test"], fontsize=8, loc="upper left")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Entrada y objetivo: la serie desplazada un paso
#
# Para entrenar, la parte de entrenamiento se corta en ventanas de cuatro
# estaciones. En cada ventana la entrada es $x_1, \dots, x_T$ y el objetivo,
# $x_2, \dots, x_{T+1}$: la red aprende a dar en cada paso el valor del paso
# siguiente. Un trozo de la serie de pasajeros:

# %%
data = forecasting.load_data(config)
head = data.values[:6, 0]
pd.DataFrame({"input x_t": head[:-1], "target x_(t+1)": head[1:]}, index=data.times[:5])

# %% [markdown]
# ### Transformaciones
#
# La serie de pasajeros crece con los años y su oscilación estacional crece
# con ella. La parte de prueba alcanza niveles que la red nunca vio al
# entrenar, y una LSTM extrapola mal: sus puertas y su `tanh` se saturan.
# Por eso la red puede trabajar con la serie transformada:
#
# - `log`: el logaritmo convierte una estacionalidad multiplicativa en
#   aditiva;
# - `difference`: la red lee y predice **cambios** $x_{t+1} - x_t$ en lugar
#   de niveles, y el `Forecaster` los suma al último valor; así la tendencia
#   deja de sacar a la red de su rango;
# - `log_difference`: las dos cosas;
# - `sqrt` y `sqrt_difference`: la raíz cuadrada, que hace lo mismo que el
#   logaritmo con datos que pueden valer 0, como el número de manchas
#   solares, y que es su transformación clásica.
#
# Todas viven dentro del modelo `.keras`: una capa `log` o `sqrt`, una capa
# recurrente `difference` (su estado es el valor anterior), la
# normalización con la media y la desviación de entrenamiento y, al final,
# la operación inversa. Con `transform="auto"` (lo que usa por defecto
# `airline`) se entrena una red por cada una de `none`, `log`, `difference`
# y `log_difference` y se elige la de menor MASE en **validación**; una
# tupla, como `("sqrt", "sqrt_difference")` (lo que usa `sunspots`), elige
# igual entre las que nombra; en `co2` se usa `difference`. En la variante
# rápida no se compara nada.

# %% [markdown]
# ## Entrenamiento
#
# `forecasting.train` entrena cada candidata con parada temprana en
# validación, elige la mejor y, con `refit=True` (el caso completo), la
# vuelve a entrenar con entrenamiento y validación juntos durante el número
# de épocas que eligió la validación. Así la red ve los mismos datos que la
# referencia ETS. Los ajustes del entrenamiento (épocas, tamaño del lote,
# tasa de aprendizaje, paciencia de la parada temprana, semilla) están en
# `config.training`, un `TrainingConfig` con los nombres de MATLAB
# (`max_epochs`, `mini_batch_size`, `initial_learn_rate`,
# `validation_patience`...); se cambian con
# `config.replace(training=dict(max_epochs=50))`. `train` devuelve un
# `ForecastRun`: la transformación elegida queda en `run.config.transform` y
# el MASE de validación de cada candidata en `run.validation_mase`.

# %%
print(config.training)
run = forecasting.train(config, data)
print(f"transform: {run.config.transform}, validation MASE per candidate: {run.validation_mase}")
run.model.summary()

# %%
fig = plots.plot_training_progress(run.history)
plt.show()

# %% [markdown]
# ## El estado
#
# Un `Forecaster` envuelve la red ya entrenada y guarda su **estado**: los
# vectores $h$ y $c$ de cada capa LSTM (y el valor anterior de la capa
# `difference`). `predict_and_update_state(x)` hace avanzar el estado con
# los valores observados `x` y devuelve la predicción del paso siguiente.
# El estado resume toda la historia leída: leer 100 valores de golpe o en
# dos tandas da el mismo resultado, y `reset_state()` lo borra.

# %%
forecaster = Forecaster.from_model(run.model)
test_start = data.fit_end  # first step of the test part
history = data.values[:test_start]
next_value = forecaster.predict_and_update_state(history)
print("state tensors (num_series, size):", [s.shape for s in forecaster.states])
print(f"prediction for {str(data.times[test_start])[:7]}: {next_value[0, 0]:.1f}, "
      f"observed: {data.values[test_start, 0]:.1f}")  # fmt: skip

# %% [markdown]
# ## Lazo abierto y lazo cerrado
#
# Desde el estado al final de la historia hay dos maneras de seguir:
#
# - **Lazo cerrado** (`mode="closed"`): cada predicción se usa como entrada
#   del paso siguiente. Solo necesita la historia, así que sirve para
#   predecir el futuro de verdad, pero los errores se acumulan: un error en
#   $t+1$ contamina la entrada de $t+2$.
# - **Lazo abierto** (`mode="open"`): en cada paso se le da a la red el valor
#   **observado**. Cada predicción es entonces a un paso vista; es lo que hace
#   un modelo en servicio cuando los datos llegan uno a uno, y no sirve para
#   mirar más allá del siguiente paso.
#
# `forecast` no cambia el estado del `Forecaster`: guarda el estado, avanza y
# lo restaura. Comparamos los dos modos sobre toda la parte de prueba.

# %%
steps = len(data.values) - test_start
closed = forecaster.forecast(steps, mode="closed")[0, :, 0]
observed = data.values[test_start:]
open_loop = forecaster.forecast(steps, mode="open", observed=observed)[0, :, 0]
times = data.times
fig, ax = plt.subplots(figsize=(10, 3.8))
ax.plot(times[test_start - 36 : test_start], history[-36:, 0], "k-", lw=1, label="history")
ax.plot(times[test_start:], observed[:, 0], "k.-", lw=0.8, label="observed")
ax.plot(times[test_start:], closed, "C3-", label="closed loop")
ax.plot(times[test_start:], open_loop, "C0--", label="open loop (one step ahead)")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()
for name, values in (("closed loop", closed), ("open loop", open_loop)):
    print(f"{name:12} MAE over the test part: {np.mean(np.abs(values - observed[:, 0])):.1f}")

# %% [markdown]
# ## Intervalos con *Monte Carlo dropout*
#
# Una red con *dropout* puede dar muchas predicciones distintas si el
# *dropout* sigue activo al predecir: cada muestra apaga neuronas distintas.
# La dispersión de esas muestras da un intervalo aproximado. Entrenamos la
# variante más profunda del curso (dos LSTM de 64 con *dropout* 0,2, los
# ajustes de `forecasting.VARIANTS["stacked"]`) y pedimos 200 muestras en
# lazo cerrado. Es una medida de la incertidumbre del modelo, no una
# garantía de cobertura.

# %%
changes = {**forecasting.VARIANTS["stacked"], **({"units": (8, 8)} if FAST else {})}
stacked_config = config.replace(**changes)
stacked = forecasting.train(stacked_config, forecasting.load_data(stacked_config))
sampler = Forecaster.from_model(stacked.model, seed=0)
sampler.predict_and_update_state(history)
median, lower, upper = sampler.forecast_interval(data.horizon, num_samples=config.num_samples)
fig = forecasting_plots.plot_forecast(
    times, data.values[:, 0], test_start, {"lstm": median[0, :, 0]},
    (lower[0, :, 0], upper[0, :, 0]), history=36,
    title="Stacked LSTM with dropout: median and 90 % interval of 200 samples",
)  # fmt: skip
plt.show()

# %% [markdown]
# ## Evaluación con varios orígenes y MASE
#
# Un solo pronóstico dice poco. `forecasting.evaluate` hace un *backtest*
# con **origen móvil**: desde `num_origins` puntos repartidos por la parte
# de prueba, cada modelo lee la historia hasta ese punto y predice una
# estación completa en lazo cerrado. `rolling_forecasts` lo hace en una sola
# pasada: cada origen es una serie independiente del mismo estado por lotes.
#
# Las referencias, sobre los mismos orígenes, son:
#
# - **ingenua** (`naive`): repite el último valor;
# - **ingenua estacional** (`seasonal_naive`): repite el valor de hace una
#   estación;
# - **ETS** de `statsmodels`: suavizado exponencial con tendencia amortiguada
#   y estacionalidad, ajustado con entrenamiento y validación.
#
# La métrica principal es el **MASE** (*mean absolute scaled error*): el
# error absoluto medio dividido por el de la predicción ingenua estacional
# *dentro* de la parte de entrenamiento. MASE < 1 quiere decir que se
# acierta más que repitiendo la estación anterior en el pasado conocido; al
# no depender de las unidades, se puede comparar entre series. Se da a un
# paso vista (`h1`), a una estación vista (`season`) y en media.

# %%
metrics = forecasting.evaluate(run)
rows = {}
for label, prefix in (("LSTM", ""), ("naive", "naive_"), ("seasonal naive", "seasonal_naive_"),
                      ("ETS", "ets_")):  # fmt: skip
    rows[label] = {
        f"{metric} {step}": metrics[f"{prefix}{metric}_{step}"]
        for metric in ("mase", "rmse")
        for step in ("h1", "season", "mean")
    }
pd.DataFrame(rows).T.round(3)

# %%
# evaluate leaves the forecasts and the scores per step in run.predictions (a Backtest)
fig = forecasting_plots.plot_mase_by_horizon(run.predictions.per_step, data.season_length)
plt.show()

# %% [markdown]
# La línea discontinua es MASE = 1. En lazo cerrado el error tiende a crecer
# con el horizonte, porque los errores se acumulan; la ingenua estacional
# copia siempre un valor observado y su error cambia menos de un paso a otro.
# En el paso $h$ igual a la estación, la ingenua estacional y la ingenua
# coinciden: las dos repiten el último valor observado. Las cifras
# medidas con varias semillas en las tres series están en la tabla del
# README (sección `forecasting`), obtenida con `benchmarks/forecasting.py`.
# Allí se ve dónde la LSTM gana a la ingenua estacional y dónde ETS sigue
# siendo mejor.

# %% [markdown]
# ## Por qué una red bidireccional no puede predecir
#
# Una capa bidireccional lee la secuencia dos veces, hacia delante y hacia
# atrás, y junta las dos lecturas. Su salida en el paso $t$ depende por
# tanto de los pasos $t+1, t+2, \dots$: justo los valores que queremos
# predecir. Al entrenar «acertaría» mirando el objetivo, y al predecir no
# tendría de dónde sacarlo, porque el futuro todavía no existe. Tampoco
# puede llevar un estado paso a paso. Por eso el paquete la rechaza:

# %%
try:
    forecasting.Config(architecture="bilstm")
except ValueError as error:
    print(error)
try:
    build_network("bilstm", num_features=1, offset=0.0, scale=1.0)
except ValueError as error:
    print(error)

# %% [markdown]
# ## Desde la terminal
#
# `lstm-apps run forecasting` entrena y evalúa la serie `airline` y guarda
# la carpeta del experimento (configuración, métricas, modelo `.keras` y
# figuras). Otra serie o la variante profunda se eligen con `--set`:
#
# ```bash
# lstm-apps run forecasting
# lstm-apps run forecasting --set series=co2
# lstm-apps run forecasting --set series=sunspots --set "units=(64, 64)" --set dropout=0.2
# lstm-apps run forecasting --set training.max_epochs=50 --set training.seed=1
# lstm-apps run forecasting --help   # every Config field, grouped, with its meaning
# ```
#
# Con datos propios basta un CSV con una columna de tiempo y una o varias
# columnas de valores. Si las fechas son regulares, la longitud de la
# estación se deduce de ellas (mensual 12, semanal 52, diaria 7, horaria
# 24...); si no, se da con `season_length`. Los huecos dan un error que
# nombra la columna y la fila, salvo que se pida rellenarlos con `fill`:
#
# ```bash
# lstm-apps run forecasting --set data=ventas.csv --set target=unidades
# lstm-apps run forecasting --set data=ventas.csv --set time_column=mes \
#     --set "target=('unidades', 'devoluciones')" --set season_length=12 \
#     --set fill=interpolate
# ```
#
# `lstm-apps predict RUN_DIR historia.npy` (o `historia.csv`, una fila por
# paso y una columna por variable) lee la historia desde un estado vacío y
# da la predicción en lazo cerrado de los `horizon` pasos siguientes, con
# las etiquetas `t+1`, `t+2`, ...
