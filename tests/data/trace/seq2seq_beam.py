"""A seq2seq model with attention and beam search (after JayParks/tf-seq2seq's
seq2seq_model.py): a model object built from a config dict, Dense layers imported from
tensorflow.python.layers.core, encoder and decoder cells built by helper methods
(MultiRNNCell of LSTMCells with DropoutWrapper), embeddings made by get_variable with a
random_uniform initializer, an input projection, the encoder outputs and state tiled for the
beam with seq2seq.tile_batch and nest.map_structure, a BahdanauAttention whose AttentionWrapper
gets a cell_input_fn of the script, the decoder's initial state cloned from the encoder's,
an embedding function of the script handed to BeamSearchDecoder, and dynamic_decode."""
import math

import tensorflow as tf
import tensorflow.contrib.seq2seq as seq2seq
from tensorflow.contrib.rnn import DropoutWrapper, LSTMCell, MultiRNNCell
from tensorflow.python.layers.core import Dense
from tensorflow.python.ops import array_ops
from tensorflow.python.util import nest


class Seq2SeqModel(object):

    def __init__(self, config, mode):

        assert mode.lower() in ["train", "decode"]

        self.config = config
        self.mode = mode.lower()

        self.cell_type = config["cell_type"]
        self.hidden_units = config["hidden_units"]
        self.depth = config["depth"]
        self.attention_type = config["attention_type"]
        self.embedding_size = config["embedding_size"]

        self.num_encoder_symbols = config["num_encoder_symbols"]
        self.num_decoder_symbols = config["num_decoder_symbols"]

        self.use_residual = config["use_residual"]
        self.attn_input_feeding = config["attn_input_feeding"]
        self.use_dropout = config["use_dropout"]
        self.keep_prob = 1.0 - config["dropout_rate"]

        self.optimizer = config["optimizer"]
        self.learning_rate = config["learning_rate"]
        self.max_gradient_norm = config["max_gradient_norm"]
        self.global_step = tf.Variable(0, trainable=False, name="global_step")
        self.global_epoch_step = tf.Variable(0, trainable=False, name="global_epoch_step")
        self.global_epoch_step_op = \
            tf.assign(self.global_epoch_step, self.global_epoch_step + 1)

        self.dtype = tf.float16 if config["use_fp16"] else tf.float32
        self.keep_prob_placeholder = tf.placeholder(self.dtype, shape=[], name="keep_prob")

        self.use_beamsearch_decode = False
        if self.mode == "decode":
            self.beam_width = config["beam_width"]
            self.use_beamsearch_decode = True if self.beam_width > 1 else False
            self.max_decode_step = config["max_decode_step"]

        self.build_model()

    def build_model(self):
        print("building model..")

        # Building encoder and decoder networks
        self.init_placeholders()
        self.build_encoder()
        self.build_decoder()

        # Merge all the training summaries
        self.summary_op = tf.summary.merge_all()

    def init_placeholders(self):
        # encoder_inputs: [batch_size, max_time_steps]
        self.encoder_inputs = tf.placeholder(dtype=tf.int32,
                                             shape=(None, None), name="encoder_inputs")

        # encoder_inputs_length: [batch_size]
        self.encoder_inputs_length = tf.placeholder(
            dtype=tf.int32, shape=(None,), name="encoder_inputs_length")

        # get dynamic batch_size
        self.batch_size = tf.shape(self.encoder_inputs)[0]

    def build_encoder(self):
        print("building encoder..")
        with tf.variable_scope("encoder"):
            # Building encoder_cell
            self.encoder_cell = self.build_encoder_cell()

            # Initialize encoder_embeddings to have variance=1.
            sqrt3 = math.sqrt(3)  # Uniform(-sqrt(3), sqrt(3)) has variance=1.
            initializer = tf.random_uniform_initializer(-sqrt3, sqrt3, dtype=self.dtype)

            self.encoder_embeddings = tf.get_variable(
                name="embedding", shape=[self.num_encoder_symbols, self.embedding_size],
                initializer=initializer, dtype=self.dtype)

            # Embedded_inputs: [batch_size, time_step, embedding_size]
            self.encoder_inputs_embedded = tf.nn.embedding_lookup(
                params=self.encoder_embeddings, ids=self.encoder_inputs)

            # Input projection layer to feed embedded inputs to the cell
            # ** Essential when use_residual=True to match input/output dims
            input_layer = Dense(self.hidden_units, dtype=self.dtype, name="input_projection")

            # Embedded inputs having gone through input projection layer
            self.encoder_inputs_embedded = input_layer(self.encoder_inputs_embedded)

            # Encode input sequences into context vectors:
            # encoder_outputs: [batch_size, max_time_step, cell_output_size]
            # encoder_state: [batch_size, cell_output_size]
            self.encoder_outputs, self.encoder_last_state = tf.nn.dynamic_rnn(
                cell=self.encoder_cell, inputs=self.encoder_inputs_embedded,
                sequence_length=self.encoder_inputs_length, dtype=self.dtype,
                time_major=False)

    def build_decoder(self):
        print("building decoder and attention..")
        with tf.variable_scope("decoder"):
            # Building decoder_cell and decoder_initial_state
            self.decoder_cell, self.decoder_initial_state = self.build_decoder_cell()

            # Initialize decoder embeddings to have variance=1.
            sqrt3 = math.sqrt(3)  # Uniform(-sqrt(3), sqrt(3)) has variance=1.
            initializer = tf.random_uniform_initializer(-sqrt3, sqrt3, dtype=self.dtype)

            self.decoder_embeddings = tf.get_variable(
                name="embedding", shape=[self.num_decoder_symbols, self.embedding_size],
                initializer=initializer, dtype=self.dtype)

            # Input projection layer to feed embedded inputs to the cell
            # ** Essential when use_residual=True to match input/output dims
            input_layer = Dense(self.hidden_units, dtype=self.dtype, name="input_projection")

            # Output projection layer to convert cell_outputs to logits
            output_layer = Dense(self.num_decoder_symbols, name="output_projection")

            if self.mode == "decode":
                # Start_tokens: [batch_size,] `int32` vector
                start_tokens = tf.ones([self.batch_size, ], tf.int32) * 1
                end_token = 2

                def embed_and_input_proj(inputs):
                    return input_layer(tf.nn.embedding_lookup(self.decoder_embeddings, inputs))

                if not self.use_beamsearch_decode:
                    raise NotImplementedError("greedy decoding")
                else:
                    # Beamsearch is used to approximately find the most likely translation
                    print("building beamsearch decoder..")
                    inference_decoder = seq2seq.BeamSearchDecoder(
                        cell=self.decoder_cell,
                        embedding=embed_and_input_proj,
                        start_tokens=start_tokens,
                        end_token=end_token,
                        initial_state=self.decoder_initial_state,
                        beam_width=self.beam_width,
                        output_layer=output_layer,)

                (self.decoder_outputs_decode, self.decoder_last_state_decode,
                 self.decoder_outputs_length_decode) = (seq2seq.dynamic_decode(
                     decoder=inference_decoder,
                     output_time_major=False,
                     # impute_finished=True,	# error occurs
                     maximum_iterations=self.max_decode_step))

                if not self.use_beamsearch_decode:
                    raise NotImplementedError("greedy decoding")
                else:
                    # Use beam search to approximately find the most likely translation
                    # decoder_pred_decode: [batch_size, max_time_step, beam_width]
                    # (output_major=False)
                    self.decoder_pred_decode = self.decoder_outputs_decode.predicted_ids

    def build_single_cell(self):
        cell_type = LSTMCell
        if (self.cell_type.lower() == "gru"):
            cell_type = tf.contrib.rnn.GRUCell
        cell = cell_type(self.hidden_units)

        if self.use_dropout:
            cell = DropoutWrapper(cell, dtype=self.dtype,
                                  output_keep_prob=self.keep_prob_placeholder,)
        if self.use_residual:
            cell = tf.contrib.rnn.ResidualWrapper(cell)

        return cell

    # Building encoder cell
    def build_encoder_cell(self):

        return MultiRNNCell([self.build_single_cell() for i in range(self.depth)])

    # Building decoder cell and attention. Also returns decoder_initial_state
    def build_decoder_cell(self):

        encoder_outputs = self.encoder_outputs
        encoder_last_state = self.encoder_last_state
        encoder_inputs_length = self.encoder_inputs_length

        # To use BeamSearchDecoder, encoder_outputs, encoder_last_state,
        # encoder_inputs_length needs to be tiled so that:
        # [batch_size, .., ..] -> [batch_size x beam_width, .., ..]
        if self.use_beamsearch_decode:
            print("use beamsearch decoding..")
            encoder_outputs = seq2seq.tile_batch(
                self.encoder_outputs, multiplier=self.beam_width)
            encoder_last_state = nest.map_structure(
                lambda s: seq2seq.tile_batch(s, self.beam_width), self.encoder_last_state)
            encoder_inputs_length = seq2seq.tile_batch(
                self.encoder_inputs_length, multiplier=self.beam_width)

        # Building attention mechanism: Default Bahdanau
        # 'Bahdanau' style attention: https://arxiv.org/abs/1409.0473
        self.attention_mechanism = seq2seq.BahdanauAttention(
            num_units=self.hidden_units, memory=encoder_outputs,
            memory_sequence_length=encoder_inputs_length,)
        # 'Luong' style attention: https://arxiv.org/abs/1508.04025
        if self.attention_type.lower() == "luong":
            self.attention_mechanism = seq2seq.LuongAttention(
                num_units=self.hidden_units, memory=encoder_outputs,
                memory_sequence_length=encoder_inputs_length,)

        # Building decoder_cell
        self.decoder_cell_list = [
            self.build_single_cell() for i in range(self.depth)]
        decoder_initial_state = encoder_last_state

        def attn_decoder_input_fn(inputs, attention):
            if not self.attn_input_feeding:
                return inputs

            # Essential when use_residual=True
            _input_layer = Dense(self.hidden_units, dtype=self.dtype,
                                 name="attn_input_feeding")
            return _input_layer(array_ops.concat([inputs, attention], -1))

        # AttentionWrapper wraps RNNCell with the attention_mechanism
        # Note: We implement Attention mechanism only on the top decoder layer
        self.decoder_cell_list[-1] = seq2seq.AttentionWrapper(
            cell=self.decoder_cell_list[-1],
            attention_mechanism=self.attention_mechanism,
            attention_layer_size=self.hidden_units,
            cell_input_fn=attn_decoder_input_fn,
            initial_cell_state=encoder_last_state[-1],
            alignment_history=False,
            name="Attention_Wrapper")

        # To be compatible with AttentionWrapper, the encoder last state
        # of the top layer should be converted into the AttentionWrapperState form
        # We can easily do this by calling AttentionWrapper.zero_state

        # Also if beamsearch decoding is used, the batch_size argument in .zero_state
        # should be ${decoder_beam_width} times to the origianl batch_size
        batch_size = self.batch_size if not self.use_beamsearch_decode \
            else self.batch_size * self.beam_width
        initial_state = [state for state in encoder_last_state]

        initial_state[-1] = self.decoder_cell_list[-1].zero_state(
            batch_size=batch_size, dtype=self.dtype)
        decoder_initial_state = tuple(initial_state)

        return MultiRNNCell(self.decoder_cell_list), decoder_initial_state


if __name__ == "__main__":
    config = {"cell_type": "lstm", "attention_type": "bahdanau", "hidden_units": 16,
              "depth": 2, "embedding_size": 8, "num_encoder_symbols": 30,
              "num_decoder_symbols": 30, "use_residual": True, "attn_input_feeding": False,
              "use_dropout": True, "dropout_rate": 0.3, "optimizer": "adam",
              "learning_rate": 0.0002, "max_gradient_norm": 1.0, "use_fp16": False,
              "beam_width": 3, "max_decode_step": 10}
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        model = Seq2SeqModel(config, "decode")
        saver = tf.train.Saver()
        sess.run(tf.global_variables_initializer())
