"""Tacotron (after keithito/tacotron's models/tacotron.py and models/modules.py): hparams from
tf.contrib.training.HParams, a Tacotron object whose initialize() builds under
variable_scope('inference'), an embedding get_variable, a prenet of dense + dropout layers
named 'dense_%d', the CBHG encoder (a conv1d bank in a loop of 'conv1d_%d' scopes with
batch normalization, max pooling, projections, highway layers 'highway_%d' with dense 'H' and
'T', a bidirectional GRU), an attention decoder from tf.contrib.seq2seq (AttentionWrapper
over a GRUCell with BahdanauAttention, OutputProjectionWrapper, MultiRNNCell of residual GRUs,
BasicDecoder with a TrainingHelper, dynamic_decode), L1 losses, and add_optimizer() with a
noam-style learning rate, clip_by_global_norm and the UPDATE_OPS dependency."""
import tensorflow as tf
from tensorflow.contrib.rnn import GRUCell, MultiRNNCell, OutputProjectionWrapper, ResidualWrapper
from tensorflow.contrib.seq2seq import (
    AttentionWrapper,
    BahdanauAttention,
    BasicDecoder,
    TrainingHelper,
)

hparams = tf.contrib.training.HParams(
    cleaners="english_cleaners",
    num_mels=8,
    num_freq=17,
    sample_rate=20000,
    outputs_per_step=2,
    embed_depth=16,
    prenet_depths=[16, 8],
    encoder_depth=16,
    postnet_depth=16,
    attention_depth=16,
    decoder_depth=16,
    batch_size=2,
    adam_beta1=0.9,
    adam_beta2=0.999,
    initial_learning_rate=0.002,
    decay_learning_rate=True,
)

symbols = list("_~ abcdefghijklmnopqrstuvwxyz!'(),-.:;?")


# --- modules.py ---

def prenet(inputs, is_training, layer_sizes, scope=None):
    x = inputs
    drop_rate = 0.5 if is_training else 0.0
    with tf.variable_scope(scope or "prenet"):
        for i, size in enumerate(layer_sizes):
            dense = tf.layers.dense(x, units=size, activation=tf.nn.relu,
                                    name="dense_%d" % (i + 1))
            x = tf.layers.dropout(dense, rate=drop_rate, training=is_training,
                                  name="dropout_%d" % (i + 1))
    return x


def encoder_cbhg(inputs, input_lengths, is_training, depth):
    input_channels = inputs.get_shape()[2]
    return cbhg(
        inputs,
        input_lengths,
        is_training,
        scope="encoder_cbhg",
        K=4,
        projections=[16, input_channels],
        depth=depth)


def cbhg(inputs, input_lengths, is_training, scope, K, projections, depth):
    with tf.variable_scope(scope):
        with tf.variable_scope("conv_bank"):
            # Convolution bank: concatenate on the last axis to stack channels from all
            # convolutions
            conv_outputs = tf.concat(
                [conv1d(inputs, k, 16, tf.nn.relu, is_training, "conv1d_%d" % k)
                 for k in range(1, K + 1)],
                axis=-1
            )

        # Maxpooling:
        maxpool_output = tf.layers.max_pooling1d(
            conv_outputs,
            pool_size=2,
            strides=1,
            padding="same")

        # Two projection layers:
        proj1_output = conv1d(maxpool_output, 3, projections[0], tf.nn.relu, is_training,
                              "proj_1")
        proj2_output = conv1d(proj1_output, 3, projections[1], None, is_training, "proj_2")

        # Residual connection:
        highway_input = proj2_output + inputs

        half_depth = depth // 2
        assert half_depth * 2 == depth, "encoder and postnet depths must be even."

        # Handle dimensionality mismatch:
        if highway_input.shape[2] != half_depth:
            highway_input = tf.layers.dense(highway_input, half_depth)

        # 4-layer HighwayNet:
        for i in range(4):
            highway_input = highwaynet(highway_input, "highway_%d" % (i + 1), half_depth)
        rnn_input = highway_input

        # Bidirectional RNN
        outputs, states = tf.nn.bidirectional_dynamic_rnn(
            GRUCell(half_depth),
            GRUCell(half_depth),
            rnn_input,
            sequence_length=input_lengths,
            dtype=tf.float32)
        return tf.concat(outputs, axis=2)  # Concat forward and backward


