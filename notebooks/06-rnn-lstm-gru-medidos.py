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
# # 06 · RNN, LSTM y GRU, medidas
#
# El curso hace tres afirmaciones sobre las celdas recurrentes:
#
# 1. Una RNN simple **pierde el gradiente** a través del tiempo: el error
#    cometido al final de una secuencia larga apenas llega a los primeros
#    pasos, así que la red no aprende dependencias lejanas (el *problema del
#    gradiente que se desvanece*).
# 2. Las **puertas** de la LSTM arreglan este problema: la celda de memoria
#    deja pasar la información (y el gradiente) de un paso al siguiente sin
#    multiplicarla cada vez por una matriz.
# 3. La **GRU** es más sencilla (dos puertas en lugar de tres) y más rápida, y
#    da resultados parecidos a los de la LSTM.
#
# En este cuaderno no las aceptamos sin más: las **medimos**. Primero
# escribimos las tres celdas en NumPy y comprobamos que calculan lo mismo que
# Keras; después miramos las puertas de una LSTM entrenada, medimos cómo se
# atenúa el gradiente paso a paso, entrenamos las tres celdas en dos tareas
# de memoria a largo plazo y, por último, rellenamos con medidas la tabla
# comparativa del curso.
#
# Las ecuaciones, con $x_t$ la entrada, $h_{t-1}$ el estado anterior,
# $\sigma$ la sigmoide y $\odot$ el producto elemento a elemento:
#
# - **RNN simple**: $h_t = \tanh(x_t W + h_{t-1} U + b)$.
# - **LSTM**: $i_t, f_t, o_t = \sigma(x_t W_\ast + h_{t-1} U_\ast + b_\ast)$,
#   $\tilde c_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)$,
#   $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$,
#   $h_t = o_t \odot \tanh(c_t)$.
# - **GRU** (como la escribe el curso): $z_t, r_t = \sigma(\cdot)$,
#   $\tilde h_t = \tanh(x_t W_h + (r_t \odot h_{t-1}) U_h + b_h)$,
#   $h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$.
#
# El README (sección *RNN vs LSTM vs GRU, measured*) y la documentación de
# `lstm_apps.analysis.reference` explican cómo se reparten estas matrices dentro de los
# pesos de Keras.

# %%
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from IPython.display import Markdown, display

import lstm_apps
import lstm_apps.plots
from lstm_apps.analysis import reference
from lstm_apps.analysis.comparison import SweepResults, compare, memory_sweep
from lstm_apps.analysis.comparison_plots import plot_gradient_profiles, plot_memory_errors
from lstm_apps.analysis.gradients import gradient_profile
from lstm_apps.analysis.memory import (
    ADDING_SOLVED_MSE,
    KINDS,
    LABELS,
    TASKS,
    MemoryConfig,
    memory_model,
    task_units,
    train_memory_task,
)
from lstm_apps.data.memory_tasks import adding_problem, copy_baseline, copy_memory

# %% [markdown]
# ## Parámetros
#
# Con `LSTM_APPS_FAST=1` todo se hace en pequeño (secuencias cortas, pocas
# épocas y pocos pasos de entrenamiento) para comprobar en un par de minutos
# que el cuaderno funciona de principio a fin; **en ese modo las cifras no
# significan nada**. Sin esa variable el cuaderno tarda del orden de un
# cuarto de hora en una CPU de dos núcleos.

# %%
FAST = os.environ.get("LSTM_APPS_FAST", "0") == "1"
GRADIENT_LENGTH = 100 if FAST else 500  # T de las secuencias en las que medimos el gradiente
TRAIN_LENGTH = 50 if FAST else 100  # T del entrenamiento corto de la sección 4
memory_config = (
    # modo rápido: 200 pasos, sin XLA (con tan pocos pasos, compilar cuesta más que lo que ahorra)
    MemoryConfig.fast(steps=200, eval_every=100, jit_compile=False)
    if FAST
    else MemoryConfig(lengths=(100,), seeds=(0,))
)
keras.utils.set_random_seed(0)
print("FAST:", FAST)
print(memory_config)

