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
# # 07 · Despliegue: exportar la red y predecir muestra a muestra
#
# Hasta ahora cada red vivía y moría dentro de un cuaderno de Python con
# Keras. En un producto real eso casi nunca basta: el modelo tiene que
# funcionar **en otro sitio**, y a menudo sin Python ni TensorFlow. El curso
# lo menciona al hablar de exportar redes a ONNX y a TensorFlow; en este
# cuaderno lo hacemos de verdad con una red entrenada, y comprobamos que el
# modelo exportado calcula lo mismo que el original.
#
# Los tres formatos que usaremos y para qué sirve cada uno:
#
# - **SavedModel** es el formato propio de TensorFlow. Lo carga TensorFlow
#   Serving para servir el modelo en un servidor, o cualquier programa con
#   TensorFlow, sin necesidad del código de Keras que lo construyó.
# - **ONNX** (*Open Neural Network Exchange*) es un formato abierto que
#   entienden muchos motores. Con `onnxruntime` se puede ejecutar el modelo
#   desde C++, C#, Java, JavaScript o Python, en un servidor o en un
#   navegador, y suele ser muy rápido en CPU.
# - **LiteRT** (antes TensorFlow Lite, archivos `.tflite`) está pensado para
#   móviles y dispositivos pequeños, incluso microcontroladores: un
#   intérprete ligero y un archivo compacto.
#
# Hay además un segundo problema, propio de las redes recurrentes. Imagina un
# sensor que envía una muestra nueva cada pocos milisegundos (un micrófono, un
# acelerómetro, la centralita de un motor). Queremos **una predicción por
# cada muestra nueva**, en cuanto llega. Volver a pasar toda la secuencia por
# `model.predict` en cada muestra es lento y cada vez más caro; lo natural en
# una LSTM es **guardar su estado** ($h_t$ y $c_t$) entre muestras y avanzar
# solo un paso. Eso es la **inferencia en flujo** (*streaming*).
#
# El plan del cuaderno:
#
# 1. entrenar la LSTM de Japanese Vowels (el caso del cuaderno 01);
# 2. exportarla a los tres formatos, con una comprobación de paridad;
# 3. cargar cada archivo en su propio motor y comparar sus predicciones;
# 4. predecir muestra a muestra con `StreamingPredictor`;
# 5. medir cuánto tarda cada paso;
# 6. escribir una **ficha del modelo** (*model card*) que lo documente.

# %%
import os
import tempfile
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from IPython.display import Markdown, display
from matplotlib.ticker import MaxNLocator

import lstm_apps
from lstm_apps.deploy.card import layer_table, record_export, write_card
from lstm_apps.deploy.export import ExportError
from lstm_apps.deploy.runtimes import runtime

jv = lstm_apps.get_case_study("japanese_vowels")
tf.get_logger().setLevel("ERROR")  # hide the "Assets written to ..." notes of each export

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` se entrena una red diminuta (16 unidades, dos
# épocas y parte de los datos) y la medida de latencia es corta: sirve para
# comprobar en menos de un minuto que el cuaderno funciona de principio a
# fin, pero **en ese modo la precisión no significa nada**. Sin esa variable
# se entrena la red completa (una LSTM de 100 unidades, 80 épocas), que
# tarda unos 20 segundos en una CPU de dos núcleos.
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`),
# nunca a las carpetas del repositorio.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
quiet = dict(training=dict(verbose=0))  # no progress bar while it trains
config = jv.Config.fast(**quiet) if FAST else jv.Config().replace(**quiet)
LATENCY_STEPS = 300 if FAST else 2000  # steps timed for each streaming engine
PREDICT_CALLS = 20  # model.predict is slow: a few calls are enough
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_07_"))
run_dir = work_dir / "vowels_run"
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. La red que vamos a desplegar
#
# `lstm_apps.run_case_study` entrena, evalúa en el conjunto de prueba y
# guarda una **carpeta de ejecución** (*run folder*) con todo lo necesario
# para reproducir y documentar el resultado: la configuración
# (`config.json`), las métricas junto con el tiempo de entrenamiento y las
# versiones del software (`metrics.json`), la curva de entrenamiento
# (`history.csv`), el modelo (`model.keras`) y las figuras.
#
# Recordatorio del caso: cada ejemplo es una vocal japonesa pronunciada por
# uno de **9 locutores**; en cada paso (*frame*) hay **12 coeficientes**
# LPC, y cada secuencia dura entre 7 y 29 pasos. La red lee la secuencia
# entera y da la probabilidad de cada locutor.

