"""What several exercises of the course share: the Hypothesis strategies of its inputs
(strategies), the n-dimensional convolution cases and checks (convnd), the backward-pass cases
(gradients), the course's conventions (course), numeric_gradient's test functions as data
(test_functions) and the header of the starter cnn.py (starter_header)."""
