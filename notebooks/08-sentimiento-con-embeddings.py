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
# # 08 · Sentimiento de reseñas con *embeddings* de palabras
#
# Entre los ejemplos del curso de una secuencia que da **una sola etiqueta**
# (*N a 1*) está el análisis de sentimiento: la red lee una reseña palabra a
# palabra y, al final, dice si es positiva o negativa. El esquema es siempre
# el mismo:
#
# $$
# \text{palabras} \;\rightarrow\; \text{números de palabra} \;\rightarrow\;
# \textit{embedding} \;\rightarrow\; \text{LSTM} \;\rightarrow\; P(\text{positiva})
# $$
#
# ¿Por qué un *embedding* y no una codificación *one-hot*? Con 20 000
# palabras en el vocabulario, cada palabra en *one-hot* sería un vector de
# 20 000 ceros con un único uno. Eso tiene dos problemas:
#
# - **Es enorme y casi vacío.** La primera capa de la LSTM necesitaría una
#   fila de pesos por cada palabra del vocabulario y por cada una de sus
#   puertas.
# - **Todas las palabras quedan a la misma distancia.** "excelente" se parece
#   tanto a "estupendo" como a "horrible": la red no puede aprovechar lo que
#   aprendió de una palabra para otra parecida.
#
# Un *embedding* es una tabla de vectores densos y cortos (aquí de 32 a 64
# números), una fila por palabra, que **se aprende junto con el resto de la
# red**. Leer una palabra es solo buscar su fila. Como las palabras que
# aparecen en contextos parecidos empujan la red en la misma dirección, sus
# vectores acaban pareciéndose, y lo veremos al final del cuaderno.
#
# El plan:
#
# 1. los datos: las 50 000 reseñas de cine de IMDB;
# 2. del texto a los números: normalizar, vocabulario, relleno y máscara;
# 3. entrenar la red recurrente y compararla con **líneas base fuertes**;
# 4. evaluar y mirar los errores más seguros;
# 5. qué aprendió el *embedding*;
# 6. predecir reseñas nuevas;
# 7. usar un archivo propio, en español.

# %%
import os
import tempfile
import textwrap
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from sklearn.metrics import roc_curve

