"""A chatbot / translation model on tf.contrib.legacy_seq2seq (after the TF 1.0 translate
tutorial's seq2seq_model.py and the chatbot repositories built on it): encoder and decoder
placeholders per time step, a GRUCell stack, embedding_attention_seq2seq with an output
projection, sequence_loss_by_example, and gradients clipped per bucket's loss."""
import tensorflow as tf

VOCAB, SIZE, LAYERS, ENC_LEN, DEC_LEN = 40, 16, 2, 5, 4

encoder_inputs = [tf.placeholder(tf.int32, shape=[None], name="encoder{0}".format(i))
                  for i in range(ENC_LEN)]
decoder_inputs = [tf.placeholder(tf.int32, shape=[None], name="decoder{0}".format(i))
                  for i in range(DEC_LEN + 1)]
target_weights = [tf.placeholder(tf.float32, shape=[None], name="weight{0}".format(i))
                  for i in range(DEC_LEN + 1)]
targets = [decoder_inputs[i + 1] for i in range(len(decoder_inputs) - 1)]

w_t = tf.get_variable("proj_w", [VOCAB, SIZE], dtype=tf.float32)
w = tf.transpose(w_t)
b = tf.get_variable("proj_b", [VOCAB], dtype=tf.float32)
output_projection = (w, b)


def single_cell():
    return tf.contrib.rnn.GRUCell(SIZE)


cell = tf.contrib.rnn.MultiRNNCell([single_cell() for _ in range(LAYERS)])
outputs, _ = tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
    encoder_inputs, decoder_inputs[:DEC_LEN], cell, num_encoder_symbols=VOCAB,
    num_decoder_symbols=VOCAB, embedding_size=SIZE, output_projection=output_projection,
    feed_previous=False, dtype=tf.float32)
logits = [tf.matmul(output, output_projection[0]) + output_projection[1] for output in outputs]
loss = tf.contrib.legacy_seq2seq.sequence_loss(logits, targets, target_weights[:DEC_LEN])
params = tf.trainable_variables()
opt = tf.train.GradientDescentOptimizer(0.5)
gradients = tf.gradients(loss, params)
clipped_gradients, norm = tf.clip_by_global_norm(gradients, 5.0)
global_step = tf.Variable(0, trainable=False)
update = opt.apply_gradients(zip(clipped_gradients, params), global_step=global_step)
saver = tf.train.Saver(tf.global_variables())
