"""Mixed-precision training (after NVIDIA OpenSeq2Seq's and the NVIDIA TF examples'
float32_variable_storage_getter): a conv net on float16 inputs built under a custom getter that
stores trainable variables in float32 and casts them to float16, while the batch norms' float32
parameters and non-trainable moving statistics pass through uncast; the getter branches on
`trainable` and `dtype` at each call."""
import tensorflow as tf


def float32_variable_storage_getter(getter, name, shape=None, dtype=None, initializer=None,
                                    regularizer=None, trainable=True, *args, **kwargs):
    """Custom variable getter that forces trainable variables to be stored in float32
    precision and then casts them to the training precision."""
    storage_dtype = tf.float32 if trainable else dtype
    variable = getter(name, shape, dtype=storage_dtype, initializer=initializer,
                      regularizer=regularizer, trainable=trainable, *args, **kwargs)
    if trainable and dtype != tf.float32:
        variable = tf.cast(variable, dtype)
    return variable


def conv_bn(x, filters, training, name):
    with tf.variable_scope(name):
        x = tf.layers.conv2d(x, filters, 3, padding="same", use_bias=False, name="conv")
        x = tf.layers.batch_normalization(x, training=training, name="bn")
        return tf.nn.relu(x)


def model(images, training):
    x = conv_bn(images, 8, training, "block1")
    x = tf.layers.max_pooling2d(x, 2, 2)
    x = conv_bn(x, 16, training, "block2")
    x = tf.reduce_mean(x, axis=[1, 2])
    return tf.layers.dense(x, 10, name="logits")


images = tf.placeholder(tf.float32, [None, 16, 16, 3], name="images")
labels = tf.placeholder(tf.int32, [None], name="labels")
with tf.variable_scope("fp32_storage", custom_getter=float32_variable_storage_getter):
    logits = model(tf.cast(images, tf.float16), training=True)
loss = tf.losses.sparse_softmax_cross_entropy(labels, tf.cast(logits, tf.float32))
loss_scale = 128.0
opt = tf.train.MomentumOptimizer(0.01, 0.9)
grads_and_vars = opt.compute_gradients(loss * loss_scale)
grads_and_vars = [(g / loss_scale, v) for g, v in grads_and_vars]
update_ops = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
with tf.control_dependencies(update_ops):
    train_op = opt.apply_gradients(grads_and_vars)
