"""Six sigmoid hidden layers on MNIST: adding layers makes this network train worse, not better.

Train it and watch the gradient heatmap: the gradients fade layer by layer toward the
input, because the derivative of sigmoid is at most 0.25. relu_fix.py is the remedy.
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

# Six hidden layers with sigmoid. Each one multiplies the gradient flowing back through
# it by sigmoid's derivative, which is never more than 0.25.
model.add(Dense(units=64, activation='sigmoid'))
model.add(Dense(units=128, activation='sigmoid'))
model.add(Dense(units=256, activation='sigmoid'))
model.add(Dense(units=256, activation='sigmoid'))
model.add(Dense(units=168, activation='sigmoid'))
model.add(Dense(units=64, activation='sigmoid'))

# Output layer: one probability per digit class, 0 to 9.
model.add(Dense(units=10, activation='softmax'))

# The labels are class numbers 0 to 9, hence the sparse loss. 'SGD' means plain gradient
# descent with Keras's default learning rate of 0.01.
model.compile(loss='sparse_categorical_crossentropy', optimizer='SGD', metrics=['accuracy'])

# The last 20% of the training images are held out to validate after each epoch.
history = model.fit(x_train, y_train, validation_split=0.2, epochs=20)

# Accuracy on the 10,000 test images, which the model never saw while training.
model.evaluate(x_test, y_test)
