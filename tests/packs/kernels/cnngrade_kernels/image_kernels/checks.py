"""Checks for image_kernels: sharpen, edge_detect and strong_edge_detect of a grayscale image."""
import numpy as np
from hypothesis import given

from cnngrade_kernels import reference as ref
from grader.pack import _, arrays, expect_close, sides

FILTERS = ("sharpen", "edge_detect", "strong_edge_detect")


def test_shipped_image(student, grayscale_image):
    for name in FILTERS:
        expect_close(getattr(student, name)(grayscale_image), getattr(ref, name)(grayscale_image),
                     _("{name} of the pack's grayscale image", name=name))


@given(image=sides(1, 8).flatmap(lambda h: sides(1, 8).flatmap(lambda w: arrays((h, w)))))
def test_matches_reference(student, image):
    for name in FILTERS:
        expect_close(getattr(student, name)(image), getattr(ref, name)(image), f"{name}(image)")


@given(value=sides(1, 9))
def test_flat_image_has_no_edges(student, value):
    image = np.full((6, 7), float(value))
    for name in ("edge_detect", "strong_edge_detect"):
        expect_close(as_interior(getattr(student, name)(image)), np.zeros((4, 5)),
                     _("{name} inside a flat image of {value}s", name=name, value=value))
    expect_close(as_interior(student.sharpen(image)), image[1:-1, 1:-1],
                 _("{name} inside a flat image of {value}s", name="sharpen", value=value))


def as_interior(value):
    """The cells whose window lies inside the image (the border sees the zero padding)."""
    array = np.asarray(value, dtype=np.float64)
    return array[1:-1, 1:-1] if array.ndim == 2 else array
