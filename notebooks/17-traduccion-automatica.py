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
# # 17 · Traducción automática: de N palabras a M palabras
#
# En el curso, el ejemplo típico del esquema **N a M** es la «traducción de
# un idioma a otro»: entran N palabras y salen M palabras. Una frase en
# español de seis palabras puede dar una inglesa de cinco, o de ocho; nadie
# sabe de antemano cuántas, y el orden tampoco se conserva: «el coche rojo»
# se dice «the red car», con el adjetivo delante. Repasemos los esquemas que
# ya han salido en el curso:
#
# ```
# cuaderno 01:  x_1 ... x_T   ->  y                        (N a 1)
# cuaderno 11:  x_1 ... x_T   ->  y_1 ... y_T              (N a N, un paso por dato)
# cuaderno 12:  imagen        ->  w_1 ... w_M              (1 a M)
# cuaderno 16:  x_1 ... x_T   ->  d_1 ... d_M, con M < T   (N a M con CTC, en orden)
# este:         w_1 ... w_N   ->  v_1 ... v_M              (N a M, cualquier M y orden)
# ```
#
# El reconocimiento de voz del cuaderno 16 también era N a M, pero con dos
# facilidades: la salida era mucho más corta que la entrada y salía **en el
# mismo orden** que el audio, así que CTC podía alinear una con otra. Para
# traducir no vale: hace falta leer la frase **entera** antes de empezar a
# escribir, porque la primera palabra de la traducción puede depender de la
# última del original.
#
# ### Codificador y decodificador
#
# La solución clásica (Sutskever, Vinyals y Le, 2014) es la misma pareja
# del cuaderno 12, con otra LSTM en lugar de la CNN:
#
# - el **codificador** (*encoder*), una LSTM, lee la frase de origen palabra
#   a palabra;
# - el **decodificador** (*decoder*), otra LSTM, escribe la traducción
#   palabra a palabra, empezando por `<start>` y hasta que escribe `<end>`.
#   En cada paso lee la palabra anterior y da la probabilidad de cada
#   palabra siguiente: es un modelo de lenguaje del idioma de destino,
#   **condicionado a la frase de origen**.
#
# ```
#  ¿  Dónde  está  la  biblioteca  ?
#  |    |     |    |      |       |
# LSTM->LSTM->LSTM->LSTM->LSTM->LSTM  -> estado final (h, c)
#                                           |
#                <start> -> LSTM -> "Where" -> LSTM -> "is" -> ... -> LSTM -> <end>
# ```
#
# Veremos cuatro variantes, todas construidas por
# `lstm_apps.models.translation.build_translator` y entrenadas igual:
#
# | variante | qué llega del original al decodificador |
# |---|---|
# | `"seq2seq"` | solo el estado final del codificador (el *vector de contexto*) |
# | `"attention"` | además, en cada palabra, una mezcla de todas sus salidas (atención) |
# | `"bilstm"` | lo mismo, con un codificador bidireccional |
# | `"transformer"` | un Transformer pequeño, sin recurrencia: la línea base actual |
#
# El plan del cuaderno:
#
# 1. los datos: pares de frases de Tatoeba, un reparto sin fugas y las
#    palabras;
# 2. el forzado del profesor (*teacher forcing*);
# 3. el vector de contexto y su límite;
# 4. la atención;
# 5. el codificador bidireccional y el Transformer;
# 6. entrenar, comparar y medir: BLEU, chrF, BLEU por longitud, los
#    errores y voraz frente a búsqueda en haz;
# 7. traducir tus propias frases;
# 8. las cifras medidas.

# %%
import os
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from IPython.display import Image, display

import lstm_apps
from lstm_apps.data.tatoeba import detokenize, group_split, sentence_groups, tatoeba_pairs, tokenize
from lstm_apps.tasks.translation import scores
from lstm_apps.tasks.translation import study as translation
from lstm_apps.tasks.translation.data import pad_tokens

tf.get_logger().setLevel("ERROR")  # hide the retracing notes of the step-by-step decoder

