"""Hierarchical attention networks (after ematvey/hierarchical-attention-networks'
HAN_model.py and model_components.py): a classifier object whose __init__ opens
variable_scope(scope or 'tcm') as scope, an embedding made with layers.xavier_initializer,
word- and sentence-level encoders from a bidirectional_rnn helper given the scope object,
task_specific_attention taking the scope too (get_variable for the context vector,
layers.fully_connected(scope=scope)), layers.dropout, the loss, and a train op with gradients
clipped by global norm and a global step made with tf.Variable."""
import tensorflow as tf
import tensorflow.contrib.layers as layers
from tensorflow.contrib.rnn import GRUCell, LSTMStateTuple

# --- model_components.py ---

def bidirectional_rnn(cell_fw, cell_bw, inputs_embedded, input_lengths, scope=None):
    """Bidirecional RNN with concatenated outputs and states"""
    with tf.variable_scope(scope or "birnn") as scope:
        ((fw_outputs, bw_outputs),
         (fw_state, bw_state)) = (
            tf.nn.bidirectional_dynamic_rnn(cell_fw=cell_fw,
                                            cell_bw=cell_bw,
                                            inputs=inputs_embedded,
                                            sequence_length=input_lengths,
                                            dtype=tf.float32,
                                            swap_memory=True,
                                            scope=scope))
        outputs = tf.concat((fw_outputs, bw_outputs), 2)

        def concatenate_state(fw_state, bw_state):
            if isinstance(fw_state, LSTMStateTuple):
                state_c = tf.concat(
                    (fw_state.c, bw_state.c), 1, name="bidirectional_concat_c")
                state_h = tf.concat(
                    (fw_state.h, bw_state.h), 1, name="bidirectional_concat_h")
                state = LSTMStateTuple(c=state_c, h=state_h)
                return state
            elif isinstance(fw_state, tf.Tensor):
                state = tf.concat((fw_state, bw_state), 1,
                                  name="bidirectional_concat")
                return state
            elif (isinstance(fw_state, tuple) and
                  isinstance(bw_state, tuple) and
                  len(fw_state) == len(bw_state)):
                # multilayer
                state = tuple(concatenate_state(fw, bw)
                              for fw, bw in zip(fw_state, bw_state))
                return state
            else:
                raise ValueError(
                    "unknown state type: {}".format((fw_state, bw_state)))

        state = concatenate_state(fw_state, bw_state)
        return outputs, state


def task_specific_attention(inputs, output_size,
                            initializer=layers.xavier_initializer(),
                            activation_fn=tf.tanh, scope=None):
    """
    Performs task-specific attention reduction, using learned
    attention context vector (constant within task of interest).
    """
    assert len(inputs.get_shape()) == 3 and inputs.get_shape()[-1].value is not None

    with tf.variable_scope(scope or "attention") as scope:
        attention_context_vector = tf.get_variable(name="attention_context_vector",
                                                   shape=[output_size],
                                                   initializer=initializer,
                                                   dtype=tf.float32)
        input_projection = layers.fully_connected(inputs, output_size,
                                                  activation_fn=activation_fn,
                                                  scope=scope)

        vector_attn = tf.reduce_sum(tf.multiply(input_projection, attention_context_vector),
                                    axis=2, keep_dims=True)
        attention_weights = tf.nn.softmax(vector_attn, dim=1)
        weighted_projection = tf.multiply(input_projection, attention_weights)

        outputs = tf.reduce_sum(weighted_projection, axis=1)

        return outputs


# --- HAN_model.py ---

