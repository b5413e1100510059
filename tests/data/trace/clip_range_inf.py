# A critic whose value is clipped to an unbounded range by default (DDPG-style return_range),
# so -inf and inf reach tf.clip_by_value.
import numpy as np
import tensorflow as tf


class Critic(object):
    def __init__(self, value_range=(-np.inf, np.inf)):
        self.value_range = value_range

    def __call__(self, obs, act):
        with tf.variable_scope("critic"):
            h = tf.layers.dense(tf.concat([obs, act], axis=-1), 8, activation=tf.nn.relu)
            q = tf.layers.dense(h, 1)
        return tf.clip_by_value(q, self.value_range[0], self.value_range[1])


obs = tf.placeholder(tf.float32, [None, 3], name="obs")
act = tf.placeholder(tf.float32, [None, 2], name="act")
q = Critic()(obs, act)
floor = tf.maximum(q, float("-inf"))
