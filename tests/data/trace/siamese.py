"""A siamese sentence encoder (after the TF1 question-pair / text-similarity repositories): one
encoder function called for both inputs under reuse=tf.AUTO_REUSE, a bidirectional GRU with
LayerNormBasicLSTMCell-free GRUCells, tf.contrib.layers.layer_norm on the states, a
contrastive loss, and the trainable variables listed for an optimizer with a global step."""
import tensorflow as tf

VOCAB, EMB, HIDDEN = 40, 10, 8


def encoder(tokens, lengths, keep_prob):
    with tf.variable_scope("encoder", reuse=tf.AUTO_REUSE):
        embeddings = tf.get_variable("embeddings", [VOCAB, EMB],
                                     initializer=tf.random_uniform_initializer(-0.1, 0.1))
        x = tf.nn.embedding_lookup(embeddings, tokens)
        fw = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(HIDDEN),
                                           output_keep_prob=keep_prob)
        bw = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(HIDDEN),
                                           output_keep_prob=keep_prob)
        _, (state_fw, state_bw) = tf.nn.bidirectional_dynamic_rnn(
            fw, bw, x, sequence_length=lengths, dtype=tf.float32)
        state = tf.concat([state_fw, state_bw], axis=1)
        state = tf.contrib.layers.layer_norm(state, scope="state_norm")
        return tf.layers.dense(state, HIDDEN, activation=tf.nn.tanh, name="projection")


left = tf.placeholder(tf.int32, [None, None], name="left")
right = tf.placeholder(tf.int32, [None, None], name="right")
left_len = tf.placeholder(tf.int32, [None], name="left_len")
right_len = tf.placeholder(tf.int32, [None], name="right_len")
label = tf.placeholder(tf.float32, [None], name="label")
keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
out_left = encoder(left, left_len, keep_prob)
out_right = encoder(right, right_len, keep_prob)
distance = tf.sqrt(tf.reduce_sum(tf.square(out_left - out_right), 1) + 1e-6)
margin = 1.0
loss = tf.reduce_mean(label * tf.square(distance) +
                      (1 - label) * tf.square(tf.maximum(margin - distance, 0)))
global_step = tf.Variable(0, name="global_step", trainable=False)
params = tf.trainable_variables()
train_op = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=global_step, var_list=params)
