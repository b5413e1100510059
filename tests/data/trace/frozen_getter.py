"""Fine-tuning with a frozen backbone (after transfer-learning scripts that freeze pretrained
layers through a custom getter): the getter sets kwargs['trainable'] = False and forwards
*args/**kwargs; the head stays trainable; only its variables go to the optimizer."""
import tensorflow as tf


def freeze_getter(getter, *args, **kwargs):
    kwargs["trainable"] = False
    return getter(*args, **kwargs)


def backbone(images):
    net = tf.layers.conv2d(images, 8, 3, padding="same", activation=tf.nn.relu, name="conv1")
    net = tf.layers.max_pooling2d(net, 2, 2, name="pool1")
    net = tf.layers.conv2d(net, 16, 3, padding="same", activation=tf.nn.relu, name="conv2")
    return tf.reduce_mean(net, axis=[1, 2])


images = tf.placeholder(tf.float32, [None, 16, 16, 3], name="images")
with tf.variable_scope("backbone", custom_getter=freeze_getter):
    features = backbone(images)
with tf.variable_scope("head"):
    logits = tf.layers.dense(features, 5, name="logits")
labels = tf.placeholder(tf.int32, [None], name="labels")
loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
head_vars = tf.trainable_variables(scope="head")
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=head_vars)
saver = tf.train.Saver(var_list=tf.global_variables(scope="backbone"))
