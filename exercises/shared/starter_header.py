"""CNN exercises: your solutions go in this file.

Fill in each function below (replace `raise NotImplementedError` with your code),
then run

    cnngrade check .

in this folder to grade the visible checks. A function that is missing, raises
NotImplementedError or returns None scores zero on the checks that call it and
nothing else, so you can work through the exercises one at a time.

Rules
- Import only numpy and the Python standard library. Imports of tensorflow, keras,
  scipy, torch (or cnngrade) are refused by the grader, and the functions that need
  them fail their checks.
- No function may modify its arguments in place (this is checked): work on copies
  (np.pad, x.copy(), x + 0, ...) instead.
- You may put helpers in other .py files of this folder and import them from here.
- model.keras, your trained MNIST model (exercise mnist_cnn), belongs in this same
  folder, next to cnn.py.

Conventions (Keras, channels last)
- image (H, W) or (H, W, C); batch (N, H, W, C); 1D signal (L, C) or (N, L, C);
  volume (D, H, W, C) or (N, D, H, W, C).
- kernels: 2D (KH, KW, C, K), 1D (KL, C, K), 3D (KD, KH, KW, C, K); bias (K,).
- "convolution" in a CNN layer is cross-correlation (no kernel flip).
- stride, dilation, pool_size, strides, kernel_size: an int (the same on every
  spatial axis) or a tuple with one int per spatial axis. stride > 1 and
  dilation > 1 are never asked together.
- A conv padding is 'valid', 'same', an int, one int per spatial axis, or one
  (before, after) pair per spatial axis; in 2D also the flat (top, bottom, left, right).
- 'same' follows TensorFlow, per spatial axis with input size n, kernel size k,
  stride s, dilation d:
      out = ceil(n / s)
      total padding = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
      before = total // 2, after = total - before   (the larger half after)
- Output size per axis with explicit padding (before, after):
      out = (n + before + after - ((k - 1) * d + 1)) // s + 1
- Results are NumPy arrays compared by value with tolerance
  |got - expected| <= {tolerance} * max(1, max|expected|); float32 arithmetic passes.
"""

import numpy as np
