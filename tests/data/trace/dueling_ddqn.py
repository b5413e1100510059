"""Double dueling DQN (after awjuliani's DeepRL-Agents Double-Dueling-DQN notebook): a Qnetwork
class built twice (main and target) from slim.conv2d without scopes, the last conv split into
advantage and value streams whose weights are tf.Variable(xavier_init([...])) with the
initializer called directly, Q = V + (A - mean A), then the target-update ops made by a helper
over tf.trainable_variables() halves: tfVars[idx + n//2].assign(var.value()*tau + ...)."""
import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim


class Qnetwork():
    def __init__(self, h_size, n_actions=4):
        # The network recieves a frame from the game, flattened into an array.
        # It then resizes it and processes it through four convolutional layers.
        self.scalarInput = tf.placeholder(shape=[None, 3072], dtype=tf.float32)
        self.imageIn = tf.reshape(self.scalarInput, shape=[-1, 32, 32, 3])
        self.conv1 = slim.conv2d(
            inputs=self.imageIn, num_outputs=8, kernel_size=[8, 8], stride=[4, 4],
            padding="VALID", biases_initializer=None)
        self.conv2 = slim.conv2d(
            inputs=self.conv1, num_outputs=16, kernel_size=[3, 3], stride=[2, 2],
            padding="VALID", biases_initializer=None)
        self.conv3 = slim.conv2d(
            inputs=self.conv2, num_outputs=16, kernel_size=[3, 3], stride=[1, 1],
            padding="VALID", biases_initializer=None)
        self.conv4 = slim.conv2d(
            inputs=self.conv3, num_outputs=h_size, kernel_size=[1, 1], stride=[1, 1],
            padding="VALID", biases_initializer=None)

        # We take the output from the final convolutional layer and split it into separate
        # advantage and value streams.
        self.streamAC, self.streamVC = tf.split(self.conv4, 2, 3)
        self.streamA = slim.flatten(self.streamAC)
        self.streamV = slim.flatten(self.streamVC)
        xavier_init = tf.contrib.layers.xavier_initializer()
        self.AW = tf.Variable(xavier_init([h_size // 2, n_actions]))
        self.VW = tf.Variable(xavier_init([h_size // 2, 1]))
        self.Advantage = tf.matmul(self.streamA, self.AW)
        self.Value = tf.matmul(self.streamV, self.VW)

        # Then combine them together to get our final Q-values.
        self.Qout = self.Value + tf.subtract(self.Advantage, tf.reduce_mean(
            self.Advantage, axis=1, keep_dims=True))
        self.predict = tf.argmax(self.Qout, 1)

        # Below we obtain the loss by taking the sum of squares difference between the target
        # and prediction Q values.
        self.targetQ = tf.placeholder(shape=[None], dtype=tf.float32)
        self.actions = tf.placeholder(shape=[None], dtype=tf.int32)
        self.actions_onehot = tf.one_hot(self.actions, n_actions, dtype=tf.float32)

        self.Q = tf.reduce_sum(tf.multiply(self.Qout, self.actions_onehot), axis=1)

        self.td_error = tf.square(self.targetQ - self.Q)
        self.loss = tf.reduce_mean(self.td_error)
        self.trainer = tf.train.AdamOptimizer(learning_rate=0.0001)
        self.updateModel = self.trainer.minimize(self.loss)


def updateTargetGraph(tfVars, tau):
    total_vars = len(tfVars)
    op_holder = []
    for idx, var in enumerate(tfVars[0:total_vars // 2]):
        op_holder.append(tfVars[idx + total_vars // 2].assign(
            (var.value() * tau) + ((1 - tau) * tfVars[idx + total_vars // 2].value())))
    return op_holder


def updateTarget(op_holder, sess):
    for op in op_holder:
        sess.run(op)


batch_size = 4  # How many experiences to use for each training step.
y = .99  # Discount factor on the target Q-values
h_size = 32  # The size of the final convolutional layer before splitting it
tau = 0.001  # Rate to update target network toward primary network

tf.reset_default_graph()
mainQN = Qnetwork(h_size)
targetQN = Qnetwork(h_size)

init = tf.global_variables_initializer()

saver = tf.train.Saver()

trainables = tf.trainable_variables()

targetOps = updateTargetGraph(trainables, tau)

with tf.Session() as sess:
    sess.run(init)
    updateTarget(targetOps, sess)
    s = np.random.rand(batch_size, 3072)
    Q1 = sess.run(mainQN.predict, feed_dict={mainQN.scalarInput: s})
    Q2 = sess.run(targetQN.Qout, feed_dict={targetQN.scalarInput: s})
    doubleQ = Q2[range(batch_size), Q1]
    targetQ = np.zeros(batch_size) + (y * doubleQ)
    _ = sess.run(mainQN.updateModel,
                 feed_dict={mainQN.scalarInput: s, mainQN.targetQ: targetQ,
                            mainQN.actions: np.zeros(batch_size, np.int32)})
