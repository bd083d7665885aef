"""Two branches that see the same image and merge: the Keras functional API.

A wide shallow branch and a deep narrow one are joined by Concatenate. Compare their rows
in the heatmap: the deep sigmoid branch gets far weaker gradients.
"""
from tensorflow import keras
from tensorflow.keras import layers

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train / 255.0
x_test = x_test / 255.0

inputs = keras.Input(shape=(28, 28))
flat = layers.Flatten()(inputs)

wide = layers.Dense(128, activation="relu")(flat)

deep = flat
for units in [64, 64, 64, 64]:
    deep = layers.Dense(units, activation="sigmoid")(deep)

merged = layers.Concatenate()([wide, deep])
outputs = layers.Dense(10, activation="softmax")(merged)

model = keras.Model(inputs=inputs, outputs=outputs, name="two_branches")
model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, validation_split=0.2)
model.evaluate(x_test, y_test)