# %% [markdown]
# ## Parámetros
#
# La configuración está en `translation.Config`, y lo que toca al
# entrenamiento en su sección `training` (un `TrainingConfig`, como en
# todos los casos). Por defecto se traduce del español al inglés
# (`direction="es-en"`; `"en-es"` es el sentido contrario), se entrenan las
# cuatro variantes con 256 unidades y *embeddings* de 128, hasta 12 épocas
# con parada temprana, y se guarda la que mejor traduce las frases de
# validación.
#
# Con la variable de entorno `LSTM_APPS_FAST=1` se usa `Config.fast()`, y
# aquí solo con dos de las variantes (`"seq2seq"` y `"attention"`): 1500
# pares de entrenamiento, 60 de validación y 60 de prueba, redes de 32
# unidades y dos épocas. Sirve para comprobar que el cuaderno funciona de
# principio a fin en un minuto, más o menos; **sus cifras no dicen nada del
# método**: con dos épocas la red solo ha aprendido a repetir alguna palabra
# frecuente. Sin esa variable se entrena el caso completo, y eso va para
# largo: en una CPU de dos núcleos cada modelo tarda unos 25-30 minutos
# (cada ajuste se corta a los 30 minutos, `training.time_budget=1800`), así
# que las cuatro variantes se acercan a las dos horas. Para una prueba
# intermedia se puede reducir, por ejemplo, con
# `config.replace(models=("seq2seq", "attention"), max_pairs=30000)`; con
# `training=dict(verbose=2)` se ve una línea por época.
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
quiet = dict(training=dict(verbose=0))
if FAST:
    config = translation.Config.fast(models=("seq2seq", "attention"), **quiet)
else:
    config = translation.Config().replace(**quiet)
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_17_"))
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. Los datos: frases de Tatoeba
#
# [Tatoeba](https://tatoeba.org) es una colección de frases con sus
# traducciones, escritas y revisadas por voluntarios. Usamos los pares
# inglés-español que prepara [manythings.org/anki](https://www.manythings.org/anki/)
# (la misma copia que usan los tutoriales de TensorFlow): **118.964 pares**,
# uno por línea, `inglés<TAB>español`. La licencia es CC BY 2.0 FR, que pide
# citar a tatoeba.org y a manythings.org/anki. El propio recopilador avisa
# de que hay errores; son frases de estudiantes de idiomas, no textos
# profesionales.
#
# `tatoeba_pairs` busca el archivo (en `LSTM_APPS_DATA_DIR/spa_eng_tatoeba`,
# en la caché o descargándolo y comprobando su huella sha256) y devuelve una
# tabla con una fila por línea. El archivo va de las frases más cortas a las
# más largas:

# %%
pairs = tatoeba_pairs(config.data_path)
print(len(pairs), "pairs")
pairs.iloc[[0, 1, 2, 1000, 20000, 60000, 100000, len(pairs) - 1]]

# %% [markdown]
# ### Un reparto sin fugas: por grupos de frases
#
# Muchas frases aparecen **varias veces**: «Go.» tiene cuatro traducciones
# (Ve., Vete., Vaya., Váyase.), y algunas frases inglesas llegan a tener más
# de veinte. Si repartiéramos las **filas** al azar, muchas frases de
# prueba estarían también en el entrenamiento, con otra de sus
# traducciones: la red las habría visto ya, y la prueba mediría en parte
# memoria, no traducción. Es una **fuga** (*leakage*).
#
# Medimos cuánto se fugaría con un reparto de filas al azar de 2000 pares
# de prueba:


# %%
def shares_a_sentence(test, train):
    """For each test row, whether its English or its Spanish sentence is also in training."""
    english, spanish = set(pairs.english[train]), set(pairs.spanish[train])
    return pairs.english[test].isin(english) | pairs.spanish[test].isin(spanish)


rng = np.random.default_rng(0)
random_test = np.zeros(len(pairs), bool)
random_test[rng.choice(len(pairs), size=2000, replace=False)] = True
leaks = shares_a_sentence(random_test, ~random_test)
print(f"random row split: {leaks.mean():.1%} of the test pairs share a sentence with training")

# %% [markdown]
# Para evitarlo, `sentence_groups` une en un **grupo** todas las filas
# enlazadas por una frase compartida, en cualquiera de los dos idiomas (si
# «A-x» y «A-y» comparten la frase inglesa y «B-y» comparte con la segunda
# la española, las tres forman un grupo). `group_split` reparte grupos
# enteros, al azar, a la prueba y a la validación hasta llegar a
# `test_size` y `val_size` pares, y el resto al entrenamiento. Así ninguna
# frase de prueba, ni en inglés ni en español, aparece al entrenar.
#
# Las cadenas de enlaces pueden llegar lejos: el grupo de «Go.» recoge
# también «Come on!» y «Awesome!», porque comparten traducciones como
# «¡Órale!».

# %%
groups = sentence_groups(pairs)
group_sizes = np.bincount(groups)
print(f"{len(group_sizes)} groups; the largest holds {group_sizes.max()} pairs")
print(f"{(group_sizes[groups] > 1).mean():.1%} of the pairs share a group with another pair")
first_group = pairs[groups == groups[0]]
print(f"the group of the first pair holds {len(first_group)} pairs; its first eight:")
display(first_group.head(8))

