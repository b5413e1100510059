# A sequence generator that rolls its own LSTM-like unit over tf.while_loop with TensorArrays
# (SeqGAN-style): the loop helpers come from TF's implementation modules, and the TensorArrays
# the loop reads are unstacked outside it, in statements of their own.
import tensorflow as tf
from tensorflow.python.ops import control_flow_ops, tensor_array_ops

batch, steps, width, vocab = 2, 4, 3, 7
tokens = tf.placeholder(tf.int32, [batch, steps])
table = tf.Variable(tf.random_normal([vocab, width], stddev=0.1), name="table")
w_in = tf.Variable(tf.random_normal([width, width]), name="w_in")
w_out = tf.Variable(tf.random_normal([width, vocab]), name="w_out")

inputs = tensor_array_ops.TensorArray(dtype=tf.float32, size=steps)
inputs = inputs.unstack(tf.transpose(tf.nn.embedding_lookup(table, tokens), perm=[1, 0, 2]))
given = tensor_array_ops.TensorArray(dtype=tf.int32, size=steps)
given = given.unstack(tf.transpose(tokens, perm=[1, 0]))
picked = tensor_array_ops.TensorArray(dtype=tf.int32, size=steps, dynamic_size=False)


def teacher_step(i, x_t, h, picked):
    h_next = tf.tanh(tf.matmul(x_t, w_in) + h)
    picked = picked.write(i, given.read(i))
    return i + 1, inputs.read(i), h_next, picked


def free_step(i, x_t, h, picked):
    h_next = tf.tanh(tf.matmul(x_t, w_in) + h)
    token = tf.cast(tf.argmax(tf.matmul(h_next, w_out), 1), tf.int32)
    picked = picked.write(i, token)
    return i + 1, tf.nn.embedding_lookup(table, token), h_next, picked


switch = tf.placeholder(tf.int32, [])
i, x_t, h, picked = control_flow_ops.while_loop(
    cond=lambda i, _1, _2, _3: i < switch, body=teacher_step,
    loop_vars=(tf.constant(0), tf.zeros([batch, width]), tf.zeros([batch, width]), picked))
_, _, _, picked = control_flow_ops.while_loop(
    cond=lambda i, _1, _2, _3: i < steps, body=free_step, loop_vars=(i, x_t, h, picked))
sequences = tf.transpose(picked.stack(), perm=[1, 0])
