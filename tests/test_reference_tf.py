"""Cross-check the trusted NumPy reference against TensorFlow / Keras, an oracle nobody here wrote.

Forward ops go against tf.nn.* and Keras layers, backward passes against tf.GradientTape on
the same TF ops and against float64 central differences. Hypothesis draws the shapes and
arguments (non-square images and kernels, 1x1, batch of 1 and more, single channel, even
kernels with 'same', strides larger than the kernel, overlapping pooling windows, every padding
form); the array values come from a drawn seed, since TF is the oracle for any value.

Cases TensorFlow on CPU cannot run are excluded by the strategies, never skipped:
- strides > 1 together with dilation > 1: the contract never asks it (Keras refuses it), so no
  strategy draws it, except test_conv2d_stride_and_dilation_beyond_contract, which tf.nn.conv2d
  can run.
- tf.nn.conv3d's CPU kernel only supports dilation 1 ("CPU implementation of Conv3D currently
  only supports dilated rates of 1"), so dilated 3D cases go through tf.nn.convolution, which
  reaches the same result by space-to-batch.
- tf.nn.conv3d's CPU kernel computes 'SAME' padding without the max(., 0) of the contract's
  formula: when (out - 1) * s + (k - 1) * d + 1 - n <= -2 on an axis (stride well above the
  kernel), its windows start trunc(total / 2) cells *inside* the volume instead of at 0, unlike
  tf.nn.conv2d, tf.nn.conv1d and the pooling ops, which clamp as docs/EXERCISES.md says. The
  reference follows the contract; test_conv3d_matches_tf excludes those cases and
  test_tf_conv3d_same_quirk pins TF's behaviour, so a change in either side is noticed.
- tf.nn.conv2d's gradient ops on CPU (Conv2DBackpropInput/Filter) refuse dilation > 1
  ("Current CPU implementations do not yet support dilation rates larger than 1"), so the
  tape differentiates the equivalent dilation-1 conv2d with a zero-inserted kernel built by TF
  ops (the forward test uses TF's own dilations).
- tf.nn.conv1d takes no explicit paddings, so explicit 1D/3D padding is applied with tf.pad
  followed by a 'VALID' convolution; tf.nn.conv2d's own explicit paddings are used for 2D.
"""

from __future__ import annotations

import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import reference as ref  # noqa: E402
from reference import layers as keras_layers  # noqa: E402

