# Weight-normalised layers in the style of autoregressive image models: decorated layer
# functions share a name counter through arg_scope, a residual block gets its nonlinearity from
# the arg_scope and its convolution function as an argument, and calls both itself.
import tensorflow as tf

slim = tf.contrib.slim


def next_name(kind, counters):
    counters[kind] = counters.get(kind, 0) + 1
    return "%s_%d" % (kind, counters[kind] - 1)


def doubled_elu(x):
    return tf.nn.elu(tf.concat([x, -x], 3))


@slim.add_arg_scope
def conv(x, filters, counters={}, act=None):
    with tf.variable_scope(next_name("conv", counters)):
        v = tf.get_variable("V", [3, 3, int(x.get_shape()[-1]), filters])
        g = tf.get_variable("g", [filters], initializer=tf.ones_initializer())
        y = tf.nn.conv2d(x, tf.nn.l2_normalize(v, [0, 1, 2]) * g, [1, 1, 1, 1], "SAME")
        return act(y) if act is not None else y


@slim.add_arg_scope
def residual(x, nonlinearity=None, conv_fn=conv, counters={}):
    width = int(x.get_shape()[-1])
    h = conv_fn(nonlinearity(x), width)
    gate, value = tf.split(conv_fn(nonlinearity(h), 2 * width), 2, 3)
    return x + value * tf.nn.sigmoid(gate)


images = tf.placeholder(tf.float32, [2, 8, 8, 4])
counters = {}
with slim.arg_scope([conv, residual], counters=counters):
    with slim.arg_scope([residual], nonlinearity=doubled_elu):
        out = residual(images, conv_fn=conv)
        out = residual(out)
    top = conv(out, 3, act=tf.nn.tanh)
