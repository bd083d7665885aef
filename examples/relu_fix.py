"""The deep network of deep_sigmoid.py with ReLU hidden layers, which keep the gradients alive.

ReLU's derivative is 1 for every positive input, so the gradient reaches the first layers
at full strength. He initialization sizes the starting weights for ReLU.
"""
from tensorflow.keras.datasets import mnist
from tensorflow.keras.layers import Dense, Flatten, InputLayer
from tensorflow.keras.models import Sequential

# MNIST: 60,000 training and 10,000 test images of handwritten digits, 28×28 pixels each.
(x_train, y_train), (x_test, y_test) = mnist.load_data()

# Pixels go from 0 to 255. Dividing by 255 puts them between 0 and 1.
x_train = x_train / 255.0
x_test = x_test / 255.0

model = Sequential()
model.add(InputLayer(input_shape=(28, 28)))
# Flatten turns each 28×28 image into a vector of 784 numbers for the Dense layers.
model.add(Flatten())

# The same six hidden layers, now with relu. he_uniform draws starting weights scaled
# for relu, so the signal keeps roughly the same size from layer to layer.
model.add(Dense(units=64, activation='relu', kernel_initializer='he_uniform'))
model.add(Dense(units=128, activation='relu', kernel_initializer='he_uniform'))
model.add(Dense(units=256, activation='relu', kernel_initializer='he_uniform'))
model.add(Dense(units=256, activation='relu', kernel_initializer='he_uniform'))
model.add(Dense(units=168, activation='relu', kernel_initializer='he_uniform'))
model.add(Dense(units=64, activation='relu', kernel_initializer='he_uniform'))

# Output layer: one probability per digit class, 0 to 9.
model.add(Dense(units=10, activation='softmax'))

# The labels are class numbers 0 to 9, hence the sparse loss. 'SGD' means plain gradient
# descent with Keras's default learning rate of 0.01.
model.compile(loss='sparse_categorical_crossentropy', optimizer='SGD', metrics=['accuracy'])

# The last 20% of the training images are held out to validate after each epoch.
history = model.fit(x_train, y_train, validation_split=0.2, epochs=20)

# Accuracy on the 10,000 test images, which the model never saw while training.
model.evaluate(x_test, y_test)
