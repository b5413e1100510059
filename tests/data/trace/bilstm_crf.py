"""A sequence tagger (after guillaumegenthial/sequence_tagging): word embeddings plus a
character BiLSTM whose states are concatenated, a word-level bidirectional_dynamic_rnn with
LSTMCell, a projection made of get_variable W and b applied to the reshaped output, and a CRF
loss (tf.contrib.crf) with its transition parameters; Adam with gradient clipping."""
import tensorflow as tf

NWORDS, NCHARS, NTAGS = 50, 20, 5
DIM_WORD, DIM_CHAR, HIDDEN_CHAR, HIDDEN_LSTM = 12, 8, 6, 10
word_ids = tf.placeholder(tf.int32, shape=[None, None], name="word_ids")
sequence_lengths = tf.placeholder(tf.int32, shape=[None], name="sequence_lengths")
char_ids = tf.placeholder(tf.int32, shape=[None, None, None], name="char_ids")
word_lengths = tf.placeholder(tf.int32, shape=[None, None], name="word_lengths")
labels = tf.placeholder(tf.int32, shape=[None, None], name="labels")
dropout = tf.placeholder(dtype=tf.float32, shape=[], name="dropout")
lr = tf.placeholder(dtype=tf.float32, shape=[], name="lr")

with tf.variable_scope("words"):
    _word_embeddings = tf.get_variable(name="_word_embeddings", dtype=tf.float32,
                                       shape=[NWORDS, DIM_WORD])
    word_embeddings = tf.nn.embedding_lookup(_word_embeddings, word_ids, name="word_embeddings")
with tf.variable_scope("chars"):
    _char_embeddings = tf.get_variable(name="_char_embeddings", dtype=tf.float32,
                                       shape=[NCHARS, DIM_CHAR])
    char_embeddings = tf.nn.embedding_lookup(_char_embeddings, char_ids, name="char_embeddings")
    s = tf.shape(char_embeddings)
    char_embeddings = tf.reshape(char_embeddings, shape=[s[0] * s[1], s[-2], DIM_CHAR])
    word_lengths_flat = tf.reshape(word_lengths, shape=[s[0] * s[1]])
    cell_fw = tf.contrib.rnn.LSTMCell(HIDDEN_CHAR, state_is_tuple=True)
    cell_bw = tf.contrib.rnn.LSTMCell(HIDDEN_CHAR, state_is_tuple=True)
    _output = tf.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, char_embeddings,
                                              sequence_length=word_lengths_flat,
                                              dtype=tf.float32)
    _, ((_, output_fw), (_, output_bw)) = _output
    output = tf.concat([output_fw, output_bw], axis=-1)
    output = tf.reshape(output, shape=[s[0], s[1], 2 * HIDDEN_CHAR])
    word_embeddings = tf.concat([word_embeddings, output], axis=-1)
word_embeddings = tf.nn.dropout(word_embeddings, dropout)

with tf.variable_scope("bi-lstm"):
    cell_fw = tf.contrib.rnn.LSTMCell(HIDDEN_LSTM)
    cell_bw = tf.contrib.rnn.LSTMCell(HIDDEN_LSTM)
    (output_fw, output_bw), _ = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, word_embeddings, sequence_length=sequence_lengths, dtype=tf.float32)
    output = tf.concat([output_fw, output_bw], axis=-1)
    output = tf.nn.dropout(output, dropout)
with tf.variable_scope("proj"):
    W = tf.get_variable("W", dtype=tf.float32, shape=[2 * HIDDEN_LSTM, NTAGS])
    b = tf.get_variable("b", shape=[NTAGS], dtype=tf.float32, initializer=tf.zeros_initializer())
    nsteps = tf.shape(output)[1]
    output = tf.reshape(output, [-1, 2 * HIDDEN_LSTM])
    pred = tf.matmul(output, W) + b
    logits = tf.reshape(pred, [-1, nsteps, NTAGS])
log_likelihood, trans_params = tf.contrib.crf.crf_log_likelihood(logits, labels,
                                                                 sequence_lengths)
loss = tf.reduce_mean(-log_likelihood)
tf.summary.scalar("loss", loss)
with tf.variable_scope("train_step"):
    optimizer = tf.train.AdamOptimizer(lr)
    grads, vs = zip(*optimizer.compute_gradients(loss))
    grads, gnorm = tf.clip_by_global_norm(grads, 5.0)
    train_op = optimizer.apply_gradients(zip(grads, vs))
init = tf.global_variables_initializer()
