"""A subclassed tf.keras.Model in a TF1 graph (after TF 1.13+ projects written in the
"define layers in __init__, the forward pass in call" style, e.g. RL agents' actor/critic
networks and the TF 1.x model-subclassing tutorials): two models of one class are called on
placeholders and trained with a tf.train optimizer."""
import tensorflow as tf


class QNetwork(tf.keras.Model):
    def __init__(self, num_actions, hidden=(64, 64), name=None):
        super(QNetwork, self).__init__(name=name)
        self.hidden_layers = [tf.keras.layers.Dense(units, activation=tf.nn.relu)
                              for units in hidden]
        self.head = tf.keras.layers.Dense(num_actions, name="q_values")

    def call(self, observations):
        x = observations
        for layer in self.hidden_layers:
            x = layer(x)
        return self.head(x)


obs = tf.placeholder(tf.float32, [None, 8], name="obs")
actions = tf.placeholder(tf.int32, [None], name="actions")
targets = tf.placeholder(tf.float32, [None], name="targets")
online = QNetwork(4, name="online")
target = QNetwork(4, name="target")
q = online(obs)
q_next = target(obs)
chosen = tf.reduce_sum(q * tf.one_hot(actions, 4), axis=1)
loss = tf.reduce_mean(tf.square(targets - chosen))
train = tf.train.AdamOptimizer(1e-3).minimize(loss, var_list=online.trainable_variables)
sync = [tf.assign(t, o) for t, o in zip(target.trainable_variables,
                                        online.trainable_variables)]
