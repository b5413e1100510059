"""A variational autoencoder with tf.make_template (after Danijar Hafner's "Building VAE in
TensorFlow" and the TF1 probabilistic examples): encoder and decoder as templates called for
the posterior and for samples of the prior, tf.distributions, an ELBO, and the decoder
template shared between the two calls."""
import tensorflow as tf

tfd = tf.distributions
CODE, PIXELS = 2, 28 * 28


def make_encoder(data, code_size):
    x = tf.layers.flatten(data)
    x = tf.layers.dense(x, 32, tf.nn.relu)
    x = tf.layers.dense(x, 32, tf.nn.relu)
    loc = tf.layers.dense(x, code_size)
    scale = tf.layers.dense(x, code_size, tf.nn.softplus)
    return tfd.Normal(loc, scale)


def make_decoder(code, data_shape=[28, 28]):
    x = code
    x = tf.layers.dense(x, 32, tf.nn.relu)
    x = tf.layers.dense(x, 32, tf.nn.relu)
    logit = tf.layers.dense(x, 28 * 28)
    logit = tf.reshape(logit, [-1] + data_shape)
    return tfd.Bernoulli(logits=logit)


data = tf.placeholder(tf.float32, [None, 28, 28], name="data")
make_encoder = tf.make_template("encoder", make_encoder)
make_decoder = tf.make_template("decoder", make_decoder)
prior = tfd.Normal(tf.zeros(CODE), tf.ones(CODE))
posterior = make_encoder(data, code_size=CODE)
code = posterior.sample()
likelihood = tf.reduce_sum(make_decoder(code).log_prob(data), [1, 2])
divergence = tf.reduce_sum(tfd.kl_divergence(posterior, prior), 1)
elbo = tf.reduce_mean(likelihood - divergence)
optimize = tf.train.AdamOptimizer(0.001).minimize(-elbo)
samples = make_decoder(prior.sample(10)).mean()
