def cnn_forward(x, weights):
    """Forward pass of the course model, in NumPy:

        Conv2D(32, (3, 3), activation='relu', padding='same')
        MaxPooling2D((2, 2))
        Flatten()
        Dense(100, activation='relu')
        Dense(10, activation='softmax')

    x: (N, 28, 28, 1), pixels in [0, 1].
    weights: as model.get_weights() returns them: conv kernel (3, 3, 1, 32),
    conv bias (32,), dense kernel (6272, 100), dense bias (100,),
    output kernel (100, 10), output bias (10,).
    Returns (N, 10) softmax probabilities (each row sums to 1).
    Must be fast: 1000 images in well under 5 seconds (vectorise).
    """
    raise NotImplementedError
