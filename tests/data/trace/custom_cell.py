"""A custom recurrent cell (after the TF1 research code that subclasses tf.nn.rnn_cell.RNNCell,
e.g. IndRNN and the minimal-RNN ports): the cell's __call__ makes its weights under
variable_scope(scope or type(self).__name__), and dynamic_rnn runs it in a while loop."""
import tensorflow as tf


class MinimalRNNCell(tf.nn.rnn_cell.RNNCell):
    def __init__(self, num_units):
        super(MinimalRNNCell, self).__init__()
        self._num_units = num_units

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self):
        return self._num_units

    def __call__(self, inputs, state, scope=None):
        with tf.variable_scope(scope or type(self).__name__, reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [inputs.get_shape()[-1], self._num_units])
            u = tf.get_variable("u", [self._num_units, self._num_units])
            new_state = tf.tanh(tf.matmul(inputs, w) + tf.matmul(state, u))
        return new_state, new_state


inputs = tf.placeholder(tf.float32, [None, 5, 3], name="inputs")
cell = MinimalRNNCell(8)
outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
loss = tf.reduce_mean(outputs)
train = tf.train.AdamOptimizer().minimize(loss)
