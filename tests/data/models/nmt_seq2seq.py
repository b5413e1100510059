"""The NMT tutorial's seq2seq model, after tensorflow/nmt README.md.

Source: https://github.com/tensorflow/nmt, README.md, "Training - How to build our first NMT
system": the Embedding, Encoder, Decoder and Loss snippets (embedding_encoder/embedding_decoder,
BasicLSTMCell encoder run by tf.nn.dynamic_rnn, a TrainingHelper + BasicDecoder decoder with a
Dense projection, tf.contrib.seq2seq.dynamic_decode). Re-expressed, not copied; the snippets'
"..." are filled in with the tutorial's own names, and the decoder variable is named
embedding_decoder (the README's snippet reuses the string "embedding_encoder" there, a typo
that would fail on a second get_variable). Trimmed: the vocabulary/iterator pipeline
(placeholders, time-major); small sizes. Needs tf.contrib.seq2seq: TF 1.x only.
"""
import tensorflow as tf

SRC_VOCAB, TGT_VOCAB, EMBED, UNITS, BATCH, T = 50, 60, 8, 16, 4, 5

encoder_inputs = tf.placeholder(tf.int32, [T, BATCH], name="encoder_inputs")
decoder_inputs = tf.placeholder(tf.int32, [T, BATCH], name="decoder_inputs")
source_sequence_length = tf.placeholder(tf.int32, [BATCH], name="source_sequence_length")
decoder_lengths = tf.placeholder(tf.int32, [BATCH], name="decoder_lengths")

# Embedding
embedding_encoder = tf.get_variable("embedding_encoder", [SRC_VOCAB, EMBED])
encoder_emb_inp = tf.nn.embedding_lookup(embedding_encoder, encoder_inputs)
embedding_decoder = tf.get_variable("embedding_decoder", [TGT_VOCAB, EMBED])
decoder_emb_inp = tf.nn.embedding_lookup(embedding_decoder, decoder_inputs)

# Encoder
encoder_cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
encoder_outputs, encoder_state = tf.nn.dynamic_rnn(
    encoder_cell, encoder_emb_inp, sequence_length=source_sequence_length,
    time_major=True, dtype=tf.float32)

# Decoder
decoder_cell = tf.nn.rnn_cell.BasicLSTMCell(UNITS)
projection_layer = tf.layers.Dense(TGT_VOCAB, use_bias=False)
helper = tf.contrib.seq2seq.TrainingHelper(decoder_emb_inp, decoder_lengths, time_major=True)
decoder = tf.contrib.seq2seq.BasicDecoder(decoder_cell, helper, encoder_state,
                                          output_layer=projection_layer)
outputs, _, _ = tf.contrib.seq2seq.dynamic_decode(decoder, output_time_major=True)
logits = outputs.rnn_output
saver = tf.train.Saver()
