"""Weight normalization through a custom getter (after the weight-norm getters of PixelCNN++-
and WaveNet-style TF1 code, Salimans & Kingma 2016): each kernel the layers ask for is
reparameterized as g * v / ||v|| with a new per-output-unit scale `NAME_g`, while biases pass
through; the getter branches on `'kernel' in name`."""
import tensorflow as tf


def weight_norm_getter(getter, name, *args, **kwargs):
    var = getter(name, *args, **kwargs)
    if "kernel" not in name:
        return var
    g = getter(name + "_g", shape=var.shape[-1:], initializer=tf.ones_initializer(),
               trainable=True)
    axes = list(range(len(var.shape) - 1))
    return g * tf.nn.l2_normalize(var, axis=axes)


images = tf.placeholder(tf.float32, [None, 28, 28, 1], name="images")
labels = tf.placeholder(tf.int32, [None], name="labels")
with tf.variable_scope("wn", custom_getter=weight_norm_getter):
    net = tf.layers.conv2d(images, 16, 3, activation=tf.nn.relu, name="conv1")
    net = tf.layers.conv2d(net, 32, 3, strides=2, activation=tf.nn.relu, name="conv2")
    net = tf.layers.flatten(net)
    logits = tf.layers.dense(net, 10, name="logits")
loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
