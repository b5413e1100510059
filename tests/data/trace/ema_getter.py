"""Evaluation with averaged weights (after the Polyak-averaging custom getters of
tensorflow/models and the Mean Teacher / semi-supervised GAN code): the model is built once for
training, the EMA of its variables is applied, and the model is built again with reuse=True
under a custom getter that forwards *args/**kwargs and returns ema.average(var)."""
import tensorflow as tf


def model(x, is_training):
    with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
        h = tf.layers.dense(x, 16, activation=tf.nn.relu, name="fc1")
        h = tf.layers.dropout(h, 0.5, training=is_training)
        return tf.layers.dense(h, 4, name="fc2")


x = tf.placeholder(tf.float32, [None, 8], name="x")
y = tf.placeholder(tf.int64, [None], name="y")
logits = model(x, True)
loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
global_step = tf.train.get_or_create_global_step()
opt = tf.train.AdamOptimizer(1e-3)
train_op = opt.minimize(loss, global_step=global_step)
ema = tf.train.ExponentialMovingAverage(decay=0.999, num_updates=global_step)
with tf.control_dependencies([train_op]):
    train_op = ema.apply(tf.trainable_variables())


def ema_getter(getter, *args, **kwargs):
    var = getter(*args, **kwargs)
    return ema.average(var)


with tf.variable_scope(tf.get_variable_scope(), custom_getter=ema_getter):
    eval_logits = model(x, False)
accuracy = tf.reduce_mean(tf.to_float(tf.equal(tf.argmax(eval_logits, 1), y)))