# %% [markdown]
# ## 1. Las celdas escritas a mano
#
# `lstm_apps.analysis.reference` implementa las tres celdas en NumPy, ecuación por
# ecuación, con la retropropagación a través del tiempo (*BPTT*) escrita a
# mano. `reference.from_keras(layer)` lee los pesos de una capa de Keras ya
# construida y devuelve la celda equivalente, con dos métodos:
#
# - `forward(x)`: los estados ocultos $h_1, \dots, h_T$ para una entrada
#   `(lote, T, rasgos)`;
# - `backward(grad_h)`: dado $\partial L / \partial h_t$ en cada paso, los
#   gradientes respecto de la entrada, de cada peso y el gradiente **total**
#   respecto de cada $h_t$ (el que llega también desde los pasos
#   posteriores). Este último es el que usaremos en la sección 4.
#
# Para comprobar que la implementación es correcta construimos una capa de
# Keras de 5 unidades, la aplicamos a una entrada aleatoria (2 secuencias de
# 7 pasos con 3 rasgos) y comparamos:
#
# 1. las salidas de Keras con las de `forward`;
# 2. los gradientes de la pérdida $L = \sum_t h_t \cdot g_t$ (con $g_t$
#    aleatorio, el "gradiente que llega desde arriba") calculados por la
#    diferenciación automática de TensorFlow (`tf.GradientTape`) con los de
#    `backward`.
#
# Keras calcula en `float32` y la referencia en `float64`, así que las
# diferencias deberían ser del orden del redondeo de `float32`.

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(2, 7, 3)).astype("float32")
upstream = rng.normal(size=(2, 7, 5)).astype("float32")

for layer_class in (keras.layers.SimpleRNN, keras.layers.LSTM, keras.layers.GRU):
    layer = layer_class(5, return_sequences=True)
    x_tf = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_tf)
        outputs = layer(x_tf)  # la primera llamada construye los pesos
        loss = tf.reduce_sum(outputs * upstream)
    weights = {w.name: w for w in layer.trainable_weights}
    autodiff = tape.gradient(loss, [x_tf, *weights.values()])
    autodiff = dict(zip(["x", *weights], autodiff))

    cell = reference.from_keras(layer)
    hidden = cell.forward(x)
    by_hand = cell.backward(upstream.astype("float64"))

    print(f"{layer_class.__name__} -> {type(cell).__name__}")
    print(f"  forward: max |Keras - NumPy| = {np.abs(outputs.numpy() - hidden).max():.1e}")
    for name, grad in autodiff.items():
        difference = np.abs(np.asarray(grad) - by_hand[name]).max()
        print(f"  dL/d{name:<17} max |autodiff - BPTT| = {difference:.1e}  shape {grad.shape}")

# %% [markdown]
# Si las diferencias son del orden de $10^{-6}$ o menores, las dos
# implementaciones calculan lo mismo y podemos fiarnos de la referencia para
# mirar dentro de la celda, algo que Keras no permite porque no expone las
# puertas.
#
# Dos detalles de Keras que conviene conocer al leer sus pesos:
#
# - **Orden de los bloques.** En la LSTM, `kernel` tiene forma
#   `(rasgos, 4·unidades)`: cuatro bloques de columnas en el orden
#   $i, f, \tilde c, o$ (puerta de entrada, de olvido, candidato y puerta de
#   salida). En la GRU son tres bloques en el orden $z, r, \tilde h$.
# - **La GRU de Keras invierte la puerta de actualización.** Keras calcula
#   $h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t$: donde $z$ vale 1
#   se **conserva** el estado anterior. El curso (como el artículo original
#   de Cho et al., 2014) escribe $h_t = (1 - z_t) \odot h_{t-1} + z_t \odot
#   \tilde h_t$. Las dos formas son equivalentes con
#   $z^{\text{Keras}} = 1 - z^{\text{curso}}$; en las figuras de este cuaderno
#   la puerta $z$ es la de Keras.
# - **`reset_after=True`.** Por defecto, Keras 3 aplica la puerta de reinicio
#   *después* del producto por la matriz recurrente,
#   $\tilde h_t = \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h))$, y por
#   eso la GRU tiene dos vectores de sesgo (el `bias` de forma `(2, 3·unidades)`
#   que aparece arriba).
#
# Para ver los bloques, por ejemplo, en la última capa del bucle (la GRU):

