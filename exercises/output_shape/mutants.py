"""Realistic wrong versions of conv_output_shape and pool_output_shape."""
import reference as ref
from grader.pack import Mutant, N_
from reference.padding import to_tuple


def _same(padding):
    return isinstance(padding, str) and padding.lower() == "same"


def same_floor_conv(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if not _same(padding):
        return ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding, dilation_rate)
    sh, sw = to_tuple(strides, 2)
    return (input_shape[0] // sh, input_shape[1] // sw, filters)


def same_floor_pool(input_shape, pool_size=2, strides=None, padding="valid"):
    if not _same(padding):
        return ref.pool_output_shape(input_shape, pool_size, strides, padding)
    sh, sw = to_tuple(pool_size if strides is None else strides, 2)
    return (input_shape[0] // sh, input_shape[1] // sw, input_shape[2])


def same_ignores_strides(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if _same(padding):
        return (input_shape[0], input_shape[1], filters)
    return ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding, dilation_rate)


def padding_once(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    if isinstance(padding, int):
        padding = ((0, padding), (0, padding))
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(isinstance(p, int) for p in padding):
        padding = ((0, padding[0]), (0, padding[1]))
    return ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding, dilation_rate)


def width_stride_ignored(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    sh, _ = to_tuple(strides, 2)
    return ref.conv_output_shape(input_shape, filters, kernel_size, (sh, 1), padding, dilation_rate)


def dilation_ignored(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    return ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding)


def channels_not_filters(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    h2, w2, _ = ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding, dilation_rate)
    return (h2, w2, input_shape[2])


def no_plus_one(input_shape, filters, kernel_size, strides=1, padding="valid", dilation_rate=1):
    h2, w2, k = ref.conv_output_shape(input_shape, filters, kernel_size, strides, padding, dilation_rate)
    return (h2, w2, k) if _same(padding) else (h2 - 1, w2 - 1, k)


def pool_stride_one(input_shape, pool_size=2, strides=None, padding="valid"):
    return ref.pool_output_shape(input_shape, pool_size, 1 if strides is None else strides, padding)


MUTANTS = [
    Mutant("same_floor", N_("'same' rounds down: H // S instead of ceil(H / S)"),
           {"conv_output_shape": same_floor_conv, "pool_output_shape": same_floor_pool}),
    Mutant("same_ignores_strides", N_("'same' keeps the input size whatever the strides; it is ceil(H / S)"),
           {"conv_output_shape": same_ignores_strides}),
    Mutant("padding_once", N_("counts an int padding P once (W - F + P) instead of on both sides (W - F + 2P)"),
           {"conv_output_shape": padding_once}),
    Mutant("width_stride_ignored", N_("divides by the stride on the height only: the width ignores it"),
           {"conv_output_shape": width_stride_ignored}),
    Mutant("dilation_ignored", N_("ignores dilation_rate: a dilated kernel covers (F - 1) * d + 1 cells, not F"),
           {"conv_output_shape": dilation_ignored}),
    Mutant("channels_not_filters", N_("returns the input's channels as the depth; a conv layer's output "
           "depth is its number of filters"), {"conv_output_shape": channels_not_filters}),
    Mutant("no_plus_one", N_("forgets the + 1 of (W - F + 2P) / S + 1"), {"conv_output_shape": no_plus_one}),
    Mutant("pool_strides_default_1", N_("pooling strides default to 1 instead of the pool size"),
           {"pool_output_shape": pool_stride_one}),
]
