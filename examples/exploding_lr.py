"""Six ReLU hidden layers, the architecture of relu_fix.py, trained with a learning rate of 10: the numbers overflow to NaN within five steps.

Train it and watch the loss: from 2.3 it jumps to several tens after the first step, and
then it grows by many orders of magnitude with every step. Each step moves the weights a
thousand times farther than the default learning rate of 0.01 would. The larger weights
make larger outputs and larger gradients, which make the next step larger still. At the
fifth step the outputs of a hidden layer exceed the largest float32 number: the loss and
the gradients become NaN (not a number), and training stops. Lower the learning rate to
fix it.
"""
from tensorflow.keras.datasets import mnist
from tensorflow.keras.layers import Dense, Flatten, InputLayer
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import SGD

# MNIST: 60,000 training and 10,000 test images of handwritten digits, 28×28 pixels each.
(x_train, y_train), (x_test, y_test) = mnist.load_data()

# Pixels go from 0 to 255. Dividing by 255 puts them between 0 and 1.
x_train = x_train / 255.0
x_test = x_test / 255.0

model = Sequential()
model.add(InputLayer(input_shape=(28, 28)))
# Flatten turns each 28×28 image into a vector of 784 numbers for the Dense layers.
model.add(Flatten())

# Six ReLU hidden layers: the architecture itself trains well with the default learning rate.
model.add(Dense(units=64, activation='relu'))
model.add(Dense(units=128, activation='relu'))
model.add(Dense(units=256, activation='relu'))
model.add(Dense(units=256, activation='relu'))
model.add(Dense(units=168, activation='relu'))
model.add(Dense(units=64, activation='relu'))

# Output layer: one probability per digit class, 0 to 9.
model.add(Dense(units=10, activation='softmax'))

# The mistake: a learning rate of 10. Plain SGD works with values around 0.01 to 0.1,
# and this network still trains at 0.3 but overflows to NaN at 1.
model.compile(loss='sparse_categorical_crossentropy', optimizer=SGD(learning_rate=10), metrics=['accuracy'])

# The last 20% of the training images are held out to validate after each epoch.
history = model.fit(x_train, y_train, validation_split=0.2, epochs=20)

# Accuracy on the 10,000 test images, which the model never saw while training.
model.evaluate(x_test, y_test)