# %%
print(type(layer).__name__, {w.name: tuple(w.shape) for w in layer.trainable_weights})
units = layer.units
for k, block in enumerate(["z (actualización)", "r (reinicio)", "h~ (candidato)"]):
    print(f"  columnas {k * units}:{(k + 1) * units} -> {block}")

# %% [markdown]
# ## 2. Las puertas, a la vista: Japanese Vowels
#
# El caso de estudio `japanese_vowels` (cuaderno 01) entrena una LSTM que
# reconoce a 9 locutores a partir de 12 coeficientes cepstrales por paso. Con
# la configuración completa es una LSTM de 100 unidades entrenada 80 épocas;
# en modo rápido, una red diminuta entrenada dos épocas con parte de los datos.

# %%
jv = lstm_apps.get_case_study("japanese_vowels")
quiet = dict(training=dict(verbose=0))  # no progress bar while it trains
jv_config = jv.Config.fast(**quiet) if FAST else jv.Config().replace(**quiet)
run = jv.train(jv_config)
print(f"test accuracy: {jv.evaluate(run)['accuracy']:.3f}")

# %% [markdown]
# `lstm_apps.inspect_gates(model, secuencia)` pasa una secuencia por la red y,
# al llegar a la LSTM, usa la celda de referencia para registrar lo que Keras
# calcula pero no devuelve: las tres puertas, el candidato, el estado de la
# celda y el estado oculto en cada paso, como matrices `(T, unidades)`.

# %%
sequence = run.data.x_test[0]
gates = lstm_apps.inspect_gates(run.model, sequence)
units = next(iter(gates.values())).shape[1]
print({name: value.shape for name, value in gates.items()})
lstm_apps.plots.plot_gates(
    gates,
    sequence,
    feature_names=[f"c{k + 1}" for k in range(12)],
    units=range(min(20, units)),
    title="Japanese Vowels: first test utterance",
)
plt.show()

# %% [markdown]
# Cómo leer la figura: arriba está la entrada (los 12 coeficientes en cada
# paso); debajo, una fila por unidad (como mucho 20) y una columna por paso.
#
# - La **puerta de olvido** $f$ multiplica el estado de la celda en cada
#   paso: $c_t = f_t \odot c_{t-1} + \dots$ Un valor cercano a 1 significa
#   "conserva lo que ya tenías"; uno cercano a 0, "bórralo". Las unidades con
#   $f$ casi siempre cerca de 1 son las que acumulan información a lo largo de
#   toda la secuencia, y por ellas puede viajar el gradiente sin atenuarse.
# - La **puerta de entrada** $i$ decide cuánto del candidato entra en la
#   celda, y la **de salida** $o$ cuánto de la celda se ve en $h_t$.
# - El **estado de la celda** $c$ no está acotado: compárese su escala con la
#   de $h$, que está entre -1 y 1.
#
# La media de $f$ a lo largo de los pasos resume cuánto conserva cada unidad
# (con la red del modo rápido esta cifra no dice nada):

# %%
keep = gates["forget_gate"].mean(axis=0)
print("mean forget gate per unit:", np.round(np.sort(keep)[::-1], 2))

