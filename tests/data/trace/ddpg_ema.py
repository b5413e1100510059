"""DDPG with soft target updates by an ExponentialMovingAverage (after MorvanZhou's
DDPG_update2.py): the actor and critic built once with trainable variables, the EMA applied to
their collections, and the target networks built again under reuse=True with a custom getter
`ema_getter(getter, name, *args, **kwargs)` returning ema.average(getter(...)); the critic's
optimizer runs under control_dependencies on the target update."""
import numpy as np
import tensorflow as tf

MAX_EPISODES, LR_A, LR_C, GAMMA, TAU = 200, 0.001, 0.002, 0.9, 0.01
s_dim, a_dim, a_bound = 3, 1, np.array([2.0])


class DDPG(object):
    def __init__(self, a_dim, s_dim, a_bound):
        self.a_dim, self.s_dim, self.a_bound = a_dim, s_dim, a_bound
        self.S = tf.placeholder(tf.float32, [None, s_dim], "s")
        self.S_ = tf.placeholder(tf.float32, [None, s_dim], "s_")
        self.R = tf.placeholder(tf.float32, [None, 1], "r")
        self.a = self._build_a(self.S)
        q = self._build_c(self.S, self.a)
        a_params = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Actor")
        c_params = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="Critic")
        ema = tf.train.ExponentialMovingAverage(decay=1 - TAU)

        def ema_getter(getter, name, *args, **kwargs):
            return ema.average(getter(name, *args, **kwargs))

        target_update = [ema.apply(a_params), ema.apply(c_params)]
        a_ = self._build_a(self.S_, reuse=True, custom_getter=ema_getter)
        q_ = self._build_c(self.S_, a_, reuse=True, custom_getter=ema_getter)
        a_loss = -tf.reduce_mean(q)
        self.atrain = tf.train.AdamOptimizer(LR_A).minimize(a_loss, var_list=a_params)
        with tf.control_dependencies(target_update):
            q_target = self.R + GAMMA * q_
            td_error = tf.losses.mean_squared_error(labels=q_target, predictions=q)
            self.ctrain = tf.train.AdamOptimizer(LR_C).minimize(td_error, var_list=c_params)

    def _build_a(self, s, reuse=None, custom_getter=None):
        trainable = True if reuse is None else False
        with tf.variable_scope("Actor", reuse=reuse, custom_getter=custom_getter):
            net = tf.layers.dense(s, 30, activation=tf.nn.relu, name="l1", trainable=trainable)
            a = tf.layers.dense(net, self.a_dim, activation=tf.nn.tanh, name="a",
                                trainable=trainable)
            return tf.multiply(a, self.a_bound, name="scaled_a")

    def _build_c(self, s, a, reuse=None, custom_getter=None):
        trainable = True if reuse is None else False
        with tf.variable_scope("Critic", reuse=reuse, custom_getter=custom_getter):
            n_l1 = 30
            w1_s = tf.get_variable("w1_s", [self.s_dim, n_l1], trainable=trainable)
            w1_a = tf.get_variable("w1_a", [self.a_dim, n_l1], trainable=trainable)
            b1 = tf.get_variable("b1", [1, n_l1], trainable=trainable)
            net = tf.nn.relu(tf.matmul(s, w1_s) + tf.matmul(a, w1_a) + b1)
            return tf.layers.dense(net, 1, trainable=trainable)


ddpg = DDPG(a_dim, s_dim, a_bound)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
