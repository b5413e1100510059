"""TF-slim's LeNet, after tensorflow/models research/slim/nets/lenet.py.

Source: https://github.com/tensorflow/models, research/slim/nets/lenet.py (lenet, lenet_arg_scope)
and research/slim/train_image_classifier.py (_get_init_fn: --checkpoint_exclude_scopes).
Re-expressed, not copied: the layers, their scopes (LeNet/conv1, pool1, conv2, pool2, Flatten,
fc3, dropout3, fc4, Predictions) and the arg_scope (l2 regularizer, truncated normal init) as
the project has them. Trimmed: the dataset (a 28x28x1 placeholder batch), the training loop.
Needs tf.contrib.slim, so it runs on TF 1.x only.
"""
import tensorflow as tf

slim = tf.contrib.slim


def lenet_arg_scope(weight_decay=0.0):
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        weights_regularizer=slim.l2_regularizer(weight_decay),
                        weights_initializer=tf.truncated_normal_initializer(stddev=0.1),
                        activation_fn=tf.nn.relu) as sc:
        return sc


def lenet(images, num_classes=10, is_training=False, dropout_keep_prob=0.5,
          prediction_fn=slim.softmax, scope="LeNet"):
    end_points = {}
    with tf.variable_scope(scope, "LeNet", [images]):
        net = end_points["conv1"] = slim.conv2d(images, 32, [5, 5], scope="conv1")
        net = end_points["pool1"] = slim.max_pool2d(net, [2, 2], 2, scope="pool1")
        net = end_points["conv2"] = slim.conv2d(net, 64, [5, 5], scope="conv2")
        net = end_points["pool2"] = slim.max_pool2d(net, [2, 2], 2, scope="pool2")
        net = slim.flatten(net)
        end_points["Flatten"] = net
        net = end_points["fc3"] = slim.fully_connected(net, 1024, scope="fc3")
        net = end_points["dropout3"] = slim.dropout(
            net, dropout_keep_prob, is_training=is_training, scope="dropout3")
        logits = end_points["Logits"] = slim.fully_connected(
            net, num_classes, activation_fn=None, scope="fc4")
    end_points["Predictions"] = prediction_fn(logits, scope="Predictions")
    return logits, end_points


images = tf.placeholder(tf.float32, [4, 28, 28, 1], name="images")
with slim.arg_scope(lenet_arg_scope()):
    logits, end_points = lenet(images, is_training=True)
saver = tf.train.Saver()
