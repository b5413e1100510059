"""PPO for a continuous action space (after MorvanZhou's and the TF1 PPO tutorials): the
policy built twice (pi, oldpi) by a method that returns a tf.distributions.Normal and the
scope's variables, the copy ops by zip over both lists, a clipped surrogate objective,
a critic with its own optimizer, summaries, and a session that runs the initializers."""
import tensorflow as tf

S_DIM, A_DIM = 3, 1
EPSILON = 0.2


class PPO(object):
    def __init__(self):
        self.sess = tf.Session()
        self.tfs = tf.placeholder(tf.float32, [None, S_DIM], "state")
        with tf.variable_scope("critic"):
            l1 = tf.layers.dense(self.tfs, 32, tf.nn.relu)
            self.v = tf.layers.dense(l1, 1)
            self.tfdc_r = tf.placeholder(tf.float32, [None, 1], "discounted_r")
            self.advantage = self.tfdc_r - self.v
            self.closs = tf.reduce_mean(tf.square(self.advantage))
            self.ctrain_op = tf.train.AdamOptimizer(0.0002).minimize(self.closs)
        pi, pi_params = self._build_anet("pi", trainable=True)
        oldpi, oldpi_params = self._build_anet("oldpi", trainable=False)
        with tf.variable_scope("sample_action"):
            self.sample_op = tf.squeeze(pi.sample(1), axis=0)
        with tf.variable_scope("update_oldpi"):
            self.update_oldpi_op = [oldp.assign(p) for p, oldp in zip(pi_params, oldpi_params)]
        self.tfa = tf.placeholder(tf.float32, [None, A_DIM], "action")
        self.tfadv = tf.placeholder(tf.float32, [None, 1], "advantage")
        with tf.variable_scope("loss"):
            with tf.variable_scope("surrogate"):
                ratio = pi.prob(self.tfa) / (oldpi.prob(self.tfa) + 1e-5)
                surr = ratio * self.tfadv
            self.aloss = -tf.reduce_mean(tf.minimum(
                surr, tf.clip_by_value(ratio, 1. - EPSILON, 1. + EPSILON) * self.tfadv))
        with tf.variable_scope("atrain"):
            self.atrain_op = tf.train.AdamOptimizer(0.0001).minimize(self.aloss)
        tf.summary.scalar("actor_loss", self.aloss)
        tf.summary.scalar("critic_loss", self.closs)
        self.merged = tf.summary.merge_all()
        self.sess.run(tf.global_variables_initializer())

    def _build_anet(self, name, trainable):
        with tf.variable_scope(name):
            l1 = tf.layers.dense(self.tfs, 32, tf.nn.relu, trainable=trainable)
            mu = 2 * tf.layers.dense(l1, A_DIM, tf.nn.tanh, trainable=trainable)
            sigma = tf.layers.dense(l1, A_DIM, tf.nn.softplus, trainable=trainable)
            norm_dist = tf.distributions.Normal(loc=mu, scale=sigma)
        params = tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope=name)
        return norm_dist, params


ppo = PPO()
saver = tf.train.Saver()
