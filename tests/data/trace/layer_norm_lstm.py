"""A layer-normalised LSTM cell (after the TF1 research code that subclasses
tf.nn.rnn_cell.RNNCell for a layer-norm LSTM, e.g. the sketch-rnn and supercell ports): the cell
keeps its sizes on self, returns an LSTMStateTuple state_size, makes its weights under
variable_scope(scope or "layer_norm_lstm") and normalises the gates with a helper method;
dynamic_rnn runs it in a while loop."""
import tensorflow as tf


class LayerNormLSTMCell(tf.nn.rnn_cell.RNNCell):
    def __init__(self, num_units, forget_bias=1.0, reuse=None):
        tf.nn.rnn_cell.RNNCell.__init__(self, _reuse=reuse)
        self._num_units = num_units
        self._forget_bias = forget_bias

    @property
    def state_size(self):
        return tf.nn.rnn_cell.LSTMStateTuple(self._num_units, self._num_units)

    @property
    def output_size(self):
        return self._num_units

    def _norm(self, x, name):
        with tf.variable_scope(name):
            gamma = tf.get_variable("gamma", [x.get_shape()[-1]],
                                    initializer=tf.ones_initializer())
            beta = tf.get_variable("beta", [x.get_shape()[-1]],
                                   initializer=tf.zeros_initializer())
            mean, var = tf.nn.moments(x, [1], keep_dims=True)
            return gamma * (x - mean) * tf.rsqrt(var + 1e-5) + beta

    def __call__(self, inputs, state, scope=None):
        with tf.variable_scope(scope or "layer_norm_lstm"):
            c, h = state
            concat = tf.concat([inputs, h], 1)
            w = tf.get_variable("kernel", [concat.get_shape()[-1], 4 * self._num_units])
            gates = tf.matmul(concat, w)
            i, j, f, o = tf.split(gates, 4, axis=1)
            i = self._norm(i, "input")
            j = self._norm(j, "transform")
            f = self._norm(f, "forget")
            o = self._norm(o, "output")
            new_c = c * tf.sigmoid(f + self._forget_bias) + tf.sigmoid(i) * tf.tanh(j)
            new_h = tf.tanh(self._norm(new_c, "state")) * tf.sigmoid(o)
        return new_h, tf.nn.rnn_cell.LSTMStateTuple(new_c, new_h)


inputs = tf.placeholder(tf.float32, [None, 7, 4], name="inputs")
lengths = tf.placeholder(tf.int32, [None], name="lengths")
cell = LayerNormLSTMCell(16)
outputs, final_state = tf.nn.dynamic_rnn(cell, inputs, sequence_length=lengths,
                                         dtype=tf.float32, scope="encoder")
logits = tf.layers.dense(final_state.h, 3, name="logits")
loss = tf.reduce_mean(logits)
train = tf.train.AdamOptimizer(1e-3).minimize(loss)
