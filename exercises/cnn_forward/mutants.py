"""Realistic wrong versions of cnn_forward(x, weights)."""
import numpy as np

import reference as ref
from grader.pack import N_, Mutant


def _softmax(z):
    return ref.model.softmax(z)


def _naive_softmax(z):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def _forward(x, weights, conv_relu=True, dense_relu=True, padding="same", flip=False, pool="max",
             channels_first=False, conv_bias=True, head=_softmax):
    ck, cb, dk, db, ok, ob = (np.asarray(w, dtype=np.float64) for w in weights)
    x = np.asarray(x, dtype=np.float64)
    if flip:
        ck = ck[::-1, ::-1]
    h = ref.conv2d(x, ck, cb if conv_bias else None, padding=padding)
    if conv_relu:
        h = ref.relu(h)
    h = ref.max_pool2d(h, 2) if pool == "max" else ref.avg_pool2d(h, 2)
    h = h.transpose(0, 3, 1, 2).reshape(h.shape[0], -1) if channels_first else ref.flatten(h)
    h = h @ dk + db
    if dense_relu:
        h = ref.relu(h)
    return head(h @ ok + ob)


MUTANTS = [
    Mutant("no_conv_relu", N_("forgets the ReLU after the convolution (the pooling does not replace it)"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, conv_relu=False)}),
    Mutant("no_dense_relu", N_("forgets the ReLU of the hidden Dense(100) layer"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, dense_relu=False)}),
    Mutant("valid_padding", N_("uses 'valid' instead of 'same' padding in the convolution (26x26 maps, 5408 features)"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, padding="valid")}),
    Mutant("kernel_flipped", N_("flips the kernel (true convolution); a Conv2D layer computes cross-correlation"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, flip=True)}),
    Mutant("average_pooling", N_("averages the 2x2 windows instead of taking their maximum"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, pool="avg")}),
    Mutant("flatten_channels_first", N_("flattens (N, 14, 14, 32) channels first (PyTorch's order), not Keras' "
           "row-major (channels last) order, so the Dense kernel's rows meet the wrong features"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, channels_first=True)}),
    Mutant("conv_bias_forgotten", N_("forgets the convolution's bias"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, conv_bias=False)}),
    Mutant("softmax_over_batch", N_("takes the softmax over the batch axis (axis=0) instead of the classes"),
           {"cnn_forward": lambda x, weights: _forward(
               x, weights, head=lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0))}),
    Mutant("no_softmax", N_("returns the logits, without the softmax"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, head=lambda z: z)}),
    Mutant("naive_softmax", N_("computes exp of the raw logits: overflows (NaN) when they are large"),
           {"cnn_forward": lambda x, weights: _forward(x, weights, head=_naive_softmax)}),
]
