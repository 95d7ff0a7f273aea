"""CNN exercises: a complete, correct solution.

Everything is written with NumPy only. Layouts follow Keras (channels last):
images (H, W, C) or batches (N, H, W, C), 2D kernels (KH, KW, C, K).
"""

import itertools
import math

import numpy as np


# ---------------------------------------------------------------------------
# Small helpers for the arguments
# ---------------------------------------------------------------------------

def _as_tuple(value, n, name="value"):
    """An int becomes (value,) * n; a tuple/list must have n ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    values = tuple(int(v) for v in value)
    if len(values) != n:
        raise ValueError(f"{name} needs {n} values, got {value!r}")
    return values


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _same_pad(n, k, s, d):
    """TensorFlow's 'same' rule for one axis: (before, after)."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    before = total // 2
    return before, total - before


def _explicit_pads(padding, nd):
    """Explicit padding forms -> list of nd (before, after) pairs.

    Accepted: an int; one int per axis; one (before, after) pair per axis;
    or a flat tuple of 2*nd ints (before0, after0, before1, after1, ...),
    e.g. (top, bottom, left, right) in 2D.
    """
    if _is_int(padding):
        p = int(padding)
        return [(p, p)] * nd
    items = list(padding)
    if all(_is_int(v) for v in items):
        if len(items) == nd:
            return [(int(v), int(v)) for v in items]
        if len(items) == 2 * nd:
            return [(int(items[2 * i]), int(items[2 * i + 1])) for i in range(nd)]
        raise ValueError(f"cannot read padding {padding!r} for {nd} spatial axes")
    if len(items) != nd:
        raise ValueError(f"cannot read padding {padding!r} for {nd} spatial axes")
    pads = []
    for item in items:
        if _is_int(item):
            pads.append((int(item), int(item)))
        else:
            before, after = item
            pads.append((int(before), int(after)))
    return pads


