"""DeepLab v3 (after rishizek/tensorflow-deeplab-v3's deeplab_model.py, the model_fn without
its Estimator): atrous_spatial_pyramid_pooling under variable_scope('aspp') with
resnet_v2.resnet_arg_scope and an arg_scope over layers.batch_norm (imported from
tensorflow.contrib.slim.nets, tensorflow.contrib.layers.python.layers and
tensorflow.contrib.framework.python.ops), 1x1 and atrous 3x3 convs, image-level features
resized bilinearly, a generator returning the model function, the ResNet-v2 backbone with
output_stride, the loss with an l2 term over the variables that are not batch norm's, a
piecewise learning rate, Momentum under the UPDATE_OPS dependency with a var_list filtered by
name, and the variables to restore from slim.get_variables_to_restore(exclude=...)."""
import tensorflow as tf
from tensorflow.contrib import layers as layers_lib
from tensorflow.contrib.framework.python.ops import arg_scope
from tensorflow.contrib.layers.python.layers import layers
from tensorflow.contrib.slim.nets import resnet_v2

_BATCH_NORM_DECAY = 0.9997
_WEIGHT_DECAY = 5e-4


def atrous_spatial_pyramid_pooling(inputs, output_stride, batch_norm_decay, is_training,
                                   depth=16):
    with tf.variable_scope("aspp"):
        if output_stride not in [8, 16]:
            raise ValueError("output_stride must be either 8 or 16.")

        atrous_rates = [6, 12, 18]
        if output_stride == 8:
            atrous_rates = [2 * rate for rate in atrous_rates]

        with tf.contrib.slim.arg_scope(
                resnet_v2.resnet_arg_scope(batch_norm_decay=batch_norm_decay)):
            with arg_scope([layers.batch_norm], is_training=is_training):
                inputs_size = tf.shape(inputs)[1:3]
                # (a) one 1x1 convolution and three 3x3 convolutions with rates = (6, 12, 18)
                # when output stride = 16.
                # the rates are doubled when output stride = 8.
                conv_1x1 = layers_lib.conv2d(inputs, depth, [1, 1], stride=1,
                                             scope="conv_1x1")
                conv_3x3_1 = layers_lib.conv2d(inputs, depth, [3, 3], stride=1,
                                               rate=atrous_rates[0], scope="conv_3x3_1")
                conv_3x3_2 = layers_lib.conv2d(inputs, depth, [3, 3], stride=1,
                                               rate=atrous_rates[1], scope="conv_3x3_2")
                conv_3x3_3 = layers_lib.conv2d(inputs, depth, [3, 3], stride=1,
                                               rate=atrous_rates[2], scope="conv_3x3_3")

                # (b) the image-level features
                with tf.variable_scope("image_level_features"):
                    # global average pooling
                    image_level_features = tf.reduce_mean(inputs, [1, 2],
                                                          name="global_average_pooling",
                                                          keepdims=True)
                    # 1x1 convolution with 256 filters( and batch normalization)
                    image_level_features = layers_lib.conv2d(image_level_features, depth,
                                                             [1, 1], stride=1,
                                                             scope="conv_1x1")
                    # bilinearly upsample features
                    image_level_features = tf.image.resize_bilinear(image_level_features,
                                                                    inputs_size,
                                                                    name="upsample")

                net = tf.concat([conv_1x1, conv_3x3_1, conv_3x3_2, conv_3x3_3,
                                 image_level_features], axis=3, name="concat")
                net = layers_lib.conv2d(net, depth, [1, 1], stride=1,
                                        scope="conv_1x1_concat")

                return net



def deeplab_v3_generator(num_classes, output_stride, base_architecture, pre_trained_model,
                         batch_norm_decay, data_format="channels_last"):
    if data_format is None:
        # data_format = (
        #     'channels_first' if tf.test.is_built_with_cuda() else 'channels_last')
        pass

    if batch_norm_decay is None:
        batch_norm_decay = _BATCH_NORM_DECAY

    if base_architecture not in ["resnet_v2_50", "resnet_v2_101"]:
        raise ValueError("'base_architrecture' must be either 'resnet_v2_50' or "
                         "'resnet_v2_101'.")

    if base_architecture == "resnet_v2_50":
        base_model = resnet_v2.resnet_v2_50
    else:
        base_model = resnet_v2.resnet_v2_101

    def model(inputs, is_training):
        """Constructs the ResNet model given the inputs."""
        if data_format == "channels_first":
            # Convert the inputs from channels_last (NHWC) to channels_first (NCHW).
            # This provides a large performance boost on GPU. See
            # https://www.tensorflow.org/performance/performance_guide#data_formats
            inputs = tf.transpose(inputs, [0, 3, 1, 2])

        # tf.logging.info('net shape: {}'.format(inputs.shape))

        with tf.contrib.slim.arg_scope(
                resnet_v2.resnet_arg_scope(batch_norm_decay=batch_norm_decay)):
            logits, end_points = base_model(inputs,
                                            num_classes=None,
                                            is_training=is_training,
                                            global_pool=False,
                                            output_stride=output_stride)

        if is_training:
            exclude = [base_architecture + "/logits", "global_step"]
            variables_to_restore = tf.contrib.slim.get_variables_to_restore(exclude=exclude)
            # (the real code: tf.train.init_from_checkpoint(pre_trained_model, {v.name...}))
            assert variables_to_restore

        inputs_size = tf.shape(inputs)[1:3]
        net = end_points[base_architecture + "/block4"]
        net = atrous_spatial_pyramid_pooling(net, output_stride, batch_norm_decay,
                                             is_training)
        with tf.variable_scope("upsampling_logits"):
            net = layers_lib.conv2d(net, num_classes, [1, 1], activation_fn=None,
                                    normalizer_fn=None, scope="conv_1x1")
            logits = tf.image.resize_bilinear(net, inputs_size, name="upsample")

        return logits

    return model


