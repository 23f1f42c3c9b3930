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
# # 14 · Tus propios datos
#
# Una red ajustada para un conjunto de referencia conocido (las vocales
# japonesas, las reseñas de IMDB, los pasajeros de avión) puede fallar en
# otros datos **sin avisar**. Se probó como lo haría un usuario nuevo: la
# LSTM que igualaba a MiniRocket en series de acelerómetro se quedaba en el
# 63 % en GunPoint, donde MiniRocket llega al 99 %, y nada lo decía; en
# textos en español, todas las redes recurrentes perdían contra una
# regresión logística sobre TF-IDF entrenada en el mismo momento.
#
# Por eso el paquete tiene tres estudios pensados para datos que nadie ha
# ajustado de antemano, con un nombre que dice lo que hacen:
#
# - **`sequences`**: secuencias propias (un CSV en formato largo, una carpeta
#   de archivos o `aeon:NOMBRE`); una CNN + LSTM y una LSTM frente a
#   MiniRocket y *gradient boosting* sobre resúmenes de cada secuencia.
# - **`text`**: textos etiquetados en cualquier idioma; una BiLSTM (y su
#   media con TF-IDF) frente a TF-IDF + regresión logística y una bolsa de
#   *embeddings*.
# - **`series`**: una o varias series, con estación o sin ella; una LSTM
#   frente a las predicciones ingenua, ingenua estacional, ETS y ARIMA.
#
# Los tres siguen las mismas reglas:
#
# 1. **Comparar en la misma ejecución**, sobre el mismo reparto, con los
#    modelos que elegiría un profesional en lugar de una red (las **líneas
#    base**). Sin ellas, un 0,80 de exactitud no dice si es mucho o poco.
# 2. **Validar**: la red que se queda se elige con la parte de validación,
#    nunca con la de prueba, y la prueba se usa una sola vez, para el informe.
# 3. **Leer los diagnósticos**: si la red no aprende, si memoriza, si no ha
#    terminado de converger, si las clases están desequilibradas o las
#    secuencias son demasiado largas, el registro y el informe lo dicen, con
#    lo que conviene probar después.
#
# El cuaderno hace una ejecución de cada estudio: secuencias de un conjunto
# real de aeon guardadas como CSV, un CSV de opiniones en español y la serie
# del caudal del Nilo.

# %%
import logging
import os
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from aeon.datasets import load_basic_motions
from IPython.display import Image, Markdown, display

