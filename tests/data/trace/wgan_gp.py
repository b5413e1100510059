"""WGAN-GP (after igul222/improved_wgan_training and the TF1 WGAN ports): a critic built with
tf.contrib.layers under variable_scope(reuse=tf.AUTO_REUSE) and called three times (real,
fake, interpolates), the gradient penalty from tf.gradients, Adam with beta1=0.5 and var_lists
from tf.get_collection by scope, and the original WGAN's weight clipping ops."""
import tensorflow as tf

layers = tf.contrib.layers
BATCH, Z_DIM, DIM = 8, 8, 16
LAMBDA = 10


def generator(z):
    with tf.variable_scope("generator", reuse=tf.AUTO_REUSE):
        h = layers.fully_connected(z, 4 * 4 * DIM, activation_fn=tf.nn.relu)
        h = tf.reshape(h, [-1, 4, 4, DIM])
        h = layers.conv2d_transpose(h, DIM // 2, 5, stride=2, activation_fn=tf.nn.relu)
        return layers.conv2d_transpose(h, 1, 5, stride=2, activation_fn=tf.nn.tanh)


def critic(x):
    with tf.variable_scope("critic", reuse=tf.AUTO_REUSE):
        h = layers.conv2d(x, DIM // 2, 5, stride=2, activation_fn=tf.nn.leaky_relu)
        h = layers.conv2d(h, DIM, 5, stride=2, activation_fn=tf.nn.leaky_relu)
        return layers.fully_connected(layers.flatten(h), 1, activation_fn=None)


real = tf.placeholder(tf.float32, [BATCH, 16, 16, 1], name="real")
z = tf.random_normal([BATCH, Z_DIM])
fake = generator(z)
d_real, d_fake = critic(real), critic(fake)
gen_cost = -tf.reduce_mean(d_fake)
disc_cost = tf.reduce_mean(d_fake) - tf.reduce_mean(d_real)
alpha = tf.random_uniform(shape=[BATCH, 1, 1, 1], minval=0., maxval=1.)
differences = fake - real
interpolates = real + alpha * differences
gradients = tf.gradients(critic(interpolates), [interpolates])[0]
slopes = tf.sqrt(tf.reduce_sum(tf.square(gradients), reduction_indices=[1, 2, 3]))
gradient_penalty = tf.reduce_mean((slopes - 1.) ** 2)
disc_cost += LAMBDA * gradient_penalty
gen_params = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
disc_params = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="critic")
gen_train_op = tf.train.AdamOptimizer(1e-4, beta1=0.5, beta2=0.9).minimize(
    gen_cost, var_list=gen_params)
disc_train_op = tf.train.AdamOptimizer(1e-4, beta1=0.5, beta2=0.9).minimize(
    disc_cost, var_list=disc_params)
clip_ops = []
for var in disc_params:
    clip_bounds = [-.01, .01]
    clip_ops.append(tf.assign(var, tf.clip_by_value(var, clip_bounds[0], clip_bounds[1])))
clip_disc_weights = tf.group(*clip_ops)
