def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
                      dilation_rate=1):
    """Output shape of Conv2D(filters, kernel_size, strides, padding, dilation_rate)
    on an input of shape (H, W, C).

    kernel_size, strides, dilation_rate: int or a pair; padding: any conv2d form.
    Returns the tuple of ints (H2, W2, filters).
    Example: conv_output_shape((32, 32, 3), 6, 5) == (28, 28, 6).
    """
    raise NotImplementedError


def pool_output_shape(input_shape, pool_size=2, strides=None, padding='valid'):
    """Output shape of MaxPooling2D(pool_size, strides, padding) on (H, W, C).

    strides=None means strides = pool_size; padding 'valid' or 'same'.
    Returns the tuple of ints (H2, W2, C).
    """
    raise NotImplementedError