# Derandomized and without a database, so every run checks the same cases; TF's first eager
# calls are slow, hence no deadline.
BASE = settings(derandomize=True, database=None, deadline=None, max_examples=300,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def examples(n: int) -> settings:
    return settings(BASE, max_examples=n)


def T(x) -> tf.Tensor:
    """A float64 tensor. Always convert explicitly: tf.nn.max_pool2d fed a NumPy float64 array
    computes in float32 from its second call on (TF 2.21, eager)."""
    return tf.constant(x, dtype=tf.float64)


# float64 against float64: agreement to rounding error.
RTOL = 1e-9


def assert_close(got, expected, rtol: float = RTOL) -> None:
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    err = float(np.max(np.abs(got - expected))) if expected.size else 0.0
    assert err <= rtol * scale, f"max abs error {err} (scale {scale})"


def rel_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    denom = max(float(np.max(np.abs(a) + np.abs(b))), 1e-12) if a.size else 1.0
    return float(np.max(np.abs(a - b))) / denom if a.size else 0.0


def rng_of(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


seeds = st.integers(0, 2**32 - 1)


def tf_grad(fn, *tensors):
    """Gradients of fn(*tensors) (a scalar TF expression) with respect to every tensor."""
    tensors = [T(t) for t in tensors]
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        loss = fn(*tensors)
    return [g.numpy() for g in tape.gradient(loss, tensors)]


# ----------------------------------------------------------------------------- strategies

@st.composite
def padding_specs(draw, nsp: int, allow_strings: bool = True, max_pad: int = 3):
    """(spec, pairs): a padding argument of any contract form and, for explicit forms, the
    (before, after) pairs it means (None for 'valid'/'same')."""
    kinds = ["int", "per_axis", "pairs"] + (["flat"] if nsp == 2 else [])
    if allow_strings:
        kinds = ["valid", "same"] + kinds
    kind = draw(st.sampled_from(kinds))
    if kind in ("valid", "same"):
        spec = draw(st.sampled_from([kind, kind.upper()])) if kind == "same" else kind
        return spec, None
    p = st.integers(0, max_pad)
    if kind == "int":
        v = draw(p)
        return v, ((v, v),) * nsp
    if kind == "per_axis":
        vs = tuple(draw(p) for _ in range(nsp))
        return vs, tuple((v, v) for v in vs)
    pairs = tuple((draw(p), draw(p)) for _ in range(nsp))
    if kind == "pairs":
        as_list = draw(st.booleans())
        spec = [list(q) for q in pairs] if as_list else pairs
        return spec, pairs
    return tuple(v for q in pairs for v in q), pairs  # (top, bottom, left, right)


@st.composite
def conv_cases(draw, nsp: int, max_k: int = 4, max_extra: int = 5, allow_both: bool = False):
    """Arguments of conv{nsp}d: x, kernel, bias, stride, padding, dilation (+ TF's view)."""
    seed = draw(seeds)
    batch = draw(st.sampled_from([None, 1, 2, 3]))
    c = draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    taps = tuple(draw(st.integers(1, max_k)) for _ in range(nsp))
    mode = draw(st.sampled_from(["plain", "stride", "dilation"] + (["both"] if allow_both else [])))
    strides = (1,) * nsp
    dilations = (1,) * nsp
    if mode in ("stride", "both"):
        strides = tuple(draw(st.integers(1, 5)) for _ in range(nsp))
    if mode in ("dilation", "both"):
        dilations = tuple(draw(st.integers(1, 3)) for _ in range(nsp))
    spec, pairs = draw(padding_specs(nsp))
    sizes = []
    for i in range(nsp):
        span = (taps[i] - 1) * dilations[i] + 1
        pad = 0 if pairs is None else sum(pairs[i])
        low = 1 if spec in ("same", "SAME") else max(1, span - pad)
        sizes.append(draw(st.integers(low, low + max_extra)))
    # Give the int/tuple argument forms both a chance.
    stride_arg = strides[0] if len(set(strides)) == 1 and draw(st.booleans()) else strides
    dil_arg = dilations[0] if len(set(dilations)) == 1 and draw(st.booleans()) else dilations
    use_bias = draw(st.booleans())
    r = rng_of(seed)
    shape = (*sizes, c) if batch is None else (batch, *sizes, c)
    x = r.normal(size=shape)
    kernel = r.normal(size=(*taps, c, k))
    bias = r.normal(size=(k,)) if use_bias else None
    return dict(x=x, kernel=kernel, bias=bias, stride=stride_arg, padding=spec,
                dilation=dil_arg, strides=strides, dilations=dilations, pairs=pairs,
                batched=batch is not None)


def tf_conv(case, nsp: int) -> np.ndarray:
    """TensorFlow's result for a conv_cases() case, batched as the reference's."""
    x = case["x"] if case["batched"] else case["x"][None]
    x = T(x)
    kernel = T(case["kernel"])
    strides, dilations, pairs = list(case["strides"]), list(case["dilations"]), case["pairs"]
    if pairs is None:
        padding = case["padding"].upper()
    elif nsp == 2:
        padding = [[0, 0], *map(list, pairs), [0, 0]]
    else:
        x = tf.pad(x, [[0, 0], *map(list, pairs), [0, 0]])
        padding = "VALID"
    if nsp == 1:
        y = tf.nn.conv1d(x, kernel, strides, padding, dilations=dilations)
    elif nsp == 2:
        y = tf.nn.conv2d(x, kernel, strides, padding, dilations=dilations)
    elif any(d > 1 for d in dilations):
        # tf.nn.conv3d's CPU kernel refuses dilations; tf.nn.convolution uses space-to-batch.
        y = tf.nn.convolution(x, kernel, strides=strides, padding=padding, dilations=dilations)
    else:
        y = tf.nn.conv3d(x, kernel, [1, *strides, 1], padding)
    y = y.numpy()
    if case["bias"] is not None:
        y = y + case["bias"]
    return y if case["batched"] else y[0]


# --------------------------------------------------------------------- single-channel 2D

@st.composite
def image_and_kernel(draw):
    seed = draw(seeds)
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    kh, kw = draw(st.integers(1, h)), draw(st.integers(1, w))
    r = rng_of(seed)
    return r.normal(size=(h, w)), r.normal(size=(kh, kw))


@examples(300)
@given(image_and_kernel())
def test_correlate2d_matches_tf_conv2d(case):
    image, kernel = case
    expected = tf.nn.conv2d(T(image[None, :, :, None]), T(kernel[:, :, None, None]), 1,
                            "VALID").numpy()[0, :, :, 0]
    assert_close(ref.correlate2d(image, kernel), expected)


@examples(200)
@given(image_and_kernel())
def test_convolve2d_matches_tf_full_convolution(case):
    image, kernel = case
    h, w = image.shape
    kh, kw = kernel.shape
    # conv2d_transpose with stride 1 scatters image[i, j] * kernel[a, b] into (i + a, j + b):
    # the full true convolution; its fully overlapping part is the valid convolution.
    full = tf.nn.conv2d_transpose(T(image[None, :, :, None]), T(kernel[:, :, None, None]),
                                  [1, h + kh - 1, w + kw - 1, 1], 1, "VALID").numpy()[0, :, :, 0]
    expected = full[kh - 1:h, kw - 1:w]
    assert_close(ref.convolve2d(image, kernel), expected)


# ------------------------------------------------------------------------------- padding

@st.composite
def pad_cases(draw):
    seed = draw(seeds)
    layout = draw(st.sampled_from(["HW", "HWC", "NHWC"]))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    shape = {"HW": (h, w), "HWC": (h, w, draw(st.integers(1, 3))),
             "NHWC": (draw(st.integers(1, 3)), h, w, draw(st.integers(1, 3)))}[layout]
    spec, pairs = draw(padding_specs(2, allow_strings=False))
    return rng_of(seed).normal(size=shape), spec, pairs


@examples(300)
@given(pad_cases())
def test_pad2d_matches_tf_pad(case):
    x, spec, pairs = case
    widths = {2: [*pairs], 3: [*pairs, (0, 0)], 4: [(0, 0), *pairs, (0, 0)]}[x.ndim]
    expected = tf.pad(T(x), [list(p) for p in widths]).numpy()
    assert_close(ref.pad2d(x, spec), expected, rtol=0)


# ---------------------------------------------------------------------------- conv layers

@examples(400)
@given(conv_cases(2))
def test_conv2d_matches_tf(case):
    got = ref.conv2d(case["x"], case["kernel"], case["bias"], case["stride"], case["padding"],
                     case["dilation"])
    assert_close(got, tf_conv(case, 2))


@examples(100)
@given(conv_cases(2, allow_both=True))
def test_conv2d_stride_and_dilation_beyond_contract(case):
    # The contract never asks stride and dilation together, but the reference computes it and
    # tf.nn.conv2d on CPU runs it, so the general formula is checked too.
    got = ref.conv2d(case["x"], case["kernel"], case["bias"], case["stride"], case["padding"],
                     case["dilation"])
    assert_close(got, tf_conv(case, 2))


@examples(300)
@given(conv_cases(1, max_k=5, max_extra=7))
def test_conv1d_matches_tf(case):
    got = ref.conv1d(case["x"], case["kernel"], case["bias"], case["stride"], case["padding"],
                     case["dilation"])
    assert_close(got, tf_conv(case, 1))


def same_totals(case) -> list[int]:
    """Unclamped 'same' total padding per spatial axis of a conv_cases() case."""
    x, taps = case["x"], case["kernel"].shape[:-2]
    sizes = x.shape[-1 - len(taps):-1]
    return [(-(-n // s) - 1) * s + (k - 1) * d + 1 - n
            for n, k, s, d in zip(sizes, taps, case["strides"], case["dilations"])]


def tf3d_same_quirk(case) -> bool:
    return case["pairs"] is None and case["padding"].lower() == "same" and \
        min(same_totals(case)) <= -2


@examples(300)
@given(conv_cases(3, max_k=3, max_extra=3).filter(lambda c: not tf3d_same_quirk(c)))
def test_conv3d_matches_tf(case):
    got = ref.conv3d(case["x"], case["kernel"], case["bias"], case["stride"], case["padding"],
                     case["dilation"])
    assert_close(got, tf_conv(case, 3))


@st.composite
def conv3d_quirk_cases(draw):
    # Kernel 1 or 2 and stride at least kernel + 2 on the first axis: total <= -2 there.
    k = draw(st.integers(1, 2))
    s = draw(st.integers(k + 2, 5))
    n = draw(st.integers(s + 1, 2 * s))
    case = draw(conv_cases(3, max_k=2, max_extra=2))
    r = rng_of(draw(seeds))
    x = case["x"]
    shape = list(x.shape)
    shape[-4] = n
    kernel = r.normal(size=(k, *case["kernel"].shape[1:]))
    strides = (s, *case["strides"][1:]) if max(case["dilations"]) == 1 else (s, 1, 1)
    dilations = (1, 1, 1)
    case.update(x=r.normal(size=shape), kernel=kernel, stride=strides, strides=strides,
                dilation=dilations, dilations=dilations, padding="same", pairs=None)
    return case


@examples(60)
@given(conv3d_quirk_cases().filter(tf3d_same_quirk))
def test_tf_conv3d_same_quirk(case):
    # TF's CPU Conv3D 'SAME' == the contract's 'same' conv on an input whose leading
    # trunc(-total / 2) cells are cut off wherever the unclamped total is negative.
    totals = same_totals(case)
    x, taps = case["x"], case["kernel"].shape[:3]
    outs = [-(-n // s) for n, s in zip(x.shape[-4:-1], case["strides"])]
    index = [slice(None)] * x.ndim
    pairs = []
    for axis, total in enumerate(totals):
        if total < 0:
            index[x.ndim - 4 + axis] = slice(-total // 2, None)
            pairs.append((0, 0))
        else:
            pairs.append((total // 2, total - total // 2))
    shifted = ref.conv3d(x[tuple(index)], case["kernel"], case["bias"], case["strides"], pairs)
    crop = [slice(None)] * shifted.ndim
    for axis, out in enumerate(outs):
        crop[shifted.ndim - 4 + axis] = slice(0, out)
    tf_result = tf_conv(case, 3)
    assert_close(tf_result, shifted[tuple(crop)])
    # ... which is not what the contract's formula gives.
    assert not np.allclose(tf_result, ref.conv3d(x, case["kernel"], case["bias"],
                                                 case["strides"], "same"))


def test_conv1d_flat_before_after_pair():
    # (before, after) for a 1D conv is read as keras.layers.ZeroPadding1D reads it.
    x = rng_of(1).normal(size=(7, 2))
    k = rng_of(2).normal(size=(3, 2, 4))
    expected = tf.nn.conv1d(tf.pad(T(x[None]), [[0, 0], [1, 3], [0, 0]]), T(k), 1,
                            "VALID").numpy()[0]
    assert_close(ref.conv1d(x, k, padding=(1, 3)), expected)
    assert_close(ref.conv1d(x, k, padding=((1, 3),)), expected)


# ----------------------------------------------------------------------------- activations

@st.composite
def activation_inputs(draw):
    seed = draw(seeds)
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    r = rng_of(seed)
    # Half-integers put exact zeros among the values, where relu's definition matters.
    return r.integers(-4, 5, size=shape) / 2.0 + draw(st.sampled_from([0.0, 1.0])) * \
        r.normal(size=shape)


@examples(200)
@given(activation_inputs(), st.sampled_from([0.3, 0.0, 0.01, 0.1, 0.5, 0.99, 1.0]))
def test_relu_and_leaky_relu_match_keras(x, slope):
    assert_close(ref.relu(x), keras.layers.ReLU(dtype="float64")(T(x)).numpy(), rtol=0)
    expected = keras.layers.LeakyReLU(negative_slope=slope, dtype="float64")(T(x)).numpy()
    # Keras rounds the slope to float32 (0.3 -> 0.30000001192...), hence float32's tolerance.
    assert_close(ref.leaky_relu(x, slope), expected, rtol=1e-7)
    if slope == 0.3:
        assert_close(ref.leaky_relu(x), expected, rtol=1e-7)
    assert_close(ref.leaky_relu(x, slope), np.where(x >= 0, x, slope * x), rtol=0)


# -------------------------------------------------------------------------------- pooling

@st.composite
def pool_cases(draw, distinct: bool = False, integers: bool = False):
    """x, pool_size, strides, padding (+ TF's view). Strides below the pool make the windows
    overlap; above it they skip cells."""
    seed = draw(seeds)
    batch = draw(st.sampled_from([None, 1, 2]))
    c = draw(st.integers(1, 3))
    pool = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    pool_arg = pool[0] if pool[0] == pool[1] and draw(st.booleans()) else pool
    stride_kind = draw(st.sampled_from(["default", "int", "tuple"]))
    if stride_kind == "default":
        strides, stride_arg = pool, None
    elif stride_kind == "int":
        s = draw(st.integers(1, 4))
        strides, stride_arg = (s, s), s
    else:
        strides = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
        stride_arg = strides
    padding = draw(st.sampled_from(["valid", "same"]))
    # 'same' may even take a window larger than the image (the padding covers it).
    sizes = [draw(st.integers(1 if padding == "same" else p, p + 5)) for p in pool]
    shape = (*sizes, c) if batch is None else (batch, *sizes, c)
    r = rng_of(seed)
    n = int(np.prod(shape))
    if distinct:
        # Distinct values 0.1 apart: no ties, and no max changes within a finite-difference h.
        x = r.permutation(n).reshape(shape) * 0.1 - 0.05 * n
    elif integers:
        x = r.integers(0, 3, size=shape).astype(np.float64)  # plenty of ties
    else:
        x = r.normal(size=shape)
    return dict(x=x, pool=pool, pool_arg=pool_arg, strides=strides, stride_arg=stride_arg,
                padding=padding, batched=batch is not None)


def tf_pool(case, op, x_batched=None):
    """op (tf.nn.max_pool2d / avg_pool2d) on the case's input, or on x_batched, batched."""
    if x_batched is None:
        x_batched = T(case["x"] if case["batched"] else case["x"][None])
    return op(x_batched, list(case["pool"]), list(case["strides"]), case["padding"].upper())


def ref_pool_args(case):
    return dict(pool_size=case["pool_arg"], strides=case["stride_arg"], padding=case["padding"])


@examples(400)
@given(pool_cases())
def test_max_and_avg_pool2d_match_tf(case):
    for fn, op in ((ref.max_pool2d, tf.nn.max_pool2d), (ref.avg_pool2d, tf.nn.avg_pool2d)):
        expected = tf_pool(case, op).numpy()
        expected = expected if case["batched"] else expected[0]
        assert_close(fn(case["x"], **ref_pool_args(case)), expected)


# ------------------------------------------------------------------------ shapes and counts

@examples(300)
@given(st.data())
def test_conv_output_shape_matches_keras(data):
    h, w, c = (data.draw(st.integers(1, 40)) for _ in range(3))
    filters = data.draw(st.integers(1, 64))
    kernel = (data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7)))
    kernel_arg = kernel[0] if kernel[0] == kernel[1] and data.draw(st.booleans()) else kernel
    if data.draw(st.booleans()):
        strides, dilation = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))), (1, 1)
    else:  # Keras refuses strides > 1 with dilation > 1.
        strides, dilation = (1, 1), (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    spec, pairs = data.draw(padding_specs(2, max_pad=4))
    span = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    pads = [0, 0] if pairs is None or spec == "same" else [sum(p) for p in pairs]
    if spec not in ("same", "SAME"):
        # Kernels are never larger than the padded input.
        h, w = max(h, span[0] - pads[0]), max(w, span[1] - pads[1])
    layer = keras.layers.Conv2D(filters, kernel, strides=strides, dilation_rate=dilation,
                                padding="same" if spec in ("same", "SAME") else "valid")
    in_shape = (None, h, w, c)
    if pairs is not None:
        in_shape = keras.layers.ZeroPadding2D(pairs).compute_output_shape(in_shape)
    expected = tuple(layer.compute_output_shape(in_shape)[1:])
    got = ref.conv_output_shape((h, w, c), filters, kernel_arg, strides=strides, padding=spec,
                                dilation_rate=dilation)
    assert tuple(got) == expected and all(type(v) is int for v in got)


@examples(200)
@given(st.data())
def test_pool_output_shape_matches_keras(data):
    h, w, c = (data.draw(st.integers(1, 40)) for _ in range(3))
    pool = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)))
    strides = data.draw(st.sampled_from([None, 1, 2, 3, (1, 2), (3, 2), (5, 4)]))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    if padding == "valid":
        h, w = max(h, pool[0]), max(w, pool[1])
    layer = keras.layers.MaxPooling2D(pool, strides, padding)
    expected = tuple(layer.compute_output_shape((None, h, w, c))[1:])
    got = ref.pool_output_shape((h, w, c), pool, strides, padding)
    assert tuple(got) == expected and all(type(v) is int for v in got)


@examples(150)
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 64), st.integers(1, 128),
       st.integers(1, 2000), st.booleans())
