"""Neural collaborative filtering (after guoyang9/NCF's TF version, NCF.py): a model object
configured by args, placeholders under name_scope('input'), one-hot users and items embedded
by tf.layers.dense with an l2 kernel_regularizer for the GMF and MLP paths, the activation
and optimizer picked by their names, the MLP layers and dropout in a loop, the two paths
concatenated for the prediction, sigmoid cross-entropy plus the regularization losses, and
a global step made with tf.Variable."""
import argparse

import tensorflow as tf


class NCF(object):
    def __init__(self, user_size, item_size, embed_size, lr, optim, initializer,
                 loss_func, activation_func, regularizer_rate, iterator, topk, dropout,
                 is_training):
        """
        Important Arguments.

        embed_size: The final embedding size for users and items.
        optim: The optimization method chosen in this model.
        initializer: The initialization method.
        loss_func: Loss function, we choose the cross entropy.
        regularizer_rate: L2 is chosen, this represents the L2 rate.
        iterator: Input dataset.
        topk: For evaluation, computing the topk items.
        """
        self.user_size = user_size
        self.item_size = item_size
        self.embed_size = embed_size
        self.lr = lr
        self.initializer = initializer
        self.loss_func = loss_func
        self.activation_func = activation_func
        self.regularizer_rate = regularizer_rate
        self.optim = optim
        self.topk = topk
        self.dropout = dropout
        self.is_training = is_training
        self.iterator = iterator

    def get_data(self):
        """ Obtain the input data. """
        with tf.name_scope("input"):
            self.user = tf.placeholder(tf.int32, [None], name="user")
            self.item = tf.placeholder(tf.int32, [None], name="item")
            self.label = tf.placeholder(tf.float32, [None], name="label")

    def inference(self):
        """ Initialize important settings """
        self.regularizer = tf.contrib.layers.l2_regularizer(self.regularizer_rate)

        if self.initializer == "Normal":
            self.initializer = tf.truncated_normal_initializer(stddev=0.01)
        elif self.initializer == "Xavier_Normal":
            self.initializer = tf.contrib.layers.xavier_initializer()
        else:
            self.initializer = tf.glorot_uniform_initializer()

        if self.activation_func == "ReLU":
            self.activation_func = tf.nn.relu
        elif self.activation_func == "Leaky_ReLU":
            self.activation_func = tf.nn.leaky_relu
        elif self.activation_func == "ELU":
            self.activation_func = tf.nn.elu

        if self.loss_func == "cross_entropy":
            # self.loss_func = lambda labels, logits: -tf.reduce_sum(
            #     (labels * tf.log(logits) + (1 - labels) * tf.log(1 - logits)), 1)
            self.loss_func = tf.nn.sigmoid_cross_entropy_with_logits

        if self.optim == "SGD":
            self.optim = tf.train.GradientDescentOptimizer(self.lr, name="SGD")
        elif self.optim == "RMSProp":
            self.optim = tf.train.RMSPropOptimizer(self.lr, decay=0.9, momentum=0.0,
                                                   name="RMSProp")
        elif self.optim == "Adam":
            self.optim = tf.train.AdamOptimizer(self.lr, name="Adam")

    def create_model(self):
        """ Create model from scratch. """
        with tf.name_scope("input"):
            self.user_onehot = tf.one_hot(self.user, self.user_size, name="user_onehot")
            self.item_onehot = tf.one_hot(self.item, self.item_size, name="item_onehot")

        with tf.name_scope("embed"):
            self.user_embed_GMF = tf.layers.dense(inputs=self.user_onehot,
                                                  units=self.embed_size,
                                                  activation=self.activation_func,
                                                  kernel_initializer=self.initializer,
                                                  kernel_regularizer=self.regularizer,
                                                  name="user_embed_GMF")

            self.item_embed_GMF = tf.layers.dense(inputs=self.item_onehot,
                                                  units=self.embed_size,
                                                  activation=self.activation_func,
                                                  kernel_initializer=self.initializer,
                                                  kernel_regularizer=self.regularizer,
                                                  name="item_embed_GMF")

            self.user_embed_MLP = tf.layers.dense(inputs=self.user_onehot,
                                                  units=self.embed_size,
                                                  activation=self.activation_func,
                                                  kernel_initializer=self.initializer,
                                                  kernel_regularizer=self.regularizer,
                                                  name="user_embed_MLP")

            self.item_embed_MLP = tf.layers.dense(inputs=self.item_onehot,
                                                  units=self.embed_size,
                                                  activation=self.activation_func,
                                                  kernel_initializer=self.initializer,
                                                  kernel_regularizer=self.regularizer,
                                                  name="item_embed_MLP")

        with tf.name_scope("GMF"):
            self.GMF = tf.multiply(self.user_embed_GMF, self.item_embed_GMF, name="GMF")

        with tf.name_scope("MLP"):
            self.interaction = tf.concat([self.user_embed_MLP, self.item_embed_MLP],
                                         axis=-1, name="interaction")

            layer = self.interaction
            for i, units in enumerate([self.embed_size * 2, self.embed_size]):
                layer = tf.layers.dense(inputs=layer, units=units,
                                        activation=self.activation_func,
                                        kernel_initializer=self.initializer,
                                        kernel_regularizer=self.regularizer,
                                        name="layer%d_MLP" % (i + 1))
                layer = tf.layers.dropout(layer, rate=self.dropout,
                                          training=self.is_training)
            self.layer2_MLP = layer

        with tf.name_scope("concatenation"):
            self.concatenation = tf.concat([self.GMF, self.layer2_MLP], axis=-1,
                                           name="concatenation")

            self.logits = tf.layers.dense(inputs=self.concatenation,
                                          units=1,
                                          activation=None,
                                          kernel_initializer=self.initializer,
                                          kernel_regularizer=self.regularizer,
                                          name="predict")

            self.logits_dense = tf.reshape(self.logits, [-1])

        with tf.name_scope("loss"):
            reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
            reg_loss = tf.contrib.layers.apply_regularization(self.regularizer, reg)
            self.loss = self.loss_func(labels=self.label, logits=self.logits_dense,
                                       name="loss")
            self.loss = tf.reduce_mean(self.loss) + reg_loss

        with tf.name_scope("optimzation"):
            self.optimzer = self.optim.minimize(self.loss, global_step=self.global_step)

    def eval(self):
        with tf.name_scope("evaluation"):
            self.item_replica = self.item
            _, self.indice = tf.nn.top_k(tf.sigmoid(self.logits_dense), self.topk)

    def summary(self):
        """ Create summaries to write on tensorboard. """
        self.writer = None
        with tf.name_scope("summaries"):
            tf.summary.scalar("loss", self.loss)
            tf.summary.histogram("histogram loss", self.loss)
            self.summary_op = tf.summary.merge_all()

    def build(self):
        """ Build the computation graph. """
        self.get_data()
        self.inference()
        self.create_model()
        self.eval()
        self.summary()
        self.saver = tf.train.Saver(tf.global_variables())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", default=0.001, type=float, help="learning rate.")
    parser.add_argument("--dropout", default=0.5, type=float, help="dropout rate.")
    parser.add_argument("--embed_size", default=8, type=int, help="embedding size.")
    parser.add_argument("--activation", default="ReLU", type=str,
                        help="activation functions.")
    parser.add_argument("--optim", default="Adam", type=str, help="the optimization method.")
    parser.add_argument("--initializer", default="Xavier", type=str,
                        help="the initializer method.")
    parser.add_argument("--loss_func", default="cross_entropy", type=str,
                        help="the loss function.")
    parser.add_argument("--topK", default=3, type=int, help="topk for evaluation.")
    parser.add_argument("--regularizer", default=0.001, type=float,
                        help="the regularizer rate.")
    FLAGS = parser.parse_args()

    with tf.Session() as sess:
        model = NCF(20, 30, FLAGS.embed_size, FLAGS.lr, FLAGS.optim, FLAGS.initializer,
                    FLAGS.loss_func, FLAGS.activation, FLAGS.regularizer, None, FLAGS.topK,
                    FLAGS.dropout, is_training=True)
        model.global_step = tf.Variable(0, trainable=False, name="global_step")
        model.build()
        sess.run(tf.global_variables_initializer())
        sess.run(tf.local_variables_initializer())


if __name__ == "__main__":
    main()
