"""MAML (after cbfinn/maml's maml.py and utils.py): flags from tensorflow.python.platform,
weights in a dict of tf.Variable made by construct_fc_weights, a forward pass through a
normalize() helper (contrib batch_norm with reuse and scope='0','1',...), the inner update as
a closure task_metalearn that takes tf.gradients of the task loss over the dict's values and
makes fast weights, called once directly (to make the batch-norm variables) and then by
tf.map_fn over the meta-batch, and a meta-optimizer whose gradients may be clipped."""
import numpy as np
import tensorflow as tf
from tensorflow.contrib.layers.python import layers as tf_layers
from tensorflow.python.platform import flags

FLAGS = flags.FLAGS
flags.DEFINE_string("datasource", "sinusoid", "sinusoid or omniglot or miniimagenet")
flags.DEFINE_integer("metatrain_iterations", 15000, "number of metatraining iterations.")
flags.DEFINE_integer("meta_batch_size", 4, "number of tasks sampled per meta-update")
flags.DEFINE_float("meta_lr", 0.001, "the base learning rate of the generator")
flags.DEFINE_integer("update_batch_size", 5, "number of examples used for inner gradient "
                     "update (K for K-shot learning).")
flags.DEFINE_float("update_lr", 1e-3, "step size alpha for inner gradient update.")
flags.DEFINE_integer("num_updates", 2, "number of inner gradient updates during training.")
flags.DEFINE_string("norm", "batch_norm", "batch_norm, layer_norm, or None")
flags.DEFINE_bool("stop_grad", False, "if True, do not use second derivatives in meta-"
                  "optimization (for speed)")


# --- utils.py ---

def normalize(inp, activation, reuse, scope):
    if FLAGS.norm == "batch_norm":
        return tf_layers.batch_norm(inp, activation_fn=activation, reuse=reuse, scope=scope)
    elif FLAGS.norm == "layer_norm":
        return tf_layers.layer_norm(inp, activation_fn=activation, reuse=reuse, scope=scope)
    elif FLAGS.norm == "None":
        if activation is not None:
            return activation(inp)
        else:
            return inp


def mse(pred, label):
    pred = tf.reshape(pred, [-1])
    label = tf.reshape(label, [-1])
    return tf.reduce_mean(tf.square(pred - label))


# --- maml.py ---

