"""A slim-style network (after the TF-slim VGG definitions): arg_scope over conv2d and
fully_connected, slim.repeat, a model class, batch norm update ops and regularization losses.
TF-slim makes some of its code at run time (filename `<string>`): that is TF's, not the script's."""
import tensorflow as tf
import tensorflow.contrib.slim as slim


class Net(object):
    def __init__(self, num_classes=10):
        self.num_classes = num_classes

    def build(self, images, is_training=True):
        with tf.variable_scope("vgg", values=[images]) as sc:
            with slim.arg_scope([slim.conv2d, slim.fully_connected],
                                activation_fn=tf.nn.relu,
                                weights_regularizer=slim.l2_regularizer(0.0005)):
                net = slim.repeat(images, 2, slim.conv2d, 8, [3, 3], scope="conv1")
                net = slim.max_pool2d(net, [2, 2], scope="pool1")
                net = slim.flatten(net)
                net = slim.fully_connected(net, 16, scope="fc6")
                net = slim.dropout(net, 0.5, is_training=is_training, scope="dropout6")
                self.logits = slim.fully_connected(net, self.num_classes, activation_fn=None,
                                                   scope="fc7")
        self.scope_name = sc.name
        return self.logits


images = tf.placeholder(tf.float32, [None, 16, 16, 3])
logits = Net().build(images)
bn = tf.layers.batch_normalization(logits, training=True)
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    loss = tf.losses.softmax_cross_entropy(tf.one_hot([1], 10), bn) + tf.add_n(
        tf.losses.get_regularization_losses())