def highwaynet(inputs, scope, depth):
    with tf.variable_scope(scope):
        H = tf.layers.dense(
            inputs,
            units=depth,
            activation=tf.nn.relu,
            name="H")
        T = tf.layers.dense(
            inputs,
            units=depth,
            activation=tf.nn.sigmoid,
            name="T",
            bias_initializer=tf.constant_initializer(-1.0))
        return H * T + inputs * (1.0 - T)


def conv1d(inputs, kernel_size, channels, activation, is_training, scope):
    with tf.variable_scope(scope):
        conv1d_output = tf.layers.conv1d(
            inputs,
            filters=channels,
            kernel_size=kernel_size,
            activation=activation,
            padding="same")
        return tf.layers.batch_normalization(conv1d_output, training=is_training)


# --- tacotron.py ---

class Tacotron():
    def __init__(self, hparams):
        self._hparams = hparams

    def initialize(self, inputs, input_lengths, mel_targets=None, linear_targets=None):
        with tf.variable_scope("inference") as scope:
            is_training = linear_targets is not None
            batch_size = tf.shape(inputs)[0]
            hp = self._hparams

            # Embeddings
            embedding_table = tf.get_variable(
                "embedding", [len(symbols), hp.embed_depth], dtype=tf.float32,
                initializer=tf.truncated_normal_initializer(stddev=0.5))
            embedded_inputs = tf.nn.embedding_lookup(embedding_table, inputs)  # [N, T_in,
            # embed_depth=256]

            # Encoder
            prenet_outputs = prenet(embedded_inputs, is_training, hp.prenet_depths)  # [N,
            # T_in, prenet_depths[-1]=128]
            encoder_outputs = encoder_cbhg(prenet_outputs, input_lengths, is_training,  # [N,
                                           # T_in, encoder_depth=256]
                                           hp.encoder_depth)

            # Attention
            attention_cell = AttentionWrapper(
                GRUCell(hp.attention_depth),
                BahdanauAttention(hp.attention_depth, encoder_outputs),
                alignment_history=True,
                output_attention=False)  # [N, T_in, attention_depth=256]

            # Apply prenet before concatenation in AttentionWrapper.
            # (keithito wraps it in a DecoderPrenetWrapper; the prenet-less cell here)
            concat_cell = attention_cell

            # Decoder (layers specified bottom to top):
            decoder_cell = MultiRNNCell([
                OutputProjectionWrapper(concat_cell, hp.decoder_depth),
                ResidualWrapper(GRUCell(hp.decoder_depth)),
                ResidualWrapper(GRUCell(hp.decoder_depth))
            ], state_is_tuple=True)  # [N, T_in, decoder_depth=256]

            # Project onto r mel spectrograms (predict r outputs at each RNN step):
            output_cell = OutputProjectionWrapper(decoder_cell,
                                                  hp.num_mels * hp.outputs_per_step)
            decoder_init_state = output_cell.zero_state(batch_size=batch_size,
                                                        dtype=tf.float32)

            if is_training:
                helper = TrainingHelper(
                    tf.reshape(mel_targets, [batch_size, -1,
                                             hp.num_mels * hp.outputs_per_step]),
                    tf.fill([batch_size], tf.shape(mel_targets)[1] // hp.outputs_per_step))
            else:
                raise NotImplementedError("the TacoTestHelper subclasses Helper")

            (decoder_outputs, _), final_decoder_state, _ = tf.contrib.seq2seq.dynamic_decode(
                BasicDecoder(output_cell, helper, decoder_init_state),
                maximum_iterations=hp.max_iters if "max_iters" in hp.values() else 20)
            # [N, T_out/r, M*r]

            # Reshape outputs to be one output per entry
            mel_outputs = tf.reshape(decoder_outputs, [batch_size, -1, hp.num_mels])  # [N,
            # T_out, M]

            # Add post-processing CBHG:
            post_outputs = post_cbhg(mel_outputs, hp.num_mels, is_training,  # [N, T_out,
                                     # postnet_depth=256]
                                     hp.postnet_depth)
            linear_outputs = tf.layers.dense(post_outputs, hp.num_freq)  # [N, T_out, F]

            # Grab alignments from the final decoder state:
            alignments = tf.transpose(
                final_decoder_state[0].alignment_history.stack(), [1, 2, 0])

            self.inputs = inputs
            self.input_lengths = input_lengths
            self.mel_outputs = mel_outputs
            self.linear_outputs = linear_outputs
            self.alignments = alignments
            self.mel_targets = mel_targets
            self.linear_targets = linear_targets
            tf.logging.info("Initialized Tacotron model. Dimensions: ")

    def add_loss(self):
        """Adds loss to the model. Sets "loss" field. initialize must have been called."""
        with tf.variable_scope("loss") as scope:
            hp = self._hparams
            self.mel_loss = tf.reduce_mean(tf.abs(self.mel_targets - self.mel_outputs))
            l1 = tf.abs(self.linear_targets - self.linear_outputs)
            # Prioritize loss for frequencies under 3000 Hz.
            n_priority_freq = int(3000 / (hp.sample_rate * 0.5) * hp.num_freq)
            self.linear_loss = 0.5 * tf.reduce_mean(l1) + 0.5 * tf.reduce_mean(
                l1[:, :, 0:n_priority_freq])
            self.loss = self.mel_loss + self.linear_loss

    def add_optimizer(self, global_step):
        with tf.variable_scope("optimizer") as scope:
            hp = self._hparams
            if hp.decay_learning_rate:
                self.learning_rate = _learning_rate_decay(hp.initial_learning_rate,
                                                          global_step)
            else:
                self.learning_rate = tf.convert_to_tensor(hp.initial_learning_rate)
            optimizer = tf.train.AdamOptimizer(self.learning_rate, hp.adam_beta1,
                                               hp.adam_beta2)
            gradients, variables = zip(*optimizer.compute_gradients(self.loss))
            self.gradients = gradients
            clipped_gradients, _ = tf.clip_by_global_norm(gradients, 1.0)

            # Add dependency on UPDATE_OPS; otherwise batchnorm won't work correctly. See:
            # https://github.com/tensorflow/tensorflow/issues/1122
            with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
                self.optimize = optimizer.apply_gradients(zip(clipped_gradients, variables),
                                                          global_step=global_step)


def post_cbhg(inputs, input_dim, is_training, depth):
    return cbhg(
        inputs,
        None,
        is_training,
        scope="post_cbhg",
        K=4,
        projections=[16, input_dim],
        depth=depth)


def _learning_rate_decay(init_lr, global_step):
    # Noam scheme from tensor2tensor:
    warmup_steps = 4000.0
    step = tf.cast(global_step + 1, dtype=tf.float32)
    return init_lr * warmup_steps**0.5 * tf.minimum(step * warmup_steps**-1.5, step**-0.5)


def add_stats(model):
    with tf.variable_scope("stats") as scope:
        tf.summary.histogram("linear_outputs", model.linear_outputs)
        tf.summary.histogram("linear_targets", model.linear_targets)
        tf.summary.scalar("loss", model.loss)
        tf.summary.scalar("learning_rate", model.learning_rate)
        gradient_norms = [tf.norm(grad) for grad in model.gradients]
        tf.summary.histogram("gradient_norm", gradient_norms)
        tf.summary.scalar("max_gradient_norm", tf.reduce_max(gradient_norms))
        return tf.summary.merge_all()


def train():
    inputs = tf.placeholder(tf.int32, [None, None], "inputs")
    input_lengths = tf.placeholder(tf.int32, [None], "input_lengths")
    mel_targets = tf.placeholder(tf.float32, [None, None, hparams.num_mels], "mel_targets")
    linear_targets = tf.placeholder(tf.float32, [None, None, hparams.num_freq],
                                    "linear_targets")
    # Set up model:
    global_step = tf.Variable(0, name="global_step", trainable=False)
    with tf.variable_scope("model") as scope:
        model = Tacotron(hparams)
        model.initialize(inputs, input_lengths, mel_targets, linear_targets)
        model.add_loss()
        model.add_optimizer(global_step)
        stats = add_stats(model)

    # Bookkeeping:
    saver = tf.train.Saver(max_to_keep=5, keep_checkpoint_every_n_hours=2)
    return saver, stats


if __name__ == "__main__":
    train()
