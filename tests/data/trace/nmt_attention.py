"""Neural machine translation with attention (after tensorflow/nmt's model.py and the
TF 1.x seq2seq tutorials): a bidirectional LSTM encoder, a Luong attention decoder built with
tf.contrib.seq2seq (AttentionWrapper, TrainingHelper, BasicDecoder, dynamic_decode), a
projection layer, a masked loss and clipped gradients applied with a global step."""
import tensorflow as tf

SRC_VOCAB, TGT_VOCAB, EMB, UNITS, BATCH = 30, 40, 16, 16, 4

src = tf.placeholder(tf.int32, [BATCH, None], name="source")
src_len = tf.placeholder(tf.int32, [BATCH], name="source_sequence_length")
tgt_in = tf.placeholder(tf.int32, [BATCH, None], name="target_input")
tgt_out = tf.placeholder(tf.int32, [BATCH, None], name="target_output")
tgt_len = tf.placeholder(tf.int32, [BATCH], name="target_sequence_length")

with tf.variable_scope("embeddings", dtype=tf.float32):
    embedding_encoder = tf.get_variable("embedding_encoder", [SRC_VOCAB, EMB])
    embedding_decoder = tf.get_variable("embedding_decoder", [TGT_VOCAB, EMB])

with tf.variable_scope("dynamic_seq2seq", dtype=tf.float32):
    with tf.variable_scope("encoder") as encoder_scope:
        encoder_emb_inp = tf.nn.embedding_lookup(embedding_encoder, src)
        fw_cell = tf.nn.rnn_cell.LSTMCell(UNITS // 2)
        bw_cell = tf.nn.rnn_cell.LSTMCell(UNITS // 2)
        bi_outputs, bi_state = tf.nn.bidirectional_dynamic_rnn(
            fw_cell, bw_cell, encoder_emb_inp, dtype=tf.float32, sequence_length=src_len)
        encoder_outputs = tf.concat(bi_outputs, -1)
        encoder_state = tf.nn.rnn_cell.LSTMStateTuple(
            tf.concat([bi_state[0].c, bi_state[1].c], -1),
            tf.concat([bi_state[0].h, bi_state[1].h], -1))
    with tf.variable_scope("decoder") as decoder_scope:
        attention_mechanism = tf.contrib.seq2seq.LuongAttention(
            UNITS, encoder_outputs, memory_sequence_length=src_len, scale=True)
        cell = tf.nn.rnn_cell.LSTMCell(UNITS)
        cell = tf.contrib.seq2seq.AttentionWrapper(
            cell, attention_mechanism, attention_layer_size=UNITS, alignment_history=False,
            output_attention=True, name="attention")
        decoder_initial_state = cell.zero_state(BATCH, tf.float32).clone(
            cell_state=encoder_state)
        output_layer = tf.layers.Dense(TGT_VOCAB, use_bias=False, name="output_projection")
        decoder_emb_inp = tf.nn.embedding_lookup(embedding_decoder, tgt_in)
        helper = tf.contrib.seq2seq.TrainingHelper(decoder_emb_inp, tgt_len)
        my_decoder = tf.contrib.seq2seq.BasicDecoder(cell, helper, decoder_initial_state)
        outputs, final_context_state, _ = tf.contrib.seq2seq.dynamic_decode(
            my_decoder, swap_memory=True, scope=decoder_scope)
        logits = output_layer(outputs.rnn_output)

crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tgt_out, logits=logits)
target_weights = tf.sequence_mask(tgt_len, tf.shape(tgt_out)[1], dtype=logits.dtype)
train_loss = tf.reduce_sum(crossent * target_weights) / tf.to_float(BATCH)

global_step = tf.Variable(0, trainable=False)
params = tf.trainable_variables()
gradients = tf.gradients(train_loss, params, colocate_gradients_with_ops=True)
clipped_gradients, gradient_norm = tf.clip_by_global_norm(gradients, 5.0)
learning_rate = tf.train.exponential_decay(1.0, global_step, 1000, 0.5, staircase=True)
optimizer = tf.train.GradientDescentOptimizer(learning_rate)
update = optimizer.apply_gradients(zip(clipped_gradients, params), global_step=global_step)
saver = tf.train.Saver(tf.global_variables(), max_to_keep=5)
