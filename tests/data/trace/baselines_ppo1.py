"""PPO1 from openai/baselines (after baselines/common/tf_util.py, mpi_running_mean_std.py,
distributions.py, ppo1/mlp_policy.py and pposgd_simple.py): tf_util helpers (function,
get_placeholder_cached, flatgrad, GetFlat/SetFromFlat over a var_list, normc_initializer as a
Python initializer, initialize() over the set of new variables), an MlpPolicy object whose
_init builds under its own variable_scope with a RunningMeanStd of float64 get_variables,
dense layers named 'fc%i' and a DiagGaussianPd, the policy built as "pi" and "oldpi", the
clipped surrogate loss, and the assign ops zipped over both policies' variables."""
import collections

import numpy as np
import tensorflow as tf

# --- common/tf_util.py ---

def switch(condition, then_expression, else_expression):
    x_shape = copy_shape(then_expression)
    x = tf.cond(tf.cast(condition, "bool"),
                lambda: then_expression,
                lambda: else_expression)
    x.set_shape(x_shape)
    return x


def copy_shape(t):
    return t.get_shape().as_list()


def normc_initializer(std=1.0, axis=0):
    def _initializer(shape, dtype=None, partition_info=None):  # pylint: disable=W0613
        out = np.random.randn(*shape).astype(np.float32)
        out *= std / np.sqrt(np.square(out).sum(axis=axis, keepdims=True))
        return tf.constant(out)
    return _initializer


def function(inputs, outputs, updates=None, givens=None):
    if isinstance(outputs, list):
        return _Function(inputs, outputs, updates, givens=givens)
    elif isinstance(outputs, (dict, collections.OrderedDict)):
        f = _Function(inputs, outputs.values(), updates, givens=givens)
        return lambda *args, **kwargs: type(outputs)(zip(outputs.keys(), f(*args, **kwargs)))
    else:
        f = _Function(inputs, [outputs], updates, givens=givens)
        return lambda *args, **kwargs: f(*args, **kwargs)[0]


class _Function(object):
    def __init__(self, inputs, outputs, updates, givens):
        for inpt in inputs:
            if not hasattr(inpt, "make_feed_dict") and not (type(inpt) is tf.Tensor and
                                                            len(inpt.op.inputs) == 0):
                assert False, "inputs should all be placeholders, constants, or have a " \
                              "make_feed_dict method"
        self.inputs = inputs
        updates = updates or []
        self.update_group = tf.group(*updates)
        self.outputs_update = list(outputs) + [self.update_group]
        self.givens = {} if givens is None else givens

    def __call__(self, *args):
        assert len(args) <= len(self.inputs), "Too many arguments provided"
        feed_dict = {}
        for inpt, value in zip(self.inputs, args):
            feed_dict[inpt] = value
        results = tf.get_default_session().run(self.outputs_update, feed_dict=feed_dict)[:-1]
        return results


def var_shape(x):
    out = x.get_shape().as_list()
    assert all(isinstance(a, int) for a in out), \
        "shape function assumes that shape is fully known"
    return out


def numel(x):
    return intprod(var_shape(x))


def intprod(x):
    return int(np.prod(x))


def flatgrad(loss, var_list, clip_norm=None):
    grads = tf.gradients(loss, var_list)
    if clip_norm is not None:
        grads = [tf.clip_by_norm(grad, clip_norm=clip_norm) for grad in grads]
    return tf.concat(axis=0, values=[
        tf.reshape(grad if grad is not None else tf.zeros_like(v), [numel(v)])
        for (v, grad) in zip(var_list, grads)
    ])


class SetFromFlat(object):
    def __init__(self, var_list, dtype=tf.float32):
        assigns = []
        shapes = list(map(var_shape, var_list))
        total_size = np.sum([intprod(shape) for shape in shapes])

        self.theta = theta = tf.placeholder(dtype, [total_size])
        start = 0
        assigns = []
        for (shape, v) in zip(shapes, var_list):
            size = intprod(shape)
            assigns.append(tf.assign(v, tf.reshape(theta[start:start + size], shape)))
            start += size
        self.op = tf.group(*assigns)

    def __call__(self, theta):
        tf.get_default_session().run(self.op, feed_dict={self.theta: theta})


class GetFlat(object):
    def __init__(self, var_list):
        self.op = tf.concat(axis=0, values=[tf.reshape(v, [numel(v)]) for v in var_list])

    def __call__(self):
        return tf.get_default_session().run(self.op)


_PLACEHOLDER_CACHE = {}  # name -> (placeholder, dtype, shape)


def get_placeholder(name, dtype, shape):
    if name in _PLACEHOLDER_CACHE:
        out, dtype1, shape1 = _PLACEHOLDER_CACHE[name]
        assert dtype1 == dtype and shape1 == shape
        return out
    else:
        out = tf.placeholder(dtype=dtype, shape=shape, name=name)
        _PLACEHOLDER_CACHE[name] = (out, dtype, shape)
        return out


