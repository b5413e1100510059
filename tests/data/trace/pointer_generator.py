"""Pointer-generator summarization (after abisee/pointer-generator's model.py and
attention_decoder.py): hps as a namedtuple, a SummarizationModel object with
_add_placeholders / _add_encoder / _reduce_states / _add_decoder / _calc_final_dist /
_add_seq2seq / _add_train_op, LSTMCells with a random-uniform initializer and
bidirectional_dynamic_rnn with swap_memory, get_variable w_reduce_c/h, the attention decoder
written with tensorflow.python.ops modules (variable_scope, array_ops, nn_ops, math_ops): a
loop over decoder steps that reuses its variables after the first, a linear() helper of
'Matrix'/'Bias' get_variables, the pointer's p_gen, the coverage loss, gradients with the
tree aggregation method clipped by global norm, Adagrad, and a global step Variable."""
from collections import namedtuple

import tensorflow as tf
from tensorflow.python.ops import array_ops, math_ops, nn_ops, variable_scope

FLAGS = tf.app.flags.FLAGS


# --- attention_decoder.py ---

def attention_decoder(decoder_inputs, initial_state, encoder_states, enc_padding_mask, cell,
                      initial_state_attention=False, pointer_gen=True, use_coverage=False,
                      prev_coverage=None):
    with variable_scope.variable_scope("attention_decoder") as scope:
        batch_size = encoder_states.get_shape()[0].value  # if this line fails, it's because
        # the batch size isn't defined
        attn_size = encoder_states.get_shape()[2].value  # if this line fails, it's because
        # the attention length isn't defined

        # Reshape encoder_states (need to insert a dim)
        encoder_states = tf.expand_dims(encoder_states, axis=2)  # now is shape (batch_size,
        # attn_len, 1, attn_size)

        # To calculate attention, we calculate
        #   v^T tanh(W_h h_i + W_s s_t + b_attn)
        # where h_i is an encoder state, and s_t a decoder state.
        # attn_vec_size is the length of the vectors v, b_attn, (W_h h_i) and (W_s s_t).
        # We set it to be equal to the size of the encoder states.
        attention_vec_size = attn_size

        # Get the weight matrix W_h and apply it to each encoder state to get (W_h h_i), the
        # encoder features
        W_h = variable_scope.get_variable("W_h", [1, 1, attn_size, attention_vec_size])
        encoder_features = nn_ops.conv2d(encoder_states, W_h, [1, 1, 1, 1], "SAME")  # shape
        # (batch_size,attn_length,1,attention_vec_size)

        # Get the weight vectors v and w_c (w_c is for coverage)
        v = variable_scope.get_variable("v", [attention_vec_size])
        if use_coverage:
            with variable_scope.variable_scope("coverage"):
                w_c = variable_scope.get_variable("w_c", [1, 1, 1, attention_vec_size])

        if prev_coverage is not None:  # for beam search mode with coverage
            # reshape from (batch_size, attn_length) to (batch_size, attn_len, 1, 1)
            prev_coverage = tf.expand_dims(tf.expand_dims(prev_coverage, 2), 3)

        def attention(decoder_state, coverage=None):
            with variable_scope.variable_scope("Attention"):
                # Pass the decoder state through a linear layer (this is W_s s_t + b_attn in
                # the paper)
                decoder_features = linear(decoder_state, attention_vec_size, True)  # shape
                # (batch_size, attention_vec_size)
                decoder_features = tf.expand_dims(tf.expand_dims(decoder_features, 1), 1)
                # reshape to (batch_size, 1, 1, attention_vec_size)

                def masked_attention(e):
                    """Take softmax of e then apply enc_padding_mask and re-normalize"""
                    attn_dist = nn_ops.softmax(e)  # take softmax. shape (batch_size,
                    # attn_length)
                    attn_dist *= enc_padding_mask  # apply mask
                    masked_sums = tf.reduce_sum(attn_dist, axis=1)  # shape (batch_size)
                    return attn_dist / tf.reshape(masked_sums, [-1, 1])  # re-normalize

                if use_coverage and coverage is not None:  # non-first step of coverage
                    # Multiply coverage vector by w_c to get coverage_features.
                    coverage_features = nn_ops.conv2d(coverage, w_c, [1, 1, 1, 1], "SAME")
                    # c has shape (batch_size, attn_length, 1, attention_vec_size)

                    # Calculate v^T tanh(W_h h_i + W_s s_t + w_c c_i^t + b_attn)
                    e = math_ops.reduce_sum(v * math_ops.tanh(
                        encoder_features + decoder_features + coverage_features), [2, 3])
                    # shape (batch_size,attn_length)

                    # Calculate attention distribution
                    attn_dist = masked_attention(e)

                    # Update coverage vector
                    coverage += array_ops.reshape(attn_dist, [batch_size, -1, 1, 1])
                else:
                    # Calculate v^T tanh(W_h h_i + W_s s_t + b_attn)
                    e = math_ops.reduce_sum(v * math_ops.tanh(encoder_features +
                                                              decoder_features), [2, 3])
                    # calculate e

                    # Calculate attention distribution
                    attn_dist = masked_attention(e)

                    if use_coverage:  # first step of training
                        coverage = tf.expand_dims(tf.expand_dims(attn_dist, 2), 2)
                        # initialize coverage

                # Calculate the context vector from attn_dist and encoder_states
                context_vector = math_ops.reduce_sum(
                    array_ops.reshape(attn_dist, [batch_size, -1, 1, 1]) * encoder_states,
                    [1, 2])  # shape (batch_size, attn_size).
                context_vector = array_ops.reshape(context_vector, [-1, attn_size])

            return context_vector, attn_dist, coverage

        outputs = []
        attn_dists = []
        p_gens = []
        state = initial_state
        coverage = prev_coverage  # initialize coverage to None or whatever was passed in
        context_vector = array_ops.zeros([batch_size, attn_size])
        context_vector.set_shape([None, attn_size])  # Ensure the second shape of attention
        # vectors is set.
        if initial_state_attention:  # true in decode mode
            # Re-calculate the context vector from the previous step so that we can pass it
            # through a linear layer with this step's input to get a modified version of the
            # input
            context_vector, _, coverage = attention(initial_state, coverage)  # in decode
            # mode, this is what updates the coverage vector
        for i, inp in enumerate(decoder_inputs):
            tf.logging.info("Adding attention_decoder timestep %i of %i", i,
                            len(decoder_inputs))
            if i > 0:
                variable_scope.get_variable_scope().reuse_variables()

            # Merge input and previous attentions into one vector x of the same size as inp
            input_size = inp.get_shape().with_rank(2)[1]
            if input_size.value is None:
                raise ValueError("Could not infer input size from input: %s" % inp.name)
            x = linear([inp] + [context_vector], input_size, True)

            # Run the decoder RNN cell. cell_output = decoder state
            cell_output, state = cell(x, state)

            # Run the attention mechanism.
            if i == 0 and initial_state_attention:  # always true in decode mode
                with variable_scope.variable_scope(variable_scope.get_variable_scope(),
                                                   reuse=True):  # you need this because
                    # you've already run the initial attention(...) call
                    context_vector, attn_dist, _ = attention(state, coverage)  # don't
                    # allow coverage to update
            else:
                context_vector, attn_dist, coverage = attention(state, coverage)
            attn_dists.append(attn_dist)

            # Calculate p_gen
            if pointer_gen:
                with tf.variable_scope("calculate_pgen"):
                    p_gen = linear([context_vector, state.c, state.h, x], 1, True)  # Tensor
                    # shape (batch_size, 1)
                    p_gen = tf.sigmoid(p_gen)
                    p_gens.append(p_gen)

            # Concatenate the cell_output (= decoder state) and the context vector, and pass
            # them through a linear layer
            # This is V[s_t, h*_t] + b in the paper
            with variable_scope.variable_scope("AttnOutputProjection"):
                output = linear([cell_output] + [context_vector], cell.output_size, True)
            outputs.append(output)

        # If using coverage, reshape it
        if coverage is not None:
            coverage = array_ops.reshape(coverage, [batch_size, -1])

        return outputs, state, attn_dists, p_gens, coverage


