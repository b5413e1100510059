# A GAN's graph-building part, for tests/test_frompython.py (converted without running it).
import numpy as np  # noqa: F401  (imports are ignored by the converter)
import tensorflow as tf

Z_DIM = 16
HIDDEN = [32, 64]

def generator(z, reuse=False):
    with tf.variable_scope('generator', reuse=reuse):
        h = z
        for i, units in enumerate(HIDDEN):
            h = tf.layers.dense(h, units, activation=tf.nn.relu, name='fc%d' % i)  # noqa: UP031
        out = tf.layers.dense(h, 8, activation=tf.nn.tanh, name='out')
    return out

def discriminator(x, reuse=False):
    with tf.variable_scope('discriminator', reuse=reuse):
        h = tf.layers.dense(x, 32, activation=tf.nn.leaky_relu, name='fc0')
        logits = tf.layers.dense(h, 1, name='logits')
    return logits

z = tf.placeholder(tf.float32, [None, Z_DIM], name='z')
real = tf.placeholder(tf.float32, [None, 8], name='real')
fake = generator(z)
d_real = discriminator(real)
d_fake = discriminator(fake, reuse=True)
d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    labels=tf.ones_like(d_real), logits=d_real))
g_loss = -tf.reduce_mean(d_fake)
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope='generator')
d_vars = tf.trainable_variables('discriminator')
g_opt = tf.train.AdamOptimizer(1e-4, beta1=0.5).minimize(g_loss, var_list=g_vars)
d_train = tf.train.AdamOptimizer(1e-4).minimize(d_loss, var_list=d_vars)
