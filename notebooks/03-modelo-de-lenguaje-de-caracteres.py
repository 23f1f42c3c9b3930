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
# # 03 · Un modelo de lenguaje de caracteres: la red lee el *Quijote*
#
# En el cuaderno anterior la red aprendía una sola palabra. Ahora le damos un
# libro entero: el texto de *El ingenioso hidalgo don Quijote de la Mancha* que
# publica el Proyecto Gutenberg (libro electrónico n.º 2000). La tarea es la
# misma que con «hola», pero a gran escala: después de cada carácter, la red
# debe dar una distribución de probabilidad sobre **el carácter siguiente**.
# Un modelo así es un *modelo de lenguaje*: asigna una probabilidad a cualquier
# texto y, muestreando carácter a carácter, también sirve para escribir.
#
# ### La medida: bits por carácter
#
# Si el modelo asigna la probabilidad $p(c_t \mid c_1 \dots c_{t-1})$ al
# carácter que de verdad aparece, su coste para ese carácter es
# $-\log_2 p$ bits: lo que costaría codificarlo con un código construido a
# partir del modelo. La media sobre un texto es la medida de este cuaderno,
# los **bits por carácter** (*bpc*):
#
# $$\text{bpc} = -\frac{1}{T}\sum_{t=1}^{T} \log_2 p(c_t \mid c_{<t}).$$
#
# Es el logaritmo en base 2 de la **perplejidad** por carácter: un modelo con
# perplejidad $k$ está, en promedio, tan indeciso como si eligiera al azar
# entre $k$ caracteres igual de probables. Como referencia, adivinar de forma
# uniforme entre unos 90 caracteres cuesta $\log_2 90 \approx 6{,}5$ bits por
# carácter; todo lo que el modelo aprenda del castellano (qué letras son
# frecuentes, qué sílabas existen, qué palabras siguen a otras) se nota como
# una reducción de esa cifra. Menos es mejor.

# %%
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import lstm_apps
from lstm_apps.tasks.char_lm.ngram import choose_order

cl = lstm_apps.get_case_study("char_lm")

# %% [markdown]
# ## Parámetros
#
# La configuración del caso está en `cl.Config`; los ajustes del
# entrenamiento (tasa de aprendizaje `initial_learn_rate`, épocas `max_epochs`,
# tamaño de mini-lote `mini_batch_size`, ...) están agrupados en
# `config.training`. Con la variable de entorno
# `LSTM_APPS_FAST=1` se usa una variante diminuta: solo el principio del libro,
# una red estrecha, una única época y una evaluación sobre unos pocos miles de
# caracteres. Sirve para comprobar que el cuaderno funciona de principio a fin
# en segundos; sus cifras no dicen nada de lo que un modelo de lenguaje puede
# lograr. Sin la variable se ejecuta el caso completo, que en CPU tarda bastante.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
config = cl.Config.fast() if FAST else cl.Config()
keras.utils.set_random_seed(0)
print(config)

# %% [markdown]
# ## Los datos
#
# `cl.load_data` busca el cuerpo del libro (sin la cabecera ni la licencia de
# Gutenberg) y lo corta en tres bloques **contiguos**: entrenamiento,
# validación y prueba, en ese orden. No se barajan frases entre bloques: así
# el texto de prueba es un trozo del libro que la red nunca ha leído. El
# vocabulario se aprende solo del bloque de entrenamiento; el código 0 se
# reserva para los caracteres desconocidos que aparezcan después.

# %%
data = cl.load_data(config)
train_text, val_text, test_text = data.train_text, data.validation_text, data.test_text
vocabulary = data.vocabulary
print(f"characters read: {data.characters:,}")
pd.DataFrame(
    {"characters": [len(train_text), len(val_text), len(test_text)]},
    index=pd.Index(["train", "validation", "test"], name="block"),
)