# %% [markdown]
# El cuaderno 02 (`hola`) hace lo mismo con la palabra "hola", letra a letra,
# con mapas de calor anotados en los que se puede leer el valor de cada puerta
# en cada paso, y para la LSTM y la GRU.
#
# ## 3. El gradiente que se desvanece, medido
#
# Para aprender una dependencia lejana, el error cometido en el último paso
# $T$ tiene que llegar hasta el paso $t$ en el que estaba la información. Por
# la regla de la cadena,
#
# $$\frac{\partial L}{\partial h_t} = \frac{\partial L}{\partial h_T}
#   \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}.$$
#
# En la RNN simple cada factor es $\operatorname{diag}(1 - h_k^2)\,U^\top$: si
# esos factores encogen los vectores, el producto de $T - t$ de ellos decae
# **exponencialmente** con la distancia. En la LSTM hay un camino a través de
# la celda cuyo factor es simplemente $f_k$ (elemento a elemento): si la
# puerta de olvido está cerca de 1, el gradiente pasa casi intacto.
#
# Lo medimos con `gradient_profile(model, x, y)` (de
# `lstm_apps.analysis.gradients`): para un modelo de una capa recurrente y
# una cabeza densa, calcula con la BPTT de la celda de
# referencia la norma $\lVert \partial L / \partial h_t \rVert$ en cada paso,
# dividida por la del último paso, con $L$ el error cuadrático de la
# predicción final, y promedia (media geométrica) sobre las secuencias. Un
# valor de $10^{-3}$ a distancia 50 significa que al paso $T - 50$ llega una
# milésima parte del gradiente.
#
# Usamos la tarea de la suma (*adding problem*, sección 4): cada paso lleva un
# número al azar y una marca; la red debe sumar los dos números marcados. Las
# tres celdas tienen aproximadamente el **mismo número de parámetros** que
# una LSTM de 32 unidades (`task_units`), y las miramos primero **recién
# inicializadas**, sin entrenar.

# %%
x_grad, y_grad = adding_problem(32, GRADIENT_LENGTH, seed=20_000)
print("gradient sequences:", x_grad.shape, y_grad.shape)

gradients = {}
for kind in KINDS:
    width = task_units(kind, "adding", lstm_units=memory_config.lstm_units)
    model = memory_model(kind, "adding", width, GRADIENT_LENGTH, seed=0)
    gradients[f"{kind}/init"] = gradient_profile(model, x_grad, y_grad).tolist()
    print(f"{LABELS[kind]:<9} {width:>3} units, {model.count_params():,} parameters")

plot_gradient_profiles(gradients, trained_at=None)
plt.show()

# %% [markdown]
# El eje horizontal es la distancia $T - t$ entre el paso y la pérdida; el
# vertical, en escala logarítmica, la fracción del gradiente que llega. Una
# recta descendente es un decaimiento exponencial.
#
# Fíjate en qué curva cae más deprisa, porque puede no ser la que el curso
# haría esperar: **recién inicializadas**, las celdas con puertas no tienen
# por qué conservar mejor el gradiente. Keras inicializa el sesgo de la
# puerta de olvido de la LSTM a 1, de modo que $f \approx \sigma(1) \approx
# 0{,}73$, y el de la GRU a 0, de modo que $z \approx 0{,}5$: en cada paso el
# camino "protegido" multiplica el gradiente por un número claramente menor
# que 1. Las puertas no garantizan nada por sí solas; lo que aportan es que
# la red **puede aprender** a abrirlas (llevar $f$ o $z^{\text{Keras}}$ hacia
# 1) cuando la tarea lo pide. La RNN simple no tiene ese factor: su matriz
# recurrente se inicializa ortogonal (no cambia la longitud de los
# vectores), así que al principio lo único que encoge el gradiente es la
# derivada de la tangente hiperbólica, $1 - h^2$, que vale casi 1 mientras
# los estados son pequeños.
#
# Para ver si el entrenamiento cambia el panorama, entrenamos cada celda un
# rato en la tarea de la suma con $T$ = `TRAIN_LENGTH` (50 en modo rápido,
# 100 en el completo) y volvemos a medir en las mismas secuencias.
# `train_memory_task` (de `lstm_apps.analysis.memory`) da a cada celda el
# mismo presupuesto: un número fijo de pasos de Adam sobre lotes nuevos en
# cada paso, y mide el error en secuencias apartadas.

# %%
trained = {}
for kind in KINDS:
    model, result = train_memory_task(
        kind, "adding", TRAIN_LENGTH, seed=0, config=memory_config, progress=False
    )
    trained[kind] = result
    key = f"{kind}/trained_T{TRAIN_LENGTH}"
    gradients[key] = gradient_profile(model, x_grad, y_grad).tolist()
    print(
        f"{LABELS[kind]:<9} MSE {result['error']:.4f} (baseline {result['baseline']:.4f}), "
        f"solved: {result['solved']}, {result['steps_run']} steps in {result['seconds']:.0f} s"
    )