import lstm_apps.plots
from lstm_apps.data.reviews import read_labelled_text
from lstm_apps.models.text import standardize_text, standardize_text_without_accents
from lstm_apps.tasks import run_case_study, sentiment
from lstm_apps.tasks.sentiment import plots as sentiment_plots
from lstm_apps.tasks.sentiment.comparison import LABELS
from lstm_apps.tasks.sentiment.data import encode, length_batches
from lstm_apps.tasks.sentiment.explain import (
    PROBE_WORDS,
    confident_mistakes,
    embedding_matrix,
    nearest_words,
)
from lstm_apps.tasks.sentiment.networks import text_probabilities

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` se usa una variante diminuta: 2 000 reseñas de
# entrenamiento y 500 de prueba, cortadas a 80 palabras, un vocabulario de
# 4 000 palabras y tres épocas. Entrena una BiLSTM, una bolsa de *embeddings*
# y TF-IDF en unos 30 segundos y solo sirve para comprobar que el cuaderno
# funciona de principio a fin: **en ese modo las cifras no significan casi
# nada**.
#
# Sin esa variable se usa el IMDB completo (25 000 reseñas para entrenar y
# 25 000 para probar) con una BiLSTM de 128 unidades por sentido sobre las
# **últimas** 500 palabras de cada reseña, un vocabulario de 30 000
# palabras y vectores de 128 números que parten de word2vec (sección 2), y
# se compara solo con TF-IDF. Tarda unos 15 minutos en una CPU de dos
# núcleos.
#
# Los ajustes del entrenamiento (épocas, tamaño de lote, tasa de aprendizaje,
# paciencia, semilla...) viven en su propia sección, `config.training`, con los
# nombres de `trainingOptions` de MATLAB: `max_epochs`, `mini_batch_size`,
# `initial_learn_rate`, `validation_patience`, `seed`, `verbose`. Se cambian con
# `config.replace(training=dict(max_epochs=6))`.
#
# Todo lo que escribe el cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
if FAST:
    # una pasada de word2vec (en lugar de 5): en modo rápido basta con que funcione
    config = sentiment.Config.fast(word2vec_epochs=1, training=dict(verbose=0))
else:
    config = sentiment.Config(
        models=("bilstm", "tfidf"),
        vocabulary_size=30000,
        max_length=500,
        keep="end",
        pooling="max_mean",
        embedding_dropout=0.3,
    ).replace(training=dict(verbose=2))
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_08_"))
run_dir = work_dir / "imdb_run"
print("FAST:", FAST)
print("work folder:", work_dir)
print(config)

# %% [markdown]
# ## 1. Los datos: reseñas de IMDB
#
# El conjunto *Large Movie Review Dataset* (Maas et al., 2011) reúne 50 000
# reseñas de películas escritas en inglés por usuarios de IMDB. Una reseña
# es **negativa** si su nota es de 1 a 4 sobre 10 y **positiva** si es de 7 a
# 10; las notas intermedias no están. Los autores las repartieron en
# 25 000 para entrenar y 25 000 para probar, con la mitad de cada clase y sin
# que una misma película aparezca en las dos partes. Usamos ese reparto
# oficial tal cual, así las cifras se pueden comparar con las publicadas.
# Del entrenamiento se aparta además un 10 % para validación, que decide
# cuándo parar de entrenar y qué modelo quedarse.
#
# `sentiment.load_data` lee las reseñas, las reparte y prepara los números de
# palabra (lo veremos en la sección 2). El entrenamiento de la sección 3
# vuelve a hacerlo por su cuenta; aquí lo llamamos para mirar los datos antes.

# %%
data = sentiment.load_data(config)
print("source:", data.source)
print("sizes:", data.sizes())
print("classes:", data.class_names)
print("training texts per class:", np.bincount(data.y_train))

# %% [markdown]
# Dos reseñas de entrenamiento, una de cada clase. Fíjate en las etiquetas
# `<br />`: el texto original conserva los saltos de línea de la web, y hay
# que quitarlos antes de contar palabras.


# %%
def first_review(label, least=40, most=120):
    """The first training review of a class with between `least` and `most` words."""
    for text, code in zip(data.text_train, data.y_train):
        if code == label and least <= len(text.split()) <= most:
            return text
    return data.text_train[int(np.flatnonzero(data.y_train == label)[0])]


for code, name in enumerate(data.class_names):
    print(f"--- {name} ---")
    print(textwrap.fill(first_review(code), width=100), "\n")

# %% [markdown]
# Las reseñas tienen longitudes muy distintas: la mayoría ocupa entre 100 y
# 300 palabras, pero unas pocas pasan de 1 000. La línea roja marca
# `max_length`, las palabras que la red lee de cada reseña; de las más largas
# se queda con el principio (`keep="start"`) o con el final (`keep="end"`).
# La configuración completa usa el final, porque la opinión de conjunto
# suele llegar en las últimas frases ("en resumen, no la recomiendo").

# %%
lengths = np.array([len(text.split()) for text in data.text_train])
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(lengths, bins=np.arange(0, 1200, 25), color="tab:blue")
ax.axvline(config.max_length, color="tab:red", label=f"max_length = {config.max_length}")
ax.set_xlabel("words per review (split on spaces)")
ax.set_ylabel("training reviews")
ax.legend()
fig.tight_layout()
plt.show()
print(
    f"median {np.median(lengths):.0f} words; {np.mean(lengths > config.max_length):.0%} "
    f"of the reviews are longer than max_length"
)

# %% [markdown]
# ## 2. Del texto a los números
#
# ### Normalizar el texto
#
# Antes de separar palabras, `standardize_text` pasa todo a minúsculas,
# quita los `<br />` y cambia por espacios todo lo que no sea una letra (de
# cualquier alfabeto), un número o un apóstrofo. Así "Great!" y "great"
# son la misma palabra, y los signos de apertura del español, ¿ y ¡, no se
# quedan pegados a la palabra siguiente. Las tildes y la ñ se mantienen.
# La variante `standardize_text_without_accents` quita además las tildes
# (á → a, ü → u), pero **no** la ñ, que en español es una letra distinta:
# "año" y "ano" no deben confundirse. Es útil con textos escritos deprisa,
# donde las tildes aparecen unas veces sí y otras no.

# %%
examples = [
    "This movie was GREAT!<br /><br />I'd watch it again... 10/10",
    "¿Qué película es ésta? ¡Qué año más MALO para el cine español!<br />Señor, qué pena.",
]


def show(function, text):
    """The standardized text, as Python text (TensorFlow returns UTF-8 bytes)."""
    return np.asarray(function(np.array([text], dtype=object)))[0].decode("utf-8")


for text in examples:
    print("original:        ", text)
    print("standardize_text:", show(standardize_text, text))
    print("without accents: ", show(standardize_text_without_accents, text))
    print()

# %% [markdown]
# ### El vocabulario se aprende solo del entrenamiento
#
# El vectorizador (`keras.layers.TextVectorization`) cuenta las palabras de
# las reseñas **de entrenamiento** y se queda con las `vocabulary_size` más
# frecuentes. Cada una recibe un número: el 0 se reserva para el relleno
# (*padding*) y el 1 para cualquier palabra desconocida (`[UNK]`). Las
# reseñas de prueba no intervienen: si lo hicieran, el modelo "sabría" de
# antemano qué palabras van a salir en el examen, y la evaluación sería un
# poco optimista.

# %%
vocabulary = data.vocabulary
print("vocabulary size:", len(vocabulary))
print("first 20 entries:", [str(w) for w in vocabulary[:20]])

# %% [markdown]
# Una frase se convierte en su lista de números de palabra. Las palabras
# que no están en el vocabulario se vuelven 1 (`[UNK]`); si el vocabulario es
# pequeño, como en el modo rápido, se pierden muchas.

# %%
sentence = "The acting was wooden, but the soundtrack was absolutely gorgeous"
ids = encode(data.vectorizer, [sentence], config.max_length)[0]
print("ids:  ", ids.tolist())
print("words:", [str(vocabulary[i]) for i in ids])
test_ids = np.concatenate(data.x_test)
print(f"share of [UNK] in the test reviews: {np.mean(test_ids == 1):.1%}")

# %% [markdown]
# ### Relleno, máscara y lotes por longitud
#
# Una red se entrena con **mini-lotes**, y un lote es una matriz: todas sus
# filas deben tener el mismo número de pasos. Las reseñas más cortas se
# **rellenan** con ceros por la derecha hasta la longitud de la más larga
# del lote. La capa `Embedding` se crea con `mask_zero=True`, de modo que
# cada 0 lleva asociada una **máscara** que dice "esto no es una palabra":
# la LSTM no actualiza su estado en esos pasos y la media de la bolsa de
# *embeddings* no los cuenta.
#
# Veámoslo con un lote de tres frases cortas, formado con
# `length_batches` (de `lstm_apps.tasks.sentiment.data`), que forma los lotes
# igual que el entrenamiento:

# %%
short = ["great movie", "not good at all", "the worst film I have ever seen"]
short_ids = encode(data.vectorizer, short, config.max_length)
x, _ = next(length_batches(short_ids, np.zeros(len(short), "int64"), 3))
print("batch of word ids (0 = padding):")
print(x)
print("mask (True = a real word):")
print(x != 0)

# %% [markdown]
# El relleno no cambia el resultado, pero **sí cuesta tiempo**: la LSTM
# recorre todos los pasos de la matriz, también los de relleno. Si un lote
# junta una reseña de 30 palabras con otra de 500, la de 30 paga 470 pasos
# para nada. Por eso el entrenamiento **agrupa reseñas de longitud
# parecida** en cada lote, y baraja el orden de los lotes en cada época: una
# reseña corta viaja con otras cortas y cuesta poco.
#
# Contemos las celdas (filas × pasos) que tendrían los lotes de 64 reseñas
# de una época, de las dos maneras. Para que se note, cortamos las reseñas a
# 500 palabras, como en la configuración completa (en el modo rápido se
# cortan a 80 y casi todas llegan al tope, así que apenas habría
# diferencia).

# %%
CUT = 500  # the full configuration's max_length
batch_size = config.training.mini_batch_size
long_ids = encode(data.vectorizer, data.text_train, CUT)
train_lengths = np.array([max(1, len(ids)) for ids in long_ids])
rng = np.random.default_rng(0)
shuffled = rng.permutation(len(train_lengths))
random_cells = sum(
    len(batch) * train_lengths[batch].max()
    for batch in np.array_split(shuffled, -(-len(shuffled) // batch_size))
)
sorted_cells = sum(x.size for x, _ in length_batches(long_ids, data.y_train, batch_size, rng))
words = train_lengths.sum()
print(f"real words:               {words:>12,}")
print(f"cells, random batches:    {random_cells:>12,} ({words / random_cells:.0%} are words)")
print(f"cells, batches by length: {sorted_cells:>12,} ({words / sorted_cells:.0%} are words)")

# %% [markdown]
# Con lotes al azar, más de la mitad de las celdas son relleno: casi cada
# lote contiene alguna reseña que llega al tope de 500 palabras, y todas las
# demás se rellenan hasta ahí. Agrupando por longitud, casi todas las
# celdas son palabras de verdad, y una época cuesta menos de la mitad.

# %% [markdown]
# ### Vectores de partida: word2vec sobre las reseñas de entrenamiento
#
# Las etiquetas enseñan poco sobre cada palabra: 25 000 reseñas dicen si
# una opinión es buena o mala, pero no que "awful" y "dreadful" se usan
# igual. El **texto** de esas mismas reseñas, sin mirar las etiquetas, sí lo
# dice: dos palabras que aparecen rodeadas de las mismas palabras suelen
# significar algo parecido. Eso es lo que aprende **word2vec** (Mikolov et
# al., 2013) en su variante *skip-gram*: un vector por palabra tal que, a
# partir del vector de una palabra, se puedan adivinar las palabras que la
# rodean (aquí, hasta 5 a cada lado).
#
# Con `embedding_init="word2vec"` (el valor por defecto) `load_data` entrena
# word2vec (con la biblioteca gensim) sobre las reseñas **de entrenamiento**
# completas, y el *embedding* de cada red empieza con esos vectores en
# lugar de con números al azar; después se sigue ajustando con las
# etiquetas. Las reseñas de prueba no se leen. Con `embedding_init="random"`
# se parte de cero, y con `embeddings_path=` de un archivo de vectores ya
# entrenados (GloVe, word2vec o fastText).
#
# Los vecinos de unas palabras **antes** de entrenar ninguna red, solo con
# word2vec:

# %%
print(f"word2vec: {data.embedding_seconds:.0f} s, {data.coverage:.1%} of the vocabulary")
start_neighbours = nearest_words(
    data.embeddings, data.vocabulary, ["awful", "great", "boring"], k=6
)
for word, found in start_neighbours.items():
    print(f"{word:>8}:", ", ".join(w for w, _ in found))

# %% [markdown]
# Ya antes de ver una sola etiqueta, "awful" está junto a "terrible" y
# "horrible", y "great" junto a "excellent" o "wonderful". La red no tiene
# que descubrir desde cero que esas palabras se parecen; solo tiene que
# aprender hacia qué lado empuja cada grupo. En el IMDB completo este punto
# de partida subió la exactitud de la BiLSTM de 0,876 a 0,906 (la tabla
# del README da las cifras medidas).

# %% [markdown]
# ## 3. Los modelos y las líneas base fuertes
#
# `run_case_study("sentiment", config, run_dir)` entrena, sobre el mismo
# reparto, todos los modelos de `config.models`:
#
# - **embedding + BiLSTM**: una LSTM lee la reseña de izquierda a derecha y
#   otra de derecha a izquierda; la cabeza lee sus estados finales (o, con
#   `pooling="max_mean"`, el máximo y la media de sus salidas a lo largo de
#   la reseña). También hay `lstm`, `gru` y `cnn_lstm`.
# - **bolsa de *embeddings*** (`bag_of_embeddings`): la media de los vectores
#   de las palabras y una capa densa. No tiene en cuenta el orden: es la
#   forma de ver cuánto aporta la LSTM.
# - **TF-IDF + regresión logística** (`tfidf`, con scikit-learn): cada reseña
#   es un vector con el peso de cada palabra y de cada pareja de palabras
#   seguidas, y un clasificador lineal. La C de la regresión se elige con la
#   validación.
#
# De las redes recurrentes se queda con la de mejor exactitud en
# validación, y la guarda **con el vectorizador dentro**: el modelo de la
# carpeta de ejecución lee texto tal cual.

# %%
run = run_case_study("sentiment", config, run_dir)
results, best = run.results, run.best
print("kept model:", best)
print(
    f"test accuracy {run.metrics['accuracy']:.3f}, macro-F1 {run.metrics['macro_f1']:.3f}, "
    f"ROC-AUC {run.metrics['roc_auc']:.3f}"
)
print("run folder:", sorted(p.name for p in run_dir.iterdir()))

# %% [markdown]
# `run.results` guarda, para cada modelo, sus probabilidades y sus cifras sobre
# las reseñas de prueba (`accuracy`, `macro_f1`, `roc_auc`, `validation_accuracy`,
# `train_seconds`), y `run.best` el nombre del modelo que se quedó.
#
# La red que se quedó, sobre números de palabra (en `run.networks`). Casi
# todos sus parámetros están en el *embedding*: `vocabulary_size` filas por
# `embedding_dim` columnas.

# %%
run.networks[best].summary()

# %%
lstm_apps.plots.plot_training_progress(run.history)
plt.show()

# %% [markdown]
# La tabla de comparación (la misma que `comparison.md` en la carpeta de
# ejecución) y su figura. La columna *train s* son los segundos de
# entrenamiento de cada modelo.

# %%
display(Markdown(sentiment_plots.comparison_table(results, best)))
sentiment_plots.plot_comparison(results)
plt.show()

# %% [markdown]
# Hay que decirlo con claridad: **TF-IDF + regresión logística es una línea
# base muy fuerte en IMDB**. Las reseñas son largas y están llenas de
# palabras que delatan la opinión ("worst", "waste", "superb", "7/10"), y
# las parejas de palabras ("not good", "well worth") recogen buena parte de
# las negaciones. Un modelo lineal con esos rasgos llega a cerca del 90 % de
# exactitud en un minuto. Con el IMDB completo, una BiLSTM con el
# *embedding* entrenado **desde cero** se quedó en 0,876, tres puntos por
# debajo; partiendo de los vectores de word2vec llegó a 0,906, a la par de
# TF-IDF (0,904), pero tardando varias veces más. Las redes recurrentes
# destacan cuando hay muchos más datos, cuando se parte de buenos vectores
# de palabras o cuando el orden importa más que en una reseña de cine. Por
# eso la comparación se hace siempre: sin una línea base no sabríamos si la
# LSTM aporta algo.
#
# Las cifras con todos los datos están en la tabla de sentimiento del
# README, medidas con `python benchmarks/sentiment.py`. Las de este cuaderno
# en modo rápido (2 000 reseñas, 80 palabras) no sirven para comparar.
#
# ## 4. Evaluación
#
# ### Matriz de confusión
#
# Las filas son la clase verdadera y las columnas la predicha, sobre las
# reseñas de prueba, con el modelo recurrente que se quedó.

# %%
probabilities = results[best].probabilities
predicted = probabilities.argmax(axis=1)
labels = run.data.y_test
lstm_apps.plots.plot_confusion_matrix(labels, predicted, run.data.class_names)
plt.show()

# %% [markdown]
# ### La curva ROC
#
# La exactitud usa un umbral fijo: positiva si $P(\text{positiva}) > 0.5$.
# La curva ROC recorre **todos** los umbrales y, para cada uno, dibuja qué
# parte de las positivas se detecta (tasa de verdaderos positivos) frente a
# qué parte de las negativas se cuela como positiva (falsos positivos). El
# área bajo la curva (ROC-AUC) es la probabilidad de que una reseña positiva
# al azar reciba más puntuación que una negativa al azar: 0,5 es tirar una
# moneda y 1 es ordenarlas perfectamente.

# %%
fig, ax = plt.subplots(figsize=(4.5, 4.5))
for kind, result in results.items():
    fpr, tpr, _ = roc_curve(labels, result.probabilities[:, 1])
    ax.plot(fpr, tpr, label=f"{LABELS[kind]} (AUC {result.roc_auc:.3f})")
ax.plot([0, 1], [0, 1], color="gray", linestyle=":", label="chance")
ax.set_xlabel("false positive rate")
ax.set_ylabel("true positive rate")
ax.set_title("ROC on the test reviews")
ax.legend(fontsize="small", loc="lower right")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Los errores más seguros
#
# Los errores más instructivos son aquellos en los que el modelo estaba
# **muy seguro** y se equivocó. `confident_mistakes` los ordena
# por la probabilidad que el modelo dio a la clase equivocada (la carpeta
# de ejecución los guarda en `confident_mistakes.csv`).

# %%
mistakes = confident_mistakes(run.data, probabilities, count=6)
with pd.option_context("display.max_colwidth", 400):
    display(mistakes)

# %% [markdown]
# Con el modelo completo suelen aparecer siempre los mismos tipos de error:
#
# - **Sarcasmo e ironía**: "una obra maestra... del aburrimiento" está llena
#   de palabras positivas y es una crítica feroz. Para entenderla hace falta
#   saber de qué habla, no solo qué palabras usa.
# - **Negaciones y contrastes**: "no es mala en absoluto", o "los actores
#   son buenos, el guion es bueno, la fotografía es preciosa, y aun así es
#   aburridísima". Una LSTM *puede* aprender que "no" invierte lo que viene
#   detrás y que lo que sigue a "pero" pesa más, pero necesita muchos
#   ejemplos para hacerlo.
# - **Reseñas que cuentan el argumento**: si la película trata de una
#   tragedia, la reseña se llena de palabras tristes aunque la opinión sea
#   buena.
# - **Etiquetas discutibles**: algunas reseñas con nota 7 o 4 son, leídas, casi
#   neutras.
#
# ## 5. Qué aprendió el *embedding*
#
# Si el *embedding* ha aprendido algo, las palabras que la red usa de la
# misma manera deberían tener vectores parecidos. `nearest_words`
# busca, para cada palabra, las del vocabulario con el vector más parecido
# (por el coseno del ángulo entre los vectores). El *embedding* empezó con
# los vectores de word2vec, que juntan palabras que se usan igual, y después
# se ajustó para decidir el sentimiento, lo que junta palabras que empujan la
# decisión hacia el mismo lado. Los vecinos mezclan las dos cosas: compáralos
# con los de antes de entrenar (sección 2). Con `embedding_init="random"`
# solo quedaría la segunda, y los vecinos ya no serían sinónimos.

# %%
matrix = embedding_matrix(run.model)
neighbours = nearest_words(matrix, run.data.vocabulary, PROBE_WORDS, k=8)
print("embedding matrix (words, dimensions):", matrix.shape)
table = pd.DataFrame(
    {word: [w for w, _ in found] for word, found in neighbours.items()},
    index=pd.RangeIndex(1, 9, name="rank"),
)
display(table.T)

# %% [markdown]
# El mapa proyecta los vectores de las 200 palabras más frecuentes sobre
# sus dos **componentes principales** (las dos direcciones en las que más
# varían). El color es la probabilidad de "positiva" que da el modelo a
# cada palabra **sola**, como si fuera una reseña de una palabra. Con el
# modelo completo, las palabras de opinión se separan a lo largo de una
# dirección y las palabras neutras ("the", "movie", "and") se amontonan
# en el centro.

# %%
sentiment_plots.plot_embedding_map(run.model, run.data)
plt.show()

# %% [markdown]
# ## 6. Predecir reseñas nuevas
#
# `run.model` lee texto tal cual: dentro lleva el mismo vectorizador y el
# recorte a `max_length` palabras. `sentiment.predict(run, textos)` devuelve la clase más
# probable y su probabilidad. Probamos frases cortas, algunas con negación.
# (Con el modelo del modo rápido muchas saldrán mal: ha visto muy pocas
# reseñas.)

# %%
reviews = [
    "One of the best films I have seen this year, the cast is wonderful.",
    "A complete waste of time. Boring, predictable and badly acted.",
    "Not bad at all! I expected much less.",
    "It is not good, and it is not funny either.",
    "The first hour is brilliant, but the ending ruins everything.",
]
rows = [
    {"review": text, "predicted": label, "probability": round(probability, 3)}
    for text, (label, probability) in zip(reviews, sentiment.predict(run, reviews))
]
with pd.option_context("display.max_colwidth", 100):
    display(pd.DataFrame(rows))

# %% [markdown]
# `text_probabilities` da las dos probabilidades de cada texto.
# Un buen ejercicio es ver cómo cambia la de "positiva" al añadir palabras
# a la misma frase:

# %%
steps = ["bad", "not bad", "not bad at all", "not bad at all, I loved it"]
p_positive = text_probabilities(run.model, steps)[:, 1]
for text, p in zip(steps, p_positive):
    print(f"P(positive) = {p:.3f}  {text!r}")

# %% [markdown]
# ## 7. Tus propios datos, en español
#
# El caso no está atado a IMDB. Cualquier CSV (o TSV) con una columna de
# texto y otra de etiqueta sirve, en cualquier idioma escrito en UTF-8 y
# con dos o más clases. Con `data=`, `text_column=` y `label_column=` se le
# dice dónde están. Si el archivo tiene una columna `split` con `train` y
# `test` (y, si se quiere, `validation`), se respeta ese reparto; si no, se
# aparta un 20 % para prueba y un 10 % del resto para validación, con la
# misma proporción de cada clase.
#
# Como ejemplo escribimos un CSV diminuto de opiniones de clientes con tres
# clases: `positiva`, `negativa` y `neutra`. Las frases se generan
# combinando un puñado de sujetos con un puñado de valoraciones, así que son
# artificiales y muy repetitivas: solo sirven para enseñar el mecanismo.

# %%
subjects = ["El hotel", "La comida", "El servicio", "La película", "El móvil", "La tienda"]
opinions = {
    "positiva": [
        "me encantó, ¡volveré seguro!",
        "es estupendo y muy barato",
        "superó lo que esperaba",
        "es de lo mejor que he probado este año",
        "está genial, lo recomiendo",
        "fue una maravilla de principio a fin",
    ],
    "negativa": [
        "fue un desastre, no lo recomiendo",
        "es carísimo y de muy mala calidad",
        "me decepcionó muchísimo",
        "¿quién puede pagar por esto? ¡Qué engaño!",
        "es horrible, no vuelvo",
        "llegó roto y nadie me atendió",
    ],
    "neutra": [
        "es normal, ni bueno ni malo",
        "cumple, sin más",
        "está en la media del año pasado",
        "es correcto para lo que cuesta",
        "no tiene nada especial",
        "es como los demás de la zona",
    ],
}
rows = [
    {"opinion": f"{subject} {phrase}", "clase": label}
    for label, phrases in opinions.items()
    for subject in subjects
    for phrase in phrases
]
csv_path = work_dir / "opiniones.csv"
pd.DataFrame(rows).sample(frac=1.0, random_state=0).to_csv(csv_path, index=False)
print(csv_path, f"({len(rows)} rows)")
print(csv_path.read_text(encoding="utf-8")[:300])

# %% [markdown]
# `read_labelled_text` es lo que usa el caso para leer el archivo. Lo
# comprueba antes de entrenar: que sea UTF-8, que existan las columnas, que
# no haya etiquetas vacías y que haya al menos dos clases. Si algo falla, el
# error dice qué y dónde. Por ejemplo, si nos equivocamos de nombre de
# columna, nos dice cuáles hay:

# %%
try:
    read_labelled_text(csv_path, text_column="texto", label_column="clase")
except ValueError as err:
    print("ValueError:", err)

# %%
frame = read_labelled_text(csv_path, text_column="opinion", label_column="clase")
print(frame["label"].value_counts().to_dict())
frame.head()

# %% [markdown]
# Ahora entrenamos el caso con ese archivo: una GRU diminuta (8 unidades,
# vectores de 8 números) durante solo dos épocas, frente a TF-IDF. Las
# clases son las etiquetas del archivo, ordenadas alfabéticamente.

# %%
custom_config = sentiment.Config(
    data=str(csv_path),
    text_column="opinion",
    label_column="clase",
    models=("gru", "tfidf"),
    units=8,
    embedding_dim=8,
).replace(training=dict(max_epochs=2, mini_batch_size=16, verbose=0))
custom_run = run_case_study("sentiment", custom_config, work_dir / "opiniones_run")
print("classes:", custom_run.data.class_names)
print("sizes:", custom_run.data.sizes())
display(Markdown(sentiment_plots.comparison_table(custom_run.results, custom_run.best)))

# %% [markdown]
# Con unas 80 frases de entrenamiento y dos épocas, la GRU casi no ha
# aprendido nada. TF-IDF, en cambio, solo tiene que fijarse en palabras
# como "desastre", "genial" o "normal", que aquí deciden la clase sin
# ambigüedad, y acierta casi todo. No es una sorpresa: es el mismo mensaje
# que en IMDB, llevado al extremo. Con pocos datos, un modelo lineal sobre
# palabras es difícil de batir; la red necesita miles de textos (y más
# épocas) para compensar.
#
# El modelo guardado lee texto en español igual que en inglés. Con esta GRU
# las probabilidades suelen quedar cerca de 1/3 para cada clase: no sabe
# decidir.

# %%
nuevas = [
    "El restaurante es genial, ¡me encantó!",
    "Un desastre: llegó tarde y frío.",
    "Es normal, cumple sin más.",
]
for text, (label, probability) in zip(nuevas, sentiment.predict(custom_run, nuevas)):
    print(f"{label:>9} ({probability:.2f})  {text}")

# %% [markdown]
# ## Resumen
#
# - En un problema *N a 1* de texto, la red lee **números de palabra**, los
#   convierte en vectores con un ***embedding*** aprendido y una LSTM (o
#   BiLSTM, o GRU) resume la secuencia en una predicción.
# - Antes hay que **normalizar** el texto (minúsculas, sin `<br />`, con ¿ y
#   ¡ separados) y construir el **vocabulario solo con el entrenamiento**.
# - Las reseñas de un lote se **rellenan** con ceros, que la **máscara**
#   ignora; agrupar reseñas de **longitud parecida** evita pagar pasos de
#   relleno.
# - Compara siempre con **líneas base**: en IMDB, TF-IDF + regresión
#   logística es dificilísima de batir con una red entrenada desde cero.
# - Mira los **errores más seguros**: sarcasmo, negaciones y contrastes son
#   los puntos débiles de un modelo de palabras.
# - El *embedding* agrupa las palabras por su efecto en la decisión.
# - Con `data=`, `text_column=` y `label_column=` el mismo caso sirve para
#   cualquier CSV etiquetado, también en español.
#
# Lo mismo desde la terminal:
#
# ```bash
# lstm-apps run sentiment                # IMDB, writes runs/sentiment-...
# lstm-apps run sentiment --set data=opiniones.csv \
#     --set text_column=opinion --set label_column=clase
# lstm-apps run sentiment --set training.max_epochs=6 --set training.seed=1
# lstm-apps predict RUN_DIR "texto"      # prediction for one text
# ```
#
# `lstm-apps predict` acepta también un archivo `.txt` con un texto por
# línea.
#
# ## Qué probar después
#
# - **Otra red**: `config.replace(models=("lstm", "gru", "cnn_lstm", "tfidf"))`.
# - **El principio o el final**: compara `keep="start"` con `keep="end"`.
# - **Vectores preentrenados**: con `embeddings_path=` apuntando a un archivo
#   de GloVe o fastText (y `freeze_embeddings=True` para no tocarlos).
# - **Sin tildes**: `strip_accents=True` en textos en español escritos con
#   prisa.