class HANClassifierModel():
    """ Implementation of document classification model described in
      `Hierarchical Attention Networks for Document Classification (Yang et al., 2016)`
      (https://www.cs.cmu.edu/~diyiy/docs/naacl16.pdf)"""

    def __init__(self,
                 vocab_size,
                 embedding_size,
                 classes,
                 word_cell,
                 sentence_cell,
                 word_output_size,
                 sentence_output_size,
                 max_grad_norm,
                 dropout_keep_proba,
                 is_training=None,
                 learning_rate=1e-4,
                 device="/cpu:0",
                 scope=None):
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.classes = classes
        self.word_cell = word_cell
        self.word_output_size = word_output_size
        self.sentence_cell = sentence_cell
        self.sentence_output_size = sentence_output_size
        self.max_grad_norm = max_grad_norm
        self.dropout_keep_proba = dropout_keep_proba

        with tf.variable_scope(scope or "tcm") as scope:
            self.global_step = tf.Variable(0, name="global_step", trainable=False)

            if is_training is not None:
                self.is_training = is_training
            else:
                self.is_training = tf.placeholder(dtype=tf.bool, name="is_training")

            self.sample_weights = tf.placeholder(shape=(None,), dtype=tf.float32,
                                                 name="sample_weights")

            # [document x sentence x word]
            self.inputs = tf.placeholder(shape=(None, None, None), dtype=tf.int32,
                                         name="inputs")

            # [document x sentence]
            self.word_lengths = tf.placeholder(shape=(None, None), dtype=tf.int32,
                                               name="word_lengths")

            # [document]
            self.sentence_lengths = tf.placeholder(shape=(None,), dtype=tf.int32,
                                                   name="sentence_lengths")

            # [document]
            self.labels = tf.placeholder(shape=(None,), dtype=tf.int32, name="labels")

            (self.document_size,
                self.sentence_size,
                self.word_size) = tf.unstack(tf.shape(self.inputs))

            self._init_embedding(scope)

            # embeddings cannot be placed on GPU
            with tf.device(device):
                self._init_body(scope)

        with tf.variable_scope("train"):
            self.cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=self.labels, logits=self.logits)

            self.loss = tf.reduce_mean(tf.multiply(self.cross_entropy, self.sample_weights))
            tf.summary.scalar("loss", self.loss)

            self.accuracy = tf.reduce_mean(tf.cast(tf.nn.in_top_k(self.logits, self.labels, 1),
                                                   tf.float32))
            tf.summary.scalar("accuracy", self.accuracy)

            tvars = tf.trainable_variables()

            grads, global_norm = tf.clip_by_global_norm(
                tf.gradients(self.loss, tvars),
                self.max_grad_norm)
            tf.summary.scalar("global_grad_norm", global_norm)

            opt = tf.train.AdamOptimizer(learning_rate)

            self.train_op = opt.apply_gradients(
                zip(grads, tvars), name="train_op",
                global_step=self.global_step)

            self.summary_op = tf.summary.merge_all()

    def _init_embedding(self, scope):
        with tf.variable_scope(scope):
            with tf.variable_scope("embedding") as scope:
                self.embedding_matrix = tf.get_variable(
                    name="embedding_matrix",
                    shape=[self.vocab_size, self.embedding_size],
                    initializer=layers.xavier_initializer(),
                    dtype=tf.float32)
                self.inputs_embedded = tf.nn.embedding_lookup(
                    self.embedding_matrix, self.inputs)

    def _init_body(self, scope):
        with tf.variable_scope(scope):

            word_level_inputs = tf.reshape(self.inputs_embedded, [
                self.document_size * self.sentence_size,
                self.word_size,
                self.embedding_size
            ])
            word_level_lengths = tf.reshape(
                self.word_lengths, [self.document_size * self.sentence_size])

            with tf.variable_scope("word") as scope:
                word_encoder_output, _ = bidirectional_rnn(
                    self.word_cell, self.word_cell,
                    word_level_inputs, word_level_lengths,
                    scope=scope)

                with tf.variable_scope("attention") as scope:
                    word_level_output = task_specific_attention(
                        word_encoder_output,
                        self.word_output_size,
                        scope=scope)

                with tf.variable_scope("dropout"):
                    word_level_output = layers.dropout(
                        word_level_output, keep_prob=self.dropout_keep_proba,
                        is_training=self.is_training,
                    )

            # sentence_level

            sentence_inputs = tf.reshape(
                word_level_output, [self.document_size, self.sentence_size,
                                    self.word_output_size])

            with tf.variable_scope("sentence") as scope:
                sentence_encoder_output, _ = bidirectional_rnn(
                    self.sentence_cell, self.sentence_cell, sentence_inputs,
                    self.sentence_lengths, scope=scope)

                with tf.variable_scope("attention") as scope:
                    sentence_level_output = task_specific_attention(
                        sentence_encoder_output, self.sentence_output_size, scope=scope)

                with tf.variable_scope("dropout"):
                    sentence_level_output = layers.dropout(
                        sentence_level_output, keep_prob=self.dropout_keep_proba,
                        is_training=self.is_training,
                    )

            with tf.variable_scope("classifier"):
                self.logits = layers.fully_connected(
                    sentence_level_output, self.classes, activation_fn=None)

                self.prediction = tf.argmax(self.logits, axis=-1)


if __name__ == "__main__":
    tf.reset_default_graph()
    with tf.Session() as session:
        model = HANClassifierModel(
            vocab_size=20,
            embedding_size=8,
            classes=2,
            word_cell=GRUCell(6),
            sentence_cell=GRUCell(6),
            word_output_size=6,
            sentence_output_size=6,
            device="/cpu:0",
            max_grad_norm=5.0,
            dropout_keep_proba=0.5,
            is_training=True,
        )
        saver = tf.train.Saver(tf.global_variables())
        session.run(tf.global_variables_initializer())
