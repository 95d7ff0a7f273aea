def conv_param_count(kernel_size, in_channels, filters, use_bias=True):
    """Number of trainable parameters of a Conv2D layer (an int).

    kernel_size: an int k for k x k, or (kh, kw). Weights kh*kw*in_channels*filters,
    plus one bias per filter when use_bias.
    """
    raise NotImplementedError


def dense_param_count(in_features, units, use_bias=True):
    """Number of trainable parameters of a Dense layer (an int):
    in_features * units weights, plus one bias per unit when use_bias.
    Example: dense_param_count(1024, 100, use_bias=False) == 102400.
    """
    raise NotImplementedError
