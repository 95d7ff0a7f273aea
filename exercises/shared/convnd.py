"""The checks of conv1d, conv2d and conv3d, written once for any number of spatial axes.

Each exercise's checks.py puts conv_checks(nsp) into its namespace and adds its own course
example. A Case holds x, the kernel and the keyword arguments a check passes: only those that
differ from the contract's defaults (docs/EXERCISES.md), so a function without an optional parameter
loses only the checks that need it. The configurations come from
exercises.shared.strategies.conv_case; this module draws their arrays.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import given, strategies as st

import reference as ref
from grader.pack import SCALES, _, as_array, expect_close
from exercises.shared.strategies import BOOLEANS, Modes, conv_case, padding_kinds
from reference.padding import to_tuple

# Per number of spatial axes: the largest input side, kernel side, channels/filters and batch.
# 3D stays small: its volumes grow fast, and every example costs time.
MAX_SIDE = {1: 8, 2: 6, 3: 4}
MAX_TAP = {1: 5, 2: 4, 3: 3}
MAX_CHANNELS = {1: 3, 2: 3, 3: 2}
MAX_BATCH = {1: 3, 2: 3, 3: 2}


@dataclass
class Case:
    x: np.ndarray
    kernel: np.ndarray
    kwargs: dict = field(default_factory=dict)  # only the non-default arguments

    @property
    def nsp(self) -> int:
        return self.kernel.ndim - 2

    def without(self, *names: str) -> "Case":
        return Case(self.x, self.kernel, {k: v for k, v in self.kwargs.items() if k not in names})

    def expected(self) -> np.ndarray:
        return reference_conv(self.nsp)(self.x, self.kernel, **self.kwargs)


def reference_conv(nsp: int) -> Callable:
    return {1: ref.conv1d, 2: ref.conv2d, 3: ref.conv3d}[nsp]


def function_name(nsp: int) -> str:
    return f"conv{nsp}d"


def call(student, case: Case, x: Any = None, kernel: Any = None, **kwargs) -> Any:
    """student.convNd(x, kernel, <the case's non-default keywords>), optionally with other x/kernel."""
    fn = getattr(student, function_name(case.nsp))
    return fn(case.x if x is None else x, case.kernel if kernel is None else kernel, **{**case.kwargs, **kwargs})


def expect_reference(student, case: Case, what: str | None = None) -> None:
    expect_close(call(student, case), case.expected(), what)


@st.composite
def forward_case(draw, nsp: int, bias: bool | None = False, integer: bool | None = False, **config: Any) -> Case:
    """A generated call of convNd: a conv_case within this module's bounds (config overrides them)
    and its arrays. bias: True always, False never, None either."""
    bounds = {"max_side": MAX_SIDE[nsp], "max_tap": MAX_TAP[nsp], "max_stride": 4, "max_dilation": 3,
              "channels": (1, MAX_CHANNELS[nsp]), "filters": (1, MAX_CHANNELS[nsp]),
              "batched": None, "batch": (1, MAX_BATCH[nsp])}
    shape = draw(conv_case(nsp, **{**bounds, **config}))
    with_bias = draw(BOOLEANS) if bias is None else bias
    x, kernel, bias_values = draw(values([shape.x_shape, shape.kernel_shape, (shape.filters,)], integer))
    kwargs: dict[str, Any] = {"bias": bias_values.astype(np.float64)} if with_bias else {}
    return Case(x, kernel, {**kwargs, **shape.kwargs})


@st.composite
def values(draw, shapes: list[tuple[int, ...]], integer: bool | None = False) -> list[np.ndarray]:
    """Arrays of the given shapes: nonzero integers in [-m, m] (times a scale unless integer), 2 <= m <= 9.

    One seed draws every cell: drawing them one by one costs Hypothesis several milliseconds per
    example, far too slow for the volumes of conv3d. Shrinking still reaches small shapes and small
    values. No zeros: on a shrunk counterexample of zeros and ones, different mistakes (a flipped
    kernel, padding on the wrong side) often give the same numbers, and the diagnosis could not
    tell them apart.
    """
    is_int = draw(st.booleans()) if integer is None else integer
    magnitude = draw(st.integers(2, 9))
    scale = 1.0 if is_int else draw(SCALES)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    grids = [rng.integers(1, magnitude + 1, size=shape) * rng.choice(np.array([-1, 1]), size=shape)
             for shape in shapes]
    return grids if is_int else [grid * scale for grid in grids]


# ---------------------------------------------------------------------------------------------
# Metamorphic properties
# ---------------------------------------------------------------------------------------------

def check_linear(student, case: Case, other_x: np.ndarray, other_kernel: np.ndarray, a: int, b: int) -> None:
    """No bias: conv(a x + b y, k) = a conv(x, k) + b conv(y, k); conv(x, k + m) = conv(x, k) + conv(x, m)."""
    name = function_name(case.nsp)
    shape = case.expected().shape
    fx = as_array(call(student, case), f"{name}(x, k)", shape)
    fy = as_array(call(student, case, x=other_x), f"{name}(y, k)", shape)
    expect_close(call(student, case, x=a * case.x + b * other_x), a * fx + b * fy,
                 _("{left} compared with {right}", left=f"{name}({a}*x + {b}*y, k)",
                   right=f"{a}*{name}(x, k) + {b}*{name}(y, k)"))
    fm = as_array(call(student, case, kernel=other_kernel), f"{name}(x, m)", shape)
    expect_close(call(student, case, kernel=case.kernel + other_kernel), fx + fm,
                 _("{left} compared with {right}", left=f"{name}(x, k + m)", right=f"{name}(x, k) + {name}(x, m)"))


def check_shift(student, case: Case, data) -> None:
    """Stride 1, 'valid': cropping the first cells of the input crops the output the same way."""
    name = function_name(case.nsp)
    dilation = to_tuple(case.kwargs.get("dilation", 1), case.nsp)
    sizes = case.x.shape[-1 - case.nsp:-1]
    crops = tuple(data.draw(st.integers(0, n - (k - 1) * d - 1), label=f"crop on axis {axis}")  # i18n: not for people (Hypothesis' label)
                  for axis, (n, k, d) in enumerate(zip(sizes, case.kernel.shape, dilation)))
    batched = case.x.ndim == case.nsp + 2
    lead = (slice(None),) if batched else ()
    index = lead + tuple(slice(c, None) for c in crops)
    whole = as_array(call(student, case), f"{name}(x, k)", case.expected().shape)
    text = ("..., " if batched else "") + ", ".join(f"{c}:" for c in crops)
    expect_close(call(student, case, x=case.x[index]), whole[index],
                 _("{left} compared with {right}", left=f"{name}(x[{text}], k)", right=f"{name}(x, k)[{text}]"))


def check_batch(student, case: Case) -> None:
    """conv of a batch equals the stack of the convs of its images."""
    name = function_name(case.nsp)
    expected = case.expected()
    singles = [as_array(call(student, case, x=image), f"{name}(x[{i}], k)", expected.shape[1:])
               for i, image in enumerate(case.x)]
    expect_close(call(student, case), np.stack(singles),
                 _("{function}(batch, k) compared with the stack of {function}(batch[i], k)", function=name))


def check_bias(student, case: Case) -> None:
    """conv(x, k, bias=b) - conv(x, k) is b[f] on every output cell of filter f."""
    name = function_name(case.nsp)
    bias = case.kwargs["bias"]
    expected = case.expected()
    plain = as_array(call(student, case.without("bias")), f"{name}(x, k)", expected.shape)
    expect_close(call(student, case), plain + bias,
                 _("{function}(x, k, bias=b) compared with {function}(x, k) + b (each filter gets its own constant)",
                   function=name))


# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------

def conv_checks(nsp: int) -> dict[str, Callable]:
    """convNd's checks by their name in checks.py (test_<spec.toml's name>).

    Call it when checks.py executes: Hypothesis takes the grader's settings profile when @given
    decorates. The axes make the differences: a stride or dilation per axis is a tuple with
    several axes, while in 1D the 1-tuple has a check of its own (per_axis_forms) and the others
    pass an int; the check of differently sized axes and the stride per axis need two axes; the
    flat (top, bottom, left, right) padding is 2D only.
    """
    def calls(bias: bool | None = False, integer: bool | None = False, **config: Any) -> st.SearchStrategy:
        return forward_case(nsp, bias=bias, integer=integer, **config)

    per_axis = "tuple" if nsp > 1 else "int"
    stepped: Modes = ("int", "tuple") if nsp > 1 else "int"  # an int, or one value per axis
    any_padding = padding_kinds(nsp)

    @given(case=calls(bias=None, integer=None))
    def test_matches_reference(student, case):
        expect_reference(student, case)

    @given(case=calls(padding="same", taps="odd"))
    def test_same_padding(student, case):
        expect_reference(student, case)

    @given(case=calls(stride="int", padding=("valid", "int")))
    def test_stride(student, case):
        expect_reference(student, case)

    @given(case=calls(padding=("int", "per_axis")))
    def test_explicit_padding(student, case):
        expect_reference(student, case)

    @given(case=calls(padding="same", taps="even"))
    def test_same_even_kernel(student, case):
        expect_reference(student, case)

    @given(case=calls(padding="same", stride=stepped, taps="odd"))
    def test_same_stride(student, case):
        expect_reference(student, case)

    @given(case=calls(dilation=stepped, padding=("valid", "same", "int"), taps="wide"))
    def test_dilation(student, case):
        expect_reference(student, case)

    @given(case=calls(padding="pairs"))
    def test_pair_padding(student, case):
        expect_reference(student, case)

    @given(case=calls(padding="zero", stride=("one", "int")))
    def test_zero_padding(student, case):
        expect_reference(student, case, _("{function}(x, k, padding=0), which is 'valid'",
                                          function=function_name(nsp)))

    @given(case=st.one_of(calls(batched=True, channels=(1, 1), padding=("valid", "same")),
                          calls(channels=(2, MAX_CHANNELS[nsp]), filters=(2, MAX_CHANNELS[nsp]),
                               padding=("valid", "same"))))
    def test_channels_filters(student, case):
        expect_reference(student, case)

    @given(case=calls(padding=any_padding, stride=("one", "int"), dilation=("one", "int")), data=st.data(),
           a=st.integers(-3, 3), b=st.integers(-3, 3))
    def test_linear(student, case, data, a, b):
        other_x, other_kernel = data.draw(values([case.x.shape, case.kernel.shape]), label="y, m")
        check_linear(student, case, other_x, other_kernel, a, b)

    @given(case=calls(dilation=("one", "int")), data=st.data())
    def test_shift(student, case, data):
        check_shift(student, case, data)

    @given(case=calls(batched=True, bias=None, padding=any_padding, stride=("one", per_axis)))
    def test_batch(student, case):
        check_batch(student, case)

    @given(case=calls(bias=True, padding=any_padding, stride=("one", "int")))
    def test_bias(student, case):
        check_bias(student, case)

    if nsp == 1:
        @given(case=calls(stride=("one", "tuple"), dilation="tuple", padding=("valid", "same")))
        def test_per_axis_forms(student, case):
            expect_reference(student, case, _("the result with a stride or dilation given as a 1-tuple"))
    else:
        @given(case=calls(padding=("valid", "same", "int"), distinct=True))
        def test_non_square(student, case):
            expect_reference(student, case)

        @given(case=calls(stride="tuple", padding=("valid", "per_axis"), taps="wide"))
        def test_stride_per_axis(student, case):
            expect_reference(student, case)
    if nsp == 2:
        @given(case=calls(padding="flat"))
        def test_flat_padding(student, case):
            expect_reference(student, case)

    checks = {name: value for name, value in locals().items() if name.startswith("test_")}
    if nsp == 3:  # the volumes' name for it
        checks["test_non_cubic"] = checks.pop("test_non_square")
    return checks
