"""The reference against the course's worked examples (docs/EXERCISES.md, "Golden checks from the
course") and against the contract's signatures, argument forms and no-mutation rule.

No TensorFlow here: these numbers come from the course text.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import reference as ref

IMAGE = np.array([
    [1, 0, 0, 0, 0, 1],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 1, 0, 0],
    [1, 0, 0, 0, 1, 0],
    [0, 1, 0, 0, 1, 0],
    [0, 0, 1, 0, 1, 0],
])
FILTER1 = np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
FILTER2 = np.array([[-1, 1, -1], [-1, 1, -1], [-1, 1, -1]])
MAP1 = np.array([[3, -1, -3, -1], [-3, 1, 0, -3], [-3, -3, 0, 1], [3, -2, -2, -1]])
MAP2 = np.array([[-1, -1, -1, -1], [-1, -1, -2, 1], [-1, -1, -2, 1], [-1, 0, -4, 3]])


def test_course_feature_map_relu_and_pool():
    assert np.array_equal(ref.correlate2d(IMAGE, FILTER1), MAP1)
    relu_map = ref.relu(ref.correlate2d(IMAGE, FILTER1))
    assert np.array_equal(relu_map, [[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [3, 0, 0, 0]])
    pooled = ref.max_pool2d(relu_map[:, :, None], 2, 2)
    assert np.array_equal(pooled[:, :, 0], [[3, 0], [3, 1]])


def test_course_two_feature_maps():
    assert np.array_equal(ref.correlate2d(IMAGE, FILTER2), MAP2)
    kernel = np.stack([FILTER1, FILTER2], axis=-1)[:, :, None, :]     # (3, 3, 1, 2)
    stack = ref.conv2d(IMAGE[:, :, None], kernel)
    assert stack.shape == (4, 4, 2)
    assert np.array_equal(stack[..., 0], MAP1) and np.array_equal(stack[..., 1], MAP2)


def test_course_padding_by_one():
    padded = ref.pad2d(IMAGE, 1)
    assert padded.shape == (8, 8)
    assert np.array_equal(padded[1:-1, 1:-1], IMAGE)
    assert padded.sum() == IMAGE.sum()


def test_course_output_shapes_and_counts():
    assert tuple(ref.conv_output_shape((32, 32, 3), 6, 5)) == (28, 28, 6)
    assert tuple(ref.conv_output_shape((128, 128, 64), 40, 5)) == (124, 124, 40)
    assert tuple(ref.conv_output_shape((255, 255, 3), 30, 7, strides=(3, 4),
                                       padding=2)) == (85, 64, 30)
    assert ref.dense_param_count(1024, 100, use_bias=False) == 102400
    assert (ref.conv_param_count(3, 1, 32) + ref.dense_param_count(6272, 100)
            + ref.dense_param_count(100, 10)) == 628630


def test_course_backward_example():
    # O = correlate(X, F) with a 3x3 X and a 2x2 F: dE/dF = correlate(X, dE/dO), and
    # dE/dX = the full convolution of dE/dO with F.
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    f = np.array([[1.0, -1.0], [2.0, 0.5]])
    d_o = np.array([[0.1, -0.2], [0.3, 0.4]])
    dx, dk, db = ref.conv2d_backward(d_o[:, :, None], x[:, :, None], f[:, :, None, None])
    assert np.allclose(dk[:, :, 0, 0], ref.correlate2d(x, d_o))
    assert np.allclose(dk[:, :, 0, 0], [[0.1 - 0.4 + 1.2 + 2.0, 0.2 - 0.6 + 1.5 + 2.4],
                                        [0.4 - 1.0 + 2.1 + 3.2, 0.5 - 1.2 + 2.4 + 3.6]])
    assert np.allclose(dx[:, :, 0], ref.convolve2d(ref.pad2d(d_o, 1), f))
    assert np.allclose(db, [d_o.sum()])


CONTRACT = {
    "correlate2d": "(image, kernel)",
    "convolve2d": "(image, kernel)",
    "pad2d": "(x, padding)",
    "conv2d": "(x, kernel, bias=None, stride=1, padding='valid', dilation=1)",
    "conv1d": "(x, kernel, bias=None, stride=1, padding='valid', dilation=1)",
    "conv3d": "(x, kernel, bias=None, stride=1, padding='valid', dilation=1)",
    "relu": "(x)",
    "leaky_relu": "(x, negative_slope=0.3)",
    "max_pool2d": "(x, pool_size=2, strides=None, padding='valid')",
    "avg_pool2d": "(x, pool_size=2, strides=None, padding='valid')",
    "flatten": "(x)",
    "conv_output_shape": "(input_shape, filters, kernel_size, strides=1, padding='valid', "
                         "dilation_rate=1)",
    "pool_output_shape": "(input_shape, pool_size=2, strides=None, padding='valid')",
    "conv_param_count": "(kernel_size, in_channels, filters, use_bias=True)",
    "dense_param_count": "(in_features, units, use_bias=True)",
    "conv2d_backward": "(dout, x, kernel, stride=1, padding='valid', dilation=1)",
    "relu_backward": "(dout, x)",
    "max_pool2d_backward": "(dout, x, pool_size=2, strides=None, padding='valid')",
    "avg_pool2d_backward": "(dout, x, pool_size=2, strides=None, padding='valid')",
    "numeric_gradient": "(f, x, h=1e-05)",
    "cnn_forward": "(x, weights)",
}


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_contract_signature(name):
    fn = getattr(ref, name)
    params = inspect.signature(fn).parameters.values()
    shown = "(" + ", ".join(p.name if p.default is inspect.Parameter.empty
                            else f"{p.name}={p.default!r}" for p in params) + ")"
    assert shown == CONTRACT[name]
    assert fn.__doc__


def test_all_lists_exactly_the_contract():
    assert sorted(ref.__all__) == sorted(CONTRACT)


@pytest.mark.parametrize("padding, pairs", [
    (2, ((2, 2), (2, 2))),
    ((1, 2), ((1, 1), (2, 2))),
    (((1, 2), (0, 3)), ((1, 2), (0, 3))),
    ([[1, 2], [0, 3]], ((1, 2), (0, 3))),
    ((1, 2, 0, 3), ((1, 2), (0, 3))),
    (np.int64(1), ((1, 1), (1, 1))),
])
def test_pad2d_forms(padding, pairs):
    x = np.ones((2, 3, 4, 1))
    got = ref.pad2d(x, padding)
    (t, b), (l, r) = pairs
    assert got.shape == (2, 3 + t + b, 4 + l + r, 1)
    assert np.array_equal(got[:, t:t + 3, l:l + 4], x)
    assert got.sum() == x.sum()


@pytest.mark.parametrize("padding", [
    "valid", "same", "full", -1, (1, 2, 3), ((1, 2), (3,)), (1.5, 2), True, None,
    (1, 2, 3, 4, 5), ((1, -1), (0, 0)),
])
def test_pad2d_rejects_malformed_padding(padding):
    with pytest.raises(ValueError):
        ref.pad2d(np.ones((3, 3)), padding)


@pytest.mark.parametrize("padding", ["full", (1, 2, 3), ((1, 2, 3), (0, 0)), -2, 1.0])
def test_conv2d_rejects_malformed_padding(padding):
    with pytest.raises(ValueError):
        ref.conv2d(np.ones((5, 5, 1)), np.ones((3, 3, 1, 1)), padding=padding)


def test_pooling_takes_valid_or_same_only():
    with pytest.raises(ValueError):
        ref.max_pool2d(np.ones((4, 4, 1)), padding=1)
    with pytest.raises(ValueError):
        ref.pool_output_shape((4, 4, 1), padding=(1, 1))


def test_kernel_larger_than_padded_input_is_refused():
    with pytest.raises(ValueError):
        ref.conv2d(np.ones((2, 5, 1)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError):
        ref.conv_output_shape((2, 5, 1), 4, 3)


def test_padding_forms_agree_in_every_dimension():
    r = np.random.default_rng(3)
    x1, k1 = r.normal(size=(2, 7, 2)), r.normal(size=(3, 2, 2))
    base = ref.conv1d(x1, k1, padding=((1, 2),))
    assert np.allclose(ref.conv1d(x1, k1, padding=(1, 2)), base)
    assert np.allclose(ref.conv1d(x1, k1, padding=[(1, 2)]), base)
    assert np.allclose(ref.conv1d(x1, k1, padding=1), ref.conv1d(x1, k1, padding=(1,)))
    x3, k3 = r.normal(size=(4, 5, 3, 1)), r.normal(size=(2, 2, 2, 1, 2))
    assert np.allclose(ref.conv3d(x3, k3, padding=1), ref.conv3d(x3, k3, padding=(1, 1, 1)))
    assert np.allclose(ref.conv3d(x3, k3, padding=(1, 0, 2)),
                       ref.conv3d(x3, k3, padding=((1, 1), (0, 0), (2, 2))))
    x2, k2 = r.normal(size=(5, 6, 2)), r.normal(size=(2, 3, 2, 3))
    assert np.allclose(ref.conv2d(x2, k2, padding=(1, 2, 0, 3)),
                       ref.conv2d(ref.pad2d(x2, ((1, 2), (0, 3))), k2))


def _frozen(*arrays):
    out = []
    for a in arrays:
        a = np.array(a, dtype=np.float64)
        a.setflags(write=False)  # any in-place write would raise
        out.append(a)
    return out


def test_no_function_modifies_its_arguments():
    r = np.random.default_rng(0)
    img, k2 = _frozen(r.normal(size=(5, 6)), r.normal(size=(2, 3)))
    x, kernel, bias = _frozen(r.normal(size=(2, 5, 6, 3)), r.normal(size=(3, 2, 3, 4)),
                              r.normal(size=4))
    copies = [a.copy() for a in (img, k2, x, kernel, bias)]
    ref.correlate2d(img, k2)
    ref.convolve2d(img, k2)
    ref.pad2d(x, (1, 2, 3, 4))
    out = ref.conv2d(x, kernel, bias, padding="same")
    (dout,) = _frozen(r.normal(size=out.shape))
    ref.conv2d_backward(dout, x, kernel, padding="same")
    ref.conv1d(x[:, 0], kernel[0], bias, padding="same")
    ref.conv3d(x, kernel[None], bias)
    ref.relu(x)
    ref.leaky_relu(x)
    ref.relu_backward(x, x)
    for fwd, bwd in ((ref.max_pool2d, ref.max_pool2d_backward),
                     (ref.avg_pool2d, ref.avg_pool2d_backward)):
        pooled = fwd(x, 3, 2, "same")
        (dp,) = _frozen(np.ones_like(pooled))
        bwd(dp, x, 3, 2, "same")
    ref.flatten(x)
    ref.numeric_gradient(lambda v: float(np.sum(v ** 2)), bias)
    for a, c in zip((img, k2, x, kernel, bias), copies):
        assert np.array_equal(a, c)


def test_numeric_gradient_leaves_x_unchanged_and_is_accurate():
    x = np.array([[0.5, -1.0], [2.0, 3.0]])
    before = x.copy()
    grad = ref.numeric_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert np.array_equal(x, before)
    assert np.allclose(grad, 3 * x ** 2, rtol=1e-8)
    # An integer x is read as float64.
    assert np.allclose(ref.numeric_gradient(lambda v: float(np.sum(v ** 2)), np.arange(3)),
                       [0.0, 2.0, 4.0])


def test_shape_functions_return_python_ints():
    for got in (ref.conv_output_shape((28, 28, 1), np.int64(32), 3, padding="same"),
                ref.pool_output_shape((28, 28, np.int64(32)))):
        assert all(type(v) is int for v in got)
    assert type(ref.conv_param_count((3, 2), 4, 5)) is int
    assert type(ref.dense_param_count(np.int64(7), 3)) is int


def test_cnn_forward_is_stable_for_huge_logits():
    r = np.random.default_rng(1)
    weights = [r.normal(size=s) for s in [(3, 3, 1, 32), (32,), (6272, 100), (100,),
                                           (100, 10), (10,)]]
    weights[4] = weights[4] * 1e4
    probs = ref.cnn_forward(r.uniform(size=(3, 28, 28, 1)), weights)
    assert probs.shape == (3, 10) and np.all(np.isfinite(probs))
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_results_are_float64():
    x = np.arange(16, dtype=np.int32).reshape(4, 4, 1)
    assert ref.conv2d(x, np.ones((2, 2, 1, 1), np.float32)).dtype == np.float64
    assert ref.max_pool2d(x).dtype == np.float64
    assert ref.relu(x).dtype == np.float64
    assert ref.pad2d(x, 1).dtype == np.float64