def test_param_counts_match_keras(kh, kw, cin, filters, features, use_bias):
    conv = keras.layers.Conv2D(filters, (kh, kw), use_bias=use_bias)
    conv.build((None, None, None, cin))
    kernel_arg = kh if kh == kw else (kh, kw)
    got = ref.conv_param_count(kernel_arg, cin, filters, use_bias=use_bias)
    assert got == conv.count_params() and type(got) is int
    dense = keras.layers.Dense(filters, use_bias=use_bias)
    dense.build((None, features))
    got = ref.dense_param_count(features, filters, use_bias=use_bias)
    assert got == dense.count_params() and type(got) is int


@examples(100)
@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=5))
def test_flatten_matches_keras(seed, shape):
    x = rng_of(seed).normal(size=shape)
    assert_close(ref.flatten(x), keras.layers.Flatten(dtype="float64")(T(x)).numpy(), rtol=0)


# ------------------------------------------------------------------------------- backward

def zero_inserted(kernel: tf.Tensor, dilations) -> tf.Tensor:
    """(KH, KW, C, K) -> ((KH-1)*dh+1, (KW-1)*dw+1, C, K) with dh-1 / dw-1 zeros between taps,
    built from TF ops so that the tape differentiates through it."""
    kh, kw, c, k = kernel.shape
    dh, dw = dilations
    spread = tf.pad(tf.reshape(kernel, (kh, 1, kw, 1, c, k)),
                    [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]])
    spread = tf.reshape(spread, (kh * dh, kw * dw, c, k))
    return spread[:(kh - 1) * dh + 1, :(kw - 1) * dw + 1]


