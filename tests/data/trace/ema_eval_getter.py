"""Evaluation with moving averages of the weights where they exist (after the EMA custom getters
of tensorflow/models and Mean-Teacher-style code): the EMA covers the trainable variables only,
so the getter returns ema.average(var) when it is not None and the variable itself otherwise
(the hand-written batch norm's moving statistics); the model is built with tf.get_variable."""
import tensorflow as tf


def batch_norm(x, training, name):
    with tf.variable_scope(name):
        size = x.shape[-1]
        beta = tf.get_variable("beta", [size], initializer=tf.zeros_initializer())
        gamma = tf.get_variable("gamma", [size], initializer=tf.ones_initializer())
        moving_mean = tf.get_variable("moving_mean", [size], trainable=False,
                                      initializer=tf.zeros_initializer())
        moving_var = tf.get_variable("moving_variance", [size], trainable=False,
                                     initializer=tf.ones_initializer())
        if training:
            mean, var = tf.nn.moments(x, [0])
            tf.add_to_collection(tf.GraphKeys.UPDATE_OPS,
                                 tf.assign(moving_mean, 0.99 * moving_mean + 0.01 * mean))
        else:
            mean, var = moving_mean, moving_var
        return tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)


def mlp(x, training):
    with tf.variable_scope("mlp", reuse=tf.AUTO_REUSE):
        w1 = tf.get_variable("w1", [8, 16])
        h = tf.nn.relu(batch_norm(tf.matmul(x, w1), training, "bn1"))
        w2 = tf.get_variable("w2", [16, 4])
        b2 = tf.get_variable("b2", [4], initializer=tf.zeros_initializer())
        return tf.matmul(h, w2) + b2


x = tf.placeholder(tf.float32, [None, 8], name="x")
y = tf.placeholder(tf.int64, [None], name="y")
logits = mlp(x, True)
loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
global_step = tf.train.get_or_create_global_step()
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=global_step)
ema = tf.train.ExponentialMovingAverage(0.999, num_updates=global_step)
with tf.control_dependencies([train_op]):
    train_op = ema.apply(tf.trainable_variables())


def ema_getter(getter, name, *args, **kwargs):
    var = getter(name, *args, **kwargs)
    ema_var = ema.average(var)
    return ema_var if ema_var is not None else var


with tf.variable_scope(tf.get_variable_scope(), custom_getter=ema_getter):
    eval_logits = mlp(x, False)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(eval_logits, 1), y), tf.float32))