# %%
run = lstm_apps.run_case_study("japanese_vowels", config, output=run_dir)
model = run.model
x_test, y_test = run.data.x_test, np.asarray(run.data.y_test)
class_names = list(run.data.class_names)

print(f"test accuracy: {run.metrics['accuracy']:.3f} on {len(x_test)} utterances")
print("run folder:", sorted(p.name for p in run_dir.iterdir()))

# %% [markdown]
# ## 2. Exportar con comprobación de paridad
#
# `lstm_apps.export(model, ruta, format=...)` no se limita a convertir el
# modelo. Escribe el archivo en una carpeta provisional, lo **vuelve a
# cargar con el motor de su formato** (TensorFlow, onnxruntime o el
# intérprete de LiteRT), le pasa unas secuencias y compara sus salidas con
# las de Keras. Solo si la mayor diferencia absoluta es menor o igual que la
# **tolerancia** (por defecto $10^{-5}$) mueve el archivo a su sitio. Si la
# conversión falla o la comprobación no pasa, lanza `ExportError` y **no
# escribe nada**: nunca queda en disco un modelo que calcula otra cosa.
#
# ¿Por qué no pedir diferencia cero? Cada motor ordena las sumas y
# multiplicaciones a su manera, y en `float32` el orden cambia el redondeo
# en la séptima cifra, más o menos. Diferencias de $10^{-7}$ o $10^{-8}$ son
# ruido numérico; una de $10^{-2}$ sería un error de conversión.
#
# Para la comprobación usamos **enunciados reales de prueba**, que la red no
# vio al entrenar: los 64 primeros (o los que haya, en modo rápido),
# rellenados con ceros por la derecha hasta la longitud del más largo con
# `lstm_apps.pad_sequences`. El modelo **enmascara** ese relleno: los pasos
# que valen cero en todas las características no cuentan.

# %%
check_inputs = lstm_apps.pad_sequences(x_test[:64])
print("check inputs (sequences, steps, features):", check_inputs.shape)

# %% [markdown]
# ### LiteRT necesita una longitud fija
#
# Antes de exportar a LiteRT conviene ver qué pasa si no le decimos la
# longitud de las secuencias. El mensaje de error explica el motivo: con
# longitud libre, el bucle recurrente de Keras se convierte en operaciones de
# TensorFlow (`TensorList`) que el intérprete estándar de LiteRT no tiene
# (solo existen en el "delegado Flex", que no está en los dispositivos
# pequeños). La exportación se detiene con esa explicación en lugar de
# escribir un archivo que luego no funcionaría.

# %%
try:
    lstm_apps.export(model, work_dir / "vowels.tflite", format="litert", inputs=check_inputs)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# La solución es fijar la longitud: `timesteps=29`, la de la vocal más larga
# del conjunto. Las secuencias más cortas se rellenan con ceros hasta 29
# pasos y la máscara sigue funcionando, así que el resultado no cambia. Para
# la comprobación de LiteRT las secuencias deben tener exactamente esos 29
# pasos: `pad_sequences` acepta la longitud como número.

# %%
TIMESTEPS = 29
check_inputs_29 = lstm_apps.pad_sequences(x_test[:64], sequence_length=TIMESTEPS)
print("LiteRT check inputs:", check_inputs_29.shape)

