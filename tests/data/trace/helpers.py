"""An MLP built by a helper function whose loop formats the variable names (as many TF1
tutorials do), called twice: once under a fresh scope, once reusing it."""
import tensorflow as tf

SIZES = [16, 8, 4]


def dense(x, size, name):
    w = tf.get_variable("w_%s" % name, [int(x.shape[1]), size])
    b = tf.get_variable("b_{}".format(name), [size], initializer=tf.zeros_initializer())
    return tf.nn.relu(tf.matmul(x, w) + b)


def mlp(x, sizes, reuse=None):
    with tf.variable_scope("mlp", reuse=reuse):
        for i, size in enumerate(sizes):
            x = dense(x, size, "layer%d" % i)
    return x


x = tf.placeholder(tf.float32, [None, 32])
train = mlp(x, SIZES)
test = mlp(x * 0.5, SIZES, reuse=True)
