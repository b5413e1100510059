"""An Inception module (after tensorflow/models research/slim/nets/inception_v3.py): a
trunc_normal lambda, arg_scope over conv2d/max_pool2d/avg_pool2d, branches under
variable_scope('Branch_N') concatenated, end points in a dict, batch norm with its params
dict, dropout and an auxiliary head."""
import tensorflow as tf

slim = tf.contrib.slim
trunc_normal = lambda stddev: tf.truncated_normal_initializer(0.0, stddev)


def inception_v3_arg_scope(weight_decay=0.00004, stddev=0.1):
    batch_norm_params = {"decay": 0.9997, "epsilon": 0.001,
                         "updates_collections": tf.GraphKeys.UPDATE_OPS,
                         "variables_collections": {"beta": None, "gamma": None,
                                                   "moving_mean": ["moving_vars"],
                                                   "moving_variance": ["moving_vars"]}}
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        weights_regularizer=slim.l2_regularizer(weight_decay)):
        with slim.arg_scope([slim.conv2d],
                            weights_initializer=tf.truncated_normal_initializer(stddev=stddev),
                            activation_fn=tf.nn.relu, normalizer_fn=slim.batch_norm,
                            normalizer_params=batch_norm_params) as sc:
            return sc


def inception_tiny(inputs, num_classes=5, is_training=True, dropout_keep_prob=0.8,
                   scope="InceptionV3"):
    end_points = {}
    with tf.variable_scope(scope, "InceptionV3", [inputs]):
        with slim.arg_scope([slim.batch_norm, slim.dropout], is_training=is_training):
            with slim.arg_scope([slim.conv2d, slim.max_pool2d, slim.avg_pool2d], stride=1,
                                padding="VALID"):
                end_point = "Conv2d_1a_3x3"
                net = slim.conv2d(inputs, 8, [3, 3], stride=2, scope=end_point)
                end_points[end_point] = net
                end_point = "MaxPool_3a_3x3"
                net = slim.max_pool2d(net, [3, 3], stride=2, scope=end_point)
                end_points[end_point] = net
            with slim.arg_scope([slim.conv2d, slim.max_pool2d, slim.avg_pool2d], stride=1,
                                padding="SAME"):
                end_point = "Mixed_5b"
                with tf.variable_scope(end_point):
                    with tf.variable_scope("Branch_0"):
                        branch_0 = slim.conv2d(net, 8, [1, 1], scope="Conv2d_0a_1x1")
                    with tf.variable_scope("Branch_1"):
                        branch_1 = slim.conv2d(net, 6, [1, 1], scope="Conv2d_0a_1x1")
                        branch_1 = slim.conv2d(branch_1, 8, [5, 5], scope="Conv2d_0b_5x5")
                    with tf.variable_scope("Branch_2"):
                        branch_2 = slim.conv2d(net, 8, [1, 1], scope="Conv2d_0a_1x1")
                        branch_2 = slim.conv2d(branch_2, 12, [3, 3], scope="Conv2d_0b_3x3")
                    with tf.variable_scope("Branch_3"):
                        branch_3 = slim.avg_pool2d(net, [3, 3], scope="AvgPool_0a_3x3")
                        branch_3 = slim.conv2d(branch_3, 4, [1, 1], scope="Conv2d_0b_1x1",
                                               weights_initializer=trunc_normal(0.01))
                    net = tf.concat(axis=3, values=[branch_0, branch_1, branch_2, branch_3])
                end_points[end_point] = net
                aux_logits = tf.identity(end_points["Mixed_5b"])
                with tf.variable_scope("AuxLogits"):
                    aux_logits = slim.avg_pool2d(aux_logits, [5, 5], stride=3, padding="VALID",
                                                 scope="AvgPool_1a_5x5")
                    aux_logits = slim.conv2d(aux_logits, 8, [1, 1], scope="Conv2d_1b_1x1")
                    aux_logits = slim.flatten(aux_logits)
                    aux_logits = slim.fully_connected(aux_logits, num_classes,
                                                      activation_fn=None,
                                                      weights_initializer=trunc_normal(0.001),
                                                      scope="Logits")
                    end_points["AuxLogits"] = aux_logits
        with tf.variable_scope("Logits"):
            net = slim.avg_pool2d(net, net.get_shape()[1:3], padding="VALID",
                                  scope="AvgPool_1a_8x8")
            net = slim.dropout(net, keep_prob=dropout_keep_prob, scope="Dropout_1b")
            logits = slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                                 normalizer_fn=None, scope="Conv2d_1c_1x1")
            logits = tf.squeeze(logits, [1, 2], name="SpatialSqueeze")
        end_points["Logits"] = logits
        end_points["Predictions"] = slim.softmax(logits, scope="Predictions")
    return logits, end_points


images = tf.placeholder(tf.float32, [2, 33, 33, 3])
with slim.arg_scope(inception_v3_arg_scope()):
    logits, end_points = inception_tiny(images)
labels = tf.one_hot([1, 2], 5)
slim.losses.softmax_cross_entropy(end_points["AuxLogits"], labels, weights=0.4, scope="aux_loss")
tf.losses.softmax_cross_entropy(labels, logits)
total_loss = slim.losses.get_total_loss()
variables_to_restore = slim.get_variables_to_restore(exclude=["InceptionV3/AuxLogits"])
saver = tf.train.Saver(variables_to_restore)