split = group_split(pairs, test_size=2000, val_size=2000, seed=0)
shared = shares_a_sentence(split == "test", split == "train")
print(pd.Series(split).value_counts().to_dict())
print(f"group split: {shared.mean():.1%} of the test pairs share a sentence with training")

# %% [markdown]
# ### Las palabras: acentos, eñes y signos de apertura
#
# La red traduce palabras, así que cada frase se parte en **unidades**
# (*tokens*) con `tokenize`: una palabra es una racha de letras y cifras,
# con sus acentos, su ñ y su ü, y con los apóstrofos de dentro («don't» es
# una palabra); cada signo de puntuación es una unidad aparte, también
# «¿» y «¡», que el español necesita y un tokenizador pensado para el inglés
# suele perder. `detokenize` hace el camino inverso y vuelve a juntar los
# signos con las palabras; lo usaremos para mostrar las traducciones y para
# puntuarlas. No pasamos a minúsculas (`lowercase=False`): «Tom» y «tom» no
# son lo mismo, y la traducción tiene que llevar las mayúsculas bien.

# %%
for sentence in [
    "¿Dónde está la biblioteca?",
    "¡Qué día tan bonito!",
    "El niño comió pequeñas cigüeñas.",
    "I don't know, it's 8:30 p.m.",
]:
    tokens = tokenize(sentence)
    print(tokens)
    print("  back together:", detokenize(tokens), "| same text:", detokenize(tokens) == sentence)

# %% [markdown]
# ### Cargar y repartir
#
# `translation.load_data` hace todo lo anterior: lee los pares, los reparte
# por grupos (2000 de prueba y 2000 de validación por defecto), parte las
# frases en unidades y deja fuera del entrenamiento los pares con más de
# `max_tokens` unidades en algún lado (los de prueba y validación se quedan
# todos). Con `max_pairs` se entrena con una muestra de los pares.
#
# Los dos **vocabularios** se aprenden **solo de las frases de
# entrenamiento**: las palabras que aparecen al menos `min_word_count`
# veces, de la más frecuente a la menos, hasta `max_words` por idioma. Una
# palabra de prueba que no está en el vocabulario se convierte en `<unk>`
# (desconocida); si el vocabulario se ajustara con las frases de prueba,
# sabríamos de antemano qué palabras van a salir, otra pequeña fuga.
#
# - El vocabulario de **origen** vive dentro del modelo, en una capa
#   `StringLookup`: el modelo guardado lee las unidades tal cual, como
#   texto.
# - El de **destino** es un `WordVocabulary` con cuatro códigos especiales
#   delante: `<pad>` (0, relleno), `<unk>` (1), `<start>` (2) y `<end>` (3).
#   Es lo que el modelo escribe.

# %%
data = translation.load_data(config)
source_language, target_language = config.languages
print("pairs per split:", data.sizes())
print("training pairs left out for being longer than max_tokens:", data.left_out)
print(f"source vocabulary ({source_language}): {len(data.source_vocabulary)} words")
print(f"target vocabulary ({target_language}): {len(data.class_names)} codes, specials included")
print("most frequent target codes:", data.class_names[:12])
pd.DataFrame(
    {
        source_language: [" ".join(tokens) for tokens in data.x_train[:6]],
        target_language: data.y_train[:6],
    }
)

# %% [markdown]
# Las frases de origen (`x_*`) son listas de unidades; las de destino
# (`y_*`) son el texto de referencia, tal como está en Tatoeba.
#
# ## 2. El forzado del profesor
#
# Se entrena igual que el subtitulador del cuaderno 12. La traducción de
# referencia se codifica con `<start>` delante y `<end>` detrás; el
# decodificador lee la referencia **desplazada un paso** y en cada paso
# tiene que acertar la palabra siguiente. Lee siempre la palabra
# **correcta** anterior, aunque él se hubiera equivocado: es el **forzado
# del profesor** (*teacher forcing*). Así todos los pasos de una frase se
# entrenan a la vez, con una entropía cruzada por palabra.

# %%
vocabulary = translation.vocabulary_of(config, data.class_names)
unknown = vocabulary.words_.index("<unk>")
# the first training pair of five target tokens or more, all of them in the vocabulary
example = next(
    i
    for i, text in enumerate(data.y_train)
    if len(tokenize(text)) >= 5 and unknown not in vocabulary.encode(text)
)
codes = vocabulary.encode(data.y_train[example])
print("source:", " ".join(data.x_train[example]))
print("reference:", data.y_train[example], "->", codes.tolist())
pd.DataFrame(
    {
        "decoder reads": [vocabulary.words_[c] for c in codes[:-1]],
        "must output": [vocabulary.words_[c] for c in codes[1:]],
    },
    index=pd.Index(range(1, len(codes)), name="step"),
)