class MAML:
    def __init__(self, dim_input=1, dim_output=1, test_num_updates=5):
        """ must call construct_model() after initializing MAML! """
        self.dim_input = dim_input
        self.dim_output = dim_output
        self.update_lr = FLAGS.update_lr
        self.meta_lr = tf.placeholder_with_default(FLAGS.meta_lr, ())
        self.classification = False
        self.test_num_updates = test_num_updates
        if FLAGS.datasource == "sinusoid":
            self.dim_hidden = [40, 40]
            self.loss_func = mse
            self.forward = self.forward_fc
            self.construct_weights = self.construct_fc_weights
        else:
            raise ValueError("Unrecognized data source.")

    def construct_model(self, input_tensors=None, prefix="metatrain_"):
        # a: training data for inner gradient, b: test data for meta gradient
        if input_tensors is None:
            self.inputa = tf.placeholder(tf.float32, [FLAGS.meta_batch_size, None,
                                                      self.dim_input])
            self.inputb = tf.placeholder(tf.float32, [FLAGS.meta_batch_size, None,
                                                      self.dim_input])
            self.labela = tf.placeholder(tf.float32, [FLAGS.meta_batch_size, None,
                                                      self.dim_output])
            self.labelb = tf.placeholder(tf.float32, [FLAGS.meta_batch_size, None,
                                                      self.dim_output])
        else:
            self.inputa = input_tensors["inputa"]
            self.inputb = input_tensors["inputb"]
            self.labela = input_tensors["labela"]
            self.labelb = input_tensors["labelb"]

        with tf.variable_scope("model", reuse=None) as training_scope:
            if "weights" in dir(self):
                training_scope.reuse_variables()
                weights = self.weights
            else:
                # Define the weights
                self.weights = weights = self.construct_weights()

            # outputbs[i] and lossesb[i] is the output and loss after i+1 gradient updates
            lossesa, outputas, lossesb, outputbs = [], [], [], []
            accuraciesa, accuraciesb = [], []
            num_updates = max(self.test_num_updates, FLAGS.num_updates)
            outputbs = [[]] * num_updates
            lossesb = [[]] * num_updates
            accuraciesb = [[]] * num_updates

            def task_metalearn(inp, reuse=True):
                """ Perform gradient descent for one task in the meta-batch. """
                inputa, inputb, labela, labelb = inp
                task_outputbs, task_lossesb = [], []

                task_outputa = self.forward(inputa, weights, reuse=reuse)  # only reuse on the
                # first iter
                task_lossa = self.loss_func(task_outputa, labela)

                grads = tf.gradients(task_lossa, list(weights.values()))
                if FLAGS.stop_grad:
                    grads = [tf.stop_gradient(grad) for grad in grads]
                gradients = dict(zip(weights.keys(), grads))
                fast_weights = dict(zip(weights.keys(), [weights[key] - self.update_lr *
                                                         gradients[key]
                                                         for key in weights.keys()]))
                output = self.forward(inputb, fast_weights, reuse=True)
                task_outputbs.append(output)
                task_lossesb.append(self.loss_func(output, labelb))

                for j in range(num_updates - 1):
                    loss = self.loss_func(self.forward(inputa, fast_weights, reuse=True),
                                          labela)
                    grads = tf.gradients(loss, list(fast_weights.values()))
                    if FLAGS.stop_grad:
                        grads = [tf.stop_gradient(grad) for grad in grads]
                    gradients = dict(zip(fast_weights.keys(), grads))
                    fast_weights = dict(zip(fast_weights.keys(),
                                            [fast_weights[key] - self.update_lr *
                                             gradients[key] for key in fast_weights.keys()]))
                    output = self.forward(inputb, fast_weights, reuse=True)
                    task_outputbs.append(output)
                    task_lossesb.append(self.loss_func(output, labelb))

                task_output = [task_outputa, task_outputbs, task_lossa, task_lossesb]
                return task_output

            if FLAGS.norm != "None":
                # to initialize the batch norm vars, might want to combine this, and not run
                # idx 0 twice.
                unused = task_metalearn((self.inputa[0], self.inputb[0], self.labela[0],
                                         self.labelb[0]), False)

            out_dtype = [tf.float32, [tf.float32] * num_updates, tf.float32,
                         [tf.float32] * num_updates]
            result = tf.map_fn(task_metalearn,
                               elems=(self.inputa, self.inputb, self.labela, self.labelb),
                               dtype=out_dtype, parallel_iterations=FLAGS.meta_batch_size)
            outputas, outputbs, lossesa, lossesb = result

        # Performance & Optimization
        if "train" in prefix:
            self.total_loss1 = total_loss1 = tf.reduce_sum(lossesa) / tf.to_float(
                FLAGS.meta_batch_size)
            self.total_losses2 = total_losses2 = [
                tf.reduce_sum(lossesb[j]) / tf.to_float(FLAGS.meta_batch_size)
                for j in range(num_updates)]
            # after the map_fn
            self.outputas, self.outputbs = outputas, outputbs
            self.pretrain_op = tf.train.AdamOptimizer(self.meta_lr).minimize(total_loss1)

            if FLAGS.metatrain_iterations > 0:
                optimizer = tf.train.AdamOptimizer(self.meta_lr)
                self.gvs = gvs = optimizer.compute_gradients(
                    self.total_losses2[FLAGS.num_updates - 1])
                if FLAGS.datasource == "miniimagenet":
                    gvs = [(tf.clip_by_value(grad, -10, 10), var) for grad, var in gvs]
                self.metatrain_op = optimizer.apply_gradients(gvs)

        # Summaries
        tf.summary.scalar(prefix + "Pre-update loss", total_loss1)
        for j in range(num_updates):
            tf.summary.scalar(prefix + "Post-update loss, step " + str(j + 1),
                              total_losses2[j])

    def construct_fc_weights(self):
        weights = {}
        weights["w1"] = tf.Variable(tf.truncated_normal([self.dim_input, self.dim_hidden[0]],
                                                        stddev=0.01))
        weights["b1"] = tf.Variable(tf.zeros([self.dim_hidden[0]]))
        for i in range(1, len(self.dim_hidden)):
            weights["w" + str(i + 1)] = tf.Variable(tf.truncated_normal(
                [self.dim_hidden[i - 1], self.dim_hidden[i]], stddev=0.01))
            weights["b" + str(i + 1)] = tf.Variable(tf.zeros([self.dim_hidden[i]]))
        weights["w" + str(len(self.dim_hidden) + 1)] = tf.Variable(tf.truncated_normal(
            [self.dim_hidden[-1], self.dim_output], stddev=0.01))
        weights["b" + str(len(self.dim_hidden) + 1)] = tf.Variable(tf.zeros([self.dim_output]))
        return weights

    def forward_fc(self, inp, weights, reuse=False):
        hidden = normalize(tf.matmul(inp, weights["w1"]) + weights["b1"],
                           activation=tf.nn.relu, reuse=reuse, scope="0")
        for i in range(1, len(self.dim_hidden)):
            hidden = normalize(tf.matmul(hidden, weights["w" + str(i + 1)]) +
                               weights["b" + str(i + 1)], activation=tf.nn.relu,
                               reuse=reuse, scope=str(i + 1))
        return tf.matmul(hidden, weights["w" + str(len(self.dim_hidden) + 1)]) + \
            weights["b" + str(len(self.dim_hidden) + 1)]


def main():
    model = MAML(1, 1, test_num_updates=2)
    model.construct_model(input_tensors=None, prefix="metatrain_")
    model.summ_op = tf.summary.merge_all()
    saver = tf.train.Saver(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES),
                           max_to_keep=10)
    sess = tf.InteractiveSession()
    tf.global_variables_initializer().run()
    tf.train.start_queue_runners()
    batch_x = np.random.rand(FLAGS.meta_batch_size, 10, 1).astype(np.float32)
    feed = {model.inputa: batch_x[:, :5, :], model.inputb: batch_x[:, 5:, :],
            model.labela: batch_x[:, :5, :], model.labelb: batch_x[:, 5:, :]}
    sess.run([model.metatrain_op, model.total_loss1], feed)
    return saver


if __name__ == "__main__":
    main()
