"""A DQN agent (after the TF1 DQN implementations such as devsisters/DQN-tensorflow and
dennybritz/reinforcement-learning): an Estimator class whose __init__ builds the network under
its own scope with tf.contrib.layers, an online and a target copy, the copy ops made from the
two scopes' variables sorted by name, a Huber loss, gradients clipped by norm."""
import tensorflow as tf

VALID_ACTIONS = [0, 1, 2, 3]


class Estimator(object):
    def __init__(self, scope="estimator"):
        self.scope = scope
        with tf.variable_scope(scope):
            self._build_model()

    def _build_model(self):
        self.X_pl = tf.placeholder(shape=[None, 42, 42, 4], dtype=tf.uint8, name="X")
        self.y_pl = tf.placeholder(shape=[None], dtype=tf.float32, name="y")
        self.actions_pl = tf.placeholder(shape=[None], dtype=tf.int32, name="actions")
        X = tf.to_float(self.X_pl) / 255.0
        batch_size = tf.shape(self.X_pl)[0]
        conv1 = tf.contrib.layers.conv2d(X, 8, 8, 4, activation_fn=tf.nn.relu)
        conv2 = tf.contrib.layers.conv2d(conv1, 16, 4, 2, activation_fn=tf.nn.relu)
        flattened = tf.contrib.layers.flatten(conv2)
        fc1 = tf.contrib.layers.fully_connected(flattened, 32)
        self.predictions = tf.contrib.layers.fully_connected(fc1, len(VALID_ACTIONS),
                                                             activation_fn=None)
        gather_indices = tf.range(batch_size) * tf.shape(self.predictions)[1] + self.actions_pl
        self.action_predictions = tf.gather(tf.reshape(self.predictions, [-1]), gather_indices)
        self.losses = tf.losses.huber_loss(self.y_pl, self.action_predictions)
        self.loss = tf.reduce_mean(self.losses)
        self.optimizer = tf.train.RMSPropOptimizer(0.00025, 0.99, 0.0, 1e-6)
        grads_and_vars = self.optimizer.compute_gradients(self.loss)
        clipped = [(tf.clip_by_norm(g, 10.0), v) for g, v in grads_and_vars if g is not None]
        self.train_op = self.optimizer.apply_gradients(
            clipped, global_step=tf.train.get_or_create_global_step())
        self.summaries = tf.summary.merge([
            tf.summary.scalar("loss", self.loss),
            tf.summary.histogram("q_values_hist", self.predictions),
            tf.summary.scalar("max_q_value", tf.reduce_max(self.predictions))])


def copy_model_parameters(estimator1, estimator2):
    e1_params = [t for t in tf.trainable_variables() if t.name.startswith(estimator1.scope)]
    e1_params = sorted(e1_params, key=lambda v: v.name)
    e2_params = [t for t in tf.trainable_variables() if t.name.startswith(estimator2.scope)]
    e2_params = sorted(e2_params, key=lambda v: v.name)
    update_ops = []
    for e1_v, e2_v in zip(e1_params, e2_params):
        op = e2_v.assign(e1_v)
        update_ops.append(op)
    return tf.group(*update_ops)


global_step = tf.Variable(0, name="global_step", trainable=False)
q_estimator = Estimator(scope="q_estimator")
target_estimator = Estimator(scope="target_q")
copy_op = copy_model_parameters(q_estimator, target_estimator)
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(copy_op)