# %% [markdown]
# Al **traducir** de verdad no hay referencia: el decodificador lee lo que
# él mismo acaba de escribir, y un error al principio lo lleva a un terreno
# que nunca vio al entrenar. Por eso, además de la búsqueda voraz, se usa
# la búsqueda en haz (sección 6), que no se compromete con una sola palabra
# en cada paso.
#
# Un detalle práctico: las frases de Tatoeba son cortas casi todas, pero
# unas pocas son largas. Si cada lote se rellenara hasta la frase más larga
# del conjunto, casi todo el cálculo sería relleno. El entrenamiento
# (`lstm_apps.tasks.translation.fit`) ordena los pares por longitud, forma
# los lotes con frases de longitud parecida y baraja **el orden de los
# lotes** en cada época.
#
# ## 3. El vector de contexto
#
# En la variante `"seq2seq"` el decodificador no ve nada del original
# salvo **el estado final del codificador**: su estado oculto `h` y su
# estado de celda `c`, que pasan a ser el estado inicial del decodificador.
# Ese par es el **vector de contexto**, y tiene siempre el mismo tamaño
# (`units` números cada uno), sea la frase de dos palabras o de cuarenta.
# Lo comprobamos con un modelo recién construido (sin entrenar: los tamaños
# no dependen de los pesos):

# %%
seq2seq = translation.build_kind(config, data, "seq2seq")
encoder = keras.Model(seq2seq.inputs[0], seq2seq.get_layer("encoder").output, name="encoder")
for sentence in ["¿Qué hora es?", data.text_test[int(np.argmax([len(t) for t in data.x_test]))]]:
    tokens = tokenize(sentence)
    outputs, state_h, state_c = encoder(tf.constant(pad_tokens([tokens])))
    print(f"{len(tokens):2d} tokens: context h {tuple(state_h.shape)}, c {tuple(state_c.shape)}")
    print(f"           every encoder output: {tuple(outputs.shape)}  <- {sentence[:60]}")

# %% [markdown]
# Meter una frase larga entera en `units` números es como pedir a alguien
# que lea un párrafo una vez, cierre el libro y lo traduzca de memoria. La
# LSTM tiene que ir guardando en su estado todo lo que hará falta, y lo del
# principio de la frase ha pasado por muchos pasos antes de llegar al
# decodificador. Por eso, sin atención, la calidad **cae con la longitud**
# de la frase: lo veremos en la sección 6 con el BLEU por longitud. Un truco
# de la época era leer el original al revés, para que sus primeras palabras
# quedaran cerca de las primeras de la traducción; la atención resolvió el
# problema de raíz.
#
# ## 4. La atención: mirar el original en cada palabra
#
# La idea de Bahdanau, Cho y Bengio (2015): en lugar de un único vector,
# el decodificador puede consultar **todas las salidas del codificador**
# (una por palabra de origen: la forma `(1, palabras, units)` que imprimió
# la celda anterior), y en
# cada palabra que escribe decide **a cuáles mirar**. En cada paso:
#
# 1. la salida del decodificador, pasada por una capa densa, es la
#    **consulta** (*query*);
# 2. se puntúa cada salida del codificador contra la consulta;
# 3. una *softmax* convierte las puntuaciones en **pesos** que suman 1, uno
#    por palabra de origen (las posiciones de relleno no cuentan);
# 4. la media de las salidas del codificador con esos pesos es el
#    **contexto** de ese paso, que se junta con la salida del decodificador
#    para elegir la palabra.
#
# Hay dos formas clásicas de puntuar (`attention` en la configuración):
#
# - **Luong** (`"luong"`, por defecto; `keras.layers.Attention`): el
#   producto escalar de la consulta y cada salida, multiplicado por una
#   escala que se aprende. Es barata: una multiplicación de matrices.
# - **Bahdanau** (`"bahdanau"`; `keras.layers.AdditiveAttention`): una
#   puntuación «aditiva», `v · tanh(consulta + salida)`, con un vector `v`
#   aprendido. Algo más cara y, en la práctica, parecida.
#
# Aquí la atención se aplica **después** del paso del decodificador, como
# en Luong et al. (2015), de modo que el entrenamiento sigue siendo una sola
# pasada con forzado del profesor. El contexto ya no tiene un tamaño fijo:
# crece con la frase, una salida del codificador por palabra. Y los
# pesos se pueden **dibujar**: una fila por palabra escrita, una columna por
# palabra de origen. Es el mapa de atención de la sección 6, que suele
# dibujar una diagonal, con saltos donde los dos idiomas ordenan distinto
# las palabras.
#
# ## 5. Un codificador bidireccional, y el Transformer
#
# - **`"bilstm"`**: la atención sobre una **LSTM bidireccional**, con la
#   mitad de las unidades en cada sentido. La salida de cada palabra de
#   origen resume entonces lo que viene antes **y después** de ella, lo que
#   ayuda a desambiguar («banco» de sentarse o de dinero). Los estados
#   finales de los dos sentidos se juntan para empezar el decodificador.
# - **`"transformer"`**: el modelo de Vaswani et al. (2017), que es lo que
#   usaría hoy cualquiera que quisiera traducir. No tiene recurrencia:
#   cada bloque es atención de cada palabra a todas las demás
#   (`keras.layers.MultiHeadAttention`, con `heads` cabezas), seguida de dos
#   capas densas, con conexiones residuales alrededor de cada parte. Como
#   la atención no ve el orden, cada posición suma un *embedding* de su
#   posición. El decodificador usa una máscara
#   causal (una palabra no ve las siguientes) y atención al codificador.
#   Aquí es pequeño, dos bloques en cada lado, y hace de **línea base**:
#   ¿cuánto le falta a una LSTM con atención?
#
# `translation.build_kind(config, data, kind)` construye cada variante con
# los tamaños de `config`. Contamos sus parámetros:

# %%
kinds = ("seq2seq", "attention", "bilstm", "transformer")
sizes = pd.Series(
    {kind: translation.build_kind(config, data, kind).count_params() for kind in kinds},
    name="parameters (this notebook's config)",
)
if FAST:
    # build_kind reads only the vocabularies; the full run's reach max_words (8000) each
    full = translation.Config()
    full_size = SimpleNamespace(
        source_vocabulary=[f"word{i}" for i in range(full.max_words)],
        class_names=[*data.class_names[:4], *(f"word{i}" for i in range(full.max_words))],
    )
    sizes = sizes.to_frame()
    sizes["parameters (default sizes)"] = pd.Series(
        {kind: translation.build_kind(full, full_size, kind).count_params() for kind in kinds}
    )
sizes.rename_axis("kind")

# %% [markdown]
# La columna que importa es la de los tamaños por defecto (256 unidades en
# las LSTM, 160 en el Transformer y 8000 palabras por idioma, el tope al
# que llegan los vocabularios del caso completo). En las variantes
# recurrentes, la mayor parte de los parámetros
# está en los dos *embeddings* y en la capa de salida, que tiene un peso por
# cada pareja (unidad, palabra de destino), no en las LSTM. La atención
# añade poco: la capa densa de la consulta y una entrada más ancha en la
# capa que junta el contexto con la salida del decodificador. La BiLSTM, con
# la mitad de unidades por sentido, tiene un codificador algo más pequeño
# que la LSTM hacia delante de 256 unidades, y con su atención queda a la
# par de `"seq2seq"`. En el Transformer, los *embeddings* tienen la
# anchura del modelo (`transformer_units`, no `embedding_dim`) y cada bloque
# lleva las proyecciones de sus capas de atención y dos capas densas, una de
# ellas cuatro veces más ancha. Con la anchura de las LSTM (256) tendría
# casi el doble de parámetros (9,9 millones); por eso su anchura por
# defecto es 160, con la que queda a la par (5,3 millones) y la comparación
# es justa. El banco de pruebas mide también la versión ancha.
#
# ## 6. Entrenar, comparar y medir
#
# `translation.train` entrena cada variante de `config.models` sobre los
# mismos pares, con la misma semilla: forzado del profesor, Adam con recorte
# de la norma del gradiente, una tasa de aprendizaje que baja cada 5 épocas
# y parada temprana por la pérdida de validación (con un tope de tiempo por
# ajuste). El Transformer empieza con una tasa menor, 0,0007
# (`transformer_learn_rate`): con la de las LSTM, 0,002, se estancaba.
# Luego traduce (voraz) las primeras `selection_pairs` frases de
# validación con cada una y **se queda con la de mejor BLEU de validación**
# (`run.kept`). La prueba no interviene en la elección.

# %%
run = translation.train(config, data)
print("kept:", run.kept)
pd.DataFrame(
    {
        kind: {
            "epochs": len(fitted["history"]["loss"]),
            "train seconds": fitted["seconds"],
            "last val loss": fitted["history"]["val_loss"][-1],
            "validation BLEU (greedy)": fitted["val_bleu"],
        }
        for kind, fitted in run.compared.items()
    }
).T.round(3)

