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
# # 16 · Reconocimiento de voz: dígitos hablados, uno a uno y encadenados (CTC)
#
# El habla fue una de las aplicaciones que hicieron famosas a las LSTM. Las
# LSTM bidireccionales profundas de Graves, Mohamed y Hinton (2013) marcaron
# un récord en el corpus TIMIT, y poco después los reconocedores comerciales
# (la búsqueda por voz de Google, en 2015) pasaron a usar LSTM entrenadas con
# **CTC**, la pérdida que veremos en la sección 4. La razón es la misma de
# todo el curso, pero aquí se ve muy clara: la voz es una secuencia **larga**
# en la que lo que importa está repartido en el tiempo. Una trama de 25 ms
# no dice qué palabra se pronuncia; hace falta juntar decenas de tramas (un
# dígito de estas grabaciones dura unos 0,4 segundos, unas 40 tramas de
# 10 ms), en orden, y recordar lo que ya se ha oído. Es una **dependencia temporal de largo
# alcance**, lo que una LSTM sabe guardar en su estado.
#
# En el cuaderno 01 la red leía secuencias de 12 coeficientes ya calculados
# por otros. Aquí la red lee el **sonido tal cual**: las muestras de la onda,
# 8000 por segundo. Veremos dos esquemas:
#
# - **N a 1**: una grabación, un dígito. La red lee todas las tramas y da una
#   clase, como en el cuaderno 01.
# - **N a M**: una grabación con **varios dígitos seguidos** («3 1 4 1 5»).
#   Entran N tramas y salen M dígitos, con M mucho menor que N y sin saber
#   dónde empieza ni dónde acaba cada uno. Lo resuelve la pérdida CTC.
#
# ### Los datos: Free Spoken Digit Dataset
#
# El *Free Spoken Digit Dataset* (FSDD; Jackson et al., licencia CC BY-SA
# 4.0) tiene **3.000 grabaciones** de los dígitos del 0 al 9 dichos en
# inglés, a **8 kHz**, por **6 hablantes**: 50 grabaciones de cada dígito por
# hablante. Cada archivo se llama `{dígito}_{hablante}_{número}.wav`. Hay dos
# formas de separar la prueba (`protocol`):
#
# - **oficial** (`"official"`, la de la documentación del conjunto): las
#   grabaciones con número 0 a 4 de cada dígito y hablante son la prueba
#   (300) y el resto el entrenamiento. La red oye en la prueba **voces que ya
#   conoce**;
# - **dejar fuera un hablante** (`"speaker"`): todas las grabaciones de un
#   hablante (`test_speaker`) son la prueba, y su voz no suena nunca en el
#   entrenamiento. Es la pregunta más dura: ¿reconoce la red a alguien nuevo?
#
# El plan:
#
# 1. los datos: escuchar y mirar una grabación;
# 2. los rasgos dentro del modelo: el espectrograma log-mel, la normalización
#    y el aumento de datos;
# 3. dígitos aislados (N a 1), frente a una línea base sencilla;
# 4. dígitos encadenados con CTC (N a M);
# 5. reconocimiento en flujo, 10 ms cada vez;
# 6. las cifras medidas.

# %%
import os
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Audio, Image, display

from lstm_apps.models.layers import LogMelSpectrogram, WaveAugment
from lstm_apps.tasks import speech
from lstm_apps.tasks.speech import ctc
from lstm_apps.tasks.speech.streaming import DigitStreamer
from lstm_apps.tasks.speech.utterances import long_recording