plot_gradient_profiles(gradients, trained_at=TRAIN_LENGTH)
plt.show()

# %% [markdown]
# Compara los dos paneles, celda a celda:
#
# - ¿Se ha aplanado la curva de alguna celda después del entrenamiento? Si
#   la LSTM o la GRU han aprendido a mantener sus puertas abiertas, su curva
#   debería caer mucho más despacio que al principio.
# - ¿Qué le ha pasado a la RNN simple? No tiene puertas que abrir: el
#   factor de cada paso depende de la matriz $U$ y de la saturación de la
#   tangente hiperbólica. Mira si su curva se ha aplanado o si ha caído aún
#   más deprisa que al inicializar.
# - La medida llega hasta una distancia de `GRADIENT_LENGTH` pasos, más que
#   la longitud de entrenamiento: la parte derecha de la curva muestra qué
#   pasa más allá de lo que la red ha necesitado recordar.
#
# Ten presente que esto es **una** semilla y **un** presupuesto corto; en el
# modo rápido, además, el entrenamiento es tan breve que la comparación no
# demuestra nada.
#
# ## 4. Pruebas de memoria a largo plazo
#
# Dos tareas clásicas, fabricadas al vuelo a partir de una semilla
# (`lstm_apps.data.memory_tasks`), sirven para comparar celdas en
# dependencias cada vez más lejanas:
#
# - **La suma** (*adding problem*, Hochreiter y Schmidhuber, 1997): $T$
#   pasos, cada uno con un valor uniforme en $[0, 1]$ y una marca; hay
#   exactamente dos pasos marcados, uno en cada mitad, y el objetivo es la
#   suma de sus dos valores. Una red que no recuerda nada hace lo mejor que
#   puede respondiendo siempre 1 (la media de la suma) y obtiene un error
#   cuadrático medio igual a la varianza de la suma, $2/12 \approx 0{,}167$.
#   Consideramos la tarea **resuelta** cuando el error baja de 0,01.
# - **Copiar** (*copy memory*, Arjovsky, Shah y Bengio, 2016): la red lee 10
#   símbolos de $\{1, \dots, 8\}$, después $T - 1$ blancos y un delimitador
#   (el 9), y tiene que escribir los 10 símbolos en los últimos 10 pasos. Sin
#   memoria, lo mejor es escribir blancos y al final adivinar al azar, lo que
#   da una entropía cruzada media por paso de $10 \log 8 / (T + 20)$ nats.
#
# Un ejemplo de cada una, pequeño para que se pueda leer:

# %%
x_add, y_add = adding_problem(1, 10, seed=1)
print("adding, T=10: values ", np.round(x_add[0, :, 0], 2))
print("              markers", x_add[0, :, 1].astype(int))
print("              target  ", np.round(y_add[0], 2))

x_copy, y_copy = copy_memory(1, 5, seed=1)
print("copy, T=5: input ", x_copy[0])
print("           target", y_copy[0])
for delay in (10, 100, 500):
    print(f"copy baseline at T={delay}: {copy_baseline(delay):.4f} nats/step")

# %% [markdown]
# La curva de aprendizaje del entrenamiento corto de la sección 3: el error
# en las secuencias apartadas cada `eval_every` pasos, frente a la línea base
# sin memoria. Una celda que "ha encontrado" la dependencia se despega de la
# línea base; una que no, se queda pegada a ella.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for kind, result in trained.items():
    steps, errors = zip(*result["curve"])
    ax.plot(steps, errors, marker="o", label=LABELS[kind])
ax.axhline(trained["lstm"]["baseline"], color="k", ls="--", label="memoryless baseline")
ax.axhline(ADDING_SOLVED_MSE, color="grey", ls=":", label="solved (MSE 0.01)")
ax.set_yscale("log")
ax.set_xlabel("optimizer step")
ax.set_ylabel("held-out MSE")
ax.set_title(f"Adding problem, T={TRAIN_LENGTH}")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Un barrido pequeño, sin entrenar dos veces
#
# `memory_sweep` (de `lstm_apps.analysis.comparison`) entrena cada celda en
# cada longitud $T$ y cada semilla de una configuración y guarda los
# resultados en un JSON después de cada entrenamiento; si el archivo ya
# existe, **retoma** el barrido y solo entrena lo que falta. Aprovechamos
# eso: guardamos en ese formato lo que ya hemos medido en la sección 3 (los
# tres entrenamientos y los perfiles de gradiente), de modo que el barrido
# solo añade lo que falte. En modo rápido la configuración pide $T$ = 10 y
# 50, así que entrena solo $T$ = 10; en el modo completo pide solo $T$ =
# 100, que ya está hecho.