def conv_tf_loss(case, dout_b):
    """Closure for tf_grad: sum((conv2d(x, kernel) + bias) * dout), batched."""
    strides, dilations, pairs = list(case["strides"]), list(case["dilations"]), case["pairs"]
    padding = case["padding"].upper() if pairs is None else [[0, 0], *map(list, pairs), [0, 0]]
    dout_b = T(dout_b)

    def loss(x, kernel, bias):
        # TF's CPU conv2d gradients refuse dilation > 1 (see the module docstring).
        y = tf.nn.conv2d(x, zero_inserted(kernel, dilations), strides, padding) + bias
        return tf.reduce_sum(y * dout_b)
    return loss


@examples(400)
@given(conv_cases(2))
def test_conv2d_backward_matches_gradient_tape(case):
    out = ref.conv2d(case["x"], case["kernel"], None, case["stride"], case["padding"],
                     case["dilation"])
    dout = rng_of(len(out.shape) + out.size).normal(size=out.shape)
    x_b = case["x"] if case["batched"] else case["x"][None]
    dout_b = dout if case["batched"] else dout[None]
    bias = np.zeros(case["kernel"].shape[-1])
    dx_tf, dk_tf, db_tf = tf_grad(conv_tf_loss(case, dout_b), x_b, case["kernel"], bias)
    dx, dk, db = ref.conv2d_backward(dout, case["x"], case["kernel"], case["stride"],
                                     case["padding"], case["dilation"])
    assert_close(dx, dx_tf if case["batched"] else dx_tf[0])
    assert_close(dk, dk_tf)
    assert_close(db, db_tf)