# %% [markdown]
# ## Parámetros
#
# La configuración está en `speech.Config`; lo que toca al entrenamiento, en
# su sección `training` (un `TrainingConfig`, como en todos los casos). Por
# defecto: dígitos aislados, reparto oficial, una BiLSTM de 128 unidades por
# sentido y hasta 60 épocas con parada temprana.
#
# Con la variable de entorno `LSTM_APPS_FAST=1` se usa `Config.fast()`: 300
# grabaciones de entrenamiento (una décima parte para validación) y 33 de
# prueba, redes de 16 unidades y dos épocas; en la parte encadenada, 120
# enunciados de entrenamiento, 30 de validación y 40 de prueba. Sirve para
# comprobar que el cuaderno funciona de principio a fin en unos segundos;
# **sus cifras no dicen nada del método**. Sin esa variable se entrena el
# caso completo, que en una CPU tarda bastante (sobre todo la parte
# encadenada). Para una prueba intermedia basta con bajar las épocas, las
# grabaciones o los enunciados con `config.replace(...)`, por ejemplo
# `config.replace(max_recordings=1000, training=dict(max_epochs=10))`, o
# poner un tope de tiempo con `training=dict(time_budget=600)` (segundos).
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
quiet = dict(training=dict(verbose=0))
config = speech.Config.fast(**quiet) if FAST else speech.Config().replace(**quiet)
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_16_"))
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. Los datos
#
# `speech.load_data` busca las grabaciones (en `LSTM_APPS_DATA_DIR/fsdd`, en
# la caché o descargando el archivo oficial, comprobado por su huella
# sha256), las reparte según `protocol`, aparta una décima parte del
# entrenamiento para validación (la misma proporción de cada dígito) y lee
# cada archivo a `sample_rate` muestras por segundo. Cada grabación es un
# array `(muestras, 1)` de valores entre -1 y 1; las etiquetas son los
# dígitos, y `speakers_*` dice quién habla en cada una.

# %%
data = speech.load_data(config)
print("recordings per split:", data.sizes())
print("source:", data.source)
print("sample rate:", data.sample_rate, "Hz")
seconds = np.array([len(w) for w in data.x_train]) / data.sample_rate
print(f"duration: {seconds.min():.2f} to {seconds.max():.2f} s (median {np.median(seconds):.2f} s)")
pd.DataFrame(
    {
        "train": pd.Series(data.speakers_train).value_counts(),
        "test": pd.Series(data.speakers_test).value_counts(),
    }
).rename_axis("speaker")

# %% [markdown]
# Las grabaciones no duran lo mismo: igual que en el cuaderno 01, la red
# tendrá que leer secuencias de longitud variable.
#
# ### Escuchar y mirar una grabación
#
# Tomamos la primera grabación de entrenamiento. El reproductor permite
# oírla.

# %%
wave = data.x_train[0]
said, speaker = data.class_names[data.y_train[0]], data.speakers_train[0]
duration = len(wave) / data.sample_rate
print(f"digit {said}, said by {speaker}: {len(wave)} samples = {duration:.2f} s")
display(Audio(wave[:, 0], rate=data.sample_rate))

# %% [markdown]
# La onda son 8000 números por segundo: la presión del aire, muestra a
# muestra. Tal cual es difícil de leer, para una persona y para una red.
# Lo que distingue un «seven» de un «six» está en **qué frecuencias** suenan
# y cómo cambian. Por eso la red no lee la onda directamente, sino su
# **espectrograma log-mel**, que calcula la capa `LogMelSpectrogram`, la
# misma que va dentro del modelo:
#
# 1. **Tramas.** La onda se corta en ventanas de **25 ms** (200 muestras a
#    8 kHz) que empiezan cada **10 ms** (80 muestras); se solapan, para no
#    perder lo que cae en un borde. En 25 ms la voz casi no cambia, así que
#    cada trama tiene un espectro bien definido. Una grabación de `n`
#    muestras da `1 + (n - 200) // 80` tramas: unas 100 por segundo.
# 2. **Espectro.** A cada trama se le aplica una ventana de Hann y la
#    transformada de Fourier (256 puntos); nos quedamos con la **potencia**
#    de cada frecuencia, de 0 a 4000 Hz (la mitad de la frecuencia de
#    muestreo).
# 3. **Escala mel.** El oído distingue bien 100 Hz de 200 Hz, pero apenas
#    3100 Hz de 3200 Hz. La escala mel imita eso: la potencia se suma en
#    **40 bandas triangulares**, estrechas en los graves y anchas en los
#    agudos (`num_mel_bins`).
# 4. **Logaritmo.** La sonoridad que percibimos crece con el logaritmo de la
#    potencia, y el logaritmo convierte una ganancia (hablar más fuerte, un
#    micrófono más cerca) en una simple suma: `log(mel + 1e-6)`.
#
# El resultado es una secuencia de **tramas de 40 números**, una cada 10 ms:
# exactamente lo que lee la LSTM.

