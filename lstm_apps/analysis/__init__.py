"""Looking inside and comparing recurrent cells: NumPy reference cells
(`reference`), gate and state replay (`gates`) and the measured RNN / LSTM /
GRU comparison (`comparison`)."""
