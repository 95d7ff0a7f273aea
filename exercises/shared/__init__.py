"""What several exercises of the course share: the Hypothesis strategies of its inputs, the one
convolution configuration (conv_case) among them (strategies), conv1d/2d/3d's checks written once
(convnd) and their wrong versions (convnd_mutants), the backward-pass cases (gradients), the checks
correlate2d and convolve2d share (image_kernel), the course's conventions (course),
numeric_gradient's test functions as data (test_functions) and the header of the starter cnn.py
(starter_header)."""
