# A face-embedding head that reaches its initializers and regularizers through slim's
# submodules (slim.initializers, slim.regularizers), as training scripts of slim nets do.
import tensorflow as tf
import tensorflow.contrib.slim as slim

features = tf.placeholder(tf.float32, [4, 32], name="features")
with slim.arg_scope([slim.fully_connected],
                    weights_initializer=slim.initializers.xavier_initializer(),
                    weights_regularizer=slim.regularizers.l2_regularizer(1e-4)):
    hidden = slim.fully_connected(features, 16, scope="Bottleneck")
    logits = slim.fully_connected(hidden, 5, activation_fn=None, scope="Logits")
embeddings = tf.nn.l2_normalize(hidden, 1, 1e-10, name="embeddings")
total = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES), name="reg")
