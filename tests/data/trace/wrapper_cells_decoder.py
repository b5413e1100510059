# Imitates the decoder of public Tacotron-style TTS projects: script RNNCell subclasses that wrap
# TF cells and forward state_size / output_size / zero_state to them (two instances around other
# cells), an AttentionWrapper whose state_size holds a tensor, and a script Helper whose
# sample_ids_shape is a TensorShape, decoded with tf.contrib.seq2seq.dynamic_decode.
import tensorflow as tf
from tensorflow.contrib.rnn import GRUCell, RNNCell
from tensorflow.contrib.seq2seq import AttentionWrapper, BahdanauAttention, BasicDecoder, Helper


class PrenetWrapper(RNNCell):
    def __init__(self, cell, units):
        super(PrenetWrapper, self).__init__()
        self._cell = cell
        self._units = units

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size

    def call(self, inputs, state):
        x = tf.layers.dense(inputs, self._units, activation=tf.nn.relu, name="prenet")
        return self._cell(x, state)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)


class ConcatWrapper(RNNCell):
    def __init__(self, cell):
        super(ConcatWrapper, self).__init__()
        self._cell = cell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self):
        return self._cell.output_size + self._cell.state_size.attention

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        return tf.concat([output, new_state.attention], axis=-1), new_state

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)


class FrameHelper(Helper):
    def __init__(self, batch_size, frames):
        self._batch_size = batch_size
        self._frames = frames

    @property
    def batch_size(self):
        return self._batch_size

    @property
    def sample_ids_shape(self):
        return tf.TensorShape([])

    @property
    def sample_ids_dtype(self):
        return tf.int32

    def initialize(self, name=None):
        return tf.tile([False], [self._batch_size]), tf.zeros([self._batch_size, self._frames])

    def sample(self, time, outputs, state, name=None):
        return tf.tile([0], [self._batch_size])

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        finished = tf.tile([time >= 3], [self._batch_size])
        return finished, outputs[:, -self._frames:], state


memory = tf.placeholder(tf.float32, [None, None, 16], name="memory")
batch = tf.shape(memory)[0]
with tf.variable_scope("decoder"):
    attention = AttentionWrapper(PrenetWrapper(GRUCell(16), 8), BahdanauAttention(16, memory),
                                 alignment_history=True, output_attention=False)
    cell = tf.contrib.rnn.OutputProjectionWrapper(ConcatWrapper(attention), 4)
    decoder = BasicDecoder(cell, FrameHelper(batch, 4), cell.zero_state(batch, tf.float32))
    (outputs, _), state, _ = tf.contrib.seq2seq.dynamic_decode(decoder, maximum_iterations=5)
    alignments = tf.transpose(state.alignment_history.stack(), [1, 2, 0], name="alignments")
