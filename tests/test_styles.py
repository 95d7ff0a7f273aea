"""The checks judge what a function computes, never how it is written.

A correct function gets full marks in any style (plain loops, np.pad or slicing, einsum,
as_strided windows; a naive seven-loop backward pass too, within the time limits), and a
function whose only bug shows on one of the known traps (padding 0, a non-square image,
overlapping pooling windows) loses points on its exercise and nowhere else.
Each trap's premise is checked here too: the buggy code is right away from its trap.
"""
from __future__ import annotations

import numpy as np
import pytest

import reference as ref
from conftest import EXAMPLES

STYLES = {
    "correlate2d": '''
def correlate2d(image, kernel):
    # four nested loops, no NumPy arithmetic at all
    rows, cols = len(image) - len(kernel) + 1, len(image[0]) - len(kernel[0]) + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = 0.0
            for a in range(len(kernel)):
                for b in range(len(kernel[0])):
                    total += float(image[i + a][j + b]) * float(kernel[a][b])
            out[i, j] = total
    return out
''',
    "pad2d": '''
def pad2d(x, padding):
    # slice assignment into zeros instead of np.pad
    x = np.asarray(x)
    (top, bottom), (left, right) = _explicit_pads(padding, 2)
    h_axis = 1 if x.ndim == 4 else 0
    shape = list(x.shape)
    shape[h_axis] += top + bottom
    shape[h_axis + 1] += left + right
    out = np.zeros(shape, dtype=x.dtype)
    index = [slice(None)] * x.ndim
    index[h_axis] = slice(top, top + x.shape[h_axis])
    index[h_axis + 1] = slice(left, left + x.shape[h_axis + 1])
    out[tuple(index)] = x
    return out
''',
    "conv2d": '''
def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    # every window at once: as_strided over the padded input, then one einsum
    from numpy.lib.stride_tricks import as_strided
    xb, added = _add_batch(x, 3)
    xb = np.ascontiguousarray(xb, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape[:2]
    (sh, sw), (dh, dw) = _as_tuple(stride, 2), _as_tuple(dilation, 2)
    n, h, w, c = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.ascontiguousarray(np.pad(xb, [(0, 0), (pt, pb), (pl, pr), (0, 0)]))
    oh, ow = _out_size(h, kh, sh, dh, pt, pb), _out_size(w, kw, sw, dw, pl, pr)
    s = xp.strides
    windows = as_strided(xp, (n, oh, ow, kh, kw, c),
                         (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)
    out = np.einsum("nijabc,abck->nijk", windows, kernel)
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[0] if added else out
''',
    "max_pool2d": '''
def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    # sliding_window_view, then every stride-th window
    from numpy.lib.stride_tricks import sliding_window_view
    xb, added, (ph, pw), (sh, sw), pads, (oh, ow) = _pool_setup(x, pool_size, strides, padding)
    xp = np.pad(xb.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    windows = sliding_window_view(xp, (ph, pw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]
    out = windows.max(axis=(-2, -1))
    return out[0] if added else out
''',
    "conv2d_backward": '''
def conv2d_backward(dout, x, kernel, stride=1, padding='valid', dilation=1):
    # seven nested Python loops, one multiply-add at a time (CS231n's naive version)
    xb, added = _add_batch(x, 3)
    dout = np.asarray(dout, dtype=np.float64)
    dout = dout[np.newaxis] if added else dout
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw, c, k = kernel.shape
    (sh, sw), (dh, dw) = _as_tuple(stride, 2), _as_tuple(dilation, 2)
    n, h, w, _ = xb.shape
    (pt, pb), (pl, pr) = _conv_pads(padding, 2, (h, w), (kh, kw), (sh, sw), (dh, dw))
    xp = np.pad(np.asarray(xb, dtype=np.float64), [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    dxp, dkernel, dbias = np.zeros_like(xp), np.zeros_like(kernel), np.zeros(k)
    for b in range(n):
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                for f in range(k):
                    g = dout[b, i, j, f]
                    dbias[f] += g
                    for a in range(kh):
                        for e in range(kw):
                            for ch in range(c):
                                r, q = i * sh + a * dh, j * sw + e * dw
                                dkernel[a, e, ch, f] += xp[b, r, q, ch] * g
                                dxp[b, r, q, ch] += kernel[a, e, ch, f] * g
    dx = dxp[:, pt:pt + h, pl:pl + w, :]
    return (dx[0] if added else dx), dkernel, dbias
''',
}

