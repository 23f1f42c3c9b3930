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
# # 11 · La actividad en cada instante: clasificación secuencia a secuencia
#
# En el cuaderno 01 la red leía una secuencia entera y devolvía **una sola
# etiqueta** (el esquema *N a 1*). Aquí cambia la pregunta: queremos saber
# **qué está haciendo una persona en cada instante** de una grabación larga.
# La red lee la señal y devuelve **una etiqueta por paso de tiempo** (el
# esquema *N a N*, o secuencia a secuencia): la salida tiene tantos pasos
# como la entrada.
#
# ```
# cuaderno 01:  x_1 x_2 ... x_T  ->  y              (una etiqueta por secuencia)
# este:         x_1 x_2 ... x_T  ->  y_1 y_2 ... y_T  (una etiqueta por muestra)
# ```
#
# ### Los datos: HAPT
#
# Usamos las grabaciones del conjunto *Smartphone-Based Recognition of Human
# Activities and Postural Transitions* (HAPT) del repositorio UCI
# (Reyes-Ortiz et al., 2016), la versión continua del conocido UCI HAR:
#
# - **61 grabaciones** de **30 personas**, cada una con un teléfono sujeto a la
#   cintura, muestreadas a **50 Hz**;
# - **6 canales**: la aceleración en los tres ejes, en unidades de *g* y con la
#   gravedad incluida (`acc-x`, `acc-y`, `acc-z`), y la velocidad angular del
#   giróscopo en rad/s (`gyro-x`, `gyro-y`, `gyro-z`);
# - **12 etiquetas**: 6 actividades básicas (caminar, subir escaleras, bajar
#   escaleras, sentado, de pie, tumbado) y 6 **transiciones posturales**
#   (de pie a sentado, de sentado a de pie, de sentado a tumbado, etc.), que
#   duran unos pocos segundos;
# - **-1** en las muestras que nadie etiquetó: los ratos entre una actividad y
#   la siguiente que no se asignaron a ningún segmento.
#
# El plan del cuaderno:
#
# 1. mirar los datos y el reparto por personas;
# 2. ver qué se hace con las muestras sin etiqueta;
# 3. la red: de 50 Hz a 10 Hz, una pila recurrente y de vuelta a 50 Hz;
# 4. entrenar, evaluar y mirar los errores;
# 5. la tarea clásica de HAR con ventanas de 2,56 s;
# 6. predecir sobre datos nuevos.

# %%
import os
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

from lstm_apps.data import hapt
from lstm_apps.evaluation import probabilities_to_labels
from lstm_apps.tasks import activity
from lstm_apps.tasks.activity import plots as activity_plots

# %% [markdown]
# ## Parámetros
#
# La configuración está en `activity.Config`; los ajustes del entrenamiento
# (épocas, minilotes, tasa de aprendizaje, paciencia, semilla...) van juntos
# en su sección `training`. Con la variable de entorno
# `LSTM_APPS_FAST=1` se usa `Config.fast()`: una BiLSTM de 16 unidades, dos
# épocas y como mucho las 4 primeras grabaciones de cada parte
# (entrenamiento, validación y prueba). Entrena en unos segundos y sirve para comprobar que el
# cuaderno funciona de principio a fin; **sus cifras no dicen nada del
# método**. Sin esa variable se entrena el caso completo (una BiLSTM de 64
# unidades por sentido, hasta 30 épocas con parada temprana), que en una CPU
# de dos núcleos tarda unos minutos.
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = activity.Config.fast(training=dict(verbose=0)) if FAST else activity.Config()
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_11_"))
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. Las grabaciones
#
# `hapt.load_recordings` devuelve las 61 grabaciones tal cual: una matriz
# `(T, 6)` de señales y un vector `(T,)` de etiquetas por grabación, con los
# códigos originales (1-12, y -1 sin etiqueta), y la persona de cada una. La
# tabla cuenta las muestras de cada etiqueta en todo el conjunto.

# %%
recordings = hapt.load_recordings()
lengths = np.array([len(s) for s in recordings.signals])
print(f"{len(recordings)} recordings of {len(np.unique(recordings.users))} people, "
      f"{lengths.sum() / hapt.SAMPLE_RATE / 3600:.1f} hours; "
      f"a recording lasts {lengths.min() / hapt.SAMPLE_RATE / 60:.1f} to "
      f"{lengths.max() / hapt.SAMPLE_RATE / 60:.1f} minutes")  # fmt: skip
