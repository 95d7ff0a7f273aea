"""Realistic wrong versions of conv_param_count and dense_param_count."""
from grader.pack import Mutant, N_
from reference.padding import to_tuple


def _area(kernel_size):
    kh, kw = to_tuple(kernel_size, 2)
    return kh * kw


def conv_no_bias(kernel_size, in_channels, filters, use_bias=True):
    return _area(kernel_size) * in_channels * filters


def dense_no_bias(in_features, units, use_bias=True):
    return in_features * units


def conv_bias_per_channel(kernel_size, in_channels, filters, use_bias=True):
    return _area(kernel_size) * in_channels * filters + (in_channels if use_bias else 0)


def dense_bias_per_input(in_features, units, use_bias=True):
    return in_features * units + (in_features if use_bias else 0)


def area_squared(kernel_size, in_channels, filters, use_bias=True):
    return _area(kernel_size) ** 2 * in_channels * filters + (filters if use_bias else 0)


def square_kernel(kernel_size, in_channels, filters, use_bias=True):
    kh = to_tuple(kernel_size, 2)[0]
    return kh * kh * in_channels * filters + (filters if use_bias else 0)


def in_channels_forgotten(kernel_size, in_channels, filters, use_bias=True):
    return _area(kernel_size) * filters + (filters if use_bias else 0)


def conv_bias_always(kernel_size, in_channels, filters, use_bias=True):
    return _area(kernel_size) * in_channels * filters + filters


def dense_bias_always(in_features, units, use_bias=True):
    return in_features * units + units


MUTANTS = [
    Mutant("bias_forgotten", N_("forgets the biases: one per filter (conv) and one per unit (dense)"),
           {"conv_param_count": conv_no_bias, "dense_param_count": dense_no_bias}),
    Mutant("bias_per_input", N_("counts one bias per input channel (or input feature) instead of one per "
           "filter (or unit)"), {"conv_param_count": conv_bias_per_channel,
                                "dense_param_count": dense_bias_per_input}),
    Mutant("kernel_area_squared", N_("squares the kernel area: (kh * kw)^2 weights per input channel and filter"),
           {"conv_param_count": area_squared}),
    Mutant("square_kernel", N_("assumes a square kernel: kh * kh instead of kh * kw"),
           {"conv_param_count": square_kernel}),
    Mutant("in_channels_forgotten", N_("forgets the input channels: a filter has kh * kw * C weights, "
           "not kh * kw"), {"conv_param_count": in_channels_forgotten}),
    Mutant("use_bias_ignored", N_("ignores use_bias=False: always adds the biases"),
           {"conv_param_count": conv_bias_always, "dense_param_count": dense_bias_always}),
]
