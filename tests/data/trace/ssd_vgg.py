"""SSD with a VGG base (after balancap/SSD-Tensorflow's nets/ssd_vgg_300.py and
nets/custom_layers.py): custom layers decorated with add_arg_scope and written against
TensorFlow's implementation modules (variable_scope, init_ops, nn, contrib variables'
model_variable for the L2-normalization scale), ssd_arg_scope opening nested arg_scopes and
returning the innermost, the net as slim.repeat blocks recorded in an end_points dict, extra
feature blocks with pad2d, and ssd_multibox_layer looping over the feature layers with
'%s_box' scopes, then the predictions list and a loss over them."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib.framework.python.ops import add_arg_scope
from tensorflow.contrib.framework.python.ops import variables as contrib_variables
from tensorflow.python.ops import init_ops, nn, variable_scope

slim = tf.contrib.slim


# --- nets/custom_layers.py ---

@add_arg_scope
def l2_normalization(
        inputs,
        scaling=False,
        scale_initializer=init_ops.ones_initializer(),
        reuse=None,
        variables_collections=None,
        outputs_collections=None,
        data_format="NHWC",
        trainable=True,
        scope=None):
    """Implement L2 normalization on every feature (i.e. spatial normalization)."""
    with variable_scope.variable_scope(
            scope, "L2Normalization", [inputs], reuse=reuse) as sc:
        inputs_shape = inputs.get_shape()
        inputs_rank = inputs_shape.ndims
        dtype = inputs.dtype.base_dtype
        if data_format == "NHWC":
            # norm_dim = tf.range(1, inputs_rank-1)
            norm_dim = tf.range(inputs_rank - 1, inputs_rank)
            params_shape = inputs_shape[-1:]
        elif data_format == "NCHW":
            # norm_dim = tf.range(2, inputs_rank)
            norm_dim = tf.range(1, 2)
            params_shape = (inputs_shape[1])

        # Normalize along spatial dimensions.
        outputs = nn.l2_normalize(inputs, norm_dim, epsilon=1e-12)
        # Additional scaling.
        if scaling:
            scale_collections = slim.utils.get_variable_collections(
                variables_collections, "scale")
            scale = contrib_variables.model_variable("gamma",
                                                     shape=params_shape,
                                                     dtype=dtype,
                                                     initializer=scale_initializer,
                                                     collections=scale_collections,
                                                     trainable=trainable)
            if data_format == "NHWC":
                outputs = tf.multiply(outputs, scale)
            elif data_format == "NCHW":
                scale = tf.expand_dims(scale, axis=-1)
                scale = tf.expand_dims(scale, axis=-1)
                outputs = tf.multiply(outputs, scale)
                # outputs = tf.transpose(outputs, perm=(0, 2, 3, 1))

        return slim.utils.collect_named_outputs(outputs_collections,
                                                sc.original_name_scope, outputs)


@add_arg_scope
def pad2d(inputs,
          pad=(0, 0),
          mode="CONSTANT",
          data_format="NHWC",
          trainable=True,
          scope=None):
    """2D Padding layer, adding a symmetric padding to H and W dimensions."""
    with tf.name_scope(scope, "pad2d", [inputs]):
        # Padding shape.
        if data_format == "NHWC":
            paddings = [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [0, 0]]
        elif data_format == "NCHW":
            paddings = [[0, 0], [0, 0], [pad[0], pad[0]], [pad[1], pad[1]]]
        net = tf.pad(inputs, paddings, mode=mode)
        return net


@add_arg_scope
def channel_to_last(inputs,
                    data_format="NHWC",
                    scope=None):
    """Move the channel axis to the last dimension."""
    with tf.name_scope(scope, "channel_to_last", [inputs]):
        if data_format == "NHWC":
            net = inputs
        elif data_format == "NCHW":
            net = tf.transpose(inputs, perm=(0, 2, 3, 1))
        return net


# --- nets/ssd_vgg_300.py ---

def tensor_shape(x, rank=3):
    """Returns the dimensions of a tensor."""
    if x.get_shape().is_fully_defined():
        return x.get_shape().as_list()
    else:
        static_shape = x.get_shape().with_rank(rank).as_list()
        dynamic_shape = tf.unstack(tf.shape(x), rank)
        return [s if s is not None else d
                for s, d in zip(static_shape, dynamic_shape)]


def ssd_multibox_layer(inputs,
                       num_classes,
                       sizes,
                       ratios=[1],
                       normalization=-1,
                       bn_normalization=False):
    """Construct a multibox layer, return a class and localization predictions.
    """
    net = inputs
    if normalization > 0:
        net = l2_normalization(net, scaling=True)
    # Number of anchors.
    num_anchors = len(sizes) + len(ratios)

    # Location.
    num_loc_pred = num_anchors * 4
    loc_pred = slim.conv2d(net, num_loc_pred, [3, 3], activation_fn=None,
                           scope="conv_loc")
    loc_pred = channel_to_last(loc_pred)
    loc_pred = tf.reshape(loc_pred,
                          tensor_shape(loc_pred, 4)[:-1] + [num_anchors, 4])
    # Class prediction.
    num_cls_pred = num_anchors * num_classes
    cls_pred = slim.conv2d(net, num_cls_pred, [3, 3], activation_fn=None,
                           scope="conv_cls")
    cls_pred = channel_to_last(cls_pred)
    cls_pred = tf.reshape(cls_pred,
                          tensor_shape(cls_pred, 4)[:-1] + [num_anchors, num_classes])
    return cls_pred, loc_pred


def ssd_net(inputs,
            num_classes=5,
            feat_layers=("block4", "block7", "block8"),
            anchor_sizes=((21., 45.), (45., 99.), (99., 153.)),
            anchor_ratios=((2, .5), (2, .5, 3, 1. / 3), (2, .5, 3, 1. / 3)),
            normalizations=(20, -1, -1),
            is_training=True,
            dropout_keep_prob=0.5,
            prediction_fn=slim.softmax,
            reuse=None,
            scope="ssd_300_vgg"):
    """SSD net definition.
    """
    # if data_format == 'NCHW':
    #     inputs = tf.transpose(inputs, perm=(0, 3, 1, 2))

    # End_points collect relevant activations for external use.
    end_points = {}
    with tf.variable_scope(scope, "ssd_300_vgg", [inputs], reuse=reuse):
        # Original VGG-16 blocks.
        net = slim.repeat(inputs, 2, slim.conv2d, 8, [3, 3], scope="conv1")
        end_points["block1"] = net
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        # Block 2.
        net = slim.repeat(net, 2, slim.conv2d, 16, [3, 3], scope="conv2")
        end_points["block2"] = net
        net = slim.max_pool2d(net, [2, 2], scope="pool2")
        # Block 3.
        net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3], scope="conv3")
        end_points["block3"] = net
        net = slim.max_pool2d(net, [2, 2], scope="pool3")
        # Block 4.
        net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3], scope="conv4")
        end_points["block4"] = net
        net = slim.max_pool2d(net, [2, 2], scope="pool4")
        # Block 5.
        net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3], scope="conv5")
        end_points["block5"] = net
        net = slim.max_pool2d(net, [3, 3], stride=1, scope="pool5")

        # Additional SSD blocks.
        # Block 6: let's dilate the hell out of it!
        net = slim.conv2d(net, 64, [3, 3], rate=6, scope="conv6")
        end_points["block6"] = net
        net = tf.layers.dropout(net, rate=dropout_keep_prob, training=is_training)
        # Block 7: 1x1 conv. Because the fuck.
        net = slim.conv2d(net, 64, [1, 1], scope="conv7")
        end_points["block7"] = net
        net = tf.layers.dropout(net, rate=dropout_keep_prob, training=is_training)

        # Block 8/9/10/11: 1x1 and 3x3 convolutions stride 2 (except lasts).
        end_point = "block8"
        with tf.variable_scope(end_point):
            net = slim.conv2d(net, 16, [1, 1], scope="conv1x1")
            net = pad2d(net, pad=(1, 1))
            net = slim.conv2d(net, 32, [3, 3], stride=2, scope="conv3x3", padding="VALID")
        end_points[end_point] = net

        # Prediction and localisations layers.
        predictions = []
        logits = []
        localisations = []
        for i, layer in enumerate(feat_layers):
            with tf.variable_scope(layer + "_box"):
                p, l = ssd_multibox_layer(end_points[layer],
                                          num_classes,
                                          anchor_sizes[i],
                                          anchor_ratios[i],
                                          normalizations[i])
            predictions.append(prediction_fn(p))
            logits.append(p)
            localisations.append(l)

        return predictions, localisations, logits, end_points


def ssd_arg_scope(weight_decay=0.0005, data_format="NHWC"):
    """Defines the VGG arg scope.
    """
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        activation_fn=tf.nn.relu,
                        weights_regularizer=slim.l2_regularizer(weight_decay),
                        weights_initializer=tf.contrib.layers.xavier_initializer(),
                        biases_initializer=tf.zeros_initializer()):
        with slim.arg_scope([slim.conv2d, slim.max_pool2d],
                            padding="SAME",
                            data_format=data_format):
            with slim.arg_scope([pad2d,
                                 l2_normalization,
                                 channel_to_last],
                                data_format=data_format) as sc:
                return sc


if __name__ == "__main__":
    images = tf.placeholder(tf.float32, [2, 64, 64, 3], name="images")
    with slim.arg_scope(ssd_arg_scope(weight_decay=0.00004)):
        predictions, localisations, logits, end_points = ssd_net(images, is_training=True)
    labels = [tf.placeholder(tf.int32, p.get_shape().as_list()[:-1]) for p in predictions]
    for lg, lb in zip(logits, labels):
        tf.losses.sparse_softmax_cross_entropy(labels=lb, logits=lg)
    total_loss = tf.losses.get_total_loss()
    global_step = tf.train.create_global_step()
    learning_rate = tf.train.exponential_decay(0.01, global_step, 1000, 0.94, staircase=True,
                                               name="exponential_decay_learning_rate")
    optimizer = tf.train.AdamOptimizer(learning_rate, beta1=0.9, beta2=0.999, epsilon=1.0)
    variables_to_train = tf.trainable_variables()
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    grads = optimizer.compute_gradients(total_loss, var_list=variables_to_train)
    grad_updates = optimizer.apply_gradients(grads, global_step=global_step)
    update_ops.append(grad_updates)
    update_op = tf.group(*update_ops)
    with tf.control_dependencies([update_op]):
        train_tensor = tf.identity(total_loss, name="train_op")
    saver = tf.train.Saver(max_to_keep=5, keep_checkpoint_every_n_hours=1.0,
                           write_version=2, pad_step_number=False)
    feed = {images: np.zeros((2, 64, 64, 3))}
