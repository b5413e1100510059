"""A TF-slim ResNet v1 (after tensorflow/models research/slim/nets/resnet_v1.py and
resnet_utils.py): a bottleneck unit decorated with @slim.add_arg_scope, resnet_arg_scope()
returning the arg_scope it opened, blocks of units in loops, batch norm through
normalizer_fn, end points collected by name, and the logits squeezed."""
import tensorflow as tf

slim = tf.contrib.slim


def subsample(inputs, factor, scope=None):
    if factor == 1:
        return inputs
    return slim.max_pool2d(inputs, [1, 1], stride=factor, scope=scope)


@slim.add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None,
               scope=None):
    with tf.variable_scope(scope, "bottleneck_v1", [inputs]) as sc:
        depth_in = slim.utils.last_dimension(inputs.get_shape(), min_rank=4)
        if depth == depth_in:
            shortcut = subsample(inputs, stride, "shortcut")
        else:
            shortcut = slim.conv2d(inputs, depth, [1, 1], stride=stride, activation_fn=None,
                                   scope="shortcut")
        residual = slim.conv2d(inputs, depth_bottleneck, [1, 1], stride=1, scope="conv1")
        residual = slim.conv2d(residual, depth_bottleneck, 3, stride=stride, rate=rate,
                               padding="SAME", scope="conv2")
        residual = slim.conv2d(residual, depth, [1, 1], stride=1, activation_fn=None,
                               scope="conv3")
        output = tf.nn.relu(shortcut + residual)
        return slim.utils.collect_named_outputs(outputs_collections, sc.name, output)


def resnet_arg_scope(weight_decay=0.0001, batch_norm_decay=0.997, batch_norm_epsilon=1e-5):
    batch_norm_params = {"decay": batch_norm_decay, "epsilon": batch_norm_epsilon,
                         "scale": True, "updates_collections": tf.GraphKeys.UPDATE_OPS}
    with slim.arg_scope([slim.conv2d],
                        weights_regularizer=slim.l2_regularizer(weight_decay),
                        weights_initializer=slim.variance_scaling_initializer(),
                        activation_fn=tf.nn.relu, normalizer_fn=slim.batch_norm,
                        normalizer_params=batch_norm_params):
        with slim.arg_scope([slim.batch_norm], **batch_norm_params):
            with slim.arg_scope([slim.max_pool2d], padding="SAME") as arg_sc:
                return arg_sc


BLOCKS = [("block1", [(16, 4, 1), (16, 4, 2)]), ("block2", [(32, 8, 1), (32, 8, 2)])]


def resnet_v1(inputs, num_classes, is_training=True, scope="resnet_v1_tiny"):
    with tf.variable_scope(scope, "resnet_v1", [inputs]) as sc:
        end_points_collection = sc.original_name_scope + "_end_points"
        with slim.arg_scope([slim.conv2d, bottleneck],
                            outputs_collections=end_points_collection):
            with slim.arg_scope([slim.batch_norm], is_training=is_training):
                net = slim.conv2d(inputs, 16, 7, stride=2, padding="SAME", scope="conv1")
                net = slim.max_pool2d(net, [3, 3], stride=2, scope="pool1")
                for name, units in BLOCKS:
                    with tf.variable_scope(name, "block", [net]):
                        for i, (depth, depth_bottleneck, stride) in enumerate(units):
                            with tf.variable_scope("unit_%d" % (i + 1), values=[net]):
                                net = bottleneck(net, depth=depth,
                                                 depth_bottleneck=depth_bottleneck,
                                                 stride=stride)
                net = tf.reduce_mean(net, [1, 2], name="pool5", keep_dims=True)
                net = slim.conv2d(net, num_classes, [1, 1], activation_fn=None,
                                  normalizer_fn=None, scope="logits")
                end_points = slim.utils.convert_collection_to_dict(end_points_collection)
                logits = tf.squeeze(net, [1, 2], name="SpatialSqueeze")
                end_points["predictions"] = slim.softmax(logits, scope="predictions")
                return logits, end_points


images = tf.placeholder(tf.float32, [2, 32, 32, 3], name="images")
labels = tf.placeholder(tf.int64, [2], name="labels")
with slim.arg_scope(resnet_arg_scope()):
    logits, end_points = resnet_v1(images, 10, is_training=True)
tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
total_loss = tf.losses.get_total_loss()
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
optimizer = tf.train.MomentumOptimizer(0.1, 0.9)
train_op = slim.learning.create_train_op(total_loss, optimizer)
