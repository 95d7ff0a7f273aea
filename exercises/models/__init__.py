"""The course's data and models: MNIST found and loaded (mnist), the grader's own trained course
model (course_model), the keras worker kind that loads a model file in the sandbox
(keras_worker) and the checks' requests to it (model_requests)."""
