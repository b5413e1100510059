"""pix2pix (after affinelayer/pix2pix-tensorflow): a U-Net generator whose encoder and decoder
layers are appended in loops under variable_scope("encoder_%d"), tf.layers conv/deconv/batch
norm, the discriminator built under name_scope + variable_scope with reuse=True, losses
averaged by an ExponentialMovingAverage, and a global step incremented by tf.assign."""
import argparse

import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("--ngf", type=int, default=8)
parser.add_argument("--ndf", type=int, default=8)
parser.add_argument("--lr", type=float, default=0.0002)
parser.add_argument("--beta1", type=float, default=0.5)
parser.add_argument("--l1_weight", type=float, default=100.0)
parser.add_argument("--gan_weight", type=float, default=1.0)
a = parser.parse_args([])
EPS = 1e-12


def discrim_conv(batch_input, out_channels, stride):
    padded_input = tf.pad(batch_input, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="CONSTANT")
    return tf.layers.conv2d(padded_input, out_channels, kernel_size=4, strides=(stride, stride),
                            padding="valid",
                            kernel_initializer=tf.random_normal_initializer(0, 0.02))


def gen_conv(batch_input, out_channels):
    initializer = tf.random_normal_initializer(0, 0.02)
    return tf.layers.conv2d(batch_input, out_channels, kernel_size=4, strides=(2, 2),
                            padding="same", kernel_initializer=initializer)


def gen_deconv(batch_input, out_channels):
    initializer = tf.random_normal_initializer(0, 0.02)
    return tf.layers.conv2d_transpose(batch_input, out_channels, kernel_size=4, strides=(2, 2),
                                      padding="same", kernel_initializer=initializer)


def lrelu(x, a):
    with tf.name_scope("lrelu"):
        x = tf.identity(x)
        return (0.5 * (1 + a)) * x + (0.5 * (1 - a)) * tf.abs(x)


def batchnorm(inputs):
    return tf.layers.batch_normalization(inputs, axis=3, epsilon=1e-5, momentum=0.1,
                                         training=True,
                                         gamma_initializer=tf.random_normal_initializer(1.0, 0.02))


def create_generator(generator_inputs, generator_outputs_channels):
    layers = []
    with tf.variable_scope("encoder_1"):
        output = gen_conv(generator_inputs, a.ngf)
        layers.append(output)
    layer_specs = [a.ngf * 2, a.ngf * 4]
    for out_channels in layer_specs:
        with tf.variable_scope("encoder_%d" % (len(layers) + 1)):
            rectified = lrelu(layers[-1], 0.2)
            convolved = gen_conv(rectified, out_channels)
            output = batchnorm(convolved)
            layers.append(output)
    layer_specs = [(a.ngf * 2, 0.5), (a.ngf, 0.0)]
    num_encoder_layers = len(layers)
    for decoder_layer, (out_channels, dropout) in enumerate(layer_specs):
        skip_layer = num_encoder_layers - decoder_layer - 1
        with tf.variable_scope("decoder_%d" % (skip_layer + 1)):
            if decoder_layer == 0:
                input = layers[-1]
            else:
                input = tf.concat([layers[-1], layers[skip_layer]], axis=3)
            rectified = tf.nn.relu(input)
            output = gen_deconv(rectified, out_channels)
            output = batchnorm(output)
            if dropout > 0.0:
                output = tf.nn.dropout(output, keep_prob=1 - dropout)
            layers.append(output)
    with tf.variable_scope("decoder_1"):
        input = tf.concat([layers[-1], layers[0]], axis=3)
        rectified = tf.nn.relu(input)
        output = gen_deconv(rectified, generator_outputs_channels)
        output = tf.tanh(output)
        layers.append(output)
    return layers[-1]


def create_discriminator(discrim_inputs, discrim_targets):
    n_layers = 2
    layers = []
    input = tf.concat([discrim_inputs, discrim_targets], axis=3)
    with tf.variable_scope("layer_1"):
        convolved = discrim_conv(input, a.ndf, stride=2)
        layers.append(lrelu(convolved, 0.2))
    for i in range(n_layers):
        with tf.variable_scope("layer_%d" % (len(layers) + 1)):
            out_channels = a.ndf * min(2 ** (i + 1), 8)
            stride = 1 if i == n_layers - 1 else 2
            convolved = discrim_conv(layers[-1], out_channels, stride=stride)
            layers.append(lrelu(batchnorm(convolved), 0.2))
    with tf.variable_scope("layer_%d" % (len(layers) + 1)):
        convolved = discrim_conv(layers[-1], out_channels=1, stride=1)
        layers.append(tf.sigmoid(convolved))
    return layers[-1]


inputs = tf.placeholder(tf.float32, [1, 32, 32, 3], name="inputs")
targets = tf.placeholder(tf.float32, [1, 32, 32, 3], name="targets")
with tf.variable_scope("generator"):
    out_channels = int(targets.get_shape()[-1])
    outputs = create_generator(inputs, out_channels)
with tf.name_scope("real_discriminator"):
    with tf.variable_scope("discriminator"):
        predict_real = create_discriminator(inputs, targets)
with tf.name_scope("fake_discriminator"):
    with tf.variable_scope("discriminator", reuse=True):
        predict_fake = create_discriminator(inputs, outputs)
with tf.name_scope("discriminator_loss"):
    discrim_loss = tf.reduce_mean(-(tf.log(predict_real + EPS) + tf.log(1 - predict_fake + EPS)))
with tf.name_scope("generator_loss"):
    gen_loss_GAN = tf.reduce_mean(-tf.log(predict_fake + EPS))
    gen_loss_L1 = tf.reduce_mean(tf.abs(targets - outputs))
    gen_loss = gen_loss_GAN * a.gan_weight + gen_loss_L1 * a.l1_weight
with tf.name_scope("discriminator_train"):
    discrim_tvars = [var for var in tf.trainable_variables()
                     if var.name.startswith("discriminator")]
    discrim_optim = tf.train.AdamOptimizer(a.lr, a.beta1)
    discrim_grads_and_vars = discrim_optim.compute_gradients(discrim_loss, var_list=discrim_tvars)
    discrim_train = discrim_optim.apply_gradients(discrim_grads_and_vars)
with tf.name_scope("generator_train"):
    with tf.control_dependencies([discrim_train]):
        gen_tvars = [var for var in tf.trainable_variables() if var.name.startswith("generator")]
        gen_optim = tf.train.AdamOptimizer(a.lr, a.beta1)
        gen_grads_and_vars = gen_optim.compute_gradients(gen_loss, var_list=gen_tvars)
        gen_train = gen_optim.apply_gradients(gen_grads_and_vars)
ema = tf.train.ExponentialMovingAverage(decay=0.99)
update_losses = ema.apply([discrim_loss, gen_loss_GAN, gen_loss_L1])
global_step = tf.train.get_or_create_global_step()
incr_global_step = tf.assign(global_step, global_step + 1)
train = tf.group(update_losses, incr_global_step, gen_train)
tf.summary.scalar("discriminator_loss", discrim_loss)
for var in tf.trainable_variables():
    tf.summary.histogram(var.op.name + "/values", var)
saver = tf.train.Saver(max_to_keep=1)
