"""A GAN's generator and discriminator (after the DCGAN-style TF1 examples): tf.layers under
variable scopes, the discriminator built twice with reuse, and each network's variables
collected by scope for its own optimizer."""
import numpy as np
import tensorflow as tf

Z_DIM = 16
IMAGE = 28 * 28


def generator(z, hidden=32):
    with tf.variable_scope("generator"):
        h = tf.layers.dense(z, hidden, activation=tf.nn.leaky_relu)
        return tf.layers.dense(h, IMAGE, activation=tf.nn.tanh)


def discriminator(x, reuse=False, hidden=32):
    with tf.variable_scope("discriminator", reuse=reuse):
        h = tf.layers.dense(x, hidden, activation=tf.nn.leaky_relu)
        return tf.layers.dense(h, 1)


real = tf.placeholder(tf.float32, [None, IMAGE], name="real")
z = tf.random_uniform([tf.shape(real)[0], Z_DIM], -1.0, 1.0)
fake = generator(z)
d_real = discriminator(real)
d_fake = discriminator(fake, reuse=True)

d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    labels=tf.ones_like(d_real), logits=d_real)) + tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(d_fake), logits=d_fake))
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    labels=tf.ones_like(d_fake), logits=d_fake))

d_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="discriminator")
g_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
lr = np.float32(2e-4)
d_train = tf.train.AdamOptimizer(lr, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_train = tf.train.AdamOptimizer(lr, beta1=0.5).minimize(g_loss, var_list=g_vars)