def small_conv_case(case) -> bool:
    return case["x"].size <= 60 and case["kernel"].size <= 40


@examples(150)
@given(conv_cases(2, max_k=3, max_extra=3).filter(small_conv_case))
def test_conv2d_backward_matches_central_differences(case):
    args = (case["stride"], case["padding"], case["dilation"])
    x, kernel = case["x"], case["kernel"]
    bias = rng_of(7).normal(size=kernel.shape[-1])
    out = ref.conv2d(x, kernel, bias, *args)
    dout = rng_of(out.size).normal(size=out.shape)
    dx, dk, db = ref.conv2d_backward(dout, x, kernel, *args)
    ndx = ref.numeric_gradient(lambda v: np.sum(ref.conv2d(v, kernel, bias, *args) * dout), x)
    ndk = ref.numeric_gradient(lambda v: np.sum(ref.conv2d(x, v, bias, *args) * dout), kernel)
    ndb = ref.numeric_gradient(lambda v: np.sum(ref.conv2d(x, kernel, v, *args) * dout), bias)
    assert rel_error(dx, ndx) < 1e-8
    assert rel_error(dk, ndk) < 1e-8
    assert rel_error(db, ndb) < 1e-8


@examples(200)
@given(activation_inputs())
def test_relu_backward_matches_gradient_tape(x):
    dout = rng_of(x.size).normal(size=x.shape)
    # TF's ReluGrad passes the gradient where x > 0 only: at exactly 0 it is 0, as contracted.
    (expected,) = tf_grad(lambda v: tf.reduce_sum(tf.nn.relu(v) * T(dout)), x)
    assert_close(ref.relu_backward(dout, x), expected, rtol=0)
    assert np.all(ref.relu_backward(dout, np.zeros_like(x)) == 0)