# %%
V = len(data.class_names)
print(f"vocabulary size: {V} (code 0 = unknown, shown as {data.class_names[0]!r})")
print(f"uniform guess over the vocabulary: log2({V}) = {np.log2(V):.2f} bits per character")
print("known characters:", "".join(data.class_names[1:]).replace("\n", "\\n"))

# %% [markdown]
# El libro empieza con la portada y el índice de capítulos; el relato en sí
# arranca con la frase más conocida de la novela, que también está en el
# bloque de entrenamiento. Un fragmento a partir de ahí:

# %%
start = max(train_text.find("En un lugar de la Mancha"), 0)
print(train_text[start : start + 500])

# %% [markdown]
# Pocos caracteres acaparan casi todo el texto: el espacio, las vocales y unas
# cuantas consonantes. Un modelo que solo supiera estas frecuencias (el modelo
# de *unigramas*, más abajo) ya bajaría bastante de la adivinanza uniforme.
# La figura muestra los 30 caracteres más frecuentes del bloque de
# entrenamiento, con el salto de línea escrito `\n` y el espacio `␣`.

# %%
counts = pd.Series(vocabulary.counts_, index=vocabulary.chars_).sort_values(ascending=False)
top = counts.head(30) / counts.sum()
labels = [{"\n": "\\n", " ": "␣"}.get(c, c) for c in top.index]
fig, ax = plt.subplots(figsize=(9, 3.5))
ax.bar(labels, top.to_numpy())
ax.set_xlabel("character")
ax.set_ylabel("share of the training block")
ax.set_title("The 30 most frequent characters")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Ventanas independientes en lugar de retropropagación truncada con estado
#
# Un libro es una única secuencia de millones de pasos; no se puede
# retropropagar a través de toda ella. Hay dos formas habituales de trocearla:
#
# - **Con estado** (*stateful*, retropropagación a través del tiempo
#   truncada): se parte el texto en tramos consecutivos y la red arrastra su
#   estado de un tramo al siguiente. Su memoria puede ir más allá de un tramo,
#   pero a cambio los mini-lotes tienen que respetar el orden del libro, no se
#   pueden barajar y el entrenamiento suele ser más irregular.
# - **Sin estado, con ventanas** (la opción de este paquete): se recortan
#   ventanas de `window` caracteres cada `stride` posiciones, y cada ventana
#   empieza con el estado a cero. Las ventanas son independientes, así que se
#   barajan en mini-lotes como cualquier otro conjunto de datos y basta con
#   `model.fit`. El precio es que la red nunca ve más contexto que una
#   ventana.
#
# Por defecto `stride = window`: las ventanas no se solapan y cada época lee
# cada carácter de entrenamiento una sola vez. Con `stride < window` se
# solapan (más ventanas por época, con el mismo texto visto en contextos
# distintos, a cambio de más cálculo).
#
# Por eso, al evaluar, cada carácter puntuado tiene al menos media ventana de
# contexto delante (las primeras predicciones de una ventana, con el estado
# recién puesto a cero, se descartan salvo en la primera). Al generar texto,
# en cambio, la red sí conserva su estado de un carácter al siguiente.
#
# El objetivo de cada ventana es la misma ventana desplazada un carácter: en
# cada paso la red debe predecir el carácter que viene a continuación.

# %%
print(f"window: {config.window} characters, stride: {config.stride}")
print(f"training windows: {len(data.x_train)}, each of shape {data.x_train[0].shape}")
print("input :", repr(vocabulary.inverse_transform(data.x_train[0])))
print("target:", repr(vocabulary.inverse_transform(data.y_train[0])))

# %% [markdown]
# ## Modelos de referencia: unigramas y n-gramas
#
# Antes de entrenar una red conviene saber cuánto se consigue sin ella.
# `lstm_apps.tasks.char_lm.ngram` cuenta, en el bloque de entrenamiento, qué carácter sigue a
# cada contexto de $n-1$ caracteres y suaviza esas frecuencias (descuento
# absoluto interpolado, la base del suavizado de Kneser-Ney) para que ningún
# carácter tenga probabilidad cero. El orden $n = 1$ es el **modelo de
# unigramas**, que solo conoce la frecuencia de cada carácter.
#
# Un contexto más largo informa más, pero sus recuentos son más escasos; a
# partir de cierto orden el modelo empieza a memorizar el bloque de
# entrenamiento y empeora en texto nuevo. `choose_order` prueba varios órdenes
# y se queda con el que da menos bits por carácter en el bloque de
# **validación**, no en el de prueba. En la variante rápida se usan los mismos
# bloques reducidos que verá la evaluación.

