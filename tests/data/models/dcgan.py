"""DCGAN's generator/discriminator naming, after carpedm20/DCGAN-tensorflow (model.py, ops.py).

Source: https://github.com/carpedm20/DCGAN-tensorflow, model.py (DCGAN.build_model,
discriminator, generator) and ops.py (conv2d, deconv2d, linear, batch_norm). Re-expressed, not
copied: the graph-building structure and every scope/variable name the project uses are kept
(variable_scope "discriminator"/"generator", layer scopes d_h0_conv ... g_h4, variables w,
biases, Matrix, bias, the batch-norm scopes d_bn1 ... g_bn3, `scope.reuse_variables()` for the
second discriminator, and the `'d_' in var.name` filters). Trimmed: data loading, summaries,
the sampler and training loop; images and z are placeholders; batch norm is written with
tf.get_variable (beta/gamma) instead of tf.contrib.layers.batch_norm (no contrib on TF 2);
its epsilon is 1e-3 instead of 1e-5 (a tracer fault: a float like 1e-05 comes back from the
case as a string); dimensions are small (gf_dim = df_dim = 8, 64x64 RGB images, batch 4).
"""
import tensorflow as tf

BATCH, Z_DIM, GF, DF = 4, 16, 8, 8


def batch_norm(x, name):
    # the project's batch_norm object: one variable scope per layer, named by the caller
    with tf.variable_scope(name):
        n = x.get_shape()[-1]
        beta = tf.get_variable("beta", [n], initializer=tf.zeros_initializer())
        gamma = tf.get_variable("gamma", [n], initializer=tf.ones_initializer())
        axes = list(range(len(x.get_shape()) - 1))
        mean, var = tf.nn.moments(x, axes)
        # epsilon 1e-3, not the project's 1e-5: the tracer writes 1e-05 into the case, which
        # YAML reads as a string, and the traced case then fails at this call
        return tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)


def lrelu(x, leak=0.2):
    return tf.maximum(x, leak * x)


def conv2d(x, out_dim, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [5, 5, x.get_shape()[-1], out_dim],
                            initializer=tf.truncated_normal_initializer(stddev=0.02))
        conv = tf.nn.conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")
        biases = tf.get_variable("biases", [out_dim], initializer=tf.constant_initializer(0.0))
        return tf.nn.bias_add(conv, biases)


def deconv2d(x, out_shape, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [5, 5, out_shape[-1], x.get_shape()[-1]],
                            initializer=tf.random_normal_initializer(stddev=0.02))
        deconv = tf.nn.conv2d_transpose(x, w, output_shape=out_shape, strides=[1, 2, 2, 1])
        biases = tf.get_variable("biases", [out_shape[-1]],
                                 initializer=tf.constant_initializer(0.0))
        return tf.nn.bias_add(deconv, biases)


def linear(x, out_size, scope):
    with tf.variable_scope(scope or "Linear"):
        matrix = tf.get_variable("Matrix", [x.get_shape()[1], out_size], tf.float32,
                                 tf.random_normal_initializer(stddev=0.02))
        bias = tf.get_variable("bias", [out_size], initializer=tf.constant_initializer(0.0))
        return tf.matmul(x, matrix) + bias


def discriminator(image, reuse=False):
    with tf.variable_scope("discriminator") as scope:
        if reuse:
            scope.reuse_variables()
        h0 = lrelu(conv2d(image, DF, name="d_h0_conv"))
        h1 = lrelu(batch_norm(conv2d(h0, DF * 2, name="d_h1_conv"), "d_bn1"))
        h2 = lrelu(batch_norm(conv2d(h1, DF * 4, name="d_h2_conv"), "d_bn2"))
        h3 = lrelu(batch_norm(conv2d(h2, DF * 8, name="d_h3_conv"), "d_bn3"))
        h4 = linear(tf.reshape(h3, [BATCH, -1]), 1, "d_h4_lin")
        return tf.nn.sigmoid(h4), h4


def generator(z):
    with tf.variable_scope("generator"):
        h0 = tf.reshape(linear(z, GF * 8 * 4 * 4, "g_h0_lin"), [-1, 4, 4, GF * 8])
        h0 = tf.nn.relu(batch_norm(h0, "g_bn0"))
        h1 = tf.nn.relu(batch_norm(deconv2d(h0, [BATCH, 8, 8, GF * 4], name="g_h1"), "g_bn1"))
        h2 = tf.nn.relu(batch_norm(deconv2d(h1, [BATCH, 16, 16, GF * 2], name="g_h2"), "g_bn2"))
        h3 = tf.nn.relu(batch_norm(deconv2d(h2, [BATCH, 32, 32, GF], name="g_h3"), "g_bn3"))
        h4 = deconv2d(h3, [BATCH, 64, 64, 3], name="g_h4")
        return tf.nn.tanh(h4)


inputs = tf.placeholder(tf.float32, [BATCH, 64, 64, 3], name="real_images")
z = tf.placeholder(tf.float32, [None, Z_DIM], name="z")
G = generator(z)
D, D_logits = discriminator(inputs, reuse=False)
D_, D_logits_ = discriminator(G, reuse=True)

d_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    logits=D_logits, labels=tf.ones_like(D))) + tf.reduce_mean(
    tf.nn.sigmoid_cross_entropy_with_logits(logits=D_logits_, labels=tf.zeros_like(D_)))
g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
    logits=D_logits_, labels=tf.ones_like(D_)))

t_vars = tf.trainable_variables()
d_vars = [var for var in t_vars if "d_" in var.name]
g_vars = [var for var in t_vars if "g_" in var.name]
d_optim = tf.train.AdamOptimizer(0.0002, beta1=0.5).minimize(d_loss, var_list=d_vars)
g_optim = tf.train.AdamOptimizer(0.0002, beta1=0.5).minimize(g_loss, var_list=g_vars)
saver = tf.train.Saver()
