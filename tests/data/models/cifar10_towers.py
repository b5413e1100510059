"""CIFAR-10 multi-GPU towers, after tensorflow/models tutorials/image/cifar10.

Source: https://github.com/tensorflow/models, tutorials/image/cifar10/cifar10_multi_gpu_train.py
(train, tower_loss, average_gradients) and cifar10.py (inference, loss, _variable_on_cpu,
_variable_with_weight_decay). Re-expressed, not copied: the structure and every name the
project uses are kept (the tower name scopes 'tower_%d' under tf.device('/gpu:%d'), one shared
variable scope with `tf.get_variable_scope().reuse_variables()` after the first tower, the
layer scopes conv1, conv2, local3, local4, softmax_linear with variables weights/biases, the
'losses' collection filtered by the tower's scope, and the ExponentialMovingAverage of the
trainable variables). Trimmed: the input pipeline (placeholders of the batch's shape), summaries,
the training loop; 2 towers, batch 8, 24x24 images; lrn/max_pool kept with the project's names.
"""
import tensorflow as tf

TOWER_NAME = "tower"
NUM_GPUS = 2
BATCH = 8
NUM_CLASSES = 10
MOVING_AVERAGE_DECAY = 0.9999


def _variable_on_cpu(name, shape, initializer):
    with tf.device("/cpu:0"):
        return tf.get_variable(name, shape, initializer=initializer, dtype=tf.float32)


def _variable_with_weight_decay(name, shape, stddev, wd):
    var = _variable_on_cpu(name, shape, tf.truncated_normal_initializer(stddev=stddev))
    if wd is not None:
        weight_decay = tf.multiply(tf.nn.l2_loss(var), wd, name="weight_loss")
        tf.add_to_collection("losses", weight_decay)
    return var


def inference(images):
    with tf.variable_scope("conv1") as scope:
        kernel = _variable_with_weight_decay("weights", [5, 5, 3, 64], 5e-2, None)
        conv = tf.nn.conv2d(images, kernel, [1, 1, 1, 1], padding="SAME")
        biases = _variable_on_cpu("biases", [64], tf.constant_initializer(0.0))
        conv1 = tf.nn.relu(tf.nn.bias_add(conv, biases), name=scope.name)
    pool1 = tf.nn.max_pool(conv1, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME",
                           name="pool1")
    norm1 = tf.nn.lrn(pool1, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name="norm1")
    with tf.variable_scope("conv2") as scope:
        kernel = _variable_with_weight_decay("weights", [5, 5, 64, 64], 5e-2, None)
        conv = tf.nn.conv2d(norm1, kernel, [1, 1, 1, 1], padding="SAME")
        biases = _variable_on_cpu("biases", [64], tf.constant_initializer(0.1))
        conv2 = tf.nn.relu(tf.nn.bias_add(conv, biases), name=scope.name)
    norm2 = tf.nn.lrn(conv2, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name="norm2")
    pool2 = tf.nn.max_pool(norm2, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding="SAME",
                           name="pool2")
    with tf.variable_scope("local3") as scope:
        reshape = tf.reshape(pool2, [images.get_shape().as_list()[0], -1])
        dim = reshape.get_shape()[1].value if hasattr(reshape.get_shape()[1], "value") \
            else reshape.get_shape()[1]
        weights = _variable_with_weight_decay("weights", [dim, 384], 0.04, 0.004)
        biases = _variable_on_cpu("biases", [384], tf.constant_initializer(0.1))
        local3 = tf.nn.relu(tf.matmul(reshape, weights) + biases, name=scope.name)
    with tf.variable_scope("local4") as scope:
        weights = _variable_with_weight_decay("weights", [384, 192], 0.04, 0.004)
        biases = _variable_on_cpu("biases", [192], tf.constant_initializer(0.1))
        local4 = tf.nn.relu(tf.matmul(local3, weights) + biases, name=scope.name)
    with tf.variable_scope("softmax_linear") as scope:
        weights = _variable_with_weight_decay("weights", [192, NUM_CLASSES], 1 / 192.0, None)
        biases = _variable_on_cpu("biases", [NUM_CLASSES], tf.constant_initializer(0.0))
        softmax_linear = tf.add(tf.matmul(local4, weights), biases, name=scope.name)
    return softmax_linear


def loss(logits, labels):
    labels = tf.cast(labels, tf.int64)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits, name="cross_entropy_per_example")
    cross_entropy_mean = tf.reduce_mean(cross_entropy, name="cross_entropy")
    tf.add_to_collection("losses", cross_entropy_mean)
    return tf.add_n(tf.get_collection("losses"), name="total_loss")


def tower_loss(scope, images, labels):
    logits = inference(images)
    _ = loss(logits, labels)
    losses = tf.get_collection("losses", scope)
    total_loss = tf.add_n(losses, name="total_loss")
    return total_loss, losses


global_step = tf.get_variable("global_step", [], initializer=tf.constant_initializer(0),
                              trainable=False)
opt = tf.train.GradientDescentOptimizer(0.1)
images = tf.placeholder(tf.float32, [BATCH, 24, 24, 3], name="images")
labels = tf.placeholder(tf.int32, [BATCH], name="labels")
tower_grads = []
with tf.variable_scope(tf.get_variable_scope()):
    for i in range(NUM_GPUS):
        with tf.device("/gpu:%d" % i):  # noqa: UP031 (the project's formatting)
            with tf.name_scope("%s_%d" % (TOWER_NAME, i)) as scope:  # noqa: UP031
                tower_total, tower_losses = tower_loss(scope, images, labels)
                tf.get_variable_scope().reuse_variables()
                grads = opt.compute_gradients(tower_total)
                tower_grads.append(grads)

average_grads = []
for grad_and_vars in zip(*tower_grads):
    grads = [tf.expand_dims(g, 0) for g, _ in grad_and_vars]
    grad = tf.reduce_mean(tf.concat(axis=0, values=grads), 0)
    average_grads.append((grad, grad_and_vars[0][1]))
apply_gradient_op = opt.apply_gradients(average_grads, global_step=global_step)
variable_averages = tf.train.ExponentialMovingAverage(MOVING_AVERAGE_DECAY, global_step)
variables_averages_op = variable_averages.apply(tf.trainable_variables())
train_op = tf.group(apply_gradient_op, variables_averages_op)
saver = tf.train.Saver(tf.global_variables())
