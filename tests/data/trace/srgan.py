"""SRGAN (after brade31919/SRGAN-tensorflow's model.py and ops.py): FLAGS from tf.app.flags,
a generator of residual blocks named 'resblock_%d' made of slim conv2d, a PReLU whose alpha is a
get_variable, slim batch norm, pixel shuffle by depth_to_space, a discriminator of
'disblock_%d' blocks, a Network namedtuple returned by the builder, losses averaged by an
ExponentialMovingAverage, a global step from tf.contrib.framework, exponential decay, and Adam
on the generator's variables under control_dependencies of the UPDATE_OPS."""
import collections

import tensorflow as tf
import tensorflow.contrib.slim as slim

Flags = tf.app.flags
Flags.DEFINE_string("task", "SRGAN", "The task: SRResnet, SRGAN")
Flags.DEFINE_integer("batch_size", 2, "Batch size of the input batch")
Flags.DEFINE_integer("num_resblock", 3, "How many residual blocks are there in the generator")
Flags.DEFINE_float("EPS", 1e-12, "The eps added to prevent nan")
Flags.DEFINE_float("ratio", 0.001, "The ratio between content loss and adversarial loss")
Flags.DEFINE_float("learning_rate", 0.0001, "The learning rate for the network")
Flags.DEFINE_integer("decay_step", 500000, "The steps needed to decay the learning rate")
Flags.DEFINE_float("decay_rate", 0.1, "The decay rate of each decay step")
Flags.DEFINE_boolean("stair", False, "Whether perform staircase decay. True => decay in "
                     "discrete interval.")
Flags.DEFINE_float("beta", 0.9, "The beta1 parameter for the Adam optimizer")
Flags.DEFINE_boolean("is_training", True, "Training => True, Testing => False")
FLAGS = Flags.FLAGS


# --- ops.py ---

def conv2(batch_input, kernel=3, output_channel=64, stride=1, use_bias=True, scope="conv"):
    with tf.variable_scope(scope):
        if use_bias:
            return slim.conv2d(batch_input, output_channel, [kernel, kernel], stride,
                               "SAME", data_format="NHWC", activation_fn=None,
                               weights_initializer=tf.contrib.layers.xavier_initializer())
        else:
            return slim.conv2d(batch_input, output_channel, [kernel, kernel], stride,
                               "SAME", data_format="NHWC", activation_fn=None,
                               weights_initializer=tf.contrib.layers.xavier_initializer(),
                               biases_initializer=None)


def prelu_tf(inputs, name="Prelu"):
    with tf.variable_scope(name):
        alphas = tf.get_variable("alpha", inputs.get_shape()[-1],
                                 initializer=tf.zeros_initializer(), dtype=tf.float32)
    pos = tf.nn.relu(inputs)
    neg = alphas * (inputs - abs(inputs)) * 0.5
    return pos + neg


def lrelu(inputs, alpha):
    return tf.keras.layers.LeakyReLU(alpha=alpha).call(inputs)


def batchnorm(inputs, is_training):
    return slim.batch_norm(inputs, decay=0.9, epsilon=0.001,
                           updates_collections=tf.GraphKeys.UPDATE_OPS,
                           scale=False, fused=True, is_training=is_training)


def denselayer(inputs, output_size):
    output = tf.layers.dense(inputs, output_size, activation=None,
                             kernel_initializer=tf.contrib.layers.xavier_initializer())
    return output


def pixelShuffler(inputs, scale=2):
    return tf.depth_to_space(inputs, scale)


# --- model.py ---

def generator(gen_inputs, gen_output_channels, reuse=False, FLAGS=None):
    if FLAGS is None:
        raise ValueError("No FLAGS is provided for generator")

    def residual_block(inputs, output_channel, stride, scope):
        with tf.variable_scope(scope):
            net = conv2(inputs, 3, output_channel, stride, use_bias=False, scope="conv_1")
            net = batchnorm(net, FLAGS.is_training)
            net = prelu_tf(net)
            net = conv2(net, 3, output_channel, stride, use_bias=False, scope="conv_2")
            net = batchnorm(net, FLAGS.is_training)
            net = net + inputs
        return net

    with tf.variable_scope("generator_unit", reuse=reuse):
        with tf.variable_scope("input_stage"):
            net = conv2(gen_inputs, 9, 16, 1, scope="conv")
            net = prelu_tf(net)
        stage1_output = net
        for i in range(1, FLAGS.num_resblock + 1, 1):
            name_scope = "resblock_%d" % (i)
            net = residual_block(net, 16, 1, name_scope)
        with tf.variable_scope("resblock_output"):
            net = conv2(net, 3, 16, 1, use_bias=False, scope="conv")
            net = batchnorm(net, FLAGS.is_training)
        net = net + stage1_output
        with tf.variable_scope("subpixelconv_stage1"):
            net = conv2(net, 3, 64, 1, scope="conv")
            net = pixelShuffler(net, scale=2)
            net = prelu_tf(net)
        with tf.variable_scope("output_stage"):
            net = conv2(net, 9, gen_output_channels, 1, scope="conv")
    return net