def linear(args, output_size, bias, bias_start=0.0, scope=None):
    if args is None or (isinstance(args, (list, tuple)) and not args):
        raise ValueError("`args` must be specified")
    if not isinstance(args, (list, tuple)):
        args = [args]

    # Calculate the total size of arguments on dimension 1.
    total_arg_size = 0
    shapes = [a.get_shape().as_list() for a in args]
    for shape in shapes:
        if len(shape) != 2:
            raise ValueError("Linear is expecting 2D arguments: %s" % str(shapes))
        if not shape[1]:
            raise ValueError("Linear expects shape[1] of arguments: %s" % str(shapes))
        else:
            total_arg_size += shape[1]

    # Now the computation.
    with tf.variable_scope(scope or "Linear"):
        matrix = tf.get_variable("Matrix", [total_arg_size, output_size])
        if len(args) == 1:
            res = tf.matmul(args[0], matrix)
        else:
            res = tf.matmul(tf.concat(axis=1, values=args), matrix)
        if not bias:
            return res
        bias_term = tf.get_variable(
            "Bias", [output_size], initializer=tf.constant_initializer(bias_start))
    return res + bias_term


# --- model.py ---

class SummarizationModel(object):
    """A class to represent a sequence-to-sequence model for text summarization. Supports
    both baseline mode, pointer-generator mode, and coverage"""

    def __init__(self, hps, vocab_size):
        self._hps = hps
        self._vocab_size = vocab_size

    def _add_placeholders(self):
        """Add placeholders to the graph. These are entry points for any input data."""
        hps = self._hps

        # encoder part
        self._enc_batch = tf.placeholder(tf.int32, [hps.batch_size, None], name="enc_batch")
        self._enc_lens = tf.placeholder(tf.int32, [hps.batch_size], name="enc_lens")
        self._enc_padding_mask = tf.placeholder(tf.float32, [hps.batch_size, None],
                                                name="enc_padding_mask")
        if FLAGS.pointer_gen:
            self._enc_batch_extend_vocab = tf.placeholder(tf.int32, [hps.batch_size, None],
                                                          name="enc_batch_extend_vocab")
            self._max_art_oovs = tf.placeholder(tf.int32, [], name="max_art_oovs")

        # decoder part
        self._dec_batch = tf.placeholder(tf.int32, [hps.batch_size, hps.max_dec_steps],
                                         name="dec_batch")
        self._target_batch = tf.placeholder(tf.int32, [hps.batch_size, hps.max_dec_steps],
                                            name="target_batch")
        self._dec_padding_mask = tf.placeholder(tf.float32,
                                                [hps.batch_size, hps.max_dec_steps],
                                                name="dec_padding_mask")

        if hps.mode == "decode" and hps.coverage:
            self.prev_coverage = tf.placeholder(tf.float32, [hps.batch_size, None],
                                                name="prev_coverage")

    def _add_encoder(self, encoder_inputs, seq_len):
        with tf.variable_scope("encoder"):
            cell_fw = tf.contrib.rnn.LSTMCell(self._hps.hidden_dim,
                                              initializer=self.rand_unif_init,
                                              state_is_tuple=True)
            cell_bw = tf.contrib.rnn.LSTMCell(self._hps.hidden_dim,
                                              initializer=self.rand_unif_init,
                                              state_is_tuple=True)
            (encoder_outputs, (fw_st, bw_st)) = tf.nn.bidirectional_dynamic_rnn(
                cell_fw, cell_bw, encoder_inputs, dtype=tf.float32, sequence_length=seq_len,
                swap_memory=True)
            encoder_outputs = tf.concat(axis=2, values=encoder_outputs)  # concatenate the
            # forwards and backwards states
        return encoder_outputs, fw_st, bw_st

    def _reduce_states(self, fw_st, bw_st):
        hidden_dim = self._hps.hidden_dim
        with tf.variable_scope("reduce_final_st"):

            # Define weights and biases to reduce the cell and reduce the state
            w_reduce_c = tf.get_variable("w_reduce_c", [hidden_dim * 2, hidden_dim],
                                         dtype=tf.float32, initializer=self.trunc_norm_init)
            w_reduce_h = tf.get_variable("w_reduce_h", [hidden_dim * 2, hidden_dim],
                                         dtype=tf.float32, initializer=self.trunc_norm_init)
            bias_reduce_c = tf.get_variable("bias_reduce_c", [hidden_dim], dtype=tf.float32,
                                            initializer=self.trunc_norm_init)
            bias_reduce_h = tf.get_variable("bias_reduce_h", [hidden_dim], dtype=tf.float32,
                                            initializer=self.trunc_norm_init)

            # Apply linear layer
            old_c = tf.concat(axis=1, values=[fw_st.c, bw_st.c])  # Concatenation of fw and
            # bw cell
            old_h = tf.concat(axis=1, values=[fw_st.h, bw_st.h])  # Concatenation of fw and
            # bw state
            new_c = tf.nn.relu(tf.matmul(old_c, w_reduce_c) + bias_reduce_c)  # Get new cell
            # from old cell
            new_h = tf.nn.relu(tf.matmul(old_h, w_reduce_h) + bias_reduce_h)  # Get new
            # state from old state
            return tf.contrib.rnn.LSTMStateTuple(new_c, new_h)  # Return new cell and state

    def _add_decoder(self, inputs):
        hps = self._hps
        cell = tf.contrib.rnn.LSTMCell(hps.hidden_dim, state_is_tuple=True,
                                       initializer=self.rand_unif_init)

        prev_coverage = self.prev_coverage if hps.mode == "decode" and hps.coverage else None
        # In decode mode, we run attention_decoder one step at a time and so need to pass in
        # the previous step's coverage vector each time

        outputs, out_state, attn_dists, p_gens, coverage = attention_decoder(
            inputs, self._dec_in_state, self._enc_states, self._enc_padding_mask, cell,
            initial_state_attention=(hps.mode == "decode"), pointer_gen=hps.pointer_gen,
            use_coverage=hps.coverage, prev_coverage=prev_coverage)

        return outputs, out_state, attn_dists, p_gens, coverage

    def _calc_final_dist(self, vocab_dists, attn_dists):
        with tf.variable_scope("final_distribution"):
            # Multiply vocab dists by p_gen and attention dists by (1-p_gen)
            vocab_dists = [p_gen * dist for (p_gen, dist) in zip(self.p_gens, vocab_dists)]
            attn_dists = [(1 - p_gen) * dist for (p_gen, dist) in zip(self.p_gens,
                                                                      attn_dists)]

            # Concatenate some zeros to each vocabulary dist, to hold the probabilities for
            # in-article OOV words
            extended_vsize = self._vocab_size + self._max_art_oovs  # the maximum (over the
            # batch) size of the extended vocabulary
            extra_zeros = tf.zeros((self._hps.batch_size, self._max_art_oovs))
            vocab_dists_extended = [tf.concat(axis=1, values=[dist, extra_zeros])
                                    for dist in vocab_dists]  # list length max_dec_steps of
            # shape (batch_size, extended_vsize)

            # Project the values in the attention distributions onto the appropriate entries
            # in the final distributions
            # This means that if a_i = 0.1 and the ith encoder word is w, and w has index 500
            # in the vocabulary, then we add 0.1 onto the 500th entry of the final
            # distribution
            # This is done for each decoder timestep.
            # This is fiddly; we use tf.scatter_nd to do the projection
            batch_nums = tf.range(0, limit=self._hps.batch_size)  # shape (batch_size)
            batch_nums = tf.expand_dims(batch_nums, 1)  # shape (batch_size, 1)
            attn_len = tf.shape(self._enc_batch_extend_vocab)[1]  # number of states we
            # attend over
            batch_nums = tf.tile(batch_nums, [1, attn_len])  # shape (batch_size, attn_len)
            indices = tf.stack((batch_nums, self._enc_batch_extend_vocab), axis=2)  # shape
            # (batch_size, enc_t, 2)
            shape = [self._hps.batch_size, extended_vsize]
            attn_dists_projected = [tf.scatter_nd(indices, copy_dist, shape)
                                    for copy_dist in attn_dists]  # list length
            # max_dec_steps (batch_size, extended_vsize)

            # Add the vocab distributions and the copy distributions together to get the
            # final distributions
            # final_dists is a list length max_dec_steps; each entry is a tensor shape
            # (batch_size, extended_vsize) giving the final distribution for that decoder
            # timestep
            # Note that for decoder timesteps and examples corresponding to a [PAD] token,
            # this is junk - ignore.
            final_dists = [vocab_dist + copy_dist for (vocab_dist, copy_dist) in
                           zip(vocab_dists_extended, attn_dists_projected)]

            return final_dists

    def _add_seq2seq(self):
        """Add the whole sequence-to-sequence model to the graph."""
        hps = self._hps
        vsize = self._vocab_size  # size of the vocabulary

        with tf.variable_scope("seq2seq"):
            # Some initializers
            self.rand_unif_init = tf.random_uniform_initializer(-hps.rand_unif_init_mag,
                                                                hps.rand_unif_init_mag,
                                                                seed=123)
            self.trunc_norm_init = tf.truncated_normal_initializer(stddev=hps.trunc_norm_init_std)

            # Add embedding matrix (shared by the encoder and decoder inputs)
            with tf.variable_scope("embedding"):
                embedding = tf.get_variable("embedding", [vsize, hps.emb_dim], dtype=tf.float32,
                                            initializer=self.trunc_norm_init)
                emb_enc_inputs = tf.nn.embedding_lookup(embedding, self._enc_batch)  # tensor
                # with shape (batch_size, max_enc_steps, emb_size)
                emb_dec_inputs = [tf.nn.embedding_lookup(embedding, x)
                                  for x in tf.unstack(self._dec_batch, axis=1)]  # list length
                # max_dec_steps containing shape (batch_size, emb_size)

            # Add the encoder.
            enc_outputs, fw_st, bw_st = self._add_encoder(emb_enc_inputs, self._enc_lens)
            self._enc_states = enc_outputs

            # Our encoder is bidirectional and our decoder is unidirectional so we need to
            # reduce the final encoder hidden state to the right size to be the initial
            # decoder hidden state
            self._dec_in_state = self._reduce_states(fw_st, bw_st)

            # Add the decoder.
            with tf.variable_scope("decoder"):
                decoder_outputs, self._dec_out_state, self.attn_dists, self.p_gens, \
                    self.coverage = self._add_decoder(emb_dec_inputs)

            # Add the output projection to obtain the vocabulary distribution
            with tf.variable_scope("output_projection"):
                w = tf.get_variable("w", [hps.hidden_dim, vsize], dtype=tf.float32,
                                    initializer=self.trunc_norm_init)
                w_t = tf.transpose(w)
                v = tf.get_variable("v", [vsize], dtype=tf.float32,
                                    initializer=self.trunc_norm_init)
                vocab_scores = []  # vocab_scores is the vocabulary distribution before
                # applying softmax. Each entry on the list corresponds to one decoder step
                for i, output in enumerate(decoder_outputs):
                    if i > 0:
                        tf.get_variable_scope().reuse_variables()
                    vocab_scores.append(tf.nn.xw_plus_b(output, w, v))  # apply the linear
                    # layer

                vocab_dists = [tf.nn.softmax(s) for s in vocab_scores]  # The vocabulary
                # distributions. List length max_dec_steps of (batch_size, vsize) arrays. The
                # words are in the order they appear in the vocabulary file.

            # For pointer-generator model, calc final distribution from copy distribution
            # and vocabulary distribution
            if FLAGS.pointer_gen:
                final_dists = self._calc_final_dist(vocab_dists, self.attn_dists)
            else:  # final distribution is just vocabulary distribution
                final_dists = vocab_dists

            if hps.mode in ["train", "eval"]:
                # Calculate the loss
                with tf.variable_scope("loss"):
                    if FLAGS.pointer_gen:
                        # Calculate the loss per step
                        # This is fiddly; we use tf.gather_nd to pick out the probabilities
                        # of the gold target words
                        loss_per_step = []  # will be list length max_dec_steps containing
                        # shape (batch_size)
                        batch_nums = tf.range(0, limit=hps.batch_size)  # shape (batch_size)
                        for dec_step, dist in enumerate(final_dists):
                            targets = self._target_batch[:, dec_step]  # The indices of the
                            # target words. shape (batch_size)
                            indices = tf.stack((batch_nums, targets), axis=1)  # shape
                            # (batch_size, 2)
                            gold_probs = tf.gather_nd(dist, indices)  # shape (batch_size).
                            # prob of correct words on this step
                            losses = -tf.log(gold_probs)
                            loss_per_step.append(losses)

                        # Apply dec_padding_mask and get loss
                        self._loss = _mask_and_avg(loss_per_step, self._dec_padding_mask)

                    else:  # baseline model
                        self._loss = tf.contrib.seq2seq.sequence_loss(
                            tf.stack(vocab_scores, axis=1), self._target_batch,
                            self._dec_padding_mask)  # this applies softmax internally

                    tf.summary.scalar("loss", self._loss)

                    # Calculate coverage loss from the attention distributions
                    if hps.coverage:
                        with tf.variable_scope("coverage_loss"):
                            self._coverage_loss = _coverage_loss(self.attn_dists,
                                                                 self._dec_padding_mask)
                            tf.summary.scalar("coverage_loss", self._coverage_loss)
                        self._total_loss = self._loss + hps.cov_loss_wt * self._coverage_loss
                        tf.summary.scalar("total_loss", self._total_loss)

    def _add_train_op(self):
        """Sets self._train_op, the op to run for training."""
        # Take gradients of the trainable variables w.r.t. the loss function to minimize
        loss_to_minimize = self._total_loss if self._hps.coverage else self._loss
        tvars = tf.trainable_variables()
        gradients = tf.gradients(loss_to_minimize, tvars,
                                 aggregation_method=tf.AggregationMethod.EXPERIMENTAL_TREE)

        # Clip the gradients
        with tf.device("/gpu:0"):
            grads, global_norm = tf.clip_by_global_norm(gradients, self._hps.max_grad_norm)

        # Add a summary
        tf.summary.scalar("global_norm", global_norm)

        # Apply adagrad optimizer
        optimizer = tf.train.AdagradOptimizer(
            self._hps.lr, initial_accumulator_value=self._hps.adagrad_init_acc)
        with tf.device("/gpu:0"):
            self._train_op = optimizer.apply_gradients(zip(grads, tvars),
                                                       global_step=self.global_step,
                                                       name="train_step")

    def build_graph(self):
        """Add the placeholders, model, global step, train_op and summaries to the graph"""
        tf.logging.info("Building graph...")
        with tf.device("/gpu:0"):
            self._add_placeholders()
            self._add_seq2seq()
        self.global_step = tf.Variable(0, name="global_step", trainable=False)
        if self._hps.mode == "train":
            self._add_train_op()
        self._summaries = tf.summary.merge_all()