from lstm_apps.diagnostics import diagnoses_markdown
from lstm_apps.tasks import run_case_study, sequences, series, text

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` cada estudio usa su variante diminuta
# (`Config.fast()`): redes de 8 unidades, dos o tres épocas y pocos datos.
# El cuaderno entero tarda menos de un minuto y solo sirve para comprobar que
# funciona de principio a fin: **en ese modo las cifras no significan casi
# nada**, y las redes salen casi siempre diagnosticadas de *underfitting*
# (no les da tiempo a aprender). Sin esa variable se usan los valores por
# defecto, que se adaptan al tamaño de los datos (épocas, paciencia, tamaño
# del lote); tarda unos siete minutos en una CPU de dos núcleos.
#
# Los estudios escriben en el registro (`logging`) lo que deciden antes de
# entrenar: los ajustes calculados a partir de los datos, las líneas base que
# no se pueden ajustar y por qué, y los diagnósticos. Aquí se muestran los
# mensajes del paquete en la salida de cada celda. Todo lo que escribe el
# cuaderno va a una carpeta temporal (`work_dir`).

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
package_log = logging.getLogger("lstm_apps")
package_log.handlers[:] = [handler]
package_log.setLevel(logging.INFO)
package_log.propagate = False
keras.utils.set_random_seed(0)

work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_14_"))
print("FAST:", FAST)
print("work folder:", work_dir)

# %% [markdown]
# ## 1. Secuencias: un CSV en formato largo
#
# ### El formato
#
# El formato más sencillo para secuencias propias es un CSV **largo**: una
# fila por instante de tiempo, con
#
# - una columna que dice a qué secuencia pertenece la fila (`sequence`);
# - la etiqueta de la secuencia (`label`), repetida en todas sus filas;
# - opcionalmente, el reparto (`split`: `train`, `validation` o `test`), el
#   instante (`time_column`) y un **grupo** (`group_column`: la persona, el
#   hablante o la máquina que la produjo; un grupo nunca se reparte entre
#   entrenamiento y prueba);
# - el resto de columnas son las variables medidas.
#
# Como ejemplo convertimos a ese formato un conjunto real que viene con aeon,
# *BasicMotions*: 80 grabaciones de 10 segundos (100 instantes) del
# acelerómetro y el giróscopo de un reloj (6 canales), de cuatro estudiantes que
# están de pie, andan, corren o juegan al bádminton. Guardamos el reparto
# oficial (40 para entrenar y 40 para probar) en la columna `split`.

# %%
CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
frames = []
for split in ("train", "test"):
    x, y = load_basic_motions(split=split)  # (sequences, channels, steps), labels
    for i, (recording, label) in enumerate(zip(x, y)):
        frame = pd.DataFrame(recording.T, columns=CHANNELS)
        frame.insert(0, "step", np.arange(recording.shape[1]))
        frame.insert(0, "label", label)
        frame.insert(0, "split", split)
        frame.insert(0, "sequence", f"{split}_{i:02d}")
        frames.append(frame)
long_table = pd.concat(frames, ignore_index=True)
sequences_csv = work_dir / "basic_motions_long.csv"
long_table.to_csv(sequences_csv, index=False)
print(sequences_csv, long_table.shape)
long_table.head()

# %% [markdown]
# ### La ejecución
#
# Basta con decir dónde está el archivo y qué columna ordena las filas
# (`time_column="step"`; sin ella, las filas de cada secuencia deben estar
# seguidas y en orden). Las columnas `sequence`, `label` y `split` tienen
# los nombres por defecto, así que no hace falta nombrarlas. El estudio:
#
# 1. aparta un 20 % del entrenamiento para **validación**, con la misma
#    proporción de cada clase (y por grupos, si los hay);
# 2. entrena dos redes, una CNN + LSTM (convoluciones que acortan la
#    secuencia antes de la capa recurrente) y una LSTM, y elige **en
#    validación**: se queda con la primera de `networks` salvo que la otra
#    la supere más allá del ruido (con unas pocas secuencias de validación,
#    dos redes parecidas no se distinguen; el intervalo *bootstrap* lo dice);
# 3. ajusta las líneas base: **MiniRocket** (miles de convoluciones aleatorias
#    y un clasificador lineal, el modelo a batir en clasificación de series)
#    y *gradient boosting* sobre resúmenes de cada secuencia (media,
#    desviación, mínimo, máximo, pendiente... de cada canal);
# 4. compara todo sobre la prueba, con un intervalo *bootstrap*.
#
# En el modo rápido, además, se usan solo 30 secuencias de entrenamiento y 30
# de prueba.

# %%
if FAST:
    sequences_config = sequences.Config.fast(data=str(sequences_csv), time_column="step")
else:
    sequences_config = sequences.Config(data=str(sequences_csv), time_column="step")
sequences_run = run_case_study("sequences", sequences_config, work_dir / "sequences_run")
print("kept network:", sequences_run.comparison.kept)
print("run folder:", sorted(p.name for p in (work_dir / "sequences_run").iterdir()))

# %% [markdown]
# ### La comparación
#
# `run.comparison` es un `lstm_apps.comparison.Comparison`; su método
# `markdown()` da la misma sección que `report.md` en la carpeta de
# ejecución: la puntuación de cada modelo en validación y en prueba, quién
# ganó, por cuánto gana o pierde la red que se quedó frente a la mejor línea
# base y el intervalo del 95 % de esa diferencia.

# %%
display(Markdown(sequences_run.comparison.markdown()))

# %% [markdown]
# Las mismas cifras, en barras: las redes en azul, las líneas base en verde;
# cada modelo con su prueba (liso) y su validación (rayado).

# %%
display(Image(filename=str(work_dir / "sequences_run" / "figures" / "comparison.png")))

# %% [markdown]
# ### Los diagnósticos
#
# `run.diagnoses` guarda lo que se vio en los datos (desequilibrio de
# clases, secuencias largas) y en el entrenamiento de la red que se quedó
# (no aprende, memoriza, no ha convergido), cada uno con qué probar. Se
# escribieron ya en el registro de la celda del entrenamiento, y están en
# `report.md`.

# %%
display(Markdown(diagnoses_markdown(sequences_run.diagnoses)))

# %% [markdown]
# Todas las cifras de la ejecución están en `run.metrics` (y en
# `metrics.json`): las de la red que se quedó (`accuracy`,
# `balanced_accuracy`, `macro_f1`, `f1_<clase>`) y las de cada modelo
# comparado (`{modelo}_accuracy`, `{modelo}_validation_accuracy`), más
# `margin_vs_baseline` con su intervalo (`margin_low`, `margin_high`). Las
# predicciones de prueba de **todos** los modelos, no solo las de la red,
# quedan en `predictions/<modelo>.csv`.

# %%
shown = ["accuracy", "balanced_accuracy", "macro_f1", "margin_vs_baseline", "margin_low",
         "margin_high"]  # fmt: skip
pd.Series({name: sequences_run.metrics[name] for name in shown}).round(3)

# %% [markdown]
# ## 2. Textos: opiniones en español con tres clases
#
# El estudio `text` lee un CSV (o TSV) con una columna de texto y otra de
# etiqueta, en cualquier idioma y con dos o más clases. Escribimos a mano
# un CSV pequeño de opiniones de clientes, 30 de cada clase: `positiva`,
# `negativa` y `neutra` (frases que solo describen, sin opinar). Con tan
# pocos textos cualquier cifra es ruido: sirve para ver el mecanismo.

# %%
opinions = {
    "positiva": [
        "La comida estaba riquísima y el camarero fue muy amable.",
        "Me encantó el hotel, la habitación era amplia y limpia.",
        "El móvil va rapidísimo y la batería dura dos días.",
        "Una película preciosa, salí del cine emocionado.",
        "El pedido llegó antes de lo previsto y bien embalado.",
        "Muy buena relación calidad precio, repetiré sin duda.",
        "El personal de la tienda me ayudó con mucha paciencia.",
        "El libro engancha desde la primera página.",
        "Qué gusto de servicio, todo perfecto.",
        "Las vistas desde la terraza son espectaculares.",
        "El curso me pareció excelente y muy bien explicado.",
        "Los auriculares suenan de maravilla, estoy encantada.",
        "Nos atendieron enseguida y con una sonrisa.",
        "El concierto fue increíble, el mejor del año.",
        "La app es sencilla y funciona genial.",
        "Recomiendo este restaurante a todo el mundo.",
        "El técnico resolvió el problema en diez minutos, un crack.",
        "Precioso el apartamento, estaba impecable.",
        "La serie mejora en cada capítulo, me tiene enganchado.",
        "Buenísima la tarta de queso, volveremos.",
        "El envío fue gratis y rapidísimo, muy contento.",
        "La atención al cliente fue estupenda.",
        "Me sorprendió para bien, superó mis expectativas.",
        "Un sitio encantador, con una decoración preciosa.",
        "El portátil es ligero, potente y silencioso, una joya.",
        "Gran experiencia, el guía sabía muchísimo.",
        "Todo estaba delicioso, felicidades al cocinero.",
        "Cómoda, bonita y barata, la mejor compra del mes.",
        "No está nada mal, la verdad es que me encantó.",
        "Volvería mañana mismo, fue una maravilla.",
    ],
    "negativa": [
        "La comida llegó fría y el camarero fue muy borde.",
        "El hotel estaba sucio y la habitación olía a humedad.",
        "El móvil se calienta y la batería no dura nada.",
        "Una película aburridísima, me dormí a la media hora.",
        "El pedido llegó roto y tarde, un desastre.",
        "Carísimo para lo que ofrecen, no vuelvo.",
        "En la tienda nadie quiso atenderme.",
        "El libro es un tostón, no pude terminarlo.",
        "Pésimo servicio, esperamos una hora para nada.",
        "La terraza estaba llena de basura, qué asco.",
        "El curso fue una pérdida de tiempo y de dinero.",
        "Los auriculares se rompieron a la semana.",
        "Nos trataron fatal y encima nos cobraron de más.",
        "El concierto fue horrible, el sonido era malísimo.",
        "La app se cuelga cada dos por tres, inútil.",
        "No recomiendo este restaurante a nadie.",
        "El técnico no apareció y nadie nos avisó.",
        "El apartamento no se parecía nada a las fotos, una estafa.",
        "La serie empeora en cada capítulo, la he dejado.",
        "La tarta estaba seca y sin sabor, malísima.",
        "El envío tardó un mes y llegó incompleto.",
        "La atención al cliente es lamentable.",
        "Me decepcionó muchísimo, esperaba mucho más.",
        "Un sitio ruidoso, incómodo y caro.",
        "El portátil hace un ruido insoportable, lo devolví.",
        "Mala experiencia, el guía llegó tarde y no sabía nada.",
        "Todo estaba salado, no se podía comer.",
        "Fea, incómoda y cara, la peor compra del año.",
        "No me gustó nada, no lo volvería a pedir.",
        "Nunca más, fue una pesadilla.",
    ],
    "neutra": [
        "La comida llegó a las nueve, como estaba previsto.",
        "El hotel está a diez minutos de la estación.",
        "El móvil tiene una pantalla de seis pulgadas.",
        "La película dura dos horas y es en versión original.",
        "El pedido se entrega en tres o cuatro días.",
        "El precio es el mismo que en otras tiendas.",
        "La tienda abre de lunes a sábado.",
        "El libro tiene unas trescientas páginas.",
        "Pedimos el menú del día y un café.",
        "La terraza cierra a medianoche en verano.",
        "El curso tiene doce sesiones de dos horas.",
        "Los auriculares vienen con un cable de carga.",
        "Nos sentaron en una mesa junto a la ventana.",
        "El concierto empezó a las diez de la noche.",
        "La app está disponible en Android y en iPhone.",
        "El restaurante está en la calle Mayor.",
        "El técnico vino el martes por la mañana.",
        "El apartamento tiene dos dormitorios y un baño.",
        "La serie tiene tres temporadas de ocho capítulos.",
        "La tarta se vende por porciones o entera.",
        "El envío se paga aparte según el peso.",
        "Para hablar con atención al cliente hay que llamar por teléfono.",
        "Es normal, ni bueno ni malo.",
        "Un sitio como tantos otros del barrio.",
        "El portátil viene con el sistema operativo instalado.",
        "La visita guiada dura una hora y media.",
        "Cumple con lo que dice la descripción, sin más.",
        "Es de color gris y pesa medio kilo.",
        "No sé qué decir, ni me gustó ni me disgustó.",
        "Hicimos el pago con tarjeta al salir.",
    ],
}
rows = [{"opinion": t, "clase": label} for label, texts in opinions.items() for t in texts]
opinions_csv = work_dir / "opiniones.csv"
pd.DataFrame(rows).sample(frac=1.0, random_state=0).to_csv(opinions_csv, index=False)
with pd.option_context("display.max_colwidth", 80):
    display(pd.read_csv(opinions_csv).head())

# %% [markdown]
# Sin columna `split`, el estudio aparta un 20 % para prueba y un 15 % del
# resto para validación, con la misma proporción de cada clase. Compara:
#
# - **embedding + BiLSTM**, con los vectores de palabra iniciales aprendidos
#   por word2vec sobre los propios textos de entrenamiento;
# - **bolsa de *embeddings***: la media de los vectores de las palabras, sin
#   orden (línea base);
# - **TF-IDF + regresión logística** sobre palabras y parejas de palabras
#   (línea base, muy difícil de batir con pocos textos);
# - el **ensemble**: la media de la BiLSTM y de TF-IDF, calibradas en
#   validación.
#
# Se queda con el que mejor acierta en validación.

# %%
if FAST:
    text_config = text.Config.fast(
        data=str(opinions_csv), text_column="opinion", label_column="clase",
        training=dict(verbose=0),
    )  # fmt: skip
else:
    text_config = text.Config(
        data=str(opinions_csv), text_column="opinion", label_column="clase"
    ).replace(training=dict(verbose=0))
text_run = run_case_study("text", text_config, work_dir / "text_run")
print("classes:", text_run.data.class_names)
print("kept model:", text_run.best)

# %%
display(Markdown(text_run.comparison.markdown()))

# %% [markdown]
# ### F1 por clase y macro-F1
#
# Con tres clases la exactitud no basta: un modelo puede acertar muchas
# positivas y ninguna neutra. El estudio da siempre el **F1 de cada clase**
# (`f1_<clase>`) y el **macro-F1**, la media sin pesos de esos F1, con dos
# clases igual que con más. (El F1 de una sola clase «positiva» solo se
# calcula si se pide con `positive_class=`, y entonces se llama
# `f1_positive`.) Las cifras de la red que se quedó:

# %%
class_scores = {f"f1_{name}": text_run.metrics[f"f1_{name}"] for name in text_run.data.class_names}
class_scores["macro_f1"] = text_run.metrics["macro_f1"]
class_scores["balanced_accuracy"] = text_run.metrics["balanced_accuracy"]
pd.Series(class_scores).round(3)

# %% [markdown]
# Y el macro-F1 de **cada** modelo comparado (`{modelo}_macro_f1`), que no se
# pierde aunque solo se guarde un modelo:

# %%
pd.Series(
    {kind: text_run.metrics[f"{kind}_macro_f1"] for kind in text_run.results}, name="macro_f1"
).round(3)

# %% [markdown]
# ### Palabras vecinas, con el vocabulario propio
#
# El informe busca las palabras más parecidas (por el coseno de sus vectores
# en el *embedding* de la red) a palabras **frecuentes del propio
# vocabulario** que marcan una clase: aquí palabras en español sacadas de
# estas opiniones, no una lista fija de palabras inglesas. Están en
# `nearest_words.json` y en `report.md`. Con 60 frases de entrenamiento y dos
# épocas los vecinos son casi al azar; con miles de textos se juntan las
# palabras que empujan hacia la misma clase.

# %%
neighbours = pd.read_json(work_dir / "text_run" / "nearest_words.json", typ="series")
table = {word: [w for w, _ in found[:6]] for word, found in neighbours.items()}
display(pd.DataFrame(table, index=pd.RangeIndex(1, 7, name="rank")).T)

# %%
display(Markdown(diagnoses_markdown(text_run.diagnoses)))

# %% [markdown]
# ## 3. Series: el caudal del Nilo
#
# El estudio `series` predice una o varias series. `data` es un CSV (una
# columna de tiempo y columnas de valores) o una de las series que vienen
# con statsmodels o aeon; usamos `"nile"`, el caudal anual del Nilo en Asuán
# de 1871 a 1970: 100 valores **sin estación**.
#
# La longitud de la estación se deduce de las fechas y de la autocorrelación
# de la parte de entrenamiento (o se da con `season_length`; 1 es «sin
# estación»). Con una serie sin estación, la predicción ingenua estacional no
# tiene sentido (sería la ingenua) y el ETS se ajusta sin componente
# estacional: no hay que decir nada. Las líneas base se ajustan **antes** que
# la red, así que una que no se puede ajustar se anuncia, con su motivo, antes
# de entrenar.
#
# El modo rápido no ajusta ARIMA (en esta serie tarda más que la propia red); sin
# `LSTM_APPS_FAST` se comparan las cuatro líneas base.

# %%
if FAST:
    series_config = series.Config.fast(data="nile")
else:
    series_config = series.Config(data="nile")
series_run = run_case_study("series", series_config, work_dir / "series_run")
print("season length:", series_run.data.season_length)
print("why:", series_run.data.season_reason)
print("baselines fitted:", series_run.baselines.forms)
print("baselines skipped:", series_run.baselines.skipped)

# %% [markdown]
# ### MASE y su intervalo
#
# Cada modelo predice cada paso de la parte de prueba a un paso vista, con
# los valores anteriores. El **MASE** divide su error absoluto medio por el
# de la predicción ingenua dentro del entrenamiento: por debajo de 1, mejor
# que «repetir el último valor» en el pasado conocido. Menor es mejor. La
# comparación (en `run.predictions.comparison`, que rellena la evaluación)
# da además el intervalo *bootstrap* del 95 % de la diferencia entre la red y
# la mejor línea base, remuestreando los pasos de prueba.

# %%
series_comparison = series_run.predictions.comparison
display(Markdown(series_comparison.markdown()))

# %% [markdown]
# La misma cuenta frente a la ingenua sola (`margin_vs_naive`: MASE de la
# ingenua menos el de la red; positivo, la red es mejor):

# %%
m = series_run.metrics
print(f"network MASE h=1 {m['mase_h1']:.3f}, naive {m['naive_mase_h1']:.3f}")
print(
    f"naive - network: {m['margin_vs_naive']:+.3f} "
    f"(95 % interval [{m['margin_vs_naive_low']:+.3f}, {m['margin_vs_naive_high']:+.3f}])"
)
display(Image(filename=str(work_dir / "series_run" / "figures" / "one_step.png")))

# %%
display(Markdown(diagnoses_markdown(series_run.diagnoses)))

# %% [markdown]
# ## 4. Cómo leer el informe
#
# Las tres comparaciones tienen la misma forma. Juntas:

# %%
summary = {}
for name, comparison in (
    ("sequences", sequences_run.comparison),
    ("text", text_run.comparison),
    ("series", series_comparison),
):
    summary[name] = {
        "metric": comparison.metric,
        "kept": comparison.kept,
        "winner on test": comparison.winner,
        "best baseline": comparison.best_baseline,
        "margin": round(comparison.margin, 3),
        "95 % interval": f"[{comparison.low:+.3f}, {comparison.high:+.3f}]",
        "validation and test disagree": comparison.disagreement is not None,
    }
display(pd.DataFrame(summary).T)

# %% [markdown]
# - **Quién ganó**: el modelo con la mejor puntuación en prueba. No tiene
#   por qué ser el que se quedó (`kept`), que se eligió en validación entre
#   las redes.
# - **Por cuánto**: `margin` es la red que se quedó menos la mejor línea
#   base, con el signo puesto para que **positivo signifique que la red es
#   mejor**, también con métricas en las que menor es mejor (MASE).
# - **El intervalo**: sale de remuestrear los elementos de prueba (grupos
#   enteros, si los hay) 1 000 veces. Si contiene el cero, el informe dice
#   que la prueba **no permite distinguirlos**: con 18 textos o 20 años de
#   prueba, eso es lo normal. Un intervalo estrecho y por debajo de cero dice
#   que la línea base es mejor y que conviene usarla.
# - **«Validation and test disagree»** (validación y prueba no coinciden):
#   el modelo que la validación puso primero es peor en prueba que otro, más
#   allá del ruido. O la validación es demasiado pequeña, o los datos de
#   prueba no se parecen a los de entrenamiento (otro sitio, otra época,
#   otras personas). Valida con datos como los que verá el modelo.
#
# Y lo que sugiere cada diagnóstico:
#
# - `underfitting` (la exactitud de entrenamiento se queda cerca del azar, o
#   la pérdida apenas baja): más épocas o una tasa de aprendizaje mayor;
#   secuencias más cortas (`downsample`) o la CNN delante; una red más ancha.
# - `overfitting` (la validación empeora mientras el entrenamiento mejora):
#   *dropout*, ruido en la entrada, L2, una red más pequeña, más datos.
# - `not_converged` (usó todas las épocas y seguía mejorando): más épocas
#   (`training.max_epochs`) o una tasa de aprendizaje mayor.
# - `class_imbalance` (una clase tiene más del triple de ejemplos que otra):
#   `class_weight="balanced"`; mirar la exactitud equilibrada y el macro-F1.
# - `long_sequences` (la capa recurrente leería más de 400 pasos):
#   `downsample`, o la CNN + LSTM (`networks=("cnn_lstm",)`).
# - `validation_test` (el modelo elegido en validación fue el peor en
#   prueba): más textos o secuencias de validación (`validation_fraction`) o
#   un reparto propio en la columna `split`.
#
# Desde la terminal es lo mismo, y los diagnósticos salen como avisos
# (`lstm-apps: warning: ...`):
#
# ```bash
# lstm-apps run sequences --set data=mis_secuencias.csv --set group_column=persona
# lstm-apps run text --set data=opiniones.csv --set text_column=opinion --set label_column=clase
# lstm-apps run series --set data=ventas.csv --set target=unidades
# ```
#
# La guía *Your own data* (`docs/guides/own-data.md`) tiene un ejemplo por
# estudio y las cifras medidas con los valores por defecto.