def pool_backward_check(case, ref_fn, tf_op):
    out = tf_pool(case, tf_op).numpy()
    dout_b = rng_of(out.size).normal(size=out.shape)
    x_b = case["x"] if case["batched"] else case["x"][None]
    (expected,) = tf_grad(lambda v: tf.reduce_sum(tf_pool(case, tf_op, v) * T(dout_b)), x_b)
    dout = dout_b if case["batched"] else dout_b[0]
    got = ref_fn(dout, case["x"], **ref_pool_args(case))
    assert_close(got, expected if case["batched"] else expected[0])


@examples(300)
@given(pool_cases(distinct=True))
def test_max_pool2d_backward_matches_gradient_tape_without_ties(case):
    pool_backward_check(case, ref.max_pool2d_backward, tf.nn.max_pool2d)


@examples(150)
@given(pool_cases(integers=True))
def test_max_pool2d_backward_tie_rule_matches_tf(case):
    # The contract accepts any tied cell; the reference pins TF's MaxPoolGrad: the whole
    # gradient of a window goes to its first maximum in row-major window order.
    pool_backward_check(case, ref.max_pool2d_backward, tf.nn.max_pool2d)


@examples(300)
@given(pool_cases())
def test_avg_pool2d_backward_matches_gradient_tape(case):
    pool_backward_check(case, ref.avg_pool2d_backward, tf.nn.avg_pool2d)


