"""A hand-written attention decoder (after the TF 1.0 "show, attend and tell" and
pointer-network implementations): a GRU encoder run by dynamic_rnn, then a Python loop over
time steps that reuses the variables after the first step (reuse_variables()), computes
Bahdanau attention with get_variable weights and calls the decoder cell directly."""
import tensorflow as tf

T_ENC, T_DEC, UNITS, EMB = 5, 3, 12, 8

enc_inputs = tf.placeholder(tf.float32, [None, T_ENC, EMB], name="enc_inputs")
dec_inputs = tf.placeholder(tf.float32, [None, T_DEC, EMB], name="dec_inputs")

with tf.variable_scope("encoder"):
    enc_cell = tf.nn.rnn_cell.GRUCell(UNITS)
    enc_outputs, enc_state = tf.nn.dynamic_rnn(enc_cell, enc_inputs, dtype=tf.float32)


def attention(query, memory):
    with tf.variable_scope("attention"):
        w_q = tf.get_variable("w_q", [UNITS, UNITS])
        w_m = tf.get_variable("w_m", [UNITS, UNITS])
        v = tf.get_variable("v", [UNITS])
        keys = tf.tensordot(memory, w_m, axes=1)
        q = tf.expand_dims(tf.matmul(query, w_q), 1)
        scores = tf.reduce_sum(v * tf.tanh(keys + q), axis=2)
        alpha = tf.nn.softmax(scores)
        context = tf.reduce_sum(tf.expand_dims(alpha, 2) * memory, axis=1)
        return context, alpha


outputs, alphas = [], []
state = enc_state
with tf.variable_scope("decoder"):
    dec_cell = tf.nn.rnn_cell.GRUCell(UNITS)
    out_w = tf.get_variable("out_w", [UNITS, EMB])
    for t in range(T_DEC):
        if t > 0:
            tf.get_variable_scope().reuse_variables()
        context, alpha = attention(state, enc_outputs)
        x = tf.concat([dec_inputs[:, t, :], context], axis=1)
        output, state = dec_cell(x, state)
        outputs.append(tf.matmul(output, out_w))
        alphas.append(alpha)
predictions = tf.stack(outputs, axis=1)
loss = tf.losses.mean_squared_error(dec_inputs, predictions)
train_op = tf.train.AdamOptimizer(0.001).minimize(loss)
