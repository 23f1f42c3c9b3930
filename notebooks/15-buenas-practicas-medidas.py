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
# # 15 · Buenas prácticas, medidas
#
# El curso termina con una lista de consejos para entrenar redes recurrentes.
# Son razonables, pero se suelen dar sin cifras. En este cuaderno los
# convertimos en **experimentos controlados** (*ablaciones*): partimos de la
# configuración por defecto de un caso de estudio (la **línea base**),
# cambiamos **una sola cosa** y medimos qué pasa con la puntuación en el
# conjunto de prueba y con el tiempo de entrenamiento.
#
# Los consejos que ponemos a prueba:
#
# 1. **Normalizar las entradas.** Restar la media y dividir por la
#    desviación típica de cada rasgo (*z-score*) pone todas las entradas en
#    la misma escala; el curso afirma que así la red converge antes y mejor.
#    En Japanese Vowels la normalización va dentro del modelo
#    (`normalization="zscore"`) y se puede quitar (`"none"`); el caso del
#    turbofán no tiene ese campo (sus entradas se normalizan siempre al
#    preparar los datos), así que allí no se mide.
# 2. **Dropout y dropout recurrente.** Apagar al azar una fracción de las
#    salidas de cada capa (`dropout`) o de las conexiones recurrentes
#    (`recurrent_dropout`) mientras se entrena obliga a la red a no depender
#    de unas pocas neuronas, y debería **frenar el sobreajuste**.
# 3. **Regularización L2.** Penalizar el cuadrado de los pesos (`training.l2_regularization`,
#    el `L2Regularization` de MATLAB: λ/2 · ‖w‖²)
#    mantiene los pesos pequeños; otra forma de frenar el sobreajuste.
# 4. **El tamaño del mini-lote.** Lotes grandes aprovechan mejor el hardware
#    (menos pasos por época, cada uno más grande), así que **cada época
#    tarda menos**; lotes pequeños dan más actualizaciones, con más ruido,
#    y se dice que **generalizan mejor**. Es un compromiso entre velocidad y
#    generalización.
# 5. **Profundidad frente a anchura.** Con el mismo número de parámetros,
#    ¿es mejor una capa ancha o dos o tres capas más estrechas? Para que la
#    comparación sea justa hay que **igualar los parámetros**: si no, la red
#    más profunda gana (o pierde) solo por ser más grande.
#
# La medida completa la hace el script `benchmarks/best_practices.py` en dos
# casos de estudio, Japanese Vowels (exactitud en la prueba, más es mejor) y
# el turbofán (RMSE de la vida útil restante, menos es mejor), con tres
# semillas por variante. Aquí hacemos una versión pequeña en Japanese Vowels
# y después leemos los resultados del script, si existen.