@examples(150)
@given(pool_cases(distinct=True).filter(lambda c: c["x"].size <= 80),
       st.sampled_from(["max", "avg"]))
def test_pool_backward_matches_central_differences(case, kind):
    fwd = {"max": ref.max_pool2d, "avg": ref.avg_pool2d}[kind]
    bwd = {"max": ref.max_pool2d_backward, "avg": ref.avg_pool2d_backward}[kind]
    args = ref_pool_args(case)
    out = fwd(case["x"], **args)
    dout = rng_of(out.size).normal(size=out.shape)
    numeric = ref.numeric_gradient(lambda v: np.sum(fwd(v, **args) * dout), case["x"])
    assert rel_error(bwd(dout, case["x"], **args), numeric) < 1e-8


def test_max_pool2d_backward_tie_examples():
    # One window of four equal cells: everything to the top-left one.
    x = np.ones((2, 2, 1))
    assert_close(ref.max_pool2d_backward(np.full((1, 1, 1), 5.0), x), [[[5.0], [0.0]],
                                                                       [[0.0], [0.0]]], rtol=0)
    # Overlapping 3x3 windows, stride 1, on a constant 4x4 image: each window sends its
    # gradient to its own top-left cell, so the four top-left cells get one each.
    x = np.zeros((4, 4, 1))
    dx = ref.max_pool2d_backward(np.ones((2, 2, 1)), x, pool_size=3, strides=1)
    expected = np.zeros((4, 4, 1))
    expected[:2, :2] = 1.0
    assert_close(dx, expected, rtol=0)
    # A tie between (0, 1) and (1, 0): row-major order prefers (0, 1).
    x = np.array([[0.0, 2.0], [2.0, 1.0]])[:, :, None]
    assert_close(ref.max_pool2d_backward(np.ones((1, 1, 1)), x)[:, :, 0], [[0, 1], [0, 0]],
                 rtol=0)


@examples(100)
@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_numeric_gradient_matches_gradient_tape(seed, shape):
    x = rng_of(seed).normal(size=shape)
    before = x.copy()
    w = rng_of(seed + 1).normal(size=shape)
    numeric = ref.numeric_gradient(lambda v: float(np.sum(np.sin(v) * w + v ** 3)), x)
    (expected,) = tf_grad(lambda v: tf.reduce_sum(tf.sin(v) * T(w) + v ** 3), x)
    assert rel_error(numeric, expected) < 1e-8
    assert np.array_equal(x, before)


# --------------------------------------------------------------------------------- model

def course_model(dtype: str) -> keras.Model:
    return keras.Sequential([
        keras.Input((28, 28, 1), dtype=dtype),
        keras.layers.Conv2D(32, (3, 3), activation="relu", padding="same", dtype=dtype),
        keras.layers.MaxPooling2D((2, 2), dtype=dtype),
        keras.layers.Flatten(dtype=dtype),
        keras.layers.Dense(100, activation="relu", dtype=dtype),
        keras.layers.Dense(10, activation="softmax", dtype=dtype),
    ])


@pytest.fixture(scope="module")
def course_models():
    return course_model("float64"), course_model("float32")


def test_course_model_has_628630_parameters(course_models):
    assert course_models[0].count_params() == 628630
    counts = (ref.conv_param_count(3, 1, 32) + ref.dense_param_count(14 * 14 * 32, 100)
              + ref.dense_param_count(100, 10))
    assert counts == 628630


@examples(15)
@given(seeds, st.integers(1, 4), st.sampled_from([0.05, 0.3, 1.0]))
def test_cnn_forward_matches_keras_model(course_models, seed, n, scale):
    model64, model32 = course_models
    r = rng_of(seed)
    weights = [r.normal(scale=scale, size=w.shape) for w in model64.get_weights()]
    x = r.uniform(0, 1, size=(n, 28, 28, 1))
    got = ref.cnn_forward(x, weights)
    model64.set_weights(weights)
    assert_close(got, model64(T(x)).numpy(), rtol=1e-10)
    # The float32 model a student trains agrees to the contract's tolerance.
    model32.set_weights([w.astype(np.float32) for w in weights])
    assert_close(got, model32(x.astype(np.float32)).numpy(), rtol=1e-5)
    assert np.allclose(got.sum(axis=1), 1.0)