# %%
work_dir = Path(tempfile.mkdtemp(prefix="lstm_apps_06_"))
sweep_path = work_dir / "adding.json"
done = SweepResults(
    config=json.loads(json.dumps(asdict(memory_config))),  # como lo guarda memory_sweep
    runs=[json.loads(json.dumps(result)) for result in trained.values()],
    gradients=gradients,
)
done.save(sweep_path)
sweep = memory_sweep(
    ("adding",), memory_config, sweep_path, gradient_length=GRADIENT_LENGTH, progress=False
)
print(f"{len(sweep.runs)} runs in {sweep_path}")
pd.DataFrame(sweep.summary("adding")).round(4)

# %% [markdown]
# ### El barrido completo del proyecto
#
# El barrido de verdad (las tres celdas, $T$ = 10, 50, 100, 200 y 500,
# varias semillas, 3000 pasos de Adam por entrenamiento) tarda horas en una
# CPU, así que no se ejecuta aquí: lo hace el script
# `benchmarks/memory_tasks.py`, que guarda sus resultados en
# `benchmarks/results/memory_adding.json` y `memory_copy.json`. Si esos
# archivos existen, los leemos y mostramos.

# %%
RESULTS_DIR = next(
    (
        folder
        for folder in (Path("../benchmarks/results"), Path("benchmarks/results"))
        if folder.is_dir()
    ),
    Path("../benchmarks/results"),
)
benchmark = {}
for task in TASKS:
    path = RESULTS_DIR / f"memory_{task}.json"
    if path.exists():
        benchmark[task] = SweepResults.load(path)
        print(f"{task}: {len(benchmark[task].runs)} runs read from {path}")
    else:
        print(
            f"{task}: there is no {path.name} in {RESULTS_DIR.resolve()}. Create it from the "
            "repository root with `python benchmarks/memory_tasks.py` (it takes hours)."
        )

# %%
if "adding" in benchmark:
    display(pd.DataFrame(benchmark["adding"].summary("adding")).round(4))
    plot_memory_errors(benchmark["adding"], "adding")
    plt.show()

# %%
if "copy" in benchmark:
    display(pd.DataFrame(benchmark["copy"].summary("copy")).round(4))
    plot_memory_errors(benchmark["copy"], "copy")
    plt.show()

# %% [markdown]
# En las tablas, cada fila es una celda a una longitud $T$: `error_mean` y
# `error_std` son la media y la desviación del error final sobre las
# semillas, `baseline` el de la estrategia sin memoria y `solved` cuántas
# semillas resolvieron la tarea. En las figuras, ambos ejes son
# logarítmicos; la línea discontinua es la línea base. Lo que hay que buscar:
# a partir de qué $T$ cada celda deja de separarse de la línea base, y si las
# celdas con puertas aguantan hasta longitudes mayores que la RNN simple.
#
# ## 5. La tabla del curso, medida
#
# El curso resume la comparación en una tabla: número de puertas y de
# parámetros, velocidad, precisión y capacidad de recordar a largo plazo.
# `lstm-apps compare` la rellena con medidas y la escribe en Markdown y JSON
# junto con sus figuras (en la carpeta `comparison/`, o la que indique
# `--output`):
#
# ```bash
# lstm-apps compare --fast           # unos minutos; cifras sin valor
# lstm-apps compare --adding-results benchmarks/results/memory_adding.json
# lstm-apps compare                  # entrena también el barrido de la suma: horas
# ```
#
# Con `--adding-results` lee la columna "T más largo resuelto" y los perfiles
# de gradiente de un barrido ya hecho en lugar de entrenarlo. Para el resto,
# entrena cada celda en Japanese Vowels con el mismo número de parámetros que
# una LSTM de 100 unidades (también en modo rápido, que solo recorta los datos
# y las épocas) y mide el tiempo por época, la latencia de inferencia de una
# secuencia y la precisión en el conjunto de prueba.
#
# Desde Python es `lstm_apps.analysis.comparison.compare`. Aquí le pasamos
# el barrido completo del proyecto si existe (y no estamos en modo rápido) o, si no, el pequeño
# barrido de la sección 4; en ese caso la columna del $T$ resuelto solo puede
# valer alguna de las longitudes de ese barrido (o *none*).

