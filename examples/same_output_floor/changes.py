"""same_output_floor: what this submission writes differently from good/cnn.py (see examples/assemble.py)."""
import numpy as np


def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding='valid',
                      dilation_rate=1):
    h, w = int(input_shape[0]), int(input_shape[1])
    ks = _as_tuple(kernel_size, 2, "kernel_size")
    ss = _as_tuple(strides, 2, "strides")
    ds = _as_tuple(dilation_rate, 2, "dilation_rate")
    if padding == 'same':
        # 'same' keeps the size, divided by the stride
        return (int(h / ss[0]), int(w / ss[1]), int(filters))
    pads = _conv_pads(padding, 2, (h, w), ks, ss, ds)
    out_h = _out_size(h, ks[0], ss[0], ds[0], *pads[0])
    out_w = _out_size(w, ks[1], ss[1], ds[1], *pads[1])
    return (int(out_h), int(out_w), int(filters))