# %% [markdown]
# Ahora sí, los tres formatos. SavedModel es una carpeta; ONNX, un archivo
# `.onnx`; LiteRT, un archivo `.tflite`. Cada exportación devuelve un
# `ExportReport` con la ruta, la diferencia máxima, el tiempo y el tamaño;
# `str(report)` lo resume en una línea. Con `record_export` lo anotamos
# además en `exports.json`, dentro de la carpeta de ejecución, para que la
# ficha del modelo (sección 6) lo incluya.

# %%
artifacts = {
    "saved_model": work_dir / "vowels_saved_model",
    "onnx": work_dir / "vowels.onnx",
    "litert": work_dir / "vowels.tflite",
}
reports = {}
for fmt, path in artifacts.items():
    if fmt == "litert":
        report = lstm_apps.export(
            model, path, format=fmt, inputs=check_inputs_29, timesteps=TIMESTEPS
        )
    else:
        report = lstm_apps.export(model, path, format=fmt, inputs=check_inputs)
    record_export(run_dir, report)
    reports[fmt] = report
    print(report)

pd.DataFrame(
    [
        {
            "format": r.format,
            "max |diff| vs Keras": f"{r.max_abs_diff:.1e}",
            "tolerance": f"{r.tolerance:.0e}",
            "checked sequences": r.checked_sequences,
            "input shape": str(r.input_shape),
            "seconds": round(r.seconds, 2),
            "KiB": round(r.size_bytes / 1024),
        }
        for r in reports.values()
    ]
).set_index("format")

# %% [markdown]
# Cómo leer la tabla:
#
# - **max |diff|**: la mayor diferencia entre las probabilidades de Keras y
#   las del archivo exportado, en todas las secuencias y clases. En
#   SavedModel suele ser exactamente 0 (es el mismo TensorFlow por dentro);
#   en ONNX y LiteRT, del orden de $10^{-8}$ a $10^{-7}$.
# - **input shape**: `None` significa "libre". SavedModel y ONNX aceptan
#   cualquier número de secuencias y de pasos; el archivo de LiteRT, en
#   cambio, recibe exactamente una secuencia (`batch_size=1` por defecto) de
#   29 pasos.
# - **KiB**: el tamaño en disco. SavedModel guarda además el grafo de
#   TensorFlow completo, por eso ocupa más.
#
# ### Una comprobación que falla no escribe nada
#
# Para verlo, pedimos una tolerancia imposible ($10^{-12}$, muy por debajo
# del redondeo de `float32`) al exportar a ONNX en otra ruta:

# %%
strict_path = work_dir / "too_strict.onnx"
try:
    lstm_apps.export(model, strict_path, format="onnx", inputs=check_inputs, tolerance=1e-12)
    print("This time ONNX matched Keras exactly, so the export passed.")
except ExportError as err:
    print("ExportError:", err)
print(f"{strict_path.name} exists: {strict_path.exists()}")

# %% [markdown]
# ## 3. Cada archivo en su propio motor
#
# La comprobación de la exportación usó 64 enunciados. Ahora cargamos cada
# archivo como lo haría quien lo despliega, con
# `lstm_apps.deploy.runtimes.runtime(ruta)`, que devuelve una función
# `predict(x)` que lo ejecuta con `tf.saved_model.load`, con una sesión de
# `onnxruntime` o con el intérprete de LiteRT. Le pasamos **todos** los
# enunciados de prueba y contamos en cuántos el locutor predicho (la clase
# más probable) coincide con el de Keras. El de LiteRT recibe las
# secuencias rellenadas a 29 pasos; su función las pasa de una en una.

# %%
x_all = lstm_apps.pad_sequences(x_test)
x_all_29 = lstm_apps.pad_sequences(x_test, sequence_length=TIMESTEPS)
keras_probs = model.predict(x_all, verbose=0)
keras_speakers = keras_probs.argmax(axis=-1)