# %% [markdown]
# ### BLEU y chrF
#
# `translation.evaluate` traduce las frases de prueba con la **búsqueda en
# haz** (anchura `beam_width`) con cada variante y las puntúa contra la
# referencia de Tatoeba con dos medidas:
#
# - **BLEU** (Papineni et al., 2002), la del cuaderno 12: la media
#   geométrica de las precisiones de 1, 2, 3 y 4-gramas de palabras
#   (contadas sobre todo el corpus), multiplicada por una penalización si
#   las traducciones son más cortas que las referencias. Aquí, de 0 a 100. El problema de
#   BLEU es que el número depende de **cómo se parta el texto** en palabras
#   (¿«don't» es una o dos?, ¿va el punto aparte?), y durante años los
#   artículos dieron cifras que no se podían comparar. **sacreBLEU** (Post,
#   2018) fija esas decisiones y resume en una **firma** todo lo que hace
#   falta para reproducir la cifra. Por eso puntuamos el texto
#   reconstruido con `detokenize`, no nuestras unidades: sacreBLEU lo parte
#   a su manera, siempre igual.
# - **chrF** (Popović, 2015): compara **n-gramas de caracteres** (hasta 6)
#   en lugar de palabras, y combina precisión y exhaustividad dando el doble
#   de peso a esta (β = 2). Da crédito parcial a una palabra casi bien
#   («comió» frente a «comía»), lo que en español, con tantas formas por
#   verbo, es justo. También de 0 a 100.
#
# Las dos son parecido de texto con **una sola** referencia: una traducción
# correcta pero dicha de otra forma puntúa poco.

# %%
metrics = translation.evaluate(run)
run.metrics = metrics  # what translation.figures reads, as `lstm-apps run` leaves it
print("BLEU signature:", run.report["bleu_signature"])
print("chrF signature:", run.report["chrf_signature"])
pd.DataFrame(
    {
        kind: {
            "BLEU": metrics[f"{kind}_bleu"],
            "chrF": metrics[f"{kind}_chrf"],
            "parameters": metrics[f"{kind}_parameters"],
            "train seconds": metrics[f"{kind}_train_seconds"],
        }
        for kind in run.compared
    }
).T.round(2)

# %% [markdown]
# La firma se lee por campos: `nrefs:1` (una referencia por frase),
# `case:mixed` (distingue mayúsculas), `tok:13a` (la forma estándar de
# partir el texto), `smooth:exp` (el suavizado de los n-gramas que no
# aparecen) y la versión de sacreBLEU. Quien dé un BLEU sin su firma está
# dando un número difícil de comparar.
#
# `translation.figures` dibuja las curvas de aprendizaje de las variantes
# comparadas, el BLEU por longitud y los mapas de atención, y escribe al lado
# `translations.md` con las peores traducciones. Las curvas (discontinua, la
# pérdida de entrenamiento; continua, la de validación):

# %%
figure_paths = {p.stem: p for p in translation.figures(run, work_dir / "figures")}
display(Image(filename=figure_paths["learning_curves"]))

# %% [markdown]
# ### BLEU por longitud: donde el vector de contexto se queda corto
#
# `evaluate` también reparte las frases de prueba según su longitud en el
# idioma de origen (en unidades: palabras y signos) y calcula el BLEU de
# cada grupo. Si el argumento de la sección 3 es cierto, la variante sin
# atención debería perder más terreno que las demás en los grupos de frases
# largas. Ojo con los grupos pequeños: el último tiene pocas frases y su
# BLEU varía mucho de una semilla a otra.

# %%
buckets = ["1_5", "6_8", "9_11", "12_15", "16_plus"]
by_length = pd.DataFrame(
    {kind: [metrics.get(f"{kind}_bleu_len_{b}", np.nan) for b in buckets] for kind in run.compared},
    index=pd.Index([b.replace("_plus", "+").replace("_", "-") for b in buckets], name="tokens"),
)
by_length.insert(0, "test pairs", [int(metrics[f"pairs_len_{b}"]) for b in buckets])
display(by_length.round(2))
display(Image(filename=figure_paths["bleu_by_length"]))

# %% [markdown]
# ### El mapa de atención
#
# Para las primeras frases de prueba (de hasta 14 unidades), el modelo con
# atención traduce con la búsqueda en haz y dibujamos sus pesos: cada fila
# es una palabra escrita (la última, `<end>`), cada columna una palabra del
# original, y cuanto más claro, más peso. En un modelo bien entrenado se ve
# una diagonal aproximada, con cruces donde cambia el orden («coche rojo» →
# «red car»), y los signos finales de interrogación o exclamación mirando a
# los del original. En la variante rápida, con dos épocas, los pesos son
# casi uniformes: la red aún no ha aprendido dónde mirar.