# %%
valid = val_text[: config.eval_chars] if config.eval_chars else val_text
best_ngram, val_scores = choose_order(train_text, valid, orders=range(1, 8))
print(f"order with the lowest validation bpc: {best_ngram.order}")
pd.Series(val_scores, name="validation bpc").rename_axis("order").to_frame().round(3)

# %% [markdown]
# ## La red
#
# `cl.build_model` construye la red: una capa de *embedding* que convierte cada
# código de carácter en un vector denso, una LSTM que devuelve su salida en
# **todos** los pasos y una capa densa con *softmax* que, en cada paso, reparte
# la probabilidad entre los caracteres del vocabulario. Las dimensiones de
# tiempo quedan libres (`None`): la misma red lee ventanas de entrenamiento y,
# más tarde, un carácter cada vez.

# %%
cl.build_model(config, data).summary()

# %% [markdown]
# `cl.train` entrena esa red con Adam, recorte de la norma del gradiente y
# entropía cruzada como pérdida, sobre las ventanas barajadas en cada época.
# Al final de cada época mide la pérdida en el bloque de **validación**, y la
# red termina con los pesos de su mejor época (`keep_best`): si empezara a
# memorizar el libro, nos quedaríamos con la época anterior. Con el
# presupuesto de cómputo de estas máquinas (unos 20 minutos en 2 núcleos) la
# red no llega a sobreajustar, así que por defecto no usa *dropout*
# (`dropout=0.2` lo activa tras la capa recurrente, útil con textos pequeños
# o con entrenamientos más largos). La tasa de aprendizaje empieza en
# `training.initial_learn_rate` y decae suavemente
# (`training.learn_rate_schedule="exponential"`) hasta
# `training.learn_rate_drop_factor` veces ese valor. `training.time_budget` detiene el
# entrenamiento antes de una época que acabaría pasado ese número de segundos.
# Devuelve un `Run` con el modelo, el historial y los datos.

# %%
run = cl.train(config, data)
print(f"epochs: {len(run.history['loss'])}")

# %% [markdown]
# Keras mide la entropía cruzada en *nats* (logaritmo natural). Al dividirla
# entre $\ln 2$ queda en bits por carácter, la misma escala que los modelos de
# referencia. Son pérdidas medias sobre todas las posiciones de cada ventana,
# incluidas las primeras, con poco contexto; la cifra comparable con los
# n-gramas es la de prueba, más abajo. Si la curva de validación deja de bajar
# mientras la de entrenamiento sigue cayendo, la red empieza a memorizar.

# %%
epochs = np.arange(1, len(run.history["loss"]) + 1)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(epochs, np.asarray(run.history["loss"]) / np.log(2), marker="o", label="training")
ax.plot(epochs, np.asarray(run.history["val_loss"]) / np.log(2), marker="s", label="validation")
ax.axhline(np.log2(V), color="gray", linestyle="--", label="uniform guess")
ax.set_xlabel("epoch")
ax.set_ylabel("loss (bits per character)")
ax.set_xticks(epochs)
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Evaluación en el bloque de prueba
#
# `cl.evaluate` mide los bits por carácter de la red en el bloque de prueba y,
# sobre el mismo texto, los de los dos modelos de referencia: unigramas y el
# n-grama del orden elegido en validación. Ninguno de los tres ha visto ese
# bloque al entrenar ni al elegir sus hiperparámetros.

