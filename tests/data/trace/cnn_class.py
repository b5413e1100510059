"""An image classifier class configured by argparse (after the many TF1 "model.py + train.py"
repositories): __init__ keeps the config, build() makes placeholders and conv layers from
tf.nn.conv2d with xavier_initializer_conv2d weights in per-layer variable scopes, batch norm
with tf.contrib.layers.batch_norm under is_training, update ops as control dependencies, a
Saver with max_to_keep, and image/scalar summaries."""
import argparse

import tensorflow as tf


def get_args(argv=None):
    parser = argparse.ArgumentParser(description="train a CNN")
    parser.add_argument("--filters", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--num_classes", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--weight_decay", type=float, default=5e-4)
    return parser.parse_args(argv)


class Classifier(object):
    def __init__(self, config):
        self.config = config
        self.is_training = tf.placeholder(tf.bool, name="is_training")
        self.build()
        self.init_saver()

    def conv_bn_relu(self, x, filters, name):
        with tf.variable_scope(name):
            in_ch = x.get_shape().as_list()[-1]
            w = tf.get_variable("weights", [3, 3, in_ch, filters],
                                initializer=tf.contrib.layers.xavier_initializer_conv2d(),
                                regularizer=tf.contrib.layers.l2_regularizer(
                                    self.config.weight_decay))
            x = tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")
            x = tf.contrib.layers.batch_norm(x, is_training=self.is_training, scope="bn")
            return tf.nn.relu(x)

    def build(self):
        self.x = tf.placeholder(tf.float32, [None, 16, 16, 3], name="x")
        self.y = tf.placeholder(tf.int64, [None], name="y")
        tf.summary.image("input", self.x, max_outputs=2)
        net = self.x
        for i, filters in enumerate(self.config.filters):
            net = self.conv_bn_relu(net, filters, "conv%d" % (i + 1))
            net = tf.nn.max_pool(net, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        net = tf.reduce_mean(net, axis=[1, 2])
        with tf.variable_scope("logits"):
            self.logits = tf.layers.dense(net, self.config.num_classes)
        with tf.name_scope("loss"):
            xent = tf.losses.sparse_softmax_cross_entropy(self.y, self.logits)
            reg = tf.losses.get_regularization_loss()
            self.loss = xent + reg
            tf.summary.scalar("loss", self.loss)
        update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        with tf.control_dependencies(update_ops):
            self.global_step = tf.train.get_or_create_global_step()
            self.train_step = tf.train.MomentumOptimizer(self.config.lr, 0.9).minimize(
                self.loss, global_step=self.global_step)
        correct = tf.equal(tf.argmax(self.logits, 1), self.y)
        self.accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

    def init_saver(self):
        self.saver = tf.train.Saver(max_to_keep=3)


if __name__ == "__main__":
    model = Classifier(get_args([]))
    merged = tf.summary.merge_all()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
