"""Evaluation with averaged weights through the model's own parameter (after PixelCNN++'s
nn.py / model_spec): the layers get their variables from get_var_maybe_avg(name, ema, **kwargs),
which returns ema.average(v) when an ExponentialMovingAverage is given; the model is a
tf.make_template built once with ema=None for training and again with ema=ema for testing, so
its function makes other TF calls on its second call."""
import tensorflow as tf


def get_var_maybe_avg(var_name, ema, **kwargs):
    """Utility for retrieving polyak averaged params."""
    v = tf.get_variable(var_name, **kwargs)
    if ema is not None:
        v = ema.average(v)
    return v


def dense(x, num_units, name, nonlinearity=None, ema=None):
    with tf.variable_scope(name):
        V = get_var_maybe_avg("V", ema, shape=[int(x.get_shape()[1]), num_units],
                              initializer=tf.random_normal_initializer(0, 0.05))
        b = get_var_maybe_avg("b", ema, shape=[num_units], initializer=tf.zeros_initializer())
        x = tf.matmul(x, V) + b
        if nonlinearity is not None:
            x = nonlinearity(x)
        return x


def model_spec(x, ema=None, nr_filters=16):
    h = dense(x, nr_filters, "dense_1", nonlinearity=tf.nn.elu, ema=ema)
    h = dense(h, nr_filters, "dense_2", nonlinearity=tf.nn.elu, ema=ema)
    return dense(h, 10, "logits", ema=ema)


model = tf.make_template("model", model_spec)
x = tf.placeholder(tf.float32, [None, 32], name="x")
labels = tf.placeholder(tf.int32, [None], name="labels")
logits = model(x)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                     logits=logits))
optimizer = tf.train.AdamOptimizer(1e-3)
train_step = optimizer.minimize(loss)
ema = tf.train.ExponentialMovingAverage(decay=0.9995)
maintain_averages_op = tf.group(ema.apply(tf.trainable_variables()))
test_logits = model(x, ema=ema)