def deeplabv3_model_fn(features, labels, params):
    """Model function for PASCAL VOC (its TRAIN mode, as the Estimator calls it)."""
    network = deeplab_v3_generator(params["num_classes"],
                                   params["output_stride"],
                                   params["base_architecture"],
                                   params["pre_trained_model"],
                                   params["batch_norm_decay"])

    logits = network(features, True)

    pred_classes = tf.expand_dims(tf.argmax(logits, axis=3, output_type=tf.int32), axis=3)

    labels = tf.squeeze(labels, axis=3)  # reduce the channel dimension.

    logits_by_num_classes = tf.reshape(logits, [-1, params["num_classes"]])
    labels_flat = tf.reshape(labels, [-1, ])

    valid_indices = tf.to_int32(labels_flat <= params["num_classes"] - 1)
    valid_logits = tf.dynamic_partition(logits_by_num_classes, valid_indices,
                                        num_partitions=2)[1]
    valid_labels = tf.dynamic_partition(labels_flat, valid_indices, num_partitions=2)[1]

    preds_flat = tf.reshape(pred_classes, [-1, ])
    valid_preds = tf.dynamic_partition(preds_flat, valid_indices, num_partitions=2)[1]
    confusion_matrix = tf.confusion_matrix(valid_labels, valid_preds,
                                           num_classes=params["num_classes"])

    cross_entropy = tf.losses.sparse_softmax_cross_entropy(
        logits=valid_logits, labels=valid_labels)

    # Create a tensor named cross_entropy for logging purposes.
    tf.identity(cross_entropy, name="cross_entropy")
    tf.summary.scalar("cross_entropy", cross_entropy)

    if not params["freeze_batch_norm"]:
        train_var_list = [v for v in tf.trainable_variables()]
    else:
        train_var_list = [v for v in tf.trainable_variables()
                          if "beta" not in v.name and "gamma" not in v.name]

    # Add weight decay to the loss.
    with tf.variable_scope("total_loss"):
        loss = cross_entropy + params.get("weight_decay", _WEIGHT_DECAY) * tf.add_n(
            [tf.nn.l2_loss(v) for v in train_var_list])
    # loss = tf.losses.get_total_loss()  # obtain the regularization losses as well

    global_step = tf.train.get_or_create_global_step()

    if params["learning_rate_policy"] == "piecewise":
        # Scale the learning rate linearly with the batch size. When the batch size
        # is 128, the learning rate should be 0.1.
        initial_learning_rate = 0.1 * params["batch_size"] / 128
        batches_per_epoch = params["num_train"] / params["batch_size"]
        # Multiply the learning rate by 0.1 at 100, 150, and 200 epochs.
        boundaries = [int(batches_per_epoch * epoch) for epoch in [100, 150, 200]]
        values = [initial_learning_rate * decay for decay in [1, 0.1, 0.01, 0.001]]
        learning_rate = tf.train.piecewise_constant(
            tf.cast(global_step, tf.int32), boundaries, values)
    elif params["learning_rate_policy"] == "poly":
        learning_rate = tf.train.polynomial_decay(
            params["initial_learning_rate"],
            tf.cast(global_step, tf.int32) - params["initial_global_step"],
            params["max_iter"], params["end_learning_rate"], power=params["power"])
    else:
        raise ValueError("Learning rate policy must be \"piecewise\" or \"poly\"")

    # Create a tensor named learning_rate for logging purposes
    tf.identity(learning_rate, name="learning_rate")
    tf.summary.scalar("learning_rate", learning_rate)

    optimizer = tf.train.MomentumOptimizer(
        learning_rate=learning_rate,
        momentum=params["momentum"])

    # Batch norm requires update ops to be added as a dependency to the train_op
    update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.control_dependencies(update_ops):
        train_op = optimizer.minimize(loss, global_step, var_list=train_var_list)

    accuracy = tf.metrics.accuracy(valid_labels, valid_preds)
    metrics = {"px_accuracy": accuracy}

    # Create a tensor named train_accuracy for logging purposes
    tf.identity(accuracy[1], name="train_px_accuracy")
    tf.summary.scalar("train_px_accuracy", accuracy[1])
    return train_op, loss, metrics, confusion_matrix


if __name__ == "__main__":
    images = tf.placeholder(tf.float32, [1, 33, 33, 3], name="images")
    labels = tf.placeholder(tf.int32, [1, 33, 33, 1], name="labels")
    train_op, loss, metrics, confusion = deeplabv3_model_fn(images, labels, {
        "output_stride": 16,
        "batch_size": 1,
        "base_architecture": "resnet_v2_50",
        "pre_trained_model": "resnet_v2_50.ckpt",
        "batch_norm_decay": _BATCH_NORM_DECAY,
        "num_classes": 3,
        "num_train": 10582,
        "weight_decay": 2e-4,
        "learning_rate_policy": "piecewise",
        "max_iter": 30000,
        "end_learning_rate": 0,
        "power": 0.9,
        "momentum": 0.9,
        "freeze_batch_norm": True,
        "initial_global_step": 0,
        "initial_learning_rate": 7e-3,
    })