def discriminator(dis_inputs, FLAGS=None):
    if FLAGS is None:
        raise ValueError("No FLAGS is provided for generator")

    def discriminator_block(inputs, output_channel, kernel_size, stride, scope):
        with tf.variable_scope(scope):
            net = conv2(inputs, kernel_size, output_channel, stride, use_bias=False,
                        scope="conv1")
            net = batchnorm(net, FLAGS.is_training)
            net = lrelu(net, 0.2)
        return net

    with tf.device("/gpu:0"):
        with tf.variable_scope("discriminator_unit"):
            with tf.variable_scope("input_stage"):
                net = conv2(dis_inputs, 3, 16, 1, scope="conv")
                net = lrelu(net, 0.2)
            net = discriminator_block(net, 16, 3, 2, "disblock_1")
            net = discriminator_block(net, 32, 3, 1, "disblock_2")
            net = discriminator_block(net, 32, 3, 2, "disblock_3")
            with tf.variable_scope("dense_layer_1"):
                net = slim.flatten(net)
                net = denselayer(net, 32)
                net = lrelu(net, 0.2)
            with tf.variable_scope("dense_layer_2"):
                net = denselayer(net, 1)
                net = tf.nn.sigmoid(net)
    return net


def SRGAN(inputs, targets, FLAGS):
    Network = collections.namedtuple("Network", "discrim_real_output, discrim_fake_output, "
                                     "discrim_loss, discrim_grads_and_vars, adversarial_loss, "
                                     "content_loss, gen_grads_and_vars, gen_output, train, "
                                     "global_step, learning_rate")
    with tf.variable_scope("generator"):
        output_channel = targets.get_shape().as_list()[-1]
        gen_output = generator(inputs, output_channel, reuse=False, FLAGS=FLAGS)
        gen_output.set_shape([FLAGS.batch_size, 16, 16, 3])

    with tf.name_scope("fake_discriminator"):
        with tf.variable_scope("discriminator", reuse=False):
            discrim_fake_output = discriminator(gen_output, FLAGS=FLAGS)

    with tf.name_scope("real_discriminator"):
        with tf.variable_scope("discriminator", reuse=True):
            discrim_real_output = discriminator(targets, FLAGS=FLAGS)

    with tf.variable_scope("generator_loss"):
        with tf.variable_scope("content_loss"):
            diff = gen_output - targets
            content_loss = tf.reduce_mean(tf.reduce_sum(tf.square(diff), axis=[3]))
        with tf.variable_scope("adversarial_loss"):
            adversarial_loss = tf.reduce_mean(-tf.log(discrim_fake_output + FLAGS.EPS))
        gen_loss = content_loss + (FLAGS.ratio) * adversarial_loss

    with tf.variable_scope("discriminator_loss"):
        discrim_fake_loss = tf.log(1 - discrim_fake_output + FLAGS.EPS)
        discrim_real_loss = tf.log(discrim_real_output + FLAGS.EPS)
        discrim_loss = tf.reduce_mean(-(discrim_fake_loss + discrim_real_loss))

    with tf.variable_scope("get_learning_rate_and_global_step"):
        global_step = tf.contrib.framework.get_or_create_global_step()
        learning_rate = tf.train.exponential_decay(FLAGS.learning_rate, global_step,
                                                   FLAGS.decay_step, FLAGS.decay_rate,
                                                   staircase=FLAGS.stair)
        incr_global_step = tf.assign(global_step, global_step + 1)

    with tf.variable_scope("dicriminator_train"):
        discrim_tvars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES,
                                          scope="discriminator")
        discrim_optimizer = tf.train.AdamOptimizer(learning_rate, beta1=FLAGS.beta)
        discrim_grads_and_vars = discrim_optimizer.compute_gradients(discrim_loss,
                                                                     discrim_tvars)
        discrim_train = discrim_optimizer.apply_gradients(discrim_grads_and_vars)

    with tf.variable_scope("generator_train"):
        with tf.control_dependencies([discrim_train] +
                                     tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            gen_tvars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
            gen_optimizer = tf.train.AdamOptimizer(learning_rate, beta1=FLAGS.beta)
            gen_grads_and_vars = gen_optimizer.compute_gradients(gen_loss, gen_tvars)
            gen_train = gen_optimizer.apply_gradients(gen_grads_and_vars)

    exp_averager = tf.train.ExponentialMovingAverage(decay=0.99)
    update_loss = exp_averager.apply([discrim_loss, adversarial_loss, content_loss])

    return Network(
        discrim_real_output=discrim_real_output,
        discrim_fake_output=discrim_fake_output,
        discrim_loss=exp_averager.average(discrim_loss),
        discrim_grads_and_vars=discrim_grads_and_vars,
        adversarial_loss=exp_averager.average(adversarial_loss),
        content_loss=exp_averager.average(content_loss),
        gen_grads_and_vars=gen_grads_and_vars,
        gen_output=gen_output,
        train=tf.group(update_loss, incr_global_step, gen_train),
        global_step=global_step,
        learning_rate=learning_rate
    )


def main():
    inputs = tf.placeholder(tf.float32, [FLAGS.batch_size, 8, 8, 3], name="inputs_raw")
    targets = tf.placeholder(tf.float32, [FLAGS.batch_size, 16, 16, 3], name="targets_raw")
    Net = SRGAN(inputs, targets, FLAGS)
    tf.summary.scalar("discriminator_loss", Net.discrim_loss)
    tf.summary.scalar("adversarial_loss", Net.adversarial_loss)
    tf.summary.scalar("content_loss", Net.content_loss)
    tf.summary.scalar("learning_rate", Net.learning_rate)
    var_list = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="generator")
    weight_initiallizer = tf.train.Saver(var_list)
    saver = tf.train.Saver(max_to_keep=10)
    return Net, weight_initiallizer, saver


if __name__ == "__main__":
    main()