def get_placeholder_cached(name):
    return _PLACEHOLDER_CACHE[name][0]


def make_session(num_cpu=1, make_default=False, graph=None):
    tf_config = tf.ConfigProto(allow_soft_placement=True,
                               inter_op_parallelism_threads=num_cpu,
                               intra_op_parallelism_threads=num_cpu)
    if make_default:
        return tf.InteractiveSession(config=tf_config, graph=graph)
    else:
        return tf.Session(config=tf_config, graph=graph)


def single_threaded_session():
    return make_session(num_cpu=1)


ALREADY_INITIALIZED = set()


def initialize():
    """Initialize all the uninitialized variables in the global scope."""
    new_variables = set(tf.global_variables()) - ALREADY_INITIALIZED
    tf.get_default_session().run(tf.variables_initializer(new_variables))
    ALREADY_INITIALIZED.update(new_variables)


# --- common/mpi_running_mean_std.py ---

class RunningMeanStd(object):
    def __init__(self, epsilon=1e-2, shape=()):
        self._sum = tf.get_variable(
            dtype=tf.float64,
            shape=shape,
            initializer=tf.constant_initializer(0.0),
            name="runningsum", trainable=False)
        self._sumsq = tf.get_variable(
            dtype=tf.float64,
            shape=shape,
            initializer=tf.constant_initializer(epsilon),
            name="runningsumsq", trainable=False)
        self._count = tf.get_variable(
            dtype=tf.float64,
            shape=(),
            initializer=tf.constant_initializer(epsilon),
            name="count", trainable=False)
        self.shape = shape

        self.mean = tf.to_float(self._sum / self._count)
        self.std = tf.sqrt(tf.maximum(tf.to_float(self._sumsq / self._count) -
                                      tf.square(self.mean), 1e-2))

        newsum = tf.placeholder(shape=self.shape, dtype=tf.float64, name="sum")
        newsumsq = tf.placeholder(shape=self.shape, dtype=tf.float64, name="var")
        newcount = tf.placeholder(shape=[], dtype=tf.float64, name="count")
        self.incfiltparams = function([newsum, newsumsq, newcount], [],
                                      updates=[tf.assign_add(self._sum, newsum),
                                               tf.assign_add(self._sumsq, newsumsq),
                                               tf.assign_add(self._count, newcount)])


# --- common/distributions.py ---

class DiagGaussianPd(object):
    def __init__(self, flat):
        self.flat = flat
        mean, logstd = tf.split(axis=len(flat.shape) - 1, num_or_size_splits=2, value=flat)
        self.mean = mean
        self.logstd = logstd
        self.std = tf.exp(logstd)

    def mode(self):
        return self.mean

    def neglogp(self, x):
        return 0.5 * tf.reduce_sum(tf.square((x - self.mean) / self.std), axis=-1) \
            + 0.5 * np.log(2.0 * np.pi) * tf.to_float(tf.shape(x)[-1]) \
            + tf.reduce_sum(self.logstd, axis=-1)

    def kl(self, other):
        assert isinstance(other, DiagGaussianPd)
        return tf.reduce_sum(other.logstd - self.logstd + (tf.square(self.std) + tf.square(
            self.mean - other.mean)) / (2.0 * tf.square(other.std)) - 0.5, axis=-1)

    def entropy(self):
        return tf.reduce_sum(self.logstd + .5 * np.log(2.0 * np.pi * np.e), axis=-1)

    def sample(self):
        return self.mean + self.std * tf.random_normal(tf.shape(self.mean))

    def logp(self, x):
        return - self.neglogp(x)


class DiagGaussianPdType(object):
    def __init__(self, size):
        self.size = size

    def pdfromflat(self, flat):
        return DiagGaussianPd(flat)

    def param_shape(self):
        return [2 * self.size]

    def sample_placeholder(self, prepend_shape, name=None):
        return tf.placeholder(dtype=tf.float32, shape=prepend_shape + [self.size], name=name)


# --- ppo1/mlp_policy.py ---