codes, counts = np.unique(np.concatenate(recordings.labels), return_counts=True)
pd.DataFrame(
    {
        "label": ["(unlabelled)" if c < 0 else hapt.ACTIVITIES[c - 1] for c in codes],
        "samples": counts,
        "minutes": (counts / hapt.SAMPLE_RATE / 60).round(1),
        "share": (counts / counts.sum()).round(3),
    },
    index=pd.Index(codes, name="code"),
)

# %% [markdown]
# Las actividades básicas ocupan casi todo el tiempo etiquetado; las seis
# transiciones juntas son menos del 10 % de las muestras etiquetadas, y más
# de una cuarta parte de las muestras no tiene etiqueta.
#
# `activity.load_data` prepara las grabaciones para la red: cada etiqueta
# pasa a un código de clase 0-11 (el -1 se queda como está) y las grabaciones
# se reparten por persona, como se explica en la sección siguiente. Veamos la
# primera grabación de entrenamiento: la aceleración, el giróscopo y la
# actividad etiquetada a lo largo del tiempo (los huecos de la línea negra
# son las muestras sin etiqueta).

# %%
data = activity.load_data(config)
names = data.class_names
signals, labels = data.x_train[0], data.y_train[0]
seconds = np.arange(len(signals)) / hapt.SAMPLE_RATE