rows = []
for fmt, path in artifacts.items():
    predict = runtime(path)
    probs = predict(x_all_29 if fmt == "litert" else x_all)
    speakers = probs.argmax(axis=-1)
    rows.append(
        {
            "format": fmt,
            "agree with Keras": f"{(speakers == keras_speakers).sum()} / {len(speakers)}",
            "max |diff|": f"{np.abs(probs - keras_probs).max():.1e}",
            "accuracy": round(float((speakers == y_test).mean()), 3),
        }
    )
rows.append(
    {
        "format": "keras",
        "agree with Keras": f"{len(keras_speakers)} / {len(keras_speakers)}",
        "max |diff|": "0",
        "accuracy": round(float((keras_speakers == y_test).mean()), 3),
    }
)
pd.DataFrame(rows).set_index("format")

# %% [markdown]
# Lo esperable es que los tres motores elijan el mismo locutor que Keras en
# todos los enunciados y tengan, por tanto, la misma precisión: las
# diferencias en las probabilidades son del orden del redondeo, y solo
# podrían cambiar la decisión en un empate casi exacto entre dos locutores.
#
# ## 4. Predicción en flujo: una muestra cada vez
#
# `lstm_apps.StreamingPredictor(model)` prepara una función que avanza la
# red **un solo paso**: recibe la muestra nueva $x_t$ y los estados de cada
# capa recurrente, y devuelve la salida y los estados nuevos. El objeto
# guarda los estados entre llamadas, de modo que basta con llamar a
# `step(x_t)` cada vez que llega una muestra. Por defecto ejecuta ese paso
# con onnxruntime (`backend`), que en CPU es el motor más rápido.
#
# Tomamos un enunciado de prueba y lo "reproducimos" como si llegara del
# micrófono, paso a paso. Después de cada paso tenemos las probabilidades de
# los 9 locutores con lo oído **hasta ese momento**.

# %%
streamer = lstm_apps.StreamingPredictor(model)
print("engine:", streamer.backend, "| state sizes (h, c):", streamer.state_sizes)

index = 0
utterance = x_test[index]
true_speaker = int(y_test[index])
streamer.reset()  # a new utterance starts from a clean state
step_probs = np.stack([streamer.step(frame) for frame in utterance])  # (T, 9)
print("utterance:", utterance.shape, "-> probabilities per step:", step_probs.shape)

fig, ax = plt.subplots(figsize=(9, 4))
steps = np.arange(1, len(utterance) + 1)
for k, name in enumerate(class_names):
    is_true = k == true_speaker
    ax.plot(
        steps,
        step_probs[:, k],
        marker="o" if is_true else None,
        linewidth=3 if is_true else 1,
        alpha=1.0 if is_true else 0.6,
        label=f"{name} (true)" if is_true else str(name),
    )