def _mask_and_avg(values, padding_mask):
    dec_lens = tf.reduce_sum(padding_mask, axis=1)  # shape batch_size. float32
    values_per_step = [v * padding_mask[:, dec_step] for dec_step, v in enumerate(values)]
    values_per_ex = sum(values_per_step) / dec_lens  # shape (batch_size); normalized value
    # for each batch member
    return tf.reduce_mean(values_per_ex)  # overall average


def _coverage_loss(attn_dists, padding_mask):
    coverage = tf.zeros_like(attn_dists[0])  # shape (batch_size, attn_length). Initial
    # coverage is zero.
    covlosses = []  # Coverage loss per decoder timestep. Will be list length max_dec_steps
    # containing shape (batch_size).
    for a in attn_dists:
        covloss = tf.reduce_sum(tf.minimum(a, coverage), [1])  # calculate the coverage loss
        # for this step
        covlosses.append(covloss)
        coverage += a  # update the coverage vector
    coverage_loss = _mask_and_avg(covlosses, padding_mask)
    return coverage_loss


tf.app.flags.DEFINE_string("mode", "train", "must be one of train/eval/decode")
tf.app.flags.DEFINE_integer("hidden_dim", 8, "dimension of RNN hidden states")
tf.app.flags.DEFINE_integer("emb_dim", 6, "dimension of word embeddings")
tf.app.flags.DEFINE_integer("batch_size", 2, "minibatch size")
tf.app.flags.DEFINE_integer("max_enc_steps", 7, "max timesteps of encoder")
tf.app.flags.DEFINE_integer("max_dec_steps", 3, "max timesteps of decoder")
tf.app.flags.DEFINE_float("lr", 0.15, "learning rate")
tf.app.flags.DEFINE_float("adagrad_init_acc", 0.1, "initial accumulator value for Adagrad")
tf.app.flags.DEFINE_float("rand_unif_init_mag", 0.02, "magnitude for lstm cells random "
                          "uniform inititalization")
