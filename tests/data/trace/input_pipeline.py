"""A tf.data input pipeline feeding a model (after the TF 1.4+ tutorials and the object-detection
/ NMT input code): placeholders of file-free features, Dataset.from_tensor_slices, map with a
parse function, shuffle/batch/repeat, an initializable iterator, and a model on get_next()."""
import numpy as np
import tensorflow as tf

NUM_FEATURES, BATCH = 6, 4


def parse(features, label):
    features = tf.cast(features, tf.float32) / 255.0
    label = tf.one_hot(label, depth=3)
    return features, label


features_ph = tf.placeholder(tf.uint8, [None, NUM_FEATURES], name="features")
labels_ph = tf.placeholder(tf.int32, [None], name="labels")
dataset = tf.data.Dataset.from_tensor_slices((features_ph, labels_ph))
dataset = dataset.map(parse, num_parallel_calls=2)
dataset = dataset.shuffle(buffer_size=100, seed=1).batch(BATCH).repeat()
iterator = dataset.make_initializable_iterator()
x, y = iterator.get_next()
with tf.variable_scope("model"):
    hidden = tf.layers.dense(x, 8, activation=tf.nn.relu, name="hidden")
    logits = tf.layers.dense(hidden, 3, name="logits")
loss = tf.losses.softmax_cross_entropy(y, logits)
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(iterator.initializer, feed_dict={
        features_ph: np.zeros((8, NUM_FEATURES), np.uint8), labels_ph: np.zeros(8, np.int32)})
    sess.run(train_op)
