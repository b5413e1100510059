"""A text classifier (after the TF1 sentiment-analysis / text-classification repositories):
tf.app.flags for the hyper-parameters, an embedding made with xavier_initializer, a
MultiRNNCell of DropoutWrapper(BasicLSTMCell), dynamic_rnn with sequence lengths, the last
relevant output gathered, a tf.contrib.layers.fully_connected head with an l2_regularizer,
the regularization losses added, gradients clipped by global norm."""
import tensorflow as tf

flags = tf.app.flags
flags.DEFINE_integer("vocab_size", 100, "vocabulary size")
flags.DEFINE_integer("embedding_dim", 16, "embedding size")
flags.DEFINE_integer("hidden", 24, "LSTM units")
flags.DEFINE_integer("num_layers", 2, "LSTM layers")
flags.DEFINE_float("l2", 0.001, "l2 regularization")
flags.DEFINE_float("max_grad_norm", 5.0, "gradient clipping")
FLAGS = flags.FLAGS


class TextRNN(object):
    def __init__(self, num_classes=2):
        self.input_x = tf.placeholder(tf.int32, [None, None], name="input_x")
        self.input_y = tf.placeholder(tf.float32, [None, num_classes], name="input_y")
        self.seq_len = tf.placeholder(tf.int32, [None], name="seq_len")
        self.keep_prob = tf.placeholder_with_default(1.0, [], name="keep_prob")
        with tf.device("/cpu:0"), tf.name_scope("embedding"):
            self.W = tf.get_variable("W", [FLAGS.vocab_size, FLAGS.embedding_dim],
                                     initializer=tf.contrib.layers.xavier_initializer())
            embedded = tf.nn.embedding_lookup(self.W, self.input_x)
        with tf.variable_scope("rnn"):
            cells = []
            for _ in range(FLAGS.num_layers):
                cell = tf.nn.rnn_cell.BasicLSTMCell(FLAGS.hidden, forget_bias=1.0)
                cell = tf.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=self.keep_prob)
                cells.append(cell)
            stacked = tf.nn.rnn_cell.MultiRNNCell(cells, state_is_tuple=True)
            outputs, _ = tf.nn.dynamic_rnn(stacked, embedded, sequence_length=self.seq_len,
                                           dtype=tf.float32)
            batch = tf.shape(outputs)[0]
            index = tf.range(0, batch) * tf.shape(outputs)[1] + (self.seq_len - 1)
            last = tf.gather(tf.reshape(outputs, [-1, FLAGS.hidden]), index)
        with tf.name_scope("output"):
            self.logits = tf.contrib.layers.fully_connected(
                last, num_classes, activation_fn=None,
                weights_initializer=tf.contrib.layers.xavier_initializer(),
                weights_regularizer=tf.contrib.layers.l2_regularizer(FLAGS.l2), scope="fc")
            self.predictions = tf.argmax(self.logits, 1, name="predictions")
        with tf.name_scope("loss"):
            losses = tf.nn.softmax_cross_entropy_with_logits(logits=self.logits,
                                                             labels=self.input_y)
            reg = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
            self.loss = tf.reduce_mean(losses) + reg
        with tf.name_scope("accuracy"):
            correct = tf.equal(self.predictions, tf.argmax(self.input_y, 1))
            self.accuracy = tf.reduce_mean(tf.cast(correct, "float"), name="accuracy")


def main(_):
    model = TextRNN()
    global_step = tf.Variable(0, name="global_step", trainable=False)
    tvars = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(model.loss, tvars), FLAGS.max_grad_norm)
    optimizer = tf.train.AdamOptimizer(1e-3)
    train_op = optimizer.apply_gradients(zip(grads, tvars), global_step=global_step)
    loss_summary = tf.summary.scalar("loss", model.loss)
    acc_summary = tf.summary.scalar("accuracy", model.accuracy)
    train_summary_op = tf.summary.merge([loss_summary, acc_summary])
    saver = tf.train.Saver(tf.global_variables(), max_to_keep=5)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())


if __name__ == "__main__":
    tf.app.run()
