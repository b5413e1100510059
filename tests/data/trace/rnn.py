"""A character model's RNN (after the char-rnn TF1 examples): an LSTM cell stack unrolled by
dynamic_rnn under a variable scope, then a softmax layer made with get_variable."""
import tensorflow as tf

VOCAB, HIDDEN, LAYERS, STEPS = 50, 32, 2, 10

inputs = tf.placeholder(tf.int32, [None, STEPS], name="inputs")
embedding = tf.get_variable("embedding", [VOCAB, HIDDEN])
embedded = tf.nn.embedding_lookup(embedding, inputs)
cells = [tf.nn.rnn_cell.LSTMCell(HIDDEN) for _ in range(LAYERS)]
cell = tf.nn.rnn_cell.MultiRNNCell(cells)
with tf.variable_scope("rnn_model"):
    outputs, state = tf.nn.dynamic_rnn(cell, embedded, dtype=tf.float32)
    flat = tf.reshape(outputs, [-1, HIDDEN])
    with tf.variable_scope("softmax"):
        w = tf.get_variable("w", [HIDDEN, VOCAB])
        b = tf.get_variable("b", [VOCAB], initializer=tf.zeros_initializer())
    logits = tf.matmul(flat, w) + b
