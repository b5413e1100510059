"""An A3C agent (after awjuliani's A3C Doom notebook and the TF1 A3C examples): a global
network and one per worker, each in its own variable scope; slim conv/fully_connected, an
LSTM (BasicLSTMCell) run by dynamic_rnn from placeholders of its state, policy and value heads
initialised by a normalized-columns initializer, local gradients clipped by global norm and
applied to the global variables."""
import numpy as np
import tensorflow as tf

slim = tf.contrib.slim
S_SIZE, A_SIZE, RNN = 16 * 16, 3, 32


def normalized_columns_initializer(std=1.0):
    def _initializer(shape, dtype=None, partition_info=None):
        out = np.random.randn(*shape).astype(np.float32)
        out *= std / np.sqrt(np.square(out).sum(axis=0, keepdims=True))
        return tf.constant(out)
    return _initializer


class AC_Network(object):
    def __init__(self, s_size, a_size, scope, trainer):
        with tf.variable_scope(scope):
            self.inputs = tf.placeholder(shape=[None, s_size], dtype=tf.float32)
            self.imageIn = tf.reshape(self.inputs, shape=[-1, 16, 16, 1])
            self.conv1 = slim.conv2d(activation_fn=tf.nn.elu, inputs=self.imageIn,
                                     num_outputs=8, kernel_size=[4, 4], stride=[2, 2],
                                     padding="VALID")
            hidden = slim.fully_connected(slim.flatten(self.conv1), RNN, activation_fn=tf.nn.elu)
            lstm_cell = tf.contrib.rnn.BasicLSTMCell(RNN, state_is_tuple=True)
            c_init = np.zeros((1, lstm_cell.state_size.c), np.float32)
            h_init = np.zeros((1, lstm_cell.state_size.h), np.float32)
            self.state_init = [c_init, h_init]
            c_in = tf.placeholder(tf.float32, [1, lstm_cell.state_size.c])
            h_in = tf.placeholder(tf.float32, [1, lstm_cell.state_size.h])
            self.state_in = (c_in, h_in)
            rnn_in = tf.expand_dims(hidden, [0])
            step_size = tf.shape(self.imageIn)[:1]
            state_in = tf.contrib.rnn.LSTMStateTuple(c_in, h_in)
            lstm_outputs, lstm_state = tf.nn.dynamic_rnn(
                lstm_cell, rnn_in, initial_state=state_in, sequence_length=step_size,
                time_major=False)
            lstm_c, lstm_h = lstm_state
            self.state_out = (lstm_c[:1, :], lstm_h[:1, :])
            rnn_out = tf.reshape(lstm_outputs, [-1, RNN])
            self.policy = slim.fully_connected(
                rnn_out, a_size, activation_fn=tf.nn.softmax,
                weights_initializer=normalized_columns_initializer(0.01), biases_initializer=None)
            self.value = slim.fully_connected(
                rnn_out, 1, activation_fn=None,
                weights_initializer=normalized_columns_initializer(1.0), biases_initializer=None)
            if scope != "global":
                self.actions = tf.placeholder(shape=[None], dtype=tf.int32)
                self.actions_onehot = tf.one_hot(self.actions, a_size, dtype=tf.float32)
                self.target_v = tf.placeholder(shape=[None], dtype=tf.float32)
                self.advantages = tf.placeholder(shape=[None], dtype=tf.float32)
                self.responsible_outputs = tf.reduce_sum(self.policy * self.actions_onehot, [1])
                self.value_loss = 0.5 * tf.reduce_sum(
                    tf.square(self.target_v - tf.reshape(self.value, [-1])))
                self.entropy = -tf.reduce_sum(self.policy * tf.log(self.policy))
                self.policy_loss = -tf.reduce_sum(tf.log(self.responsible_outputs) *
                                                  self.advantages)
                self.loss = 0.5 * self.value_loss + self.policy_loss - self.entropy * 0.01
                local_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope)
                self.gradients = tf.gradients(self.loss, local_vars)
                self.var_norms = tf.global_norm(local_vars)
                grads, self.grad_norms = tf.clip_by_global_norm(self.gradients, 40.0)
                global_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, "global")
                self.apply_grads = trainer.apply_gradients(zip(grads, global_vars))


def update_target_graph(from_scope, to_scope):
    from_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, from_scope)
    to_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, to_scope)
    return [to_var.assign(from_var) for from_var, to_var in zip(from_vars, to_vars)]


with tf.device("/cpu:0"):
    global_episodes = tf.Variable(0, dtype=tf.int32, name="global_episodes", trainable=False)
    trainer = tf.train.AdamOptimizer(learning_rate=1e-4)
    master_network = AC_Network(S_SIZE, A_SIZE, "global", None)
    workers = []
    for i in range(2):
        name = "worker_" + str(i)
        workers.append(AC_Network(S_SIZE, A_SIZE, name, trainer))
        update_local_ops = update_target_graph("global", name)
    saver = tf.train.Saver(max_to_keep=5)
