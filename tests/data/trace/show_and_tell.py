"""Show and Tell (after tensorflow/models research/im2txt's show_and_tell_model.py,
configuration.py and train.py): a ModelConfig object, a model object whose build() calls
build_inputs / build_image_embeddings / build_seq_embeddings / build_model /
setup_global_step, a small slim image encoder standing in for Inception, fully_connected under
variable_scope('image_embedding'), an embedding map on the CPU, an LSTM whose first step eats
the image under variable_scope('lstm', initializer=...) as lstm_scope, then
lstm_scope.reuse_variables() and dynamic_rnn(scope=lstm_scope), losses through tf.losses, a
global step with explicit collections, and optimize_loss with a learning-rate decay function."""
import numpy as np
import tensorflow as tf

slim = tf.contrib.slim


class ModelConfig(object):
    """Wrapper class for model hyperparameters."""

    def __init__(self):
        self.image_height = 32
        self.image_width = 32
        self.initializer_scale = 0.08
        self.batch_size = 4
        self.vocab_size = 50
        self.embedding_size = 16
        self.num_lstm_units = 16
        self.lstm_dropout_keep_prob = 0.7


class TrainingConfig(object):
    """Wrapper class for training hyperparameters."""

    def __init__(self):
        self.num_examples_per_epoch = 586363
        self.optimizer = "SGD"
        self.initial_learning_rate = 2.0
        self.learning_rate_decay_factor = 0.5
        self.num_epochs_per_decay = 8.0
        self.clip_gradients = 5.0


def image_encoder(images, trainable=True, is_training=True, scope="InceptionV3"):
    """A small conv net with Inception's scope and batch norm setup."""
    batch_norm_params = {"is_training": is_training and trainable, "trainable": trainable,
                         "decay": 0.9997, "epsilon": 0.001,
                         "variables_collections": {"beta": None, "gamma": None,
                                                   "moving_mean": ["moving_vars"],
                                                   "moving_variance": ["moving_vars"]}}
    with tf.variable_scope(scope, "InceptionV3", [images]) as scope:
        with slim.arg_scope([slim.conv2d, slim.fully_connected],
                            weights_regularizer=slim.l2_regularizer(0.00004),
                            trainable=trainable):
            with slim.arg_scope([slim.conv2d],
                                weights_initializer=tf.truncated_normal_initializer(
                                    stddev=0.1),
                                activation_fn=tf.nn.relu,
                                normalizer_fn=slim.batch_norm,
                                normalizer_params=batch_norm_params):
                net = slim.conv2d(images, 8, [3, 3], stride=2, scope="Conv2d_1a_3x3")
                net = slim.conv2d(net, 16, [3, 3], scope="Conv2d_2a_3x3")
                net = slim.max_pool2d(net, [3, 3], stride=2, scope="MaxPool_3a_3x3")
        with tf.variable_scope("logits"):
            shape = net.get_shape()
            net = slim.avg_pool2d(net, shape[1:3], padding="VALID", scope="pool")
            net = slim.dropout(net, keep_prob=0.8, is_training=is_training, scope="dropout")
            net = slim.flatten(net, scope="flatten")
    return net


