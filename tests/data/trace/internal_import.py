# Model code that imports slim's scoping helpers from their implementation module rather than
# through tf.contrib.framework: the same functions, under their API names in the case.
import tensorflow as tf
from tensorflow.contrib.framework.python.ops import add_arg_scope, arg_scope


@add_arg_scope
def fc(x, width, scale=1.0):
    with tf.variable_scope("fc_%d" % width):
        w = tf.get_variable("w", [int(x.get_shape()[-1]), width])
        return tf.matmul(x, w) * scale


inputs = tf.placeholder(tf.float32, [4, 6])
with arg_scope([fc], scale=0.5):
    out = fc(fc(inputs, 8), 2)