# %%
frontend = LogMelSpectrogram(sample_rate=config.sample_rate, num_mel_bins=config.num_mel_bins)
features = keras.ops.convert_to_numpy(frontend(wave[None]))[0]  # (frames, 40)
print("waveform:", wave.shape, "-> log-mel:", features.shape)
print("frames expected:", frontend.num_frames(len(wave)))

fig, axes = plt.subplots(3, 1, figsize=(9, 7.5), gridspec_kw=dict(height_ratios=[1, 1, 1.4]))
axes[0].plot(np.arange(len(wave)) / data.sample_rate, wave[:, 0], lw=0.5, color="0.3")
axes[0].set_xlim(0, duration)
axes[0].set_xlabel("seconds")
axes[0].set_title(f"Waveform: digit {said} ({speaker})", fontsize=10)
hertz = np.linspace(0, data.sample_rate / 2, frontend.mel_matrix.shape[0])
axes[1].plot(hertz, frontend.mel_matrix, lw=0.8)
axes[1].set_xlabel("frequency (Hz)")
axes[1].set_title(f"The {frontend.num_mel_bins} mel filters: narrow at low pitch", fontsize=10)
extent = (0, duration, 0, features.shape[1])
axes[2].imshow(features.T, origin="lower", aspect="auto", cmap="magma", extent=extent)
axes[2].set_xlabel("seconds (one frame every 10 ms)")
axes[2].set_ylabel("mel band")
axes[2].set_title("Log-mel spectrogram: what the LSTM reads", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# En el espectrograma se ve cuándo hay voz (colores claros) y cuándo
# silencio, y las **formantes**: las franjas de energía que dibujan las
# vocales y que cambian de una a otra. Esa forma, a lo largo de unas decenas
# de tramas, es la que la red aprende a reconocer.
#
# ## 2. Los rasgos, dentro del modelo
#
# La capa `LogMelSpectrogram` no tiene pesos: solo calcula. Podríamos
# calcular los espectrogramas una vez, guardarlos y entrenar sobre ellos.
# Ponerlos **dentro del modelo de Keras** tiene una ventaja práctica: el
# modelo guardado (`.keras`) lee **muestras de audio y nada más**. Quien lo
# use no necesita saber qué rasgos se calcularon, con qué tramas ni con qué
# bandas: le pasa la onda de un archivo WAV y obtiene el dígito. No hay forma
# de que el cálculo de los rasgos al predecir se aparte del que se usó al
# entrenar.
#
# Detrás de los rasgos, el modelo lleva una capa de **normalización**
# (*z-score*): resta la media y divide por la desviación típica de cada una
# de las 40 bandas. Esas medias y desviaciones se **aprenden de las
# grabaciones de entrenamiento**, antes del ajuste (nunca de las de prueba),
# y quedan guardadas en el modelo.
#
# ### Aumento de datos: solo al entrenar
#
# Con 2.700 grabaciones de 6 voces, la red podría aprenderse de memoria
# detalles que no importan: el volumen de cada hablante, su ritmo, cuándo
# empieza a hablar en el archivo. La capa `WaveAugment`, la primera del
# modelo, cambia cada grabación **al azar cada vez que la red la ve**:
#
# - **ganancia**: hasta ±6 dB más fuerte o más flojo;
# - **velocidad**: hasta un 10 % más rápido o más lento;
# - **retraso**: hasta un 10 % de la duración de silencio delante;
# - **ruido**: un poco de ruido gaussiano.
#
# Solo actúa **al entrenar** (`training=True`). Al evaluar o predecir deja
# la onda como está, así que el modelo guardado responde siempre lo mismo
# ante la misma grabación. Veamos tres versiones aumentadas de la grabación
# de antes:

# %%
augment = WaveAugment(seed=0)
copies = np.repeat(wave[None], 3, axis=0)  # (3, samples, 1)
augmented = keras.ops.convert_to_numpy(augment(copies, training=True))
unchanged = keras.ops.convert_to_numpy(augment(copies, training=False))
print("training=False leaves the waves as they are:", bool(np.array_equal(unchanged, copies)))

fig, axes = plt.subplots(4, 1, figsize=(9, 5.5), sharex=True, sharey=True)
time_axis = np.arange(len(wave)) / data.sample_rate
axes[0].plot(time_axis, wave[:, 0], lw=0.5, color="0.3")
axes[0].set_title("original", fontsize=9)
for k, ax in enumerate(axes[1:]):
    ax.plot(time_axis, augmented[k, :, 0], lw=0.5, color="tab:blue")
    ax.set_title(f"augmented, draw {k + 1}", fontsize=9)
axes[-1].set_xlabel("seconds")
fig.tight_layout()
plt.show()

# %% [markdown]
# La longitud no cambia: lo que se acelera acaba antes y se rellena con
# ceros, lo que se frena se recorta al final.
#
# El modelo completo queda así:
#
# ```
# onda (muestras, 1)
#  -> WaveAugment        (solo al entrenar)
#  -> LogMelSpectrogram  (tramas, 40)
#  -> normalización      (medias y desviaciones del entrenamiento)
#  -> BiLSTM             (128 unidades por sentido)
#  -> dropout -> Dense + softmax (10 dígitos)
# ```
#
# ## 3. Dígitos aislados (N a 1)
#
# `speech.train` construye el modelo (con la normalización ajustada a las
# grabaciones de entrenamiento) y lo entrena con Adam, recortando la norma
# del gradiente, bajando la tasa de aprendizaje cada 15 épocas y parando
# cuando la pérdida de validación deja de mejorar. La BiLSTM devuelve solo
# su salida final: como la grabación entera está disponible antes de
# decidir, la mitad hacia atrás puede leerla desde el final.
#
# En la misma llamada ajusta una **línea base** (`baseline="logreg"`): una
# regresión logística sobre **los mismos espectrogramas**, resumidos en
# números fijos por grabación. Para cada una de las 40 bandas, su media,
# desviación típica, mínimo, máximo, mediana, pendiente, primer y último
# valor, más el número de tramas. Es decir: todo lo que se puede saber de la
# grabación **sin leerla en orden**. Se entrena con las mismas grabaciones
# de entrenamiento.

# %%
run = speech.train(config, data)
run.model.summary()
history = pd.DataFrame(run.history)
history.index = history.index + 1
history.rename_axis("epoch").round(3).tail()

# %% [markdown]
# `speech.evaluate` da la exactitud sobre las grabaciones de prueba, el F1
# macro, la exactitud de cada hablante y la de la línea base.

# %%
metrics = speech.evaluate(run)
speakers = sorted(set(data.speakers_test))
display(
    pd.Series(
        {
            "LSTM accuracy": metrics["accuracy"],
            "LSTM macro F1": metrics["macro_f1"],
            "baseline (logistic regression) accuracy": metrics["baseline_logreg_accuracy"],
        },
        name="test",
    )
    .round(3)
    .to_frame()
)
pd.DataFrame(
    {
        "test recordings": pd.Series(data.speakers_test).value_counts(),
        "accuracy": pd.Series({s: metrics[f"accuracy_{s}"] for s in speakers}),
    }
).rename_axis("speaker").round(3)

# %% [markdown]
# ¿Qué dice la línea base? En la variante rápida, la regresión logística
# (que no necesita épocas) le gana con holgura a una BiLSTM entrenada dos
# épocas; eso no dice nada de la LSTM. Pero sí dice algo de la tarea: con el
# reparto oficial, la prueba son voces que la red ya ha oído, y unos pocos
# promedios del espectrograma (cuánta energía hay en cada banda, cómo varía,
# con qué empieza y con qué acaba) ya separan bastante bien diez palabras
# cortas. Es una línea base **dura**, y por eso hay que medirla: si en el
# caso completo la LSTM le saca poca ventaja, no es un fallo del cuaderno,
# es lo que la línea base enseña sobre lo fácil que es esta tarea. Dos
# preguntas separan más a los dos métodos:
#
# - **voces nuevas** (`protocol="speaker"`): con una voz que no se oyó al
#   entrenar, lo que cuenta es la forma de la palabra en el tiempo, no el
#   timbre de cada hablante;
# - **varios dígitos seguidos** (sección 4): un resumen de la grabación
#   entera no puede decir **cuántos** dígitos hay ni **en qué orden**. Ahí
#   leer en orden no es una ventaja: es la única forma.
#
# `speech.figures` dibuja las curvas de entrenamiento, la matriz de
# confusión y los espectrogramas de unas grabaciones de prueba con el dígito
# dicho y el que oyó la red, y los guarda como PNG.

# %%
figure_paths = {p.stem: p for p in speech.figures(run, work_dir / "digits")}
display(Image(filename=figure_paths["training_progress"]))
display(Image(filename=figure_paths["confusion_matrix"]))
display(Image(filename=figure_paths["spectrograms"]))

# %% [markdown]
# ### El modelo guardado lee un archivo WAV
#
# Comprobemos lo prometido en la sección 2. Guardamos el modelo, escribimos
# una grabación de prueba como WAV (`speech.sample_input`), la leemos como
# lo haría `lstm-apps predict` (`speech.read_inputs`: mono y a la frecuencia
# del modelo) y se la damos al modelo cargado: muestras y nada más.

# %%
model_path = work_dir / "digits.keras"
run.model.save(model_path)
loaded = keras.saving.load_model(model_path)
wav_path = speech.sample_input(run, work_dir)
inputs = speech.read_inputs(wav_path, config)
probabilities = loaded.predict(np.stack(inputs), verbose=0)[0]
print(f"{Path(wav_path).name}: {inputs[0].shape[0]} samples")
heard = data.class_names[np.argmax(probabilities)]
print("said:", data.class_names[data.y_test[0]], "| heard by the loaded model:", heard)
print("speech.predict:", speech.predict(run, inputs))

# %% [markdown]
# ## 4. Dígitos encadenados con CTC (N a M)
#
# Ahora cada grabación es un **enunciado de 2 a 7 dígitos** seguidos, como
# quien dicta un número de teléfono. `speech.load_data` los compone a partir
# de grabaciones sueltas de la misma parte del reparto (los enunciados de
# prueba, solo con grabaciones de prueba), con pausas al azar entre dígitos
# (de 0,05 a 0,4 s) y ruido de fondo (con una relación señal-ruido entre 10
# y 30 dB).
#
# ### Por qué no basta una softmax por grabación
#
# Un enunciado de 3 segundos tiene unas **N = 300 tramas** y, por ejemplo,
# **M = 5 dígitos**. No sabemos en qué tramas está cada dígito: solo la
# cadena «3 1 4 1 5». Podríamos marcar a mano dónde empieza y acaba cada
# dígito, pero con voz real eso es carísimo. La **clasificación temporal
# conexionista** (CTC; Graves et al., 2006) evita hacerlo:
#
# 1. La red da, **en cada trama**, una softmax sobre **11 clases**: los 10
#    dígitos y un símbolo más, el **blanco** (`_`), que significa «aquí no
#    emito nada». Es una LSTM que devuelve la secuencia entera (N a N).
# 2. Una secuencia de N clases, una por trama, se **colapsa** en la cadena
#    de dígitos así: primero se **juntan las repeticiones seguidas**, luego
#    se **quitan los blancos**. `_ 3 3 3 _ _ 1 _ 1 1 _` da `3 1 1`: las tres
#    tramas de «3» son un solo 3, y el blanco entre los dos «1» hace que
#    cuenten como dos. Sin blancos no habría forma de decir «1 1».
# 3. Muchas secuencias de tramas colapsan en la misma cadena (el dígito
#    puede empezar antes o después, durar más o menos). La **pérdida CTC**
#    es menos el logaritmo de la **suma de las probabilidades de todas
#    ellas**; un algoritmo de programación dinámica la calcula sin
#    enumerarlas. La red aprende sola dónde colocar cada dígito.
#
# Para **descodificar** (pasar de probabilidades a dígitos) hay dos formas:
#
# - **voraz** (*greedy*): en cada trama, la clase más probable; luego se
#   colapsa. Es rápida y sirve en flujo;
# - **búsqueda en haz** (*beam search*): mantiene las `beam_width` cadenas
#   más probables (8 por defecto) sumando la probabilidad de todas las
#   secuencias de tramas que colapsan en cada una. Puede encontrar una
#   cadena más probable que la que sale de juntar los mejores de cada trama.
#
# Lo vemos con unas probabilidades hechas a mano: en cada trama, 0,9 para
# una clase y el resto repartido. La clase 0 es el blanco y el dígito `d` es
# la clase `d + 1`.

# %%
frame_classes = [0, 4, 4, 4, 0, 0, 2, 0, 2, 2, 0]  # _ 3 3 3 _ _ 1 _ 1 1 _
toy = np.full((len(frame_classes), 11), 0.01, "float32")
toy[np.arange(len(frame_classes)), frame_classes] = 0.9
toy /= toy.sum(axis=1, keepdims=True)
print("frames:", " ".join("_" if c == 0 else str(c - 1) for c in frame_classes))
print("greedy:", ctc.decode([toy], beam_width=1)[0])
print("beam search:", ctc.decode([toy], beam_width=8)[0])

# %% [markdown]
# ### La tasa de error de dígitos
#
# Una cadena casi acertada no es lo mismo que una fallada entera, así que
# no basta con mirar si la cadena es exacta. La **tasa de error de
# dígitos** (DER, como la tasa de error de palabras de los reconocedores)
# es la **distancia de edición** entre la cadena dicha y la oída (cuántas
# sustituciones, borrados e inserciones de dígitos hacen falta para pasar
# de una a otra), sumada en todos los enunciados y dividida por el número
# de dígitos dichos. Como las inserciones también cuentan, puede pasar de 1.

# %%
said_digits = [3, 1, 4, 1, 5]
for heard in ([3, 1, 4, 1, 5], [3, 7, 4, 1, 5], [3, 4, 1, 5], [3, 1, 1, 4, 1, 5], [8, 8]):
    error_rate = ctc.digit_error_rate([said_digits], [heard])
    print(f"said {said_digits}, heard {heard}: DER = {error_rate:.2f}")

# %% [markdown]
# ### Entrenar y evaluar
#
# La red es una **LSTM de un solo sentido** (`architecture="lstm"`), y no
# una BiLSTM: así, en la sección 5, podrá reconocer los dígitos **mientras**
# llega el audio. Los rasgos, la normalización y el aumento son los mismos
# que antes; cambia la cabeza (una softmax de 11 clases por trama) y la
# pérdida (CTC).

# %%
if FAST:
    connected_config = speech.Config.fast(task="connected", architecture="lstm", **quiet)
else:
    connected_config = speech.Config(task="connected", architecture="lstm").replace(**quiet)
connected_data = speech.load_data(connected_config)
print("utterances per split:", connected_data.sizes())
lengths = np.array([len(w) for w in connected_data.x_train]) / connected_data.sample_rate
counts = [len(digits) for digits in connected_data.y_train]
print(f"duration: {lengths.min():.1f} to {lengths.max():.1f} s")
print(f"digits per utterance: {min(counts)} to {max(counts)}")
utterance = connected_data.x_test[0][:, 0]
print("first test utterance says:", "".join(map(str, connected_data.y_test[0])))
display(Audio(utterance, rate=connected_data.sample_rate))

# %%
connected_run = speech.train(connected_config, connected_data)
connected_metrics = speech.evaluate(connected_run)
pd.Series(connected_metrics, name="test").round(3).to_frame()

# %% [markdown]
# `string_accuracy` es la proporción de enunciados con la cadena entera
# exacta; las métricas con `_greedy` son las de la descodificación voraz y
# las otras las de la búsqueda en haz. Veamos unos cuantos enunciados de
# prueba con las dos descodificaciones. En la variante rápida, con dos
# épocas, la red aún no ha aprendido a callar: emite dígitos de más (de ahí
# una DER mayor que 1).

# %%
shown = list(range(min(6, len(connected_data.x_test))))
waves = [connected_data.x_test[i] for i in shown]
frame_probs = ctc.frame_probabilities(connected_run.model, waves)
greedy = ctc.decode(frame_probs, beam_width=1)
beam = ctc.decode(frame_probs, beam_width=connected_config.beam_width)


def as_text(digits):
    return "".join(map(str, digits))


pd.DataFrame(
    {
        "frames": [len(p) for p in frame_probs],
        "said": [as_text(connected_data.y_test[i]) for i in shown],
        "greedy": [as_text(d) for d in greedy],
        "beam search": [as_text(d) for d in beam],
    }
)

# %% [markdown]
# `speech.figures` dibuja, para dos enunciados de prueba, la onda con cada
# dígito marcado donde se dijo y, debajo, la probabilidad de cada clase en
# cada trama. Con una red bien entrenada se ve lo típico de CTC: el blanco
# (gris) ocupa casi todas las tramas, y cada dígito aparece como un **pico**
# estrecho, de una o dos tramas, dentro de su palabra o justo al final. La
# red no aprende dónde empieza y acaba cada palabra: aprende **un momento**
# en que puede decir «aquí hubo un 3».

# %%
connected_paths = {p.stem: p for p in speech.figures(connected_run, work_dir / "connected")}
display(Image(filename=connected_paths["ctc_probabilities"]))

# %% [markdown]
# ## 5. Reconocimiento en flujo: 10 ms cada vez
#
# Un asistente de voz no espera a que acabes de hablar para empezar a
# escuchar. `DigitStreamer` recibe el audio **a trozos**, según llega, y
# emite cada dígito en cuanto lo reconoce:
#
# - guarda las muestras que van llegando; cada vez que completan una trama
#   nueva (cada 80 muestras, 10 ms), calcula **solo esa trama** con
#   `LogMelSpectrogram.frame`, la versión NumPy de la capa del modelo;
# - avanza la LSTM **un paso** con esa trama, conservando su estado
#   (`StreamingPredictor`, el del cuaderno 07);
# - si la clase más probable de la trama es un dígito distinto de la clase
#   de la trama anterior, lo emite (descodificación voraz, en línea).
#
# Para probarlo montamos una grabación larga con `long_recording`: diez
# grabaciones **de prueba** de dígitos sueltos (que ninguna de las dos redes
# oyó al entrenar), seguidas, con 0,3 s de silencio entre ellas. Y se la
# damos al reconocedor **80 muestras cada vez**, como si llegaran del
# micrófono.

# %%
rng = np.random.default_rng(0)
rows = rng.choice(len(data.x_test), size=min(10, len(data.x_test)), replace=False)
sentence = long_recording(
    [data.x_test[i][:, 0] for i in rows],
    [int(data.y_test[i]) for i in rows],
    sample_rate=data.sample_rate,
)
stream = sentence.waveforms[0]
spoken = [int(d) for d in sentence.labels[0]]
print(f"{len(stream) / sentence.sample_rate:.1f} s of audio, digits said: {as_text(spoken)}")

streamer = DigitStreamer(connected_run.model)
hop = streamer.hop  # 80 samples = 10 ms at 8 kHz
print("engine:", streamer.predictor.backend, "| hop:", hop, "samples")
emitted = []
for begin in range(0, len(stream), hop):
    for seconds, digit in streamer.feed(stream[begin : begin + hop]):
        emitted.append((seconds, digit))  # the digit and when it was emitted

ends = [end / sentence.sample_rate for _, end in sentence.spans[0]]
print("each spoken digit ends at (s):", ", ".join(f"{t:.2f}" for t in ends))
for seconds, digit in emitted[:20]:
    print(f"  {seconds:6.2f} s: {digit}")
if len(emitted) > 20:
    print(f"  ... and {len(emitted) - 20} more")
heard = [digit for _, digit in emitted]
step_ms = streamer.result.median_step_ms
print(f"said {as_text(spoken)}, heard {as_text(heard)}")
print(f"digit error rate: {ctc.digit_error_rate([spoken], [heard]):.2f}")
print(f"median step: {step_ms:.2f} ms of computing per 10 ms of audio")

# %% [markdown]
# La mediana del paso (`streamer.result.median_step_ms`: la trama en NumPy
# y el paso de la red, todo lo que cuesta cada salto) dice si el reconocedor
# sigue el ritmo: mientras un paso tarde mucho menos de 10 ms, el audio no
# se acumula. `engine` dice qué motor ejecuta el paso: onnxruntime si está
# instalado (el extra `export`), si no TensorFlow. Cada dígito
# emitido lleva el momento en que se emitió (el final de la trama que lo
# dio), que con una red bien entrenada cae dentro de su palabra o poco
# después de que acabe.
#
# Transmitir no cambia la respuesta: las probabilidades de cada trama en
# flujo son las mismas que da el modelo sobre la grabación entera (salvo el
# redondeo).

# %%
offline = ctc.frame_probabilities(connected_run.model, [stream[:, None]])[0]
streamed = np.stack(streamer.result.probabilities)
print("frames:", streamed.shape[0], "streamed,", offline.shape[0], "offline")
print(f"max |streamed - offline| = {np.abs(streamed - offline).max():.1e}")

# %% [markdown]
# `speech.figures` hizo lo mismo con otra grabación larga (el primer dígito
# de cada uno de ocho enunciados de prueba): arriba, en azul, lo que se dijo;
# abajo, en rojo, cada dígito emitido en el momento en que salió.

# %%
display(Image(filename=connected_paths["streaming"]))

# %% [markdown]
# ### Por qué tiene que ser causal
#
# Para emitir un dígito en el instante t, la red solo puede usar lo oído
# **hasta** t: tiene que ser **causal**. Una LSTM hacia delante lo es. La
# BiLSTM de la sección 3 no: su mitad hacia atrás empieza a leer **por el
# final** de la grabación, así que su salida en cualquier trama depende de
# audio que aún no ha llegado. No es que sea lenta: no se puede calcular.
# `DigitStreamer` lo comprueba y se niega, diciendo por qué:

# %%
try:
    DigitStreamer(run.model)  # the isolated-digit BiLSTM of section 3
except ValueError as error:
    print("ValueError:", error)

# %% [markdown]
# Lo mismo pasa con `architecture="cnn_lstm"`: sus convoluciones miran
# tramas de después. Por eso el caso encadenado usa `"lstm"` (o `"gru"`)
# cuando se quiere transmitir. Es un compromiso: leyendo en los dos sentidos
# la red suele acertar más, pero solo cuando ya tiene la grabación entera.

# %% [markdown]
# ## 6. Cifras medidas
#
# Las cifras de este cuaderno en la variante rápida solo comprueban que todo
# funciona. Las de las ejecuciones completas salen del banco de pruebas
#
# ```bash
# python benchmarks/speech.py
# ```
#
# que entrena la BiLSTM con el reparto oficial (con la regresión logística
# y con MiniRocket como líneas base, y también una GRU y una CNN-LSTM), deja
# fuera a cada uno de los seis hablantes por turno, y entrena la LSTM causal
# de los dígitos encadenados, con su DER voraz y en haz y el tiempo de cada
# paso en flujo. Los resultados, con el tiempo que tarda cada ejecución,
# están en la página de documentación del caso,
# `docs/case-studies/speech.md`.
#
# ### Desde la terminal
#
# Cada fila del banco de pruebas es una ejecución de la orden `lstm-apps`.
# `run` entrena, evalúa y guarda una carpeta con la configuración, las
# métricas, el modelo `.keras` y las figuras; `predict` carga el modelo de
# esa carpeta y da el dígito (o la cadena de dígitos) de un archivo de
# audio:
#
# ```bash
# lstm-apps run speech                                                 # isolated digits
# lstm-apps run speech --set protocol=speaker --set test_speaker=theo   # a new voice
# lstm-apps run speech --set task=connected --set architecture=lstm    # digit strings, CTC
# lstm-apps predict RUN_DIR archivo.wav                                # digit of a file
# ```
#
# `RUN_DIR` es la carpeta que `lstm-apps run` indica al terminar, y `--fast`
# ejecuta la variante rápida. El archivo de `predict` puede ser un WAV, FLAC,
# OGG o AIFF (o una carpeta de ellos): se lee en mono y se remuestrea a los
# 8 kHz del modelo.