class MlpPolicy(object):
    recurrent = False

    def __init__(self, name, *args, **kwargs):
        with tf.variable_scope(name):
            self._init(*args, **kwargs)
            self.scope = tf.get_variable_scope().name

    def _init(self, ob_shape, ac_size, hid_size, num_hid_layers, gaussian_fixed_var=True):
        self.pdtype = pdtype = DiagGaussianPdType(ac_size)
        sequence_length = None

        ob = get_placeholder(name="ob", dtype=tf.float32,
                             shape=[sequence_length] + list(ob_shape))

        with tf.variable_scope("obfilter"):
            self.ob_rms = RunningMeanStd(shape=ob_shape)

        with tf.variable_scope("vf"):
            obz = tf.clip_by_value((ob - self.ob_rms.mean) / self.ob_rms.std, -5.0, 5.0)
            last_out = obz
            for i in range(num_hid_layers):
                last_out = tf.nn.tanh(tf.layers.dense(last_out, hid_size, name="fc%i" % (i + 1),
                                                      kernel_initializer=normc_initializer(1.0)))
            self.vpred = tf.layers.dense(last_out, 1, name="final",
                                         kernel_initializer=normc_initializer(1.0))[:, 0]

        with tf.variable_scope("pol"):
            last_out = obz
            for i in range(num_hid_layers):
                last_out = tf.nn.tanh(tf.layers.dense(last_out, hid_size, name="fc%i" % (i + 1),
                                                      kernel_initializer=normc_initializer(1.0)))
            if gaussian_fixed_var:
                mean = tf.layers.dense(last_out, pdtype.param_shape()[0] // 2, name="final",
                                       kernel_initializer=normc_initializer(0.01))
                logstd = tf.get_variable(name="logstd",
                                         shape=[1, pdtype.param_shape()[0] // 2],
                                         initializer=tf.zeros_initializer())
                pdparam = tf.concat([mean, mean * 0.0 + logstd], axis=1)
            else:
                pdparam = tf.layers.dense(last_out, pdtype.param_shape()[0], name="final",
                                          kernel_initializer=normc_initializer(0.01))

        self.pd = pdtype.pdfromflat(pdparam)

        self.state_in = []
        self.state_out = []

        stochastic = tf.placeholder(dtype=tf.bool, shape=())
        ac = switch(stochastic, self.pd.sample(), self.pd.mode())
        self._act = function([stochastic, ob], [ac, self.vpred])

    def act(self, stochastic, ob):
        ac1, vpred1 = self._act(stochastic, ob[None])
        return ac1[0], vpred1[0]

    def get_variables(self):
        return tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, self.scope)

    def get_trainable_variables(self):
        return tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, self.scope)


# --- ppo1/pposgd_simple.py ---

def zipsame(*seqs):
    L = len(seqs[0])
    assert all(len(seq) == L for seq in seqs[1:])
    return zip(*seqs)


def learn(policy_fn, clip_param=0.2, entcoeff=0.0):
    pi = policy_fn("pi")  # Construct network for new policy
    oldpi = policy_fn("oldpi")  # Network for old policy
    atarg = tf.placeholder(dtype=tf.float32, shape=[None])  # Target advantage function
    ret = tf.placeholder(dtype=tf.float32, shape=[None])  # Empirical return

    lrmult = tf.placeholder(name="lrmult", dtype=tf.float32, shape=[])  # learning rate
    clip_param = clip_param * lrmult  # Annealed cliping parameter epislon

    ob = get_placeholder_cached(name="ob")
    ac = pi.pdtype.sample_placeholder([None])

    kloldnew = oldpi.pd.kl(pi.pd)
    ent = pi.pd.entropy()
    meankl = tf.reduce_mean(kloldnew)
    meanent = tf.reduce_mean(ent)
    pol_entpen = (-entcoeff) * meanent

    ratio = tf.exp(pi.pd.logp(ac) - oldpi.pd.logp(ac))  # pnew / pold
    surr1 = ratio * atarg  # surrogate from conservative policy iteration
    surr2 = tf.clip_by_value(ratio, 1.0 - clip_param, 1.0 + clip_param) * atarg
    pol_surr = - tf.reduce_mean(tf.minimum(surr1, surr2))  # PPO's pessimistic surrogate
    vf_loss = tf.reduce_mean(tf.square(pi.vpred - ret))
    total_loss = pol_surr + pol_entpen + vf_loss
    losses = [pol_surr, pol_entpen, vf_loss, meankl, meanent]

    var_list = pi.get_trainable_variables()
    lossandgrad = function([ob, ac, atarg, ret, lrmult], losses + [flatgrad(total_loss,
                                                                            var_list)])
    getflat = GetFlat(var_list)
    setfromflat = SetFromFlat(var_list)

    assign_old_eq_new = function([], [], updates=[tf.assign(oldv, newv)
                                                  for (oldv, newv) in
                                                  zipsame(oldpi.get_variables(),
                                                          pi.get_variables())])
    compute_losses = function([ob, ac, atarg, ret, lrmult], losses)

    initialize()
    th_init = getflat()
    setfromflat(th_init)
    assign_old_eq_new()
    return lossandgrad, compute_losses


def policy_fn(name):
    return MlpPolicy(name=name, ob_shape=(3,), ac_size=2, hid_size=16, num_hid_layers=2)


if __name__ == "__main__":
    sess = single_threaded_session()
    sess.__enter__()
    learn(policy_fn)
    sess.__exit__(None, None, None)