# %%
use_benchmark = "adding" in benchmark and not FAST
adding_results = RESULTS_DIR / "memory_adding.json" if use_benchmark else sweep_path
print("adding results:", adding_results)
table = compare(work_dir / "compare", fast=FAST, adding_results=adding_results, progress=False)
display(Markdown(table["markdown"]))

# %% [markdown]
# Las mismas filas como tabla de pandas, con todas las columnas que mide
# `compare` (también se guardan en `comparison.json`):

# %%
pd.DataFrame(table["rows"]).set_index("cell")

# %% [markdown]
# ## 6. Conclusiones: cómo leer la tabla
#
# Debajo de la tabla, `compare` escribe unas frases que el código decide
# a partir de las propias medidas (si cada afirmación del curso se cumple o
# no en ellas), no escritas de antemano, y una nota con el método. Para
# leerla con criterio:
#
# - **Parámetros.** Las tres celdas se comparan con un número de parámetros
#   parecido: la RNN simple tiene más unidades y la GRU algunas más que la
#   LSTM. Comprueba en la columna `parameters` que de verdad son comparables.
# - **"La GRU es más rápida".** Compara `s / epoch (JV)` y la latencia de la
#   GRU con las de la LSTM *a igualdad de parámetros*. Con el mismo número de
#   unidades la GRU hace menos cálculos, pero aquí tiene más unidades; y en
#   CPU con lotes pequeños el tiempo depende mucho de la implementación.
# - **"Resultados parecidos".** Compara la precisión en Japanese Vowels: con
#   un solo entrenamiento por celda, diferencias pequeñas pueden ser ruido
#   de la semilla.
# - **"Las puertas resuelven las dependencias largas".** Mira la columna del
#   $T$ más largo resuelto y, sobre todo, la figura del barrido: ¿hasta qué
#   $T$ se separa cada celda de la línea base?
# - **Gradiente.** Las dos últimas columnas son el cociente
#   $\lVert \partial L / \partial h_1 \rVert / \lVert \partial L / \partial
#   h_T \rVert$ al inicializar y después de entrenar: compara cuánto cambia
#   cada celda, y relaciónalo con lo que viste en la sección 3.
#
# Si el cuaderno se ha ejecutado en modo rápido (`LSTM_APPS_FAST=1`), nada de
# lo anterior se puede leer en las cifras de arriba: las redes apenas han
# entrenado. Ejecútalo sin esa variable, y con el barrido completo en
# `benchmarks/results/`, para sacar conclusiones.
#
# ## Qué probar después
#
# - **Otra inicialización**: en el modelo de
#   `memory_model("lstm", "adding", 32, GRADIENT_LENGTH)`, sube el sesgo
#   de la puerta de olvido (las columnas `32:64` del `bias` de la capa `lstm`,
#   con `get_weights` y `set_weights`) a 3 o a 5 y vuelve a medir el perfil
#   del gradiente al inicializar con `gradient_profile`.
# - **La GRU con la convención del curso**: con
#   `h, g = reference.from_keras(layer).forward(x, return_gates=True)` sobre
#   la GRU de la sección 1, calcula `z = 1 - g["update_gate"]` y comprueba
#   que $(1 - z) \odot h_{t-1} + z \odot \tilde h_t$, con
#   $\tilde h_t$ = `g["candidate"]`, da el mismo $h_t$.
# - **Más longitud**: `train_memory_task("gru", "adding", 200, config=...)`.
# - **La tarea de copiar**: `train_memory_task(kind, "copy", T, ...)`
#   devuelve además `recall_accuracy`, la fracción de símbolos bien copiados.
