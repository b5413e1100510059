"""numpy constants in a TF1 model (after the word2vec / image-model examples): a mean image and
a projection initialised from numpy arrays, shapes from numpy integers."""
import numpy as np
import tensorflow as tf

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
DIM = np.int64(4)
rng = np.random.RandomState(0)
INIT = rng.uniform(-1, 1, size=(3, int(DIM))).astype(np.float32)

images = tf.placeholder(tf.float32, [None, 3], name="images")
centered = images - MEAN
with tf.variable_scope("projection"):
    proj = tf.get_variable("proj", initializer=tf.constant(INIT))
    scale = tf.get_variable("scale", [DIM], initializer=tf.constant_initializer(np.float32(0.5)))
out = tf.matmul(centered, proj) * scale