tf.app.flags.DEFINE_float("trunc_norm_init_std", 1e-4, "std of trunc norm init")
tf.app.flags.DEFINE_float("max_grad_norm", 2.0, "for gradient clipping")
tf.app.flags.DEFINE_boolean("pointer_gen", True, "If True, use pointer-generator model.")
tf.app.flags.DEFINE_boolean("coverage", True, "Use coverage mechanism.")
tf.app.flags.DEFINE_float("cov_loss_wt", 1.0, "Weight of coverage loss")


def main(unused_argv):
    tf.logging.set_verbosity(tf.logging.INFO)  # choose what level of logging you want
    # Make a namedtuple hps, containing the values of the hyperparameters that the model
    # needs
    hparam_list = ["mode", "lr", "adagrad_init_acc", "rand_unif_init_mag",
                   "trunc_norm_init_std", "max_grad_norm", "hidden_dim", "emb_dim",
                   "batch_size", "max_dec_steps", "max_enc_steps", "coverage", "cov_loss_wt",
                   "pointer_gen"]
    hps_dict = {}
    for key, val in FLAGS.__flags.items():  # for each flag
        if key in hparam_list:  # if it's in the list
            hps_dict[key] = val.value  # add it to the dict
    hps = namedtuple("HParams", hps_dict.keys())(**hps_dict)

    tf.set_random_seed(111)  # a seed value for randomness
    model = SummarizationModel(hps, vocab_size=30)
    model.build_graph()  # build the graph
    saver = tf.train.Saver(max_to_keep=3)  # keep 3 checkpoints at a time
    sess = tf.Session(config=tf.ConfigProto(allow_soft_placement=True))
    sess.run(tf.global_variables_initializer())


if __name__ == "__main__":
    tf.app.run()