fig, axes = plt.subplots(3, 1, figsize=(12, 7), sharex=True, height_ratios=[2, 2, 3])
for k in range(6):
    axes[k // 3].plot(seconds, signals[:, k], linewidth=0.5, label=hapt.CHANNELS[k])
axes[0].set_ylabel("acceleration (g)")
axes[1].set_ylabel("angular velocity (rad/s)")
for ax in axes[:2]:
    ax.legend(loc="upper right", ncol=3, fontsize=8)
axes[2].plot(seconds, np.where(labels >= 0, labels, np.nan), color="black", linewidth=2)
axes[2].set_yticks(range(len(names)), names, fontsize=7)
axes[2].set_xlabel("time (s)")
axes[2].set_title("labelled activity (gaps: unlabelled samples)", fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# Se reconocen las fases a simple vista: al caminar, la aceleración oscila
# con cada paso; en reposo, las señales quedan casi planas y lo único que
# distingue una postura de otra es **hacia dónde apunta la gravedad** en los
# ejes del teléfono. Tumbado, la gravedad cambia de eje; sentado y de pie,
# el teléfono queda casi igual de vertical, y esa diferencia tan pequeña
# será la confusión clásica de este problema. Las transiciones son los
# picos breves entre dos posturas.

# %% [markdown]
# ## 2. El reparto por personas
#
# Un modelo de actividad se usará con personas que no estaban en los datos
# de entrenamiento, cada una con su forma de andar, su altura y su manera
# de llevar el teléfono. Si repartiéramos muestras o ventanas al azar, el
# entrenamiento y la prueba compartirían personas (incluso trozos contiguos
# de la misma grabación) y la cifra de prueba mediría sobre todo cuánto
# recuerda la red a esas personas, no cuánto generaliza.
#
# Por eso el reparto es **por persona**, el mismo que el de UCI HAR: las
# personas **2, 4, 9, 10, 12, 13, 18, 20 y 24** forman la prueba
# (`Config.test_subjects`). De las demás, unas pocas elegidas con la semilla
# (`validation_subjects`, 3 en el caso completo; la semilla es
# `training.seed`) se apartan para la
# validación, que decide cuándo parar de entrenar. Ninguna persona está en
# dos partes.

# %%
print("test subjects:      ", data.test_subjects)
print("validation subjects:", data.validation_subjects)
print("recordings per split:", data.sizes())

# %% [markdown]
# En la variante rápida `max_recordings` se queda con, como mucho, las 4
# primeras grabaciones de cada parte; el caso completo usa todas (19 de prueba, de las
# 9 personas de prueba).

# %% [markdown]
# ## 3. Las muestras sin etiqueta
#
# Las muestras con -1 no se recortan: son parte de la señal continua, y la
# red tiene que leerlas para llegar a las siguientes con el estado correcto.
# Lo que no hacen es **contar**. Cuando `lstm_apps.training` encuentra
# etiquetas -1 por paso, sustituye cada -1 por una clase cualquiera y le da
# **peso 0** (*sample weight*) en la pérdida; las métricas de Keras se
# compilan como métricas ponderadas (`weighted_metrics`), así que la
# exactitud que se ve durante el entrenamiento tampoco cuenta esas muestras.
# La evaluación final (`activity.evaluate`) las deja fuera igual.
#
# Un detalle: Keras promedia la pérdida sobre todos los pasos del lote,
# también los de peso 0, así que su valor absoluto baja cuando hay muchas
# muestras sin etiqueta; la exactitud, en cambio, solo cuenta las etiquetadas.
#
# La proporción de muestras que sí puntúan en cada parte:

# %%
pd.Series(
    {
        split: float(np.mean(np.concatenate(y) >= 0))
        for split, y in (("train", data.y_train), ("validation", data.y_val), ("test", data.y_test))
    },
    name="labelled share",
).round(3).to_frame()

# %% [markdown]
# ## 4. La red
#
# `activity.build_network` (que `activity.build_model` llama con los valores
# de `Config`) encadena:
#
# 1. **Normalización** (`SequenceNormalization`, *z-score*): resta la media y
#    divide por la desviación de cada canal, con estadísticas calculadas en
#    el entrenamiento y guardadas dentro del modelo.
# 2. **`AveragePooling1D(downsample)`**: promedia bloques de 5 muestras y
#    baja de 50 Hz a **10 Hz**. Una actividad no cambia en una décima de
#    segundo, y la red recurrente recorre así cinco veces menos pasos, lo que
#    abarata el entrenamiento y acorta el camino del gradiente.
# 3. **Una pila recurrente** que devuelve la secuencia entera (por defecto una
#    BiLSTM de 64 unidades por sentido, con *dropout* 0,2).
# 4. **`RepeatSteps`**: mantiene cada salida durante 5 muestras y vuelve a
#    50 Hz, con exactamente tantos pasos como la entrada.
# 5. **Una capa densa con *softmax* en cada muestra**: 12 probabilidades por
#    paso de tiempo.

# %%
model = activity.build_model(config, data)
model.summary()
probabilities = model(signals[None, :1000])
print("input (1, 1000, 6) -> output", tuple(probabilities.shape))

# %% [markdown]
# La dimensión de tiempo es `None`: la misma red acepta trozos de 10 s o
# grabaciones enteras de 10 minutos.
#
# ### Trozos para entrenar, grabaciones enteras para evaluar
#
# Para entrenar, `activity.train` corta cada grabación en **trozos
# solapados** de `chunk_seconds` segundos (20 s en el caso completo, con un
# 50 % de solape; los trozos sin ninguna muestra etiquetada se descartan), y
# la red lee cada trozo empezando desde un **estado cero**. Para evaluar y
# predecir, en cambio, `activity.predict_steps` pasa cada grabación **entera
# de una vez**, arrastrando el estado desde la primera muestra hasta la
# última.
#
# ¿Por qué no entrenar también con las grabaciones enteras? Porque todas
# siguen **el mismo guion**: la misma secuencia de actividades en el mismo
# orden: de pie, sentarse, sentado, levantarse, de pie, tumbarse, tumbado...,
# y al final caminar, bajar y subir escaleras. Con secuencias
# largas, la red podría aprender el guion («después de estar sentado viene
# levantarse») en lugar de reconocer los movimientos, y fallaría con
# cualquiera que hiciera las cosas en otro orden. Los trozos cortos, que
# empiezan desde cero, solo contienen una o dos actividades y no dejan
# aprender el orden. Con lotes de trozos del mismo tamaño, además, el
# entrenamiento es más rápido y cada época mezcla muchas personas.
#
# ### ¿Por qué bidireccional?
#
# Una BiLSTM lee la secuencia en los dos sentidos, así que la etiqueta de una
# muestra depende también de las muestras **posteriores**. Aquí está
# permitido porque el etiquetado es **fuera de línea**: se analiza una
# grabación ya terminada, y saber que la persona acaba sentada ayuda a
# reconocer el principio de la transición «de pie a sentado». Para un
# monitor **en vivo**, que tiene que decir qué pasa ahora sin esperar al
# futuro, usaríamos una red unidireccional
# (`Config(architecture="lstm")`), que a 10 Hz solo mira, como mucho, 4
# muestras (80 ms) por delante, las que faltan para cerrar su bloque de 5.

# %% [markdown]
# ## 5. Entrenamiento y evaluación
#
# `activity.train` construye una red nueva con la semilla de `config.training`,
# corta los trozos, la entrena con Adam y la detiene cuando la pérdida en las
# personas de validación deja de mejorar, con los pesos de su mejor época.

# %%
run = activity.train(config, data)
print("training chunks:", run.training_chunks)
history = pd.DataFrame(run.history)
history.index = history.index + 1
history.rename_axis("epoch").round(3)

# %% [markdown]
# `activity.evaluate(run)` pasa las grabaciones de prueba enteras por la red y
# compara la clase más probable de cada muestra con la etiquetada, dejando
# fuera las muestras sin etiqueta. Da dos familias de cifras:
#
# - `accuracy` y `macro_f1` sobre las **12 etiquetas**. El F1 macro es la
#   media del F1 de cada clase, así que las transiciones, aunque sean pocas
#   muestras, pesan tanto como caminar.
# - `basic_accuracy` y `basic_macro_f1` sobre las muestras cuya etiqueta
#   verdadera es una de las **6 actividades básicas**; si la red predice ahí
#   una transición, cuenta como error.
#
# Y, por clase, la sensibilidad (*recall*): qué parte de las muestras de esa
# actividad se reconoce.

# %%
metrics = activity.evaluate(run)
headline = ("accuracy", "macro_f1", "basic_accuracy", "basic_macro_f1")
display(pd.Series({k: metrics[k] for k in headline}, name="test").round(3).to_frame())
pd.DataFrame(
    {
        "recall": [metrics[f"recall_{n}"] for n in names],
        "precision": [metrics[f"precision_{n}"] for n in names],
        "kind": ["basic"] * hapt.BASIC + ["transition"] * (len(names) - hapt.BASIC),
    },
    index=pd.Index(names, name="activity"),
).round(3)

# %% [markdown]
# ## 6. Dónde se equivoca
#
# `activity.figures` dibuja las curvas de entrenamiento, la matriz de
# confusión (normalizada por filas: cada fila reparte las muestras de una
# actividad verdadera entre las predichas) y una grabación de prueba a lo
# largo del tiempo. Las guarda como PNG en la carpeta que se le da.

# %%
figure_paths = {p.stem: p for p in activity.figures(run, work_dir / "figures")}
display(Image(filename=figure_paths["confusion_matrix"]))

# %% [markdown]
# Qué mirar en la matriz, sobre todo con el caso completo:
#
# - **Sentado frente a de pie** es la confusión clásica de HAR. Con el
#   teléfono en la cintura, las dos posturas son quietas y dejan la gravedad
#   casi en el mismo eje; solo las separa una ligera inclinación del tronco,
#   que cambia de una persona a otra.
# - **Caminar, subir y bajar escaleras** se confunden algo entre sí: son el
#   mismo movimiento periódico con pequeñas diferencias de ritmo e
#   intensidad.
# - **Tumbado** suele ser la actividad más fácil: la gravedad cambia de eje.
# - **Las transiciones** son las filas más débiles. Duran pocos segundos,
#   tienen pocas muestras, y sus bordes son difusos: aunque la red detecte
#   que hay una transición, es fácil que no acierte las muestras exactas
#   donde empieza y acaba, y parte de ellas se las lleva la postura vecina.
#
# La grabación en el tiempo: arriba la aceleración, en medio la actividad
# etiquetada (negro) y la predicha (rojo), y abajo la probabilidad de cada
# clase en cada instante.

# %%
display(Image(filename=figure_paths["timeline"]))

# %% [markdown]
# Con una red bien entrenada la línea roja sigue a la negra en los tramos
# largos, y los errores se acumulan en los cambios de actividad: la
# predicción se adelanta o se retrasa algún segundo, o aparece un destello
# breve de otra clase. Como la red trabaja a 10 Hz, la predicción cambia como
# mucho cada 5 muestras. En las zonas sin etiqueta (huecos de la línea negra)
# la red también predice algo, normalmente la actividad vecina o una
# transición, pero esas muestras no puntúan.
#
# Si hiciera falta dibujar otra grabación, `activity_plots.timeline` recibe
# las señales, las etiquetas y las probabilidades que `activity.evaluate`
# deja en `run.predictions`, y `activity_plots.confusion` hace lo propio con
# la matriz.

# %% [markdown]
# ## 7. La tarea clásica: ventanas de 2,56 s
#
# El conjunto UCI HAR original no etiqueta muestras, sino **ventanas**: 128
# muestras (2,56 s) con un 50 % de solape, cortadas solo dentro de un tramo
# de una única actividad básica, y cada una se clasifica en una de las **6
# actividades básicas**. Es el esquema *N a 1* del cuaderno 01, con la misma
# tubería (`models.build_model` y `training.train`).
#
# `Config(task="windows")` activa esa variante. Las ventanas salen de las
# **mismas grabaciones** con `hapt.cut_windows`, de modo que el reparto por
# personas es el mismo.
#
# Una ayuda para esta tarea es `gravity_split=True`. El acelerómetro mide a
# la vez la **gravedad** y el **movimiento del cuerpo**. La capa
# `GravitySplit` toma como gravedad la media de la aceleración en la ventana
# y como movimiento la aceleración menos esa media, y le da a la red los dos
# por separado (9 canales en vez de 6). La gravedad dice cómo está
# orientado el teléfono, que es justo lo que distingue estar tumbado,
# sentado o de pie, tres actividades casi sin movimiento:

# %%
x_windows, y_windows, _, window_recording = hapt.cut_windows(recordings)
print("all windows:", x_windows.shape, "from", len(np.unique(window_recording)), "recordings")
print("windows per activity:", dict(zip(hapt.ACTIVITIES, np.bincount(y_windows)[1:].tolist())))
gravity = x_windows[:, :, :3].mean(axis=1)  # the window's mean acceleration, in g
pd.DataFrame(
    [gravity[y_windows == k + 1].mean(axis=0) for k in range(hapt.BASIC)],
    index=list(hapt.ACTIVITIES[: hapt.BASIC]),
    columns=["gravity x", "gravity y", "gravity z"],
).round(2)

# %% [markdown]
# Tumbado, la gravedad cae sobre otro eje, y entre sentado y de pie cambia
# la inclinación. Entrenamos la red de ventanas con esa separación:

# %%
if FAST:
    window_config = activity.Config.fast(
        task="windows", gravity_split=True, training=dict(verbose=0)
    )
else:
    window_config = activity.Config().replace(
        task="windows",
        architecture="cnn_lstm",
        dropout=0.3,
        input_noise=0.1,
        gravity_split=True,
        training=dict(validation_patience=6),
    )
window_data = activity.load_data(window_config)
print("windows per split:", window_data.sizes())
print("classes:", window_data.class_names)

# %%
window_run = activity.train(window_config, window_data)
window_metrics = activity.evaluate(window_run)
pd.DataFrame(
    {
        "windows (6 classes)": {k: window_metrics[k] for k in ("accuracy", "macro_f1")},
        "per sample, basic activities": {
            "accuracy": metrics["basic_accuracy"],
            "macro_f1": metrics["basic_macro_f1"],
        },
    }
).round(3)

# %% [markdown]
# Las dos columnas **no se comparan de igual a igual**. Las ventanas caen
# siempre dentro de una única actividad básica: no hay bordes, ni
# transiciones, ni la opción de responder «transición». La tarea por
# muestra, en cambio, puntúa también las muestras junto a los cambios de
# actividad y cuenta como error predecir una transición donde no la hay. Por
# eso cabe esperar que la cifra por ventanas sea la más alta de las dos
# aunque el problema de fondo sea el mismo: responde a una pregunta más
# fácil.
#
# La matriz de confusión de las ventanas, con el mismo dibujo de antes:

# %%
window_confusion = activity_plots.confusion(
    window_data.y_test,
    probabilities_to_labels(window_run.predictions, "softmax"),
    window_data.class_names,
    work_dir / "figures" / "windows_confusion_matrix.png",
)
display(Image(filename=window_confusion[0]))

# %% [markdown]
# ## 8. Predecir sobre datos nuevos
#
# Una grabación nueva es solo una matriz `(T, 6)` con los mismos canales y
# unidades, a 50 Hz. Hay dos funciones:
#
# - `activity.predict_steps(model, [recording])` devuelve, para cada
#   grabación, las probabilidades `(T, 12)` de cada muestra, en una sola
#   pasada.
# - `activity.predict(run, [recording])` devuelve la
#   actividad (y su probabilidad) en la **última** muestra de cada
#   grabación: lo que respondería un monitor que la ha leído hasta ahora.
#
# Tomamos como «nueva» una grabación de prueba, de una persona que la red no
# vio al entrenar.

# %%
recording = data.x_test[0]
step_probabilities = activity.predict_steps(run.model, [recording])[0]
print("recording", recording.shape, "-> probabilities", step_probabilities.shape)

every = 30 * hapt.SAMPLE_RATE  # one row every 30 s
ends = np.arange(every, len(recording) + 1, every)[:8]
latest = activity.predict(run, [recording[:end] for end in ends])
pd.DataFrame(
    {
        "true": [names[c] if c >= 0 else "(unlabelled)" for c in data.y_test[0][ends - 1]],
        "whole recording": [names[c] for c in step_probabilities[ends - 1].argmax(-1)],
        "recording up to t": [label for label, _ in latest],
        "probability": [p for _, p in latest],
    },
    index=pd.Index(ends / hapt.SAMPLE_RATE, name="t (s)"),
).round(3)

# %% [markdown]
# Las dos columnas de predicción pueden diferir. «whole recording» es la
# etiqueta de la muestra `t` cuando la BiLSTM ha leído la grabación entera,
# con el futuro incluido; «recording up to t» es lo que responde
# `activity.predict` con la grabación cortada en `t`, donde el sentido hacia
# atrás apenas ha visto nada. Es la razón práctica para usar una red
# unidireccional en un monitor en vivo: con ella las dos columnas
# coincidirían (salvo el último bloque de 5 muestras).
#
# ### Desde la terminal
#
# La orden `lstm-apps` hace lo mismo. `run` entrena, evalúa y guarda una
# carpeta con la configuración, las métricas, el modelo `.keras` y las
# figuras; `predict` carga el modelo de esa carpeta y da la actividad en la
# última muestra de cada grabación:
#
# ```bash
# lstm-apps run activity                       # per-sample labels (the default)
# lstm-apps run activity --set task=windows    # the 2.56 s windows
# lstm-apps run activity --set architecture=lstm   # unidirectional, for live use
# lstm-apps predict RUN_DIR grabacion.npy
# ```
#
# `grabacion.npy` es una matriz `(T, 6)` guardada con `np.save` (una
# grabación) o `(n, T, 6)` (varias de la misma longitud); también vale un CSV
# con seis columnas. `RUN_DIR` es la carpeta que `lstm-apps run` indica al
# terminar, y `--fast` ejecuta la variante rápida.

# %% [markdown]
# ## 9. Resultados medidos
#
# Las cifras de este cuaderno, en la variante rápida, solo comprueban que
# todo funciona: dos épocas con 4 grabaciones no dicen nada del método.
# Las medidas de verdad salen del banco de pruebas
#
# ```bash
# python benchmarks/activity.py
# ```
#
# que entrena, con **5 semillas**, la red por muestra en tres variantes (la
# LSTM de una capa de 100 unidades del curso, una pila de dos LSTM y la
# BiLSTM de 64 unidades por defecto) y la tarea de ventanas con una LSTM, con
# una BiLSTM y con la CNN-LSTM con y sin `GravitySplit`, siempre con el
# reparto por personas de UCI HAR. La tabla del README recoge la media y la
# dispersión de cada variante. En ventanas, la CNN-LSTM con la gravedad
# separada llegó a **0,924 ± 0,004** de exactitud (5 semillas, unos 37 s
# por semilla), frente a 0,915 ± 0,008 con los 6 canales en bruto.
#
# Como referencia, una ejecución completa de la configuración por defecto
# (BiLSTM 64, semilla 0) alcanzó una `basic_accuracy` de **0,938** y una
# exactitud de **0,927** sobre las 12 etiquetas en las personas de prueba,
# tras **134 s** de entrenamiento en una CPU de dos núcleos.
