"""Multi-tower training (after the CIFAR-10 multi-GPU example): one model per device, the
variables shared by reuse_variables() after the first tower, the towers' gradients averaged."""
import tensorflow as tf

NUM_TOWERS = 2
BATCH = 8


def inference(images):
    with tf.variable_scope("conv1"):
        kernel = tf.get_variable("weights", [5, 5, 3, 16],
                                 initializer=tf.truncated_normal_initializer(stddev=5e-2))
        biases = tf.get_variable("biases", [16], initializer=tf.constant_initializer(0.0))
        conv = tf.nn.relu(tf.nn.bias_add(
            tf.nn.conv2d(images, kernel, [1, 1, 1, 1], padding="SAME"), biases))
    with tf.variable_scope("logits"):
        flat = tf.reshape(conv, [BATCH, -1])
        weights = tf.get_variable("weights", [flat.get_shape()[1].value, 10])
        return tf.matmul(flat, weights)


global_step = tf.train.get_or_create_global_step()
opt = tf.train.GradientDescentOptimizer(0.1)
tower_grads = []
with tf.variable_scope(tf.get_variable_scope()):
    for i in range(NUM_TOWERS):
        with tf.device("/cpu:0"):
            with tf.name_scope("tower_%d" % i) as scope:
                images = tf.random_normal([BATCH, 8, 8, 3])
                labels = tf.zeros([BATCH], dtype=tf.int32)
                logits = inference(images)
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=labels, logits=logits), name="loss")
                tf.get_variable_scope().reuse_variables()
                tower_grads.append(opt.compute_gradients(loss))

average_grads = []
for grad_and_vars in zip(*tower_grads):
    grads = [tf.expand_dims(g, 0) for g, _ in grad_and_vars]
    grad = tf.reduce_mean(tf.concat(grads, 0), 0)
    average_grads.append((grad, grad_and_vars[0][1]))
train_op = opt.apply_gradients(average_grads, global_step=global_step)