# %%
import json
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import lstm_apps
from lstm_apps import learnable_parameters
from lstm_apps.models.recurrent import recurrent_parameters
from lstm_apps.tasks import make_config, run_case_study

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` la ablación usa la variante diminuta de Japanese
# Vowels (`Config.fast()`: 16 unidades, 90 secuencias de entrenamiento, dos
# épocas): el cuaderno tarda menos de un minuto y solo comprueba que todo
# funciona; **en ese modo las cifras no significan nada**. Sin esa variable
# se usa la configuración completa (100 unidades, 80 épocas) con una semilla,
# unos dos o tres minutos en una CPU de dos núcleos.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
SEED = 0
base = make_config("japanese_vowels", fast=FAST).replace(training=dict(verbose=0, seed=SEED))
print("FAST:", FAST)
print(
    f"baseline: units={base.units}, normalization={base.normalization!r}, "
    f"mini_batch_size={base.training.mini_batch_size}, max_epochs={base.training.max_epochs}"
)

# %% [markdown]
# ## 1. Igualar el número de parámetros
#
# Una capa LSTM de $n$ unidades sobre $d$ entradas tiene cuatro bloques
# (tres puertas y el candidato), cada uno con una matriz de entrada
# $d \times n$, una recurrente $n \times n$ y un sesgo de $n$:
# $4\,n\,(d + n) + 4\,n$ parámetros. En una pila, la segunda capa lee las
# $n_1$ salidas de la primera, y así sucesivamente; la cabeza densa añade
# $n_{\text{última}} \cdot k + k$ para $k$ clases.
# `recurrent_parameters(celda, n, d, k)` hace esta cuenta.
#
# Para comparar una capa de la anchura de la línea base con dos y tres capas
# buscamos los anchos cuya cuenta total se acerca más a la de una capa. Todas
# las capas tienen el mismo ancho $u$ salvo la última, con un ancho $v$ entre
# $3u/4$ y $u$ (como la pila del curso, 125 → 100); es la misma búsqueda que
# hace el script (`matched_stack`).

# %%
FEATURES, CLASSES = 12, 9  # Japanese Vowels: 12 LPC cepstra per frame, 9 speakers


def stack_count(widths, features=FEATURES, outputs=CLASSES, cell="lstm"):
    """Parameters of a stack of recurrent layers of `widths` plus the dense head."""
    total, inputs = 0, features
    for i, width in enumerate(widths):
        total += recurrent_parameters(cell, width, inputs, outputs if i == len(widths) - 1 else 0)
        inputs = width
    return total


def matched_widths(target, depth):
    """The widths (u, ..., u, v), 3u/4 <= v <= u, whose count is closest to `target`."""
    candidates = [
        (u,) * (depth - 1) + (v,)
        for u in range(1, base.units + 1)
        for v in range(max(1, int(np.ceil(3 * u / 4))), u + 1)
    ]
    return min(candidates, key=lambda w: (abs(stack_count(w) - target), w[0] - w[-1]))


target = stack_count((base.units,))
depths = {1: (base.units,), 2: matched_widths(target, 2), 3: matched_widths(target, 3)}
pd.DataFrame(
    [
        {
            "layers": depth,
            "units": widths,
            "parameters": stack_count(widths),
            "vs one layer": f"{stack_count(widths) / target - 1:+.1%}",
        }
        for depth, widths in depths.items()
    ]
).set_index("layers")

# %% [markdown]
# Con pocas unidades (modo rápido) los anchos son enteros pequeños y la
# coincidencia es de un par por ciento; con 100 unidades, de unas décimas.
#
# ## 2. Una ablación pequeña
#
# Cada variante es un diccionario de cambios sobre la configuración base;
# cada una se entrena una vez con `run_case_study` y la misma semilla. Si dos
# variantes resultan en la misma configuración (por ejemplo, un tamaño de lote
# igual al de la línea base), se entrena una sola vez. Medimos la exactitud en
# la prueba, los segundos de entrenamiento (con la carga de los datos), las
# épocas y, de ahí, los **segundos por época**.

# %%
VARIANTS = {
    "baseline": {},
    "no_normalization": {"normalization": "none"},
    "dropout_0.2": {"dropout": 0.2},
    "recurrent_dropout_0.2": {"recurrent_dropout": 0.2},
    "l2_1e-3": {"training.l2_regularization": 1e-3},
    **{f"batch_{b}": {"training.mini_batch_size": b} for b in (16, 64, 256)},
    "depth_2": {"units": depths[2]},
    "depth_3": {"units": depths[3]},
}
if FAST:  # modo rápido: solo la línea base y las variantes que usan las celdas de abajo
    VARIANTS = {
        name: changes
        for name, changes in VARIANTS.items()
        if name == "baseline" or name.startswith(("batch_", "depth_"))
    }

runs, trained = [], {}
start = time.perf_counter()
for name, changes in VARIANTS.items():
    config = base.replace(**changes)
    if repr(config) not in trained:
        run = run_case_study("japanese_vowels", config)
        epochs = len(run.history["loss"])
        trained[repr(config)] = {
            "accuracy": run.metrics["accuracy"],
            "train_seconds": run.timing["train_seconds"],
            "epochs": epochs,
            "seconds_per_epoch": run.timing["train_seconds"] / epochs,
            "parameters": learnable_parameters(run.model),
        }
    metrics = trained[repr(config)]
    runs.append({"variant": name, "seed": SEED, "metrics": metrics})
    print(
        f"{name:<22} accuracy {metrics['accuracy']:.3f}, "
        f"{metrics['seconds_per_epoch']:.3f} s/epoch, {metrics['epochs']} epochs"
    )
print(f"{len(trained)} trainings in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# Una tabla por variante (con una sola semilla, la desviación típica no se
# puede calcular y sale vacía) y la comprobación de que la cuenta de
# parámetros de la sección 1 coincide con la del modelo entrenado
# (`learnable_parameters`).


# %%
def summary(runs, score):
    """Mean and standard deviation over seeds of the score, epochs and seconds per epoch."""
    rows = pd.DataFrame([{"variant": r["variant"], **r["metrics"]} for r in runs])
    table = rows.groupby("variant", sort=False).agg(
        score_mean=(score, "mean"),
        score_sd=(score, "std"),
        seeds=(score, "size"),
        epochs=("epochs", "mean"),
        seconds_per_epoch=("seconds_per_epoch", "mean"),
        parameters=("parameters", "first"),
    )
    return table.rename(columns={"score_mean": f"{score} mean", "score_sd": f"{score} sd"})


display(summary(runs, "accuracy").round(4))
for depth, widths in depths.items():
    name = "baseline" if depth == 1 else f"depth_{depth}"
    trained_count = next(r for r in runs if r["variant"] == name)["metrics"]["parameters"]
    print(f"{depth} layer(s) {widths}: counted {stack_count(widths):,}, model {trained_count:,}")

# %% [markdown]
# El tamaño del lote, en una figura: a la izquierda la puntuación, a la derecha
# los segundos por época, ambos frente al tamaño del lote (eje logarítmico).
# La misma función dibuja después los resultados del script.


# %%
def plot_batch_sizes(runs, score, title):
    """Score and seconds per epoch (mean ± sd over seeds) against the batch size."""
    rows = pd.DataFrame([{"variant": r["variant"], **r["metrics"]} for r in runs])
    rows = rows[rows["variant"].str.startswith("batch_")].copy()
    rows["batch"] = rows["variant"].str.split("_").str[1].astype(int)
    stats = rows.groupby("batch")[[score, "seconds_per_epoch"]].agg(["mean", "std"]).fillna(0)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, column in zip(axes, (score, "seconds_per_epoch")):
        ax.errorbar(stats.index, stats[column]["mean"], yerr=stats[column]["std"], marker="o")
        ax.set_xscale("log", base=2)
        ax.set_xticks(stats.index, [str(b) for b in stats.index])
        ax.minorticks_off()
        ax.set_xlabel("mini-batch size")
        ax.set_ylabel(column.replace("_", " "))
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()


plot_batch_sizes(runs, "accuracy", "Japanese Vowels, this notebook's ablation (one seed)")

# %% [markdown]
# **Cuidado al leer esto**: es una semilla. La diferencia entre dos
# entrenamientos que solo cambian la semilla puede ser tan grande como la de
# dos variantes, así que con una sola ejecución por variante no se puede
# concluir nada. En modo rápido, además, la red apenas ha entrenado.
#
# ## 3. La regla para decidir
#
# El script entrena cada variante con varias semillas y decide cada
# afirmación con una regla escrita de antemano, no a ojo: una diferencia entre
# las medias de dos variantes **cuenta** cuando supera dos errores típicos de
# la diferencia,
#
# $$|\bar x_1 - \bar x_2| > 2\sqrt{s_1^2/n_1 + s_2^2/n_2},$$
#
# con $s_i$ la desviación típica muestral sobre las $n_i$ semillas; por debajo
# de eso es ruido. Una afirmación **se cumple** (*holds*) si la diferencia
# cuenta a su favor en todos los conjuntos medidos, **falla** (*fails*) si no
# lo hace en ninguno, y **depende** (*depends*) si los conjuntos no coinciden.
# Para el tamaño del lote, "se cumple" quiere decir que el lote más grande es
# más rápido por época **y** puntúa peor que el más pequeño: eso es el
# compromiso. Con tres semillas la regla es poco potente (solo ve
# diferencias grandes), y escoger "la mejor" de varias variantes en el propio
# conjunto de prueba la favorece; las frases del script lo tienen en cuenta
# al dar las cifras junto al veredicto.
#
# ## 4. Los resultados del script
#
# `python benchmarks/best_practices.py` entrena las 15 variantes con tres
# semillas en los dos casos de estudio y escribe
# `benchmarks/results/best_practices_japanese_vowels.json` y
# `best_practices_turbofan.json`. Si existen (y no estamos en modo rápido),
# los leemos: una tabla por conjunto, las figuras del tamaño del lote y los
# veredictos, tal como los calculó el script.

# %%
RESULTS_DIR = next(
    (
        folder
        for folder in (
            Path("../benchmarks/results"),
            Path("benchmarks/results"),
            Path(lstm_apps.__file__).resolve().parents[1] / "benchmarks" / "results",
        )
        if folder.is_dir()
    ),
    Path("../benchmarks/results"),
)
results = {}
for dataset in ("japanese_vowels", "turbofan"):
    path = RESULTS_DIR / f"best_practices_{dataset}.json"
    if FAST:
        print(f"{dataset}: fast mode, the benchmark's results are not read")
    elif path.exists():
        results[dataset] = json.loads(path.read_text())
        print(f"{dataset}: {len(results[dataset]['runs'])} runs read from {path}")
    else:
        print(
            f"{dataset}: there is no {path.name} in {RESULTS_DIR.resolve()}. Create it from the "
            f"repository root with `python benchmarks/best_practices.py --datasets {dataset}` "
            "(or without --datasets for both)."
        )

# %%
for dataset, record in results.items():
    score = record["extra"]["score"]
    display(Markdown(f"### {dataset} (test {score}, command `{record['command']}`)"))
    for variant, why in record["extra"].get("skipped", {}).items():
        print(f"{variant} skipped: {why}")
    display(summary(record["runs"], score).round(4))
    plot_batch_sizes(record["runs"], score, f"{dataset}, {len(record['seeds'])} seeds")

# %% [markdown]
# Los veredictos, una línea por afirmación, con las cifras en que se basan
# (el script guarda en cada archivo los de todos los conjuntos que midió en la
# misma ejecución):

# %%
verdict_lines = {}
for record in results.values():
    key = tuple(record["extra"].get("verdict_datasets", []))
    verdict_lines[key] = record["extra"].get("verdicts", [])
for datasets, lines in verdict_lines.items():
    items = "\n".join(f"- {line}" for line in lines)
    display(Markdown(f"**Measured on: {', '.join(datasets)}**\n\n{items}"))
if not verdict_lines:
    print("No verdicts: run `python benchmarks/best_practices.py` first.")

# %% [markdown]
# ## 5. Cómo leerlo
#
# - **Normalizar.** Compara la exactitud con y sin normalización y las épocas
#   hasta la mejor pérdida. En Japanese Vowels los coeficientes cepstrales ya
#   tienen escalas parecidas, así que el efecto puede ser menor de lo que el
#   consejo sugiere; en datos con rasgos de escalas muy distintas (como los
#   sensores del turbofán) no normalizar suele ser mucho peor.
# - **Dropout, L2.** Son remedios contra el sobreajuste: solo ayudan si la
#   línea base sobreajusta. Si ya generaliza bien (o lleva otra
#   regularización, como el ruido en las entradas, `input_noise`), lo normal
#   es que no cambien nada o que empeoren un poco.
# - **Tamaño del lote.** Mira primero los segundos por época: en CPU con redes
#   pequeñas la curva se aplana pronto. Con un número fijo de épocas, un lote
#   grande hace menos actualizaciones, así que puede puntuar peor solo porque
#   ha entrenado menos, no porque generalice peor; la tasa de aprendizaje
#   también interactúa con el tamaño del lote.
# - **Profundidad.** A igualdad de parámetros, cada capa de una pila es más
#   estrecha y la red es más lenta por época (las capas van una detrás de
#   otra en el tiempo). Que ayude o no depende de la tarea.
#
# ## Qué probar después
#
# - Más semillas: `python benchmarks/best_practices.py --seeds 0 1 2 3 4`
#   hace la regla de los dos errores típicos más sensible.
# - Una variante propia: por ejemplo `--set input_noise=0` aplica un cambio a
#   todas las ejecuciones, y permite ver si el dropout ayuda cuando la línea
#   base no tiene ruido en las entradas.
# - Ajustar la tasa de aprendizaje al tamaño del lote
#   (`--set training.initial_learn_rate=...`) antes de culpar al lote grande.