def _conv_pads(padding, nd, sizes, ksizes, strides, dilations):
    """Any conv padding form -> list of nd (before, after) pairs."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return [(0, 0)] * nd
        if mode == "same":
            return [_same_pad(n, k, s, d)
                    for n, k, s, d in zip(sizes, ksizes, strides, dilations)]
        raise ValueError(f"unknown padding {padding!r}")
    return _explicit_pads(padding, nd)


def _pool_pads(padding, sizes, pool, strides):
    mode = str(padding).lower()
    if mode == "valid":
        return [(0, 0)] * len(sizes)
    if mode == "same":
        return [_same_pad(n, k, s, 1) for n, k, s in zip(sizes, pool, strides)]
    raise ValueError(f"pooling padding must be 'valid' or 'same', got {padding!r}")


def _out_size(n, k, s, d, before, after):
    effective = (k - 1) * d + 1
    return (n + before + after - effective) // s + 1


def _add_batch(x, unbatched_ndim):
    """Returns (batched x, whether a batch axis was added)."""
    x = np.asarray(x)
    if x.ndim == unbatched_ndim:
        return x[np.newaxis], True
    return x, False


# ---------------------------------------------------------------------------
# Single-channel correlation and convolution
# ---------------------------------------------------------------------------

def correlate2d(image, kernel):
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    kh, kw = kernel.shape
    out_h = image.shape[0] - kh + 1
    out_w = image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w), dtype=np.result_type(image, kernel))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve2d(image, kernel):
    kernel = np.asarray(kernel)
    return correlate2d(image, kernel[::-1, ::-1])


# ---------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------

def pad2d(x, padding):
    x = np.asarray(x)
    (top, bottom), (left, right) = _explicit_pads(padding, 2)
    if x.ndim in (2, 3):          # (H, W) or (H, W, C)
        h_axis = 0
    elif x.ndim == 4:             # (N, H, W, C)
        h_axis = 1
    else:
        raise ValueError("pad2d expects (H, W), (H, W, C) or (N, H, W, C)")
    widths = [(0, 0)] * x.ndim
    widths[h_axis] = (top, bottom)
    widths[h_axis + 1] = (left, right)
    return np.pad(x, widths, mode="constant", constant_values=0)


# ---------------------------------------------------------------------------
# Convolution layers
# ---------------------------------------------------------------------------

def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 3)
    xb = xb.astype(np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw, _, n_filters = kernel.shape
    sh, sw = _as_tuple(stride, 2, "stride")
    dh, dw = _as_tuple(dilation, 2, "dilation")
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])

    out_h = _out_size(h, kh, sh, dh, pt, pb)
    out_w = _out_size(w, kw, sw, dw, pl, pr)
    span_h = (kh - 1) * dh + 1
    span_w = (kw - 1) * dw + 1

    out = np.zeros((n, out_h, out_w, n_filters))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * sh, j * sw
            window = xp[:, r:r + span_h:dh, c:c + span_w:dw, :]   # (N, KH, KW, C)
            out[:, i, j, :] = np.tensordot(window, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[0] if added else out


def _pads_1d(padding, length, k, s, d):
    """Padding of conv1d -> one (before, after) pair.

    Besides the contract forms, a bare (before, after) tuple is read as the pair.
    """
    if isinstance(padding, str):
        return _conv_pads(padding, 1, (length,), (k,), (s,), (d,))[0]
    return _explicit_pads(padding, 1)[0]


def conv1d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 2)                       # (N, L, C)
    kernel = np.asarray(kernel)
    (s,) = _as_tuple(stride, 1, "stride")
    (d,) = _as_tuple(dilation, 1, "dilation")
    # A 1D convolution is a 2D one on images of height 1.
    out = conv2d(xb[:, np.newaxis], kernel[np.newaxis], bias,
                 stride=(1, s), padding=padding, dilation=(1, d))
    out = out[:, 0]
    return out[0] if added else out


def conv3d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 4)                       # (N, D, H, W, C)
    xb = xb.astype(np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)      # (KD, KH, KW, C, K)
    ks = kernel.shape[:3]
    strides = _as_tuple(stride, 3, "stride")
    dils = _as_tuple(dilation, 3, "dilation")
    sizes = xb.shape[1:4]
    pads = _conv_pads(padding, 3, sizes, ks, strides, dils)
    xp = np.pad(xb, [(0, 0)] + list(pads) + [(0, 0)])
    outs = [_out_size(n, k, s, d, b, a)
            for n, k, s, d, (b, a) in zip(sizes, ks, strides, dils, pads)]

    out = np.zeros((xb.shape[0], *outs, kernel.shape[4]))
    # Loop over the kernel taps: each tap sees a strided sub-grid of the input.
    for tap in itertools.product(*(range(k) for k in ks)):
        index = [slice(None)]
        for t, d, s, o in zip(tap, dils, strides, outs):
            start = t * d
            index.append(slice(start, start + (o - 1) * s + 1, s))
        patch = xp[tuple(index)]                       # (N, D2, H2, W2, C)
        out += np.einsum("ndhwc,ck->ndhwk", patch, kernel[tap])
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[0] if added else out


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------

def relu(x):
    return np.maximum(np.asarray(x), 0)


def leaky_relu(x, negative_slope=0.3):
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------

def _pool_setup(x, pool_size, strides, padding):
    xb, added = _add_batch(x, 3)
    ph, pw = _as_tuple(pool_size, 2, "pool_size")
    if strides is None:
        sh, sw = ph, pw
    else:
        sh, sw = _as_tuple(strides, 2, "strides")
    h, w = xb.shape[1], xb.shape[2]
    pads = _pool_pads(padding, (h, w), (ph, pw), (sh, sw))
    out_h = _out_size(h, ph, sh, 1, *pads[0])
    out_w = _out_size(w, pw, sw, 1, *pads[1])
    return xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w)


def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    # Padded cells hold -inf so they never win the maximum.
    xp = np.pad(xb, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    out = np.empty((xb.shape[0], out_h, out_w, xb.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, i * sh:i * sh + ph, j * sw:j * sw + pw, :]
            out[:, i, j, :] = window.max(axis=(1, 2))
    return out[0] if added else out


def avg_pool2d(x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    widths = [(0, 0), pads[0], pads[1], (0, 0)]
    xp = np.pad(xb, widths)
    real = np.pad(np.ones(xb.shape[1:3]), [pads[0], pads[1]])   # 1 on real cells
    out = np.empty((xb.shape[0], out_h, out_w, xb.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + ph)
            cols = slice(j * sw, j * sw + pw)
            count = real[rows, cols].sum()
            out[:, i, j, :] = xp[:, rows, cols, :].sum(axis=(1, 2)) / count
    return out[0] if added else out


def flatten(x):
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1)


# ---------------------------------------------------------------------------
# Shapes and parameter counts
# ---------------------------------------------------------------------------

def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
                      dilation_rate=1):
    h, w = int(input_shape[0]), int(input_shape[1])
    ks = _as_tuple(kernel_size, 2, "kernel_size")
    ss = _as_tuple(strides, 2, "strides")
    ds = _as_tuple(dilation_rate, 2, "dilation_rate")
    pads = _conv_pads(padding, 2, (h, w), ks, ss, ds)
    out_h = _out_size(h, ks[0], ss[0], ds[0], *pads[0])
    out_w = _out_size(w, ks[1], ss[1], ds[1], *pads[1])
    return (int(out_h), int(out_w), int(filters))


def pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid'):
    h, w, c = (int(v) for v in input_shape)
    ps = _as_tuple(pool_size, 2, "pool_size")
    ss = ps if strides is None else _as_tuple(strides, 2, "strides")
    pads = _pool_pads(padding, (h, w), ps, ss)
    out_h = _out_size(h, ps[0], ss[0], 1, *pads[0])
    out_w = _out_size(w, ps[1], ss[1], 1, *pads[1])
    return (int(out_h), int(out_w), c)


def conv_param_count(kernel_size, in_channels, filters, use_bias=True):
    kh, kw = _as_tuple(kernel_size, 2, "kernel_size")
    count = kh * kw * int(in_channels) * int(filters)
    if use_bias:
        count += int(filters)
    return count


def dense_param_count(in_features, units, use_bias=True):
    count = int(in_features) * int(units)
    if use_bias:
        count += int(units)
    return count


# ---------------------------------------------------------------------------
# Backward passes
# ---------------------------------------------------------------------------

def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    xb, added = _add_batch(x, 3)
    xb = xb.astype(np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw, _, _ = kernel.shape
    sh, sw = _as_tuple(stride, 2, "stride")
    dh, dw = _as_tuple(dilation, 2, "dilation")
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    span_h = (kh - 1) * dh + 1
    span_w = (kw - 1) * dw + 1

    dxp = np.zeros_like(xp)
    dkernel = np.zeros_like(kernel)
    out_h, out_w = dout.shape[1], dout.shape[2]
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + span_h, dh)
            cols = slice(j * sw, j * sw + span_w, dw)
            g = dout[:, i, j, :]                                  # (N, K)
            window = xp[:, rows, cols, :]                         # (N, KH, KW, C)
            dkernel += np.einsum("nhwc,nk->hwck", window, g)
            dxp[:, rows, cols, :] += np.einsum("nk,hwck->nhwc", g, kernel)
    dbias = dout.sum(axis=(0, 1, 2))
    dx = dxp[:, pt:pt + h, pl:pl + w, :]
    return (dx[0] if added else dx), dkernel, dbias


def relu_backward(dout, x):
    dout = np.asarray(dout)
    x = np.asarray(x)
    return np.where(x > 0, dout, 0)


def max_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    xb = xb.astype(np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    n, h, w, c = xb.shape
    xp = np.pad(xb, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    dxp = np.zeros(xp.shape)
    batch_idx, chan_idx = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(out_h):
        for j in range(out_w):
            r, col = i * sh, j * sw
            window = xp[:, r:r + ph, col:col + pw, :].reshape(n, ph * pw, c)
            # argmax picks the first of tied cells: the whole gradient goes there.
            best = window.argmax(axis=1)                          # (N, C)
            rows = r + best // pw
            cols = col + best % pw
            np.add.at(dxp, (batch_idx, rows, cols, chan_idx), dout[:, i, j, :])
    dx = dxp[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w, :]
    return dx[0] if added else dx


def avg_pool2d_backward(dout, x, pool_size=2, strides=None, padding='valid'):
    xb, added, (ph, pw), (sh, sw), pads, (out_h, out_w) = _pool_setup(
        x, pool_size, strides, padding)
    dout = np.asarray(dout, dtype=np.float64)
    if added:
        dout = dout[np.newaxis]
    n, h, w, c = xb.shape
    real = np.pad(np.ones((h, w)), [pads[0], pads[1]])
    dxp = np.zeros((n, real.shape[0], real.shape[1], c))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * sh, i * sh + ph)
            cols = slice(j * sw, j * sw + pw)
            mask = real[rows, cols]
            share = dout[:, i, j, :] / mask.sum()                # (N, C)
            dxp[:, rows, cols, :] += mask[None, :, :, None] * share[:, None, None, :]
    dx = dxp[:, pads[0][0]:pads[0][0] + h, pads[1][0]:pads[1][0] + w, :]
    return dx[0] if added else dx


# ---------------------------------------------------------------------------
# Gradient checking
# ---------------------------------------------------------------------------

def numeric_gradient(f, x, h=1e-5):
    work = np.array(x, dtype=np.float64)      # a copy: x itself is never touched
    grad = np.zeros_like(work)
    flat = work.reshape(-1)                   # a view on the copy
    grad_flat = grad.reshape(-1)
    for idx in range(flat.size):
        original = flat[idx]
        flat[idx] = original + h
        f_plus = float(np.sum(f(work.copy())))
        flat[idx] = original - h
        f_minus = float(np.sum(f(work.copy())))
        flat[idx] = original
        grad_flat[idx] = (f_plus - f_minus) / (2 * h)
    return grad


# ---------------------------------------------------------------------------
# The course model
# ---------------------------------------------------------------------------

def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def cnn_forward(x, weights):
    """Conv2D(32, 3x3, relu, same) -> MaxPool 2x2 -> Flatten -> Dense(100, relu)
    -> Dense(10, softmax), for x of shape (N, 28, 28, 1)."""
    conv_k, conv_b, dense_k, dense_b, out_k, out_b = (
        np.asarray(w, dtype=np.float64) for w in weights)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:                             # (N, 28, 28) without a channel axis
        x = x[..., np.newaxis]
    n, h, w, _ = x.shape
    kh, kw = conv_k.shape[:2]

    # 'same' convolution, stride 1. Loop over the 9 kernel taps to build the
    # patches (im2col), then one matrix product does every position at once.
    (pt, pb), (pl, pr) = _same_pad(h, kh, 1, 1), _same_pad(w, kw, 1, 1)
    xp = np.pad(x, [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    taps = [xp[:, a:a + h, b:b + w, :] for a in range(kh) for b in range(kw)]
    patches = np.concatenate(taps, axis=-1)              # (N, H, W, KH*KW*C)
    feat = patches @ conv_k.reshape(-1, conv_k.shape[3])  # (N, H, W, 32)
    feat = relu(feat + conv_b)

    # 2x2 max pooling, stride 2 ('valid': an odd last row/column is dropped).
    h2, w2 = h // 2, w // 2
    feat = feat[:, :2 * h2, :2 * w2, :]
    pooled = feat.reshape(n, h2, 2, w2, 2, -1).max(axis=(2, 4))

    hidden = relu(flatten(pooled) @ dense_k + dense_b)
    return _softmax(hidden @ out_k + out_b)
