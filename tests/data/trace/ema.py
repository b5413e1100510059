"""An exponential moving average of the weights (after the batch-norm / EMA TF1 examples): the
shadow variables take their names from the variables, under the op's name scope."""
import tensorflow as tf

with tf.variable_scope("model"):
    w = tf.get_variable("w", [3, 3])
    b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    y = tf.matmul(tf.ones([1, 3]), w) + b
global_step = tf.Variable(0, trainable=False, name="global_step")
ema = tf.train.ExponentialMovingAverage(0.999, global_step)
with tf.control_dependencies([tf.assign_add(global_step, 1)]):
    maintain = ema.apply(tf.trainable_variables())
shadow_w = ema.average(w)
restore = ema.variables_to_restore()
saver = tf.train.Saver(restore)
