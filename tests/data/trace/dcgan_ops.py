"""DCGAN (after carpedm20/DCGAN-tensorflow's model.py and ops.py): a batch_norm class wrapping
tf.contrib.layers.batch_norm, conv/deconv/linear helpers made of get_variable, the discriminator
built twice with scope.reuse_variables(), and variables split by their names ('d_' / 'g_')."""
import numpy as np
import tensorflow as tf


class batch_norm(object):
    def __init__(self, epsilon=1e-5, momentum=0.9, name="batch_norm"):
        with tf.variable_scope(name):
            self.epsilon = epsilon
            self.momentum = momentum
            self.name = name

    def __call__(self, x, train=True):
        return tf.contrib.layers.batch_norm(x, decay=self.momentum, updates_collections=None,
                                            epsilon=self.epsilon, scale=True,
                                            is_training=train, scope=self.name)


def lrelu(x, leak=0.2, name="lrelu"):
    return tf.maximum(x, leak * x)


def conv2d(input_, output_dim, k_h=5, k_w=5, d_h=2, d_w=2, stddev=0.02, name="conv2d"):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [k_h, k_w, input_.get_shape()[-1], output_dim],
                            initializer=tf.truncated_normal_initializer(stddev=stddev))
        conv = tf.nn.conv2d(input_, w, strides=[1, d_h, d_w, 1], padding="SAME")
        biases = tf.get_variable("biases", [output_dim], initializer=tf.constant_initializer(0.0))
        conv = tf.reshape(tf.nn.bias_add(conv, biases), conv.get_shape())
        return conv


def deconv2d(input_, output_shape, k_h=5, k_w=5, d_h=2, d_w=2, stddev=0.02, name="deconv2d"):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [k_h, k_w, output_shape[-1], input_.get_shape()[-1]],
                            initializer=tf.random_normal_initializer(stddev=stddev))
        deconv = tf.nn.conv2d_transpose(input_, w, output_shape=output_shape,
                                        strides=[1, d_h, d_w, 1])
        biases = tf.get_variable("biases", [output_shape[-1]],
                                 initializer=tf.constant_initializer(0.0))
        return tf.reshape(tf.nn.bias_add(deconv, biases), deconv.get_shape())


def linear(input_, output_size, scope=None, stddev=0.02, bias_start=0.0):
    shape = input_.get_shape().as_list()
    with tf.variable_scope(scope or "Linear"):
        matrix = tf.get_variable("Matrix", [shape[1], output_size], tf.float32,
                                 tf.random_normal_initializer(stddev=stddev))
        bias = tf.get_variable("bias", [output_size],
                               initializer=tf.constant_initializer(bias_start))
        return tf.matmul(input_, matrix) + bias


class DCGAN(object):
    def __init__(self, batch_size=4, output_height=16, z_dim=10, gf_dim=8, df_dim=8, c_dim=3):
        self.batch_size, self.output_height, self.z_dim = batch_size, output_height, z_dim
        self.gf_dim, self.df_dim, self.c_dim = gf_dim, df_dim, c_dim
        self.d_bn1 = batch_norm(name="d_bn1")
        self.d_bn2 = batch_norm(name="d_bn2")
        self.g_bn0 = batch_norm(name="g_bn0")
        self.g_bn1 = batch_norm(name="g_bn1")
        self.build_model()

    def build_model(self):
        image_dims = [self.output_height, self.output_height, self.c_dim]
        self.inputs = tf.placeholder(tf.float32, [self.batch_size] + image_dims,
                                     name="real_images")
        self.z = tf.placeholder(tf.float32, [None, self.z_dim], name="z")
        self.G = self.generator(self.z)
        self.D, self.D_logits = self.discriminator(self.inputs, reuse=False)
        self.D_, self.D_logits_ = self.discriminator(self.G, reuse=True)

        def sigmoid_cross_entropy_with_logits(x, y):
            return tf.nn.sigmoid_cross_entropy_with_logits(logits=x, labels=y)

        self.d_loss_real = tf.reduce_mean(
            sigmoid_cross_entropy_with_logits(self.D_logits, tf.ones_like(self.D)))
        self.d_loss_fake = tf.reduce_mean(
            sigmoid_cross_entropy_with_logits(self.D_logits_, tf.zeros_like(self.D_)))
        self.g_loss = tf.reduce_mean(
            sigmoid_cross_entropy_with_logits(self.D_logits_, tf.ones_like(self.D_)))
        self.d_loss = self.d_loss_real + self.d_loss_fake
        t_vars = tf.trainable_variables()
        self.d_vars = [var for var in t_vars if "d_" in var.name]
        self.g_vars = [var for var in t_vars if "g_" in var.name]
        self.saver = tf.train.Saver()

    def discriminator(self, image, reuse=False):
        with tf.variable_scope("discriminator") as scope:
            if reuse:
                scope.reuse_variables()
            h0 = lrelu(conv2d(image, self.df_dim, name="d_h0_conv"))
            h1 = lrelu(self.d_bn1(conv2d(h0, self.df_dim * 2, name="d_h1_conv")))
            h2 = lrelu(self.d_bn2(conv2d(h1, self.df_dim * 4, name="d_h2_conv")))
            h3 = linear(tf.reshape(h2, [self.batch_size, -1]), 1, "d_h3_lin")
            return tf.nn.sigmoid(h3), h3

    def generator(self, z):
        with tf.variable_scope("generator"):
            s_h = self.output_height
            s_h2, s_h4 = int(np.ceil(s_h / 2)), int(np.ceil(s_h / 4))
            self.z_ = linear(z, self.gf_dim * 2 * s_h4 * s_h4, "g_h0_lin")
            self.h0 = tf.reshape(self.z_, [-1, s_h4, s_h4, self.gf_dim * 2])
            h0 = tf.nn.relu(self.g_bn0(self.h0))
            h1 = deconv2d(h0, [self.batch_size, s_h2, s_h2, self.gf_dim], name="g_h1")
            h1 = tf.nn.relu(self.g_bn1(h1))
            h2 = deconv2d(h1, [self.batch_size, s_h, s_h, self.c_dim], name="g_h2")
            return tf.nn.tanh(h2)


dcgan = DCGAN()
d_optim = tf.train.AdamOptimizer(0.0002, beta1=0.5).minimize(dcgan.d_loss, var_list=dcgan.d_vars)
g_optim = tf.train.AdamOptimizer(0.0002, beta1=0.5).minimize(dcgan.g_loss, var_list=dcgan.g_vars)
