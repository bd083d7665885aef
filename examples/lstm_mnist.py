"""An LSTM that reads each MNIST image one row at a time.

The 28 rows of pixels are 28 time steps of 28 values. The LSTM's gates keep the gradient
alive across the time steps, where a plain SimpleRNN with tanh lets it fade.
"""
from tensorflow import keras
from tensorflow.keras.layers import LSTM, Dense

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

model = keras.Sequential()
model.add(LSTM(64, input_shape=(28, 28)))
model.add(Dense(10, activation="softmax"))

model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
              loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=2, validation_data=(x_test, y_test))