# ------------------------------------------------- reference/layers.py: Keras' layers in float32

# float32 against float32 in another order of operations.
RTOL32 = 1e-5


def F(x) -> tf.Tensor:
    return tf.constant(np.asarray(x, dtype=np.float32))


def _batched32(case) -> dict:
    x = case["x"] if case["batched"] else case["x"][None]
    return {"x": x.astype(np.float32), "kernel": case["kernel"].astype(np.float32),
            "bias": None if case["bias"] is None else case["bias"].astype(np.float32)}


@examples(150)
@given(st.sampled_from([1, 2, 3]).flatmap(
    lambda nsp: conv_cases(nsp, max_k=3, max_extra=4).filter(
        lambda c: c["pairs"] is None and not (nsp == 3 and tf3d_same_quirk(c)))), st.data())
def test_layers_conv_matches_tf_in_float32_with_or_without_the_max_pool_after_it(case, data):
    nsp = case["kernel"].ndim - 2
    args = _batched32(case)
    case32 = {**case, "x": args["x"], "kernel": args["kernel"], "bias": args["bias"], "batched": True}
    expected = tf_conv(case32, nsp)
    padding = case["padding"].lower()
    got = keras_layers.conv(args["x"], args["kernel"], args["bias"], case["strides"], padding, case["dilations"])
    assert got.dtype == np.float32
    assert_close(got, expected, rtol=RTOL32)
    # A 'valid' max pool taken over the convolution's outputs as they are made: the same values.
    window = tuple(data.draw(st.integers(1, max(1, n))) for n in expected.shape[1:-1])
    step = tuple(data.draw(st.integers(1, 3)) for _ in window)
    pooled = tf.nn.max_pool(F(expected), list(window), list(step), "VALID").numpy()
    fused = keras_layers.conv(args["x"], args["kernel"], args["bias"], case["strides"], padding,
                              case["dilations"], pool=(window, step))
    assert_close(fused, pooled, rtol=RTOL32)


@examples(150)
@given(st.data())
def test_layers_pool_matches_tf_in_one_two_and_three_dimensions(data):
    nsp = data.draw(st.sampled_from([1, 2, 3]))
    padding = data.draw(st.sampled_from(["valid", "same"]))
    window = tuple(data.draw(st.integers(1, 3)) for _ in range(nsp))
    step = tuple(data.draw(st.integers(1, 3)) for _ in range(nsp))
    sizes = tuple(data.draw(st.integers(1 if padding == "same" else w, w + 4)) for w in window)
    x = rng_of(data.draw(seeds)).normal(size=(2, *sizes, 3)).astype(np.float32)
    for kind, op in (("max", tf.nn.max_pool), ("average", tf.nn.avg_pool)):  # what Keras' pooling layers call
        expected = op(F(x), list(window), list(step), padding.upper()).numpy()
        got = keras_layers.pool(x, window, step, padding, kind)
        assert got.dtype == np.float32
        assert_close(got, expected, rtol=RTOL32)


@pytest.mark.parametrize("name", sorted(keras_layers.ACTIVATIONS))
def test_layers_activations_match_keras(name):
    x = np.concatenate([rng_of(3).normal(scale=4.0, size=(50, 8)), [[-30, -5, -1e-3, 0, 1e-3, 5, 30, 3]]])
    x = x.astype(np.float32)
    expected = keras.activations.get(name)(F(x)).numpy()
    got = keras_layers.ACTIVATIONS[name](x.copy())
    assert got.dtype == np.float32
    assert_close(got, expected, rtol=RTOL32)


@examples(50)
@given(seeds, st.booleans(), st.booleans())
def test_layers_batch_norm_matches_tf(seed, scale, center):
    r = rng_of(seed)
    x = r.normal(size=(4, 5, 3)).astype(np.float32)
    gamma, beta, mean = (r.normal(size=3).astype(np.float32) for _ in range(3))
    variance = r.uniform(0.1, 2.0, size=3).astype(np.float32)
    expected = tf.nn.batch_normalization(F(x), F(mean), F(variance), F(beta) if center else None,
                                         F(gamma) if scale else None, 1e-3).numpy()
    got = keras_layers.batch_norm(x, gamma if scale else None, beta if center else None, mean, variance, 1e-3)
    assert_close(got, expected, rtol=RTOL32)
