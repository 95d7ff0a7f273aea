"""Checks for conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
dilation_rate=1) and pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid').

Shapes cost nothing to compute, so the sizes go well beyond the array checks' (up to 64).
kwargs holds only the arguments that differ from the default.
"""
import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from exercises.shared.strategies import ANY_STEP, ConvShape, conv_case, either_form
from grader.pack import _, expect_equal

CHANNELS = st.integers(1, 64)
# conv2d's names of the arguments, as Keras (and conv_output_shape) calls them
KERAS_NAMES = {"stride": "strides", "dilation": "dilation_rate"}
ANY_PADDING = ("valid", "same", "explicit")


@st.composite
def conv_call(draw, max_side: int = 64, channels: tuple[int, int] = (1, 64), filters: tuple[int, int] = (1, 64),
              **config) -> tuple[ConvShape, tuple, dict]:
    """(the convolution, args, kwargs) of one conv_output_shape call: a 2D conv_case
    (exercises.shared.strategies) of sizes only, its kernel size an int or a pair."""
    shape = draw(conv_case(2, max_side=max_side, max_tap=7, max_stride=5, max_dilation=4, channels=channels,
                           filters=filters, **config))
    args = (shape.sizes + (shape.channels,), shape.filters, either_form(*shape.taps, draw))
    return shape, args, {KERAS_NAMES.get(name, name): value for name, value in shape.kwargs.items()}


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


def _same_as_reference(student, name, args, kwargs):
    expect_equal(getattr(student, name)(*args, **kwargs), getattr(ref, name)(*args, **kwargs),
                 _call(name, args, kwargs))


def _conv_matches_reference(student, case):
    _, args, kwargs = case
    _same_as_reference(student, "conv_output_shape", args, kwargs)


def test_course_conv(student):
    expect_equal(student.conv_output_shape((32, 32, 3), 6, 5), (28, 28, 6),
                 _("conv_output_shape((32, 32, 3), 6, 5): six 5x5x3 filters on a 32x32x3 image"))
    expect_equal(student.conv_output_shape((128, 128, 64), 40, 5), (124, 124, 40),
                 "conv_output_shape((128, 128, 64), 40, 5)")


def test_course_conv_strided(student):
    expect_equal(student.conv_output_shape((255, 255, 3), 30, 7, strides=(3, 4), padding=2), (85, 64, 30),
                 "conv_output_shape((255, 255, 3), 30, 7, strides=(3, 4), padding=2)")


def test_course_pool(student):
    expect_equal(student.pool_output_shape((28, 28, 32)), (14, 14, 32),
                 _("pool_output_shape((28, 28, 32)): the course model's MaxPooling2D((2, 2))"))
    expect_equal(student.pool_output_shape((4, 4, 1)), (2, 2, 1),
                 _("pool_output_shape((4, 4, 1)): pooling the course's 4x4 ReLU map"))


@given(case=conv_call(padding="valid", stride=ANY_STEP))
def test_conv_valid(student, case):
    _conv_matches_reference(student, case)


@given(case=conv_call(padding="same", stride=ANY_STEP))
def test_conv_same(student, case):
    _conv_matches_reference(student, case)


@given(case=conv_call(padding="explicit", stride=ANY_STEP))
def test_conv_explicit_padding(student, case):
    _conv_matches_reference(student, case)


@given(case=conv_call(padding=ANY_PADDING, stride="tuple", distinct=True))
def test_conv_strides_per_axis(student, case):
    _conv_matches_reference(student, case)


@given(case=conv_call(padding=ANY_PADDING, dilation=("int", "tuple")))
def test_conv_dilation(student, case):
    _conv_matches_reference(student, case)


@given(case=pool_case())
def test_pool_shapes(student, case):
    _same_as_reference(student, "pool_output_shape", *case)


@given(case=conv_call(max_side=6, channels=(1, 3), filters=(1, 4), padding=ANY_PADDING, stride=ANY_STEP),
       pool=pool_case())
def test_agrees_with_layers(student, case, pool):
    """The formulas give the shape of what the reference layers compute on real arrays."""
    shape, args, kwargs = case
    expected = ref.conv2d(np.zeros(shape.x_shape), np.zeros(shape.kernel_shape), **shape.kwargs).shape
    expect_equal(student.conv_output_shape(*args, **kwargs), expected,
                 _("{call} compared with the shape of conv2d's output", call=_call('conv_output_shape', args, kwargs)))
    (pool_shape,), pool_kwargs = pool
    pool_shape = (min(pool_shape[0], 8), min(pool_shape[1], 8), min(pool_shape[2], 3))
    size = pool_kwargs.get("pool_size", 2)
    ph, pw = (size, size) if isinstance(size, int) else size
    pool_shape = (max(pool_shape[0], ph), max(pool_shape[1], pw), pool_shape[2])
    expected = ref.max_pool2d(np.zeros(pool_shape), **pool_kwargs).shape
    expect_equal(student.pool_output_shape(pool_shape, **pool_kwargs), expected,
                 _("{call} compared with the shape of max_pool2d's output",
                   call=_call('pool_output_shape', (pool_shape,), pool_kwargs)))