class ShowAndTellModel(object):
    """Image-to-text implementation based on http://arxiv.org/abs/1411.4555."""

    def __init__(self, config, mode, train_inception=False):
        assert mode in ["train", "eval", "inference"]
        self.config = config
        self.mode = mode
        self.train_inception = train_inception
        # Initializer used for non-Inception parameters.
        self.initializer = tf.random_uniform_initializer(
            minval=-self.config.initializer_scale,
            maxval=self.config.initializer_scale)
        self.images = None
        self.input_seqs = None
        self.target_seqs = None
        self.input_mask = None
        self.image_embeddings = None
        self.seq_embeddings = None
        self.total_loss = None
        self.target_cross_entropy_losses = None
        self.target_cross_entropy_loss_weights = None
        self.inception_variables = []
        self.init_fn = None
        self.global_step = None

    def is_training(self):
        return self.mode == "train"

    def build_inputs(self):
        if self.mode == "inference":
            image_feed = tf.placeholder(dtype=tf.string, shape=[], name="image_feed")
            input_feed = tf.placeholder(dtype=tf.int64, shape=[None], name="input_feed")
            images = tf.expand_dims(image_feed, 0)
            input_seqs = tf.expand_dims(input_feed, 1)
            target_seqs = None
            input_mask = None
        else:
            images = tf.placeholder(tf.float32, [self.config.batch_size,
                                                 self.config.image_height,
                                                 self.config.image_width, 3], name="images")
            input_seqs = tf.placeholder(tf.int64, [self.config.batch_size, None],
                                        name="input_seqs")
            target_seqs = tf.placeholder(tf.int64, [self.config.batch_size, None],
                                         name="target_seqs")
            input_mask = tf.placeholder(tf.int32, [self.config.batch_size, None],
                                        name="input_mask")
        self.images = images
        self.input_seqs = input_seqs
        self.target_seqs = target_seqs
        self.input_mask = input_mask

    def build_image_embeddings(self):
        inception_output = image_encoder(self.images, trainable=self.train_inception,
                                         is_training=self.is_training())
        self.inception_variables = tf.get_collection(
            tf.GraphKeys.GLOBAL_VARIABLES, scope="InceptionV3")

        # Map inception output into embedding space.
        with tf.variable_scope("image_embedding") as scope:
            image_embeddings = tf.contrib.layers.fully_connected(
                inputs=inception_output,
                num_outputs=self.config.embedding_size,
                activation_fn=None,
                weights_initializer=self.initializer,
                biases_initializer=None,
                scope=scope)

        # Save the embedding size in the graph.
        tf.constant(self.config.embedding_size, name="embedding_size")

        self.image_embeddings = image_embeddings

    def build_seq_embeddings(self):
        with tf.variable_scope("seq_embedding"), tf.device("/cpu:0"):
            embedding_map = tf.get_variable(
                name="map",
                shape=[self.config.vocab_size, self.config.embedding_size],
                initializer=self.initializer)
            seq_embeddings = tf.nn.embedding_lookup(embedding_map, self.input_seqs)

        self.seq_embeddings = seq_embeddings

    def build_model(self):
        lstm_cell = tf.contrib.rnn.BasicLSTMCell(
            num_units=self.config.num_lstm_units, state_is_tuple=True)
        if self.mode == "train":
            lstm_cell = tf.contrib.rnn.DropoutWrapper(
                lstm_cell,
                input_keep_prob=self.config.lstm_dropout_keep_prob,
                output_keep_prob=self.config.lstm_dropout_keep_prob)

        with tf.variable_scope("lstm", initializer=self.initializer) as lstm_scope:
            # Feed the image embeddings to set the initial LSTM state.
            zero_state = lstm_cell.zero_state(
                batch_size=self.image_embeddings.get_shape()[0], dtype=tf.float32)
            _, initial_state = lstm_cell(self.image_embeddings, zero_state)

            # Allow the LSTM variables to be reused.
            lstm_scope.reuse_variables()

            if self.mode == "inference":
                raise NotImplementedError
            else:
                # Run the batch of sequence embeddings through the LSTM.
                sequence_length = tf.reduce_sum(self.input_mask, 1)
                lstm_outputs, _ = tf.nn.dynamic_rnn(cell=lstm_cell,
                                                    inputs=self.seq_embeddings,
                                                    sequence_length=sequence_length,
                                                    initial_state=initial_state,
                                                    dtype=tf.float32,
                                                    scope=lstm_scope)

        # Stack batches vertically.
        lstm_outputs = tf.reshape(lstm_outputs, [-1, lstm_cell.output_size])

        with tf.variable_scope("logits") as logits_scope:
            logits = tf.contrib.layers.fully_connected(
                inputs=lstm_outputs,
                num_outputs=self.config.vocab_size,
                activation_fn=None,
                weights_initializer=self.initializer,
                scope=logits_scope)

        targets = tf.reshape(self.target_seqs, [-1])
        weights = tf.to_float(tf.reshape(self.input_mask, [-1]))

        # Compute losses.
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        batch_loss = tf.div(tf.reduce_sum(tf.multiply(losses, weights)),
                            tf.reduce_sum(weights),
                            name="batch_loss")
        tf.losses.add_loss(batch_loss)
        total_loss = tf.losses.get_total_loss()

        # Add summaries.
        tf.summary.scalar("losses/batch_loss", batch_loss)
        tf.summary.scalar("losses/total_loss", total_loss)
        for var in tf.trainable_variables():
            tf.summary.histogram("parameters/" + var.op.name, var)

        self.total_loss = total_loss
        self.target_cross_entropy_losses = losses  # Used in evaluation.
        self.target_cross_entropy_loss_weights = weights  # Used in evaluation.

    def setup_inception_initializer(self):
        if self.mode != "inference":
            # Restore inception variables only.
            saver = tf.train.Saver(self.inception_variables)
            self.init_fn = saver

    def setup_global_step(self):
        global_step = tf.Variable(
            initial_value=0,
            name="global_step",
            trainable=False,
            collections=[tf.GraphKeys.GLOBAL_STEP, tf.GraphKeys.GLOBAL_VARIABLES])
        self.global_step = global_step

    def build(self):
        self.build_inputs()
        self.build_image_embeddings()
        self.build_seq_embeddings()
        self.build_model()
        self.setup_inception_initializer()
        self.setup_global_step()


def main(unused_argv):
    model_config = ModelConfig()
    training_config = TrainingConfig()
    g = tf.Graph()
    with g.as_default():
        model = ShowAndTellModel(model_config, mode="train", train_inception=False)
        model.build()

        # Set up the learning rate.
        learning_rate_decay_fn = None
        learning_rate = tf.constant(training_config.initial_learning_rate)
        if training_config.learning_rate_decay_factor > 0:
            num_batches_per_epoch = (training_config.num_examples_per_epoch /
                                     model_config.batch_size)
            decay_steps = int(num_batches_per_epoch * training_config.num_epochs_per_decay)

            def _learning_rate_decay_fn(learning_rate, global_step):
                return tf.train.exponential_decay(
                    learning_rate,
                    global_step,
                    decay_steps=decay_steps,
                    decay_rate=training_config.learning_rate_decay_factor,
                    staircase=True)

            learning_rate_decay_fn = _learning_rate_decay_fn

        # Set up the training ops.
        train_op = tf.contrib.layers.optimize_loss(
            loss=model.total_loss,
            global_step=model.global_step,
            learning_rate=learning_rate,
            optimizer=training_config.optimizer,
            clip_gradients=training_config.clip_gradients,
            learning_rate_decay_fn=learning_rate_decay_fn)

        # Set up the Saver for saving and restoring model checkpoints.
        saver = tf.train.Saver(max_to_keep=5)
    # (train.py then runs slim.learning.train(train_op, train_dir, graph=g, saver=saver))
    with tf.Session(graph=g) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train_op, feed_dict={model.images: np.zeros((4, 32, 32, 3)),
                                      model.input_seqs: [[1, 2]] * 4,
                                      model.target_seqs: [[2, 3]] * 4,
                                      model.input_mask: [[1, 1]] * 4})


if __name__ == "__main__":
    tf.app.run()