TRAPS = {
    # name: (exercise, function, source, (call that avoids the trap), (call that hits it))
    "pad2d_zero_padding": ("pad2d", "pad2d", '''
def pad2d(x, padding):
    # out[p:-p] is empty when p is 0
    x = np.asarray(x)
    (top, bottom), (left, right) = _explicit_pads(padding, 2)
    out = np.zeros((x.shape[0] + top + bottom, x.shape[1] + left + right) + x.shape[2:], dtype=x.dtype)
    out[top:-bottom, left:-right] = x
    return out
''', (np.arange(6.0).reshape(2, 3), 1), (np.arange(6.0).reshape(2, 3), 0)),
    "conv2d_non_square": ("conv2d", "conv2d", '''
_right_conv2d = conv2d
def conv2d(x, kernel, bias=None, stride=1, padding='valid', dilation=1):
    # reads the width from the height: right only for square images
    x = np.asarray(x)
    h = x.shape[-3]
    x = x[..., :h, :h, :] if x.shape[-2] >= h else np.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, h - x.shape[-2]), (0, 0)])
    return _right_conv2d(x, kernel, bias, stride, padding, dilation)
''', (np.ones((4, 4, 1)), np.ones((2, 2, 1, 1))), (np.ones((4, 5, 1)), np.ones((2, 2, 1, 1)))),
    "max_pool_overlapping": ("pooling", "max_pool2d", '''
def max_pool2d(x, pool_size=2, strides=None, padding='valid'):
    # tiles the image with reshape: windows never overlap (nor leave gaps)
    xb, added, (ph, pw), _, pads, _ = _pool_setup(x, pool_size, None, padding)
    xp = np.pad(xb.astype(np.float64), [(0, 0), pads[0], pads[1], (0, 0)], constant_values=-np.inf)
    n, h, w, c = xp.shape
    oh, ow = h // ph, w // pw
    tiles = xp[:, :oh * ph, :ow * pw].reshape(n, oh, ph, ow, pw, c)
    out = tiles.max(axis=(2, 4))
    return out[0] if added else out
''', (np.arange(16.0).reshape(4, 4, 1), 2, 2), (np.arange(16.0).reshape(4, 4, 1), 2, 1)),
}


def _defined(source: str) -> dict:
    """good/cnn.py with `source` appended, run here (trusted test code) to check a premise."""
    namespace: dict = {}
    exec(compile((EXAMPLES / "good" / "cnn.py").read_text() + "\n" + source, "cnn.py", "exec"), namespace)
    return namespace


def _same(got, expected) -> bool:
    return np.shape(got) == np.shape(expected) and np.allclose(got, expected)


@pytest.mark.parametrize("function", sorted(STYLES))
def test_a_correct_function_gets_full_marks_in_any_style(cnngrade, student_folder, function):
    folder = student_folder({function: STYLES[function]})
    exercise = "pooling" if function == "max_pool2d" else function
    run = cnngrade("submit", folder, "-e", exercise, "--jobs", "1", json=True)
    failed = [c for e in run.result["exercises"] for c in e["checks"] if c["status"] != "passed"]
    assert run.code == 0, failed


@pytest.mark.parametrize("trap", sorted(TRAPS))
def test_a_bug_that_shows_only_on_a_trap_loses_points(cnngrade, student_folder, trap):
    exercise, function, source, avoids, hits = TRAPS[trap]
    buggy = _defined(source)[function]
    right = getattr(ref, function)
    assert _same(buggy(*avoids), right(*avoids)), "premise: the bug must not show away from its trap"
    try:
        assert not _same(buggy(*hits), right(*hits)), "premise: the trap must show the bug"
    except (ValueError, IndexError):
        pass  # raising on the trap shows the bug too
    neighbour = {"pad2d": "activations", "conv2d": "conv3d", "pooling": "flatten"}[exercise]
    run = cnngrade("submit", student_folder({function: source}), "-e", exercise, "-e", neighbour, json=True)
    assert run.code == 1
    scores = run.scores
    maxima = {e["id"]: e["max_score"] for e in run.result["exercises"]}
    assert scores[exercise] < maxima[exercise]
    assert scores[neighbour] == maxima[neighbour]
