"""char-rnn (after sherjilozair/char-rnn-tensorflow's model.py and train.py): argparse args, a
Model whose __init__ picks the cell class by name, builds a list of cells with DropoutWrappers
in a loop, MultiRNNCell, a 'rnnlm' scope with softmax_w/b and an embedding, the input split into
steps, legacy_seq2seq.rnn_decoder with a loop function when sampling, sequence_loss_by_example,
lr as a non-trainable Variable, gradients clipped by global norm under name_scope('optimizer'),
and histogram summaries."""
import argparse

import numpy as np
import tensorflow as tf
from tensorflow.contrib import legacy_seq2seq, rnn


class Model():
    def __init__(self, args, training=True):
        self.args = args
        if not training:
            args.batch_size = 1
            args.seq_length = 1

        # choose different rnn cell
        if args.model == "rnn":
            cell_fn = rnn.RNNCell
        elif args.model == "gru":
            cell_fn = rnn.GRUCell
        elif args.model == "lstm":
            cell_fn = rnn.LSTMCell
        elif args.model == "nas":
            cell_fn = rnn.NASCell
        else:
            raise Exception("model type not supported: {}".format(args.model))

        # warp multi layered rnn cell into one cell with dropout
        cells = []
        for _ in range(args.num_layers):
            cell = cell_fn(args.rnn_size)
            if training and (args.output_keep_prob < 1.0 or args.input_keep_prob < 1.0):
                cell = rnn.DropoutWrapper(cell,
                                          input_keep_prob=args.input_keep_prob,
                                          output_keep_prob=args.output_keep_prob)
            cells.append(cell)
        self.cell = cell = rnn.MultiRNNCell(cells, state_is_tuple=True)

        # input/target data (int32 since input is char-level)
        self.input_data = tf.placeholder(tf.int32, [args.batch_size, args.seq_length])
        self.targets = tf.placeholder(tf.int32, [args.batch_size, args.seq_length])
        self.initial_state = cell.zero_state(args.batch_size, tf.float32)

        # softmax output layer, use softmax to classify
        with tf.variable_scope("rnnlm"):
            softmax_w = tf.get_variable("softmax_w", [args.rnn_size, args.vocab_size])
            softmax_b = tf.get_variable("softmax_b", [args.vocab_size])

        # transform input to embedding
        embedding = tf.get_variable("embedding", [args.vocab_size, args.rnn_size])
        inputs = tf.nn.embedding_lookup(embedding, self.input_data)

        # dropout beta testing: double check which one should affect next line
        if training and args.output_keep_prob:
            inputs = tf.nn.dropout(inputs, args.output_keep_prob)

        # unstack the input to fits in rnn model
        inputs = tf.split(inputs, args.seq_length, 1)
        inputs = [tf.squeeze(input_, [1]) for input_ in inputs]

        # loop function for rnn_decoder, which take the previous i-th cell's output and
        # generate the (i+1)-th cell's input
        def loop(prev, _):
            prev = tf.matmul(prev, softmax_w) + softmax_b
            prev_symbol = tf.stop_gradient(tf.argmax(prev, 1))
            return tf.nn.embedding_lookup(embedding, prev_symbol)

        # rnn_decoder to generate the ouputs and final state. When we are not training the
        # model, we use the loop function.
        outputs, last_state = legacy_seq2seq.rnn_decoder(inputs, self.initial_state, cell,
                                                         loop_function=loop if not training
                                                         else None, scope="rnnlm")
        output = tf.reshape(tf.concat(outputs, 1), [-1, args.rnn_size])

        # output layer
        self.logits = tf.matmul(output, softmax_w) + softmax_b
        self.probs = tf.nn.softmax(self.logits)

        # loss is calculate by the log loss and taking the average.
        loss = legacy_seq2seq.sequence_loss_by_example(
            [self.logits],
            [tf.reshape(self.targets, [-1])],
            [tf.ones([args.batch_size * args.seq_length])])
        with tf.name_scope("cost"):
            self.cost = tf.reduce_sum(loss) / args.batch_size / args.seq_length
        self.final_state = last_state
        self.lr = tf.Variable(0.0, trainable=False)
        tvars = tf.trainable_variables()

        # calculate gradients
        grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars), args.grad_clip)
        with tf.name_scope("optimizer"):
            optimizer = tf.train.AdamOptimizer(self.lr)

        # apply gradient change to the all the trainable variable.
        self.train_op = optimizer.apply_gradients(zip(grads, tvars))

        # instrument tensorboard
        tf.summary.histogram("logits", self.logits)
        tf.summary.histogram("loss", loss)
        tf.summary.scalar("train_loss", self.cost)


def main():
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--rnn_size", type=int, default=16, help="size of RNN hidden state")
    parser.add_argument("--num_layers", type=int, default=2, help="number of layers in RNN")
    parser.add_argument("--model", type=str, default="lstm",
                        help="rnn, gru, lstm, or nas")
    parser.add_argument("--batch_size", type=int, default=4, help="minibatch size")
    parser.add_argument("--seq_length", type=int, default=5, help="RNN sequence length")
    parser.add_argument("--grad_clip", type=float, default=5., help="clip gradients at")
    parser.add_argument("--learning_rate", type=float, default=0.002, help="learning rate")
    parser.add_argument("--decay_rate", type=float, default=0.97, help="decay rate")
    parser.add_argument("--output_keep_prob", type=float, default=0.9,
                        help="probability of keeping weights in the hidden layer")
    parser.add_argument("--input_keep_prob", type=float, default=1.0,
                        help="probability of keeping weights in the input layer")
    args = parser.parse_args()
    args.vocab_size = 12

    model = Model(args)
    with tf.Session() as sess:
        summaries = tf.summary.merge_all()
        sess.run(tf.global_variables_initializer())
        saver = tf.train.Saver(tf.global_variables())
        for e in range(2):
            sess.run(tf.assign(model.lr, args.learning_rate * (args.decay_rate ** e)))
            state = sess.run(model.initial_state)
            x = np.zeros((args.batch_size, args.seq_length), np.int32)
            feed = {model.input_data: x, model.targets: x}
            for i, (c, h) in enumerate(model.initial_state):
                feed[c] = state[i].c
                feed[h] = state[i].h
            sess.run([summaries, model.cost, model.final_state, model.train_op], feed)
    return saver


if __name__ == "__main__":
    main()
