"""A recurrent update written with tf.while_loop (after the TF1 custom-RNN and
differentiable-rendering code that does not use dynamic_rnn): weights made before the loop,
cond and body as functions, a TensorArray written in the body, tf.cond choosing the
non-linearity, and the result read back with stack()."""
import tensorflow as tf

STEPS, UNITS = 4, 6

inputs = tf.placeholder(tf.float32, [STEPS, None, UNITS], name="inputs")
use_tanh = tf.placeholder_with_default(True, [], name="use_tanh")
with tf.variable_scope("cell"):
    w = tf.get_variable("w", [UNITS, UNITS])
    u = tf.get_variable("u", [UNITS, UNITS])
    b = tf.get_variable("b", [UNITS], initializer=tf.zeros_initializer())


def cond(t, h, ta):
    return t < STEPS


def body(t, h, ta):
    pre = tf.matmul(inputs[t], w) + tf.matmul(h, u) + b
    h_new = tf.cond(use_tanh, lambda: tf.tanh(pre), lambda: tf.nn.relu(pre))
    return t + 1, h_new, ta.write(t, h_new)


h0 = tf.zeros_like(inputs[0])
ta0 = tf.TensorArray(tf.float32, size=STEPS)
_, h_final, ta_final = tf.while_loop(cond, body, [tf.constant(0), h0, ta0])
states = ta_final.stack()
loss = tf.reduce_mean(tf.square(states))
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
