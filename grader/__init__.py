"""cnngrade: grade convolutional-network exercises written in NumPy, with student code sandboxed."""

__version__ = "0.1.0"
