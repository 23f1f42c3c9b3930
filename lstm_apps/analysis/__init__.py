"""Looking inside and comparing recurrent cells.

Modules: `reference` (NumPy reference cells with BPTT), `gates` (gate and
state replay), `gradients` (`gradient_profile`, the gradient norm through
time), `memory` (the adding and copy-memory benchmarks of one cell),
`comparison` (memory sweeps and the measured RNN / LSTM / GRU table,
`compare`), `comparison_plots` (its figures) and `comparison_report` (its
Markdown table and verdicts).
"""