# %%
metrics = cl.evaluate(run)
pd.DataFrame(
    {
        "test bpc": [
            metrics["bits_per_char"],
            metrics["unigram_bits_per_char"],
            metrics["ngram_bits_per_char"],
            np.log2(V),
        ],
    },
    index=pd.Index(
        [
            f"{config.cell.upper()} network",
            "unigram",
            f"{int(metrics['ngram_order'])}-gram",
            "uniform guess",
        ],
        name="model",
    ),
).round(3)

# %% [markdown]
# Con la variante rápida la red apenas ha visto una época de un trozo pequeño
# del libro, y lo normal es que quede por detrás del n-grama, que cuenta todo
# el bloque de entrenamiento de una sola pasada. Con el caso completo conviene
# mirar cuánto mejora la red al n-grama: esa diferencia es lo que aporta una
# memoria más larga que unos pocos caracteres.

# %% [markdown]
# ## Generación de texto
#
# Para escribir, `cl.generate(run, prompt)` le da a la red un comienzo (el *prompt*), lee
# sus caracteres uno a uno llevando el estado de cada paso al siguiente, y
# después repite: toma la distribución del carácter siguiente, elige uno al
# azar según esa distribución, se lo da como entrada y continúa.
#
# La **temperatura** $\tau$ cambia la forma de la distribución antes de
# muestrear: cada probabilidad se eleva a $1/\tau$ y se vuelve a normalizar.
# Con $\tau < 1$ se acentúan los caracteres más probables y el texto es más
# conservador y repetitivo (con $\tau \to 0$ se elegiría siempre el más
# probable); con $\tau = 1$ se muestrea del modelo tal cual; con $\tau > 1$ la
# distribución se aplana, aparecen más sorpresas y también más errores y
# palabras inventadas.
#
# El comienzo elegido abre el primer capítulo, que forma parte del bloque de
# entrenamiento: a temperatura baja, una red bien entrenada puede repetir
# de memoria trozos del original. Una red poco entrenada, como la de la
# variante rápida, produce sobre todo espacios y letras sueltas.

# %%
prompt = "En un lugar de la Mancha"
length = 80 if FAST else 300
for temperature in (0.2, 0.8, 1.2):
    text = cl.generate(run, prompt, length=length, temperature=temperature, seed=0)
    print(f"--- temperature {temperature} ---")
    print(prompt + text)
    print()

# %% [markdown]
# El muestreo usa un generador de números aleatorios propio, así que con la
# misma semilla (`seed`) se obtiene exactamente el mismo texto, y con otra
# semilla, otro distinto:

# %%
first = cl.generate(run, prompt, length=length, temperature=0.8, seed=0)
again = cl.generate(run, prompt, length=length, temperature=0.8, seed=0)
other = cl.generate(run, prompt, length=length, temperature=0.8, seed=1)
print("same seed, same text:", first == again)
print("seed 1 gives different text:", first != other)
assert first == again

# %% [markdown]
# ## Desde la terminal
#
# El mismo experimento se lanza con la orden `lstm-apps`. `run` entrena,
# evalúa y guarda en una carpeta la configuración, las métricas (la red y los
# dos modelos de referencia), el historial, el modelo `.keras` y la figura de
# la pérdida; `generate` carga el modelo de esa carpeta y escribe texto nuevo
# con el comienzo, la longitud, la temperatura y la semilla que se le indiquen:
#
# ```bash
# lstm-apps run char_lm
# lstm-apps generate RUN_DIR --prompt "En un lugar de la Mancha" \
#     --length 400 --temperature 0.8 --seed 0
# ```
#
# `RUN_DIR` es la carpeta que `lstm-apps run` indica al terminar. Con
# `--fast` se ejecuta la variante rápida, y `--set` cambia cualquier campo de
# `Config`, por ejemplo `--set cell=gru`, `--set "units=(256, 256)"` o
# `--set training.max_epochs=10`; `lstm-apps run char_lm --help` los lista
# todos. `lstm-apps predict RUN_DIR "En un lugar de la Manch"` da el carácter
# siguiente más probable y su probabilidad.