# %%
if "attention_maps" in figure_paths:
    display(Image(filename=figure_paths["attention_maps"]))
else:
    print("No model with attention was compared: add 'attention' or 'bilstm' to config.models.")

# %% [markdown]
# ### Las peores traducciones
#
# Una cifra media esconde los fallos. `run.report["worst"]` guarda las 20
# traducciones de prueba con el chrF por frase más bajo (el del modelo que se
# guardó), con el original y la referencia. Suelen ser de cuatro tipos:
# palabras que no están en el vocabulario (nombres propios, palabras raras),
# frases largas, repeticiones («I I I») y traducciones correctas que
# simplemente no se parecen a la única referencia.

# %%
pd.DataFrame(run.report["worst"]).head(10)

# %% [markdown]
# ### Voraz frente a búsqueda en haz
#
# Como en el cuaderno 12: la traducción **voraz** (*greedy*) toma en cada
# paso la palabra más probable; la **búsqueda en haz** guarda las
# `beam_width` traducciones parciales más probables y decide al final. Las
# tablas dan el logaritmo de la probabilidad de cada traducción (`log p`,
# tanto más negativo cuanto menos probable). Para
# que las frases largas no salgan perdiendo por multiplicar más
# probabilidades, cada candidata se puntúa con `log p / longitud **
# length_penalty`. `metrics["greedy_bleu"]` es el BLEU voraz del modelo
# guardado, y `metrics["bleu"]` el de la búsqueda en haz:

# %%
print(f"kept model ({run.kept}): beam BLEU {metrics['bleu']:.2f}, "
      f"greedy BLEU {metrics['greedy_bleu']:.2f}")  # fmt: skip
shown = data.x_test[:6]
greedy, greedy_logp = scores.translate(
    run.model, vocabulary, shown, max_length=config.max_output_words
)
beam, beam_logp = scores.translate(
    run.model, vocabulary, shown, beam_width=config.beam_width,
    length_penalty=config.length_penalty, max_length=config.max_output_words,
)  # fmt: skip
pd.DataFrame(
    {
        "source": data.text_test[:6],
        "reference": data.y_test[:6],
        "greedy": greedy,
        "log p(greedy)": greedy_logp,
        f"beam (k={config.beam_width})": beam,
        "log p(beam)": beam_logp,
    }
).round(2)

# %% [markdown]
# La búsqueda en haz explora más traducciones y suele encontrar una igual de
# probable o más para el modelo; si eso se traduce en más BLEU depende de lo
# bien entrenado que esté. Con un modelo flojo, la frase más probable puede
# ser la más corta o la más repetitiva.
#
# ## 7. Traducir tus propias frases
#
# `translation.predict(run, frases)` parte cada frase con `tokenize`, la
# traduce con la búsqueda en haz y devuelve la traducción y la probabilidad
# que le da el modelo. Las palabras que el modelo no conoce pasan a ser
# `<unk>`, y el decodificador nunca escribe `<unk>`. En la variante rápida
# las traducciones no tienen sentido; con el caso completo, las frases
# cortas y corrientes suelen salir bien.

# %%
own = [
    "¿Dónde está la biblioteca?",
    "Mañana voy a comprar pan.",
    "No sé si ella vendrá a la fiesta.",
]
if config.direction == "en-es":
    own = ["Where is the library?", "I'm going to buy bread tomorrow."]
pd.DataFrame(translation.predict(run, own), index=own, columns=["translation", "probability"])

