"""The Keras MNIST CNN example as TF 1.x users ran it through tf.keras (after
keras/examples/mnist_cnn.py): a Sequential model of Conv2D, MaxPooling2D, Dropout, Flatten and
Dense layers, compiled with categorical cross-entropy and Adadelta, fit for an epoch on small
numpy arrays, evaluated, and saved weights' names listed."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend as K
from tensorflow.keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential

batch_size = 8
num_classes = 10
epochs = 1

# input image dimensions
img_rows, img_cols = 12, 12

# the data, split between train and test sets (random here)
x_train = np.random.rand(16, img_rows, img_cols).astype("float32")
y_train = np.random.randint(0, num_classes, 16)
x_test = np.random.rand(8, img_rows, img_cols).astype("float32")
y_test = np.random.randint(0, num_classes, 8)

if K.image_data_format() == "channels_first":
    x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
    x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
    input_shape = (1, img_rows, img_cols)
else:
    x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
    x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
    input_shape = (img_rows, img_cols, 1)

# convert class vectors to binary class matrices
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = Sequential()
model.add(Conv2D(8, kernel_size=(3, 3),
                 activation="relu",
                 input_shape=input_shape))
model.add(Conv2D(16, (3, 3), activation="relu"))
model.add(MaxPooling2D(pool_size=(2, 2)))
model.add(Dropout(0.25))
model.add(Flatten())
model.add(Dense(32, activation="relu"))
model.add(Dropout(0.5))
model.add(Dense(num_classes, activation="softmax"))

model.compile(loss=keras.losses.categorical_crossentropy,
              optimizer=keras.optimizers.Adadelta(),
              metrics=["accuracy"])

model.fit(x_train, y_train,
          batch_size=batch_size,
          epochs=epochs,
          verbose=0,
          validation_data=(x_test, y_test))
score = model.evaluate(x_test, y_test, verbose=0)
names = [w.name for w in model.weights]
print(tf.__version__, len(names))
