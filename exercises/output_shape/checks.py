"""Checks for conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
dilation_rate=1) and pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid').

Shapes cost nothing to compute, so the sizes go well beyond the array checks' (up to 64).
Every case is (args, kwargs): kwargs holds only the arguments that differ from the default.
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.strategies import either_form
from grader.pack import expect_equal

CHANNELS = st.integers(1, 64)


def _pads(padding):
    """(top, bottom, left, right) of an explicit padding form (only for drawing sizes)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 4:
        return padding
    if isinstance(padding[0], int):
        return padding[0], padding[0], padding[1], padding[1]
    return (*padding[0], *padding[1])


@st.composite
def explicit_padding(draw):
    t, b, l, r = (draw(st.integers(0, 4)) for _ in range(4))
    return draw(st.sampled_from([t, (t, l), ((t, b), (l, r)), (t, b, l, r)]))


@st.composite
def conv_case(draw, padding="any", strides="any", dilation=False, square=None, max_side=64):
    """(args, kwargs) of one conv_output_shape call, with a kernel that fits the padded input.

    padding: "valid", "same", "explicit" or "any"; strides: "default", "any" or "per_axis" (a
    pair of two different strides); dilation=True draws dilation rates (with strides 1, as
    Keras asks); square=False forces H != W and KH != KW.
    """
    if padding == "any":
        padding = draw(st.sampled_from(["valid", "same", "explicit"]))
    pad = draw(explicit_padding()) if padding == "explicit" else padding
    if square is False:
        kh, kw = draw(st.lists(st.integers(1, 7), min_size=2, max_size=2, unique=True))
    else:
        kh = draw(st.integers(1, 7))
        kw = kh if square else draw(st.integers(1, 7))
    sh = sw = dh = dw = 1
    if dilation:
        dh, dw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    elif strides == "per_axis":
        sh, sw = draw(st.lists(st.integers(1, 5), min_size=2, max_size=2, unique=True))
    elif strides == "any":
        sh, sw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
        if draw(st.booleans()):
            sw = sh
    t, b, l, r = _pads(pad) if padding == "explicit" else (0, 0, 0, 0)
    low_h = max(1, (kh - 1) * dh + 1 - t - b) if padding != "same" else 1
    low_w = max(1, (kw - 1) * dw + 1 - l - r) if padding != "same" else 1
    h = draw(st.integers(low_h, max(low_h, max_side)))
    w = draw(st.integers(low_w, max(low_w, max_side)))
    if square is False and w == h:
        w += 1
    args = ((h, w, draw(CHANNELS)), draw(CHANNELS), either_form(kh, kw, draw))
    kwargs = {}
    if (sh, sw) != (1, 1):
        kwargs["strides"] = either_form(sh, sw, draw)
    if pad != "valid":
        kwargs["padding"] = pad
    if (dh, dw) != (1, 1):
        kwargs["dilation_rate"] = either_form(dh, dw, draw)
    return args, kwargs


@st.composite
def pool_case(draw):
    """(args, kwargs) of one pool_output_shape call."""
    padding = draw(st.sampled_from(["valid", "same"]))
    ph, pw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    kind = draw(st.sampled_from(["default", "int", "pair"]))
    strides = None if kind == "default" else draw(st.integers(1, 5)) if kind == "int" else (
        draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    h, w = draw(st.integers(ph, 64)), draw(st.integers(pw, 64))
    kwargs = {}
    if (ph, pw) != (2, 2):
        kwargs["pool_size"] = either_form(ph, pw, draw)
    if strides is not None:
        kwargs["strides"] = strides
    if padding != "valid":
        kwargs["padding"] = padding
    return ((h, w, draw(CHANNELS)),), kwargs


def _call(name, args, kwargs):
    words = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(words)})"


def _same_as_reference(student, name, case):
    args, kwargs = case
    expect_equal(getattr(student, name)(*args, **kwargs), getattr(ref, name)(*args, **kwargs),
                 _call(name, args, kwargs))


def test_course_conv(student):
    expect_equal(student.conv_output_shape((32, 32, 3), 6, 5), (28, 28, 6),
                 "conv_output_shape((32, 32, 3), 6, 5): six 5x5x3 filters on a 32x32x3 image")
    expect_equal(student.conv_output_shape((128, 128, 64), 40, 5), (124, 124, 40),
                 "conv_output_shape((128, 128, 64), 40, 5)")


def test_course_conv_strided(student):
    expect_equal(student.conv_output_shape((255, 255, 3), 30, 7, strides=(3, 4), padding=2), (85, 64, 30),
                 "conv_output_shape((255, 255, 3), 30, 7, strides=(3, 4), padding=2)")


def test_course_pool(student):
    expect_equal(student.pool_output_shape((28, 28, 32)), (14, 14, 32),
                 "pool_output_shape((28, 28, 32)): the course model's MaxPooling2D((2, 2))")
    expect_equal(student.pool_output_shape((4, 4, 1)), (2, 2, 1),
                 "pool_output_shape((4, 4, 1)): pooling the course's 4x4 ReLU map")


@given(case=conv_case(padding="valid"))
def test_conv_valid(student, case):
    _same_as_reference(student, "conv_output_shape", case)


@given(case=conv_case(padding="same"))
def test_conv_same(student, case):
    _same_as_reference(student, "conv_output_shape", case)


@given(case=conv_case(padding="explicit"))
def test_conv_explicit_padding(student, case):
    _same_as_reference(student, "conv_output_shape", case)


@given(case=conv_case(strides="per_axis", square=False))
def test_conv_strides_per_axis(student, case):
    _same_as_reference(student, "conv_output_shape", case)


@given(case=conv_case(dilation=True))
def test_conv_dilation(student, case):
    _same_as_reference(student, "conv_output_shape", case)


@given(case=pool_case())
def test_pool_shapes(student, case):
    _same_as_reference(student, "pool_output_shape", case)


@given(case=conv_case(max_side=6), pool=pool_case())
def test_agrees_with_layers(student, case, pool):
    """The formulas give the shape of what the reference layers compute on real arrays."""
    (shape, filters, kernel_size), kwargs = case
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    x = np.zeros((shape[0], shape[1], min(shape[2], 3)))
    shape = x.shape
    kernel = np.zeros((kh, kw, shape[2], filters % 4 + 1))
    conv_kwargs = {{"strides": "stride", "dilation_rate": "dilation"}.get(k, k): v for k, v in kwargs.items()}
    expected = ref.conv2d(x, kernel, **conv_kwargs).shape
    expect_equal(student.conv_output_shape(shape, kernel.shape[3], kernel_size, **kwargs), expected,
                 f"{_call('conv_output_shape', (shape, kernel.shape[3], kernel_size), kwargs)} compared with "
                 f"the shape of conv2d's output")
    (pool_shape,), pool_kwargs = pool
    pool_shape = (min(pool_shape[0], 8), min(pool_shape[1], 8), min(pool_shape[2], 3))
    size = pool_kwargs.get("pool_size", 2)
    ph, pw = (size, size) if isinstance(size, int) else size
    pool_shape = (max(pool_shape[0], ph), max(pool_shape[1], pw), pool_shape[2])
    expected = ref.max_pool2d(np.zeros(pool_shape), **pool_kwargs).shape
    expect_equal(student.pool_output_shape(pool_shape, **pool_kwargs), expected,
                 f"{_call('pool_output_shape', (pool_shape,), pool_kwargs)} compared with the shape of "
                 f"max_pool2d's output")