# %% [markdown]
# ### Desde la terminal
#
# La orden `lstm-apps` hace lo mismo que este cuaderno. `run` entrena,
# evalúa y guarda una carpeta con la configuración, las métricas, el modelo
# `.keras` (con el vocabulario de origen dentro), las figuras y
# `translations.md`; `predict` carga el modelo de esa carpeta y traduce una
# frase, o un archivo `.txt` con una frase por línea:
#
# ```bash
# lstm-apps run translation                                  # the four kinds, es -> en
# lstm-apps run translation --set models=attention --set direction=en-es
# lstm-apps run translation --fast                           # the quick variant
# lstm-apps predict RUN_DIR "¿Dónde está la biblioteca?"     # translation and its probability
# lstm-apps predict RUN_DIR frases.txt                       # one sentence per line
# ```
#
# `RUN_DIR` es la carpeta que `lstm-apps run` indica al terminar.
#
# Para servir el traductor sin Python ni este paquete, `lstm-apps export
# RUN_DIR --format saved_model` escribe un *SavedModel* de TensorFlow que
# recibe frases tal cual y devuelve su traducción: la partición en
# unidades (con expresiones regulares), la búsqueda voraz y el vocabulario
# de destino van dentro del grafo. Antes de dejarlo en su sitio, la
# exportación lo vuelve a cargar y comprueba que escribe las mismas palabras
# que la búsqueda voraz del paquete en 64 frases de prueba; si alguna
# difiere, no escribe nada.
#
# ```python
# translator = tf.saved_model.load("RUN_DIR/saved_model")
# translator.serve(tf.constant(["¿Dónde está la biblioteca?"]))["translation"]
# ```
#
# ## 8. Cifras medidas
#
# Las cifras de este cuaderno en la variante rápida solo comprueban que todo
# funciona. Las del caso completo salen del banco de pruebas
#
# ```bash
# python benchmarks/translation.py
# ```
#
# que ejecuta `lstm-apps run translation` con una sola variante cada vez:
# español → inglés sin atención, con atención de Luong, con la de Bahdanau,
# con el codificador bidireccional y con el Transformer, y además inglés →
# español con atención de Luong. Guarda los resultados en
# `benchmarks/results/translation.json`. Si ese archivo existe, lo leemos:

# %%
RESULTS_DIR = next(
    (
        folder
        for folder in (
            Path(lstm_apps.__file__).resolve().parents[1] / "benchmarks" / "results",
            Path("../benchmarks/results"),
            Path("benchmarks/results"),
        )
        if folder.is_dir()
    ),
    Path("../benchmarks/results"),
)
results_path = RESULTS_DIR / "translation.json"


def describe(settings, variant):
    """The Config changes of a benchmark variant, as `name=value` text."""
    chosen = settings.get(variant, {}).get("settings", {})
    return ", ".join(f"{k}={'+'.join(v) if isinstance(v, list) else v}" for k, v in chosen.items())


if results_path.exists():
    sys.path.insert(0, str(RESULTS_DIR.parent))  # benchmarks/common.py reads the results schema
    from common import read_results

    record = read_results(results_path)
    settings = record["config"].get("variants", {})
    rows = pd.DataFrame([{"variant": r["variant"], **r["metrics"]} for r in record["runs"]])
    columns = {
        "bleu": "BLEU",
        "chrf": "chrF",
        "greedy_bleu": "greedy BLEU",
        "bleu_len_1_5": "BLEU 1-5 tokens",
        "bleu_len_16_plus": "BLEU 16+ tokens",
        "train_seconds_model": "train seconds",
        "epochs": "epochs",
    }
    measured = rows.groupby("variant", sort=False)[[c for c in columns if c in rows]].mean()
    measured.insert(0, "seeds", rows.groupby("variant", sort=False).size())
    measured.insert(0, "settings", [describe(settings, v) for v in measured.index])
    print(f"read {results_path} ({record['created']}, {record['machine']})")
    print("command:", record["command"])
    display(measured.rename(columns=columns).round(2))
else:
    print(
        f"The translation benchmark has not been run yet: there is no {results_path.name} in "
        f"{RESULTS_DIR.resolve()}. Create it from the repository root with "
        "`python benchmarks/translation.py` (hours on a CPU)."
    )

# %% [markdown]
# Cómo leer la tabla, si ya está: cada fila es una ejecución completa (o la
# media de sus semillas, columna `seeds`), con el BLEU y el chrF de la
# búsqueda en haz sobre las mismas 2000 frases de prueba, el BLEU voraz, el
# BLEU de las frases más cortas y de las más largas, y los segundos de
# entrenamiento del modelo. Lo que hay que buscar:
#
# - la distancia entre `seq2seq` y las variantes con atención, y sobre todo
#   si esa distancia **crece en las frases largas** (columna de 16 o más
#   unidades), que es lo que predice el argumento del vector de contexto;
# - si Luong y Bahdanau se separan o quedan a la par;
# - si la BiLSTM aporta algo sobre la LSTM hacia delante con el mismo
#   número de parámetros;
# - dónde queda el Transformer, y a qué precio en tiempo;
# - si traducir hacia el español (`en_es_attention`) puntúa distinto que
#   hacia el inglés. Ojo: el BLEU de dos idiomas de destino distintos no se
#   compara directamente, porque la referencia y su forma de partirse
#   cambian.
#
# Una sola semilla y 2000 frases de prueba dan diferencias de BLEU de un
# punto o menos que pueden ser ruido: antes de dar una variante por mejor,
# conviene repetirla con otras semillas
# (`python benchmarks/translation.py --seeds 0 1 2`).