ax.xaxis.set_major_locator(MaxNLocator(integer=True))
ax.set_xlabel("frames heard so far")
ax.set_ylabel("probability")
ax.set_ylim(0, 1.02)
ax.set_title(f"Streaming prediction of test utterance {index}")
ax.legend(title="speaker", loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
plt.show()

# %% [markdown]
# La línea gruesa es el locutor verdadero. Al principio, con uno o dos
# pasos, la red apenas sabe nada y reparte la probabilidad; a medida que
# llegan muestras la decisión se va formando, y muchas veces está clara
# bastante antes del final de la vocal. (Con la red del modo rápido las
# curvas son casi planas: no ha aprendido casi nada).
#
# ¿Es esto lo mismo que haría `model.predict`? Debería: después del paso
# $t$, la salida tiene que ser igual a la de `model.predict` sobre los
# $t$ primeros pasos. Lo comprobamos para el último paso y para **todos**
# los prefijos a la vez (rellenados con ceros, que la máscara ignora):

# %%
final_keras = model.predict(utterance[None], verbose=0)[0]
print(f"last step: max |streaming - predict| = {np.abs(step_probs[-1] - final_keras).max():.1e}")

prefixes = lstm_apps.pad_sequences([utterance[: t + 1] for t in range(len(utterance))])
prefix_keras = model.predict(prefixes, verbose=0)  # (T, 9): one row per prefix
print(f"every step: max |streaming - predict| = {np.abs(step_probs - prefix_keras).max():.1e}")

# %% [markdown]
# ### Varios flujos a la vez
#
# Un servidor puede atender muchos sensores (o muchos usuarios) a la vez.
# Con `num_streams=8`, `step` recibe una matriz `(8, 12)`, una fila por
# flujo, y cada flujo tiene su propio estado. `run(x)` es un atajo para
# pruebas: recorre un lote rellenado `(N, T, F)` entero, paso a paso, desde
# un estado limpio, y devuelve `(N, T, salidas)`.
#
# Un detalle importante: un paso cuyas características son todas cero (el
# valor de relleno) cuenta como relleno, igual que en `predict`: el estado
# no cambia y se repite la última salida. Por eso, al final del lote, cada
# flujo conserva la predicción de su último paso real.

# %%
NUM_STREAMS = 8
batch = lstm_apps.pad_sequences(x_test[:NUM_STREAMS])
multi = lstm_apps.StreamingPredictor(model, num_streams=NUM_STREAMS)
streamed = multi.run(batch)  # (8, T, 9)
batch_keras = model.predict(batch, verbose=0)
print("batch:", batch.shape, "-> streamed outputs:", streamed.shape)
print(f"final step: max |streaming - predict| = {np.abs(streamed[:, -1] - batch_keras).max():.1e}")

# %% [markdown]
# Ahora, algo que `predict` no sabe hacer: los flujos empiezan y terminan
# cuando quieren. Avanzamos los 8 flujos 5 pasos; entonces, en el canal 3,
# **empieza a hablar otra persona** (el enunciado de prueba número 8). Con
# `reset([3])` borramos solo el estado de ese flujo y seguimos: el canal 3
# recibe la vocal nueva desde su primer paso, y los demás continúan con la
# suya (o reciben ceros, es decir, relleno, cuando ya han terminado).

# %%
CHANNEL, SWITCH_AT = 3, 5
new_utterance = x_test[NUM_STREAMS]

multi.reset()
for t in range(SWITCH_AT):
    multi.step(batch[:, t])
multi.reset([CHANNEL])
h_norms = np.linalg.norm(multi.states[0], axis=1)
print("norm of h per stream after reset([3]):", np.round(h_norms, 2))

remaining = max(batch.shape[1] - SWITCH_AT, len(new_utterance))
for t in range(remaining):
    x_t = np.zeros((NUM_STREAMS, batch.shape[2]), dtype="float32")  # zeros = padding
    if SWITCH_AT + t < batch.shape[1]:
        x_t[:] = batch[:, SWITCH_AT + t]
    x_t[CHANNEL] = new_utterance[t] if t < len(new_utterance) else 0.0
    y_t = multi.step(x_t)

expected = batch_keras.copy()
expected[CHANNEL] = model.predict(new_utterance[None], verbose=0)[0]
print(f"all channels: max |streaming - predict| = {np.abs(y_t - expected).max():.1e}")
print(
    f"channel {CHANNEL}: predicted {class_names[y_t[CHANNEL].argmax()]}, "
    f"true {class_names[int(y_test[NUM_STREAMS])]}"
)

# %% [markdown]
# La norma de $h$ es cero solo en el canal 3: los demás conservan lo que
# llevaban oído. Al final, cada canal coincide con `model.predict` sobre
# **su** enunciado, y el canal 3 sobre el enunciado nuevo, sin rastro del
# anterior.
#
# ### Modelos que no se pueden transmitir
#
# No toda red recurrente admite una predicción por muestra. Una **LSTM
# bidireccional** lee la secuencia también de atrás hacia delante: su salida
# en el paso $t$ depende de pasos que todavía no han llegado. Lo mismo pasa
# con `cnn_lstm`, cuyas convoluciones miran a ambos lados de cada paso.
# `StreamingPredictor` los rechaza con un error que explica por qué:

# %%
bilstm = lstm_apps.build_model("bilstm", num_features=12, num_outputs=9)
try:
    lstm_apps.StreamingPredictor(bilstm)
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 5. ¿Cuánto tarda un paso?
#
# Para un sensor en tiempo real lo que importa es la **latencia**: el tiempo
# entre que llega una muestra y tenemos su predicción. Medimos la mediana del
# tiempo de un `step` con los dos motores de `StreamingPredictor`
# (onnxruntime y TensorFlow) y, para comparar, el de `model.predict` sobre un
# solo paso. Ojo: esto último ni siquiera sería correcto, porque `predict`
# no guarda el estado entre llamadas; solo sirve como referencia de cuánto
# cuesta poner en marcha Keras para cada muestra.


# %%
def time_ms(call, inputs, repeats):
    """Median and 90th percentile, in ms, of `call(x)` over `repeats` inputs."""
    for x in inputs[:5]:  # warm-up
        call(x)
    times = []
    for i in range(repeats):
        x = inputs[i % len(inputs)]
        start = time.perf_counter()
        call(x)
        times.append(time.perf_counter() - start)
    return 1e3 * np.median(times), 1e3 * np.percentile(times, 90)


frames = np.concatenate(x_test).astype("float32")  # real frames, one after another
methods = {
    "StreamingPredictor (onnxruntime)": (streamer.step, LATENCY_STEPS),  # from section 4
    "StreamingPredictor (tensorflow)": (
        lstm_apps.StreamingPredictor(model, backend="tensorflow").step,
        LATENCY_STEPS,
    ),
    "model.predict on one step": (
        lambda x: model.predict(x[None, None], verbose=0),
        PREDICT_CALLS,
    ),
}
rows = []
for method, (call, repeats) in methods.items():
    median, p90 = time_ms(call, frames, repeats)
    rows.append({"method": method, "calls": repeats, "median ms": median, "p90 ms": p90})
latency = pd.DataFrame(rows).set_index("method")
latency["x onnxruntime"] = latency["median ms"] / latency["median ms"].iloc[0]
latency.round(3)

# %% [markdown]
# Las cifras de un cuaderno son **ruidosas**: dependen de qué más esté
# haciendo la máquina en ese momento, y aquí medimos pocas llamadas. Las de
# referencia están en el README (sección *Deployment*), medidas con
# `benchmarks/streaming_latency.py` en una CPU de dos núcleos, con una
# LSTM de 128 unidades: unos **0,03 ms** por paso con onnxruntime, unos
# **0,6 ms** con TensorFlow y unos **65 ms** con `model.predict`. La
# diferencia entre los dos motores no está en las cuentas de la LSTM, que
# son pocas, sino en el coste fijo de cada llamada: TensorFlow tarda unos
# 0,3 ms solo en despachar una función, haga lo que haga, y `model.predict`
# además prepara un conjunto de datos y un bucle cada vez. Con una muestra
# cada 10 ms, onnxruntime deja casi todo el tiempo libre; `model.predict` ni
# siquiera llegaría a tiempo.
#
# ## 6. La ficha del modelo
#
# Un modelo desplegado necesita documentación: qué hace, con qué datos se
# entrenó, qué precisión tiene y cómo reproducirla. Una **ficha del modelo**
# (*model card*) lo reúne en una página. `write_card(run_dir)` la escribe en
# `MODEL_CARD.md` dentro de la carpeta de ejecución, a partir de lo que
# `run_case_study` guardó allí (y de `exports.json`, con las exportaciones de
# la sección 2). Es un archivo Markdown, así que podemos mostrarlo aquí
# tal cual. Solo quitamos la sección de figuras: sus imágenes están en
# `figures/`, dentro de la carpeta de ejecución, y desde este cuaderno no se
# verían. La configuración aparece plegada: pulsa en *Configuration* para
# verla, con la marca *changed* en lo que difiere de la configuración por
# defecto.

# %%
card_path = write_card(run_dir)
card = card_path.read_text(encoding="utf-8")
print(f"{card_path} ({len(card.splitlines())} lines)")
sections = card.split("\n## ")
shown = [part for part in sections if not part.startswith("Figures")]
display(Markdown("\n## ".join(shown)))

# %% [markdown]
# Fíjate en tres cosas de la ficha: la sección *Metrics* trae, además de las
# cifras, la orden exacta `lstm-apps run ... --set ...` que las reproduce;
# *Training* dice cuánto tardó el entrenamiento, cuánta memoria usó y con
# qué versiones del software; y *Exports* recoge las tres exportaciones de
# la sección 2 con su diferencia frente a Keras.
#
# La ficha incluye también la arquitectura como tabla, una fila por capa, con el
# tamaño de las activaciones y los parámetros que se aprenden (como
# `analyzeNetwork` de MATLAB). `layer_table(model)` devuelve esa misma tabla
# como un `DataFrame`; la columna `fixed` cuenta los pesos que no se
# entrenan, como la media y la desviación de la capa de normalización:

# %%
layer_table(model)

# %% [markdown]
# ## Resumen
#
# - **Exportar** es convertir y, sobre todo, **comprobar**: `lstm_apps.export`
#   vuelve a cargar el archivo en su propio motor y solo lo escribe si
#   reproduce a Keras dentro de la tolerancia ($10^{-5}$). Las diferencias
#   que vimos son del orden del redondeo de `float32`.
# - **SavedModel** sirve para TensorFlow Serving; **ONNX**, para casi
#   cualquier lenguaje y motor; **LiteRT**, para móviles y dispositivos
#   pequeños, pero necesita una longitud fija (`timesteps`) y rellenar las
#   secuencias más cortas.
# - Una red recurrente unidireccional puede dar **una predicción por
#   muestra** si se guarda su estado entre pasos: `StreamingPredictor` lo
#   hace, da lo mismo que `model.predict` sobre el prefijo, atiende muchos
#   flujos a la vez y reinicia cada uno por separado. Las redes
#   bidireccionales y las convolucionales "same" no pueden.
# - El motor importa: un paso con onnxruntime cuesta centésimas de
#   milisegundo; llamar a `model.predict` por cada muestra, decenas de
#   milisegundos.
# - La **ficha del modelo** deja escrito qué es el modelo, cómo se entrenó y
#   cómo reproducirlo.
#
# Lo mismo desde la línea de órdenes, sobre una carpeta de ejecución creada
# con `lstm-apps run`:
#
# ```bash
# lstm-apps export RUN_DIR --format onnx                   # -> RUN_DIR/model.onnx
# lstm-apps export RUN_DIR --format litert --timesteps 29  # -> RUN_DIR/model.tflite
# lstm-apps card RUN_DIR                                   # -> RUN_DIR/MODEL_CARD.md
# ```
#
# `lstm-apps export` anota además cada exportación en `RUN_DIR/exports.json`,
# y la ficha la recoge.
#
# ## Qué probar después
#
# - Exporta con `timesteps=TIMESTEPS, batch_size=8` a LiteRT y comprueba con
#   `runtime` que el archivo acepta cualquier número de secuencias.
# - Con `streamer.step_onnx()` obtienes el propio paso como modelo ONNX, con
#   los estados como entradas y salidas: es lo que se llevaría a un
#   dispositivo que guarda su propio estado.
# - Repite la medida de latencia con `num_streams=64`: ¿cuánto cuesta cada
#   flujo cuando van juntos?
# - Prueba `lstm_apps.StreamingPredictor(model, backend="tensorflow",
#   jit_compile=True)`, que compila el paso con XLA.
