"""A Transformer encoder (after Kyubyong/transformer's modules.py): layer normalisation made of
get_variable beta/gamma and tf.nn.moments, an embedding shared with reuse=tf.AUTO_REUSE,
sinusoidal positional encodings from a numpy table, multi-head attention with tf.layers.dense,
split/concat heads, a position-wise feed-forward with tf.layers.conv1d, blocks in a loop."""
import numpy as np
import tensorflow as tf

VOCAB, D_MODEL, HEADS, BLOCKS, MAXLEN = 20, 16, 4, 2, 6


def normalize(inputs, epsilon=1e-8, scope="ln", reuse=None):
    with tf.variable_scope(scope, reuse=reuse):
        inputs_shape = inputs.get_shape()
        params_shape = inputs_shape[-1:]
        mean, variance = tf.nn.moments(inputs, [-1], keep_dims=True)
        beta = tf.get_variable("beta", params_shape, initializer=tf.zeros_initializer())
        gamma = tf.get_variable("gamma", params_shape, initializer=tf.ones_initializer())
        normalized = (inputs - mean) / ((variance + epsilon) ** .5)
        return gamma * normalized + beta


def embedding(inputs, vocab_size, num_units, zero_pad=True, scale=True, scope="embedding",
              reuse=None):
    with tf.variable_scope(scope, reuse=reuse):
        lookup_table = tf.get_variable("lookup_table", dtype=tf.float32,
                                       shape=[vocab_size, num_units],
                                       initializer=tf.contrib.layers.xavier_initializer())
        if zero_pad:
            lookup_table = tf.concat((tf.zeros(shape=[1, num_units]), lookup_table[1:, :]), 0)
        outputs = tf.nn.embedding_lookup(lookup_table, inputs)
        if scale:
            outputs = outputs * (num_units ** 0.5)
    return outputs


def positional_encoding(inputs, num_units, scope="positional_encoding"):
    N, T = inputs.get_shape().as_list()
    with tf.variable_scope(scope):
        position_ind = tf.tile(tf.expand_dims(tf.range(T), 0), [N, 1])
        position_enc = np.array([[pos / np.power(10000, 2. * i / num_units)
                                  for i in range(num_units)] for pos in range(T)])
        position_enc[:, 0::2] = np.sin(position_enc[:, 0::2])
        position_enc[:, 1::2] = np.cos(position_enc[:, 1::2])
        lookup_table = tf.convert_to_tensor(position_enc, dtype=tf.float32)
        return tf.nn.embedding_lookup(lookup_table, position_ind)


def multihead_attention(queries, keys, num_units=None, num_heads=8, dropout_rate=0,
                        is_training=True, causality=False, scope="multihead_attention",
                        reuse=None):
    with tf.variable_scope(scope, reuse=reuse):
        if num_units is None:
            num_units = queries.get_shape().as_list()[-1]
        Q = tf.layers.dense(queries, num_units, activation=tf.nn.relu)
        K = tf.layers.dense(keys, num_units, activation=tf.nn.relu)
        V = tf.layers.dense(keys, num_units, activation=tf.nn.relu)
        Q_ = tf.concat(tf.split(Q, num_heads, axis=2), axis=0)
        K_ = tf.concat(tf.split(K, num_heads, axis=2), axis=0)
        V_ = tf.concat(tf.split(V, num_heads, axis=2), axis=0)
        outputs = tf.matmul(Q_, tf.transpose(K_, [0, 2, 1]))
        outputs = outputs / (K_.get_shape().as_list()[-1] ** 0.5)
        outputs = tf.nn.softmax(outputs)
        outputs = tf.layers.dropout(outputs, rate=dropout_rate,
                                    training=tf.convert_to_tensor(is_training))
        outputs = tf.matmul(outputs, V_)
        outputs = tf.concat(tf.split(outputs, num_heads, axis=0), axis=2)
        outputs += queries
        outputs = normalize(outputs)
    return outputs


def feedforward(inputs, num_units=[64, D_MODEL], scope="positionwise_feedforward", reuse=None):
    with tf.variable_scope(scope, reuse=reuse):
        params = {"inputs": inputs, "filters": num_units[0], "kernel_size": 1,
                  "activation": tf.nn.relu, "use_bias": True}
        outputs = tf.layers.conv1d(**params)
        params = {"inputs": outputs, "filters": num_units[1], "kernel_size": 1,
                  "activation": None, "use_bias": True}
        outputs = tf.layers.conv1d(**params)
        outputs += inputs
        outputs = normalize(outputs)
    return outputs


x = tf.placeholder(tf.int32, shape=(2, MAXLEN), name="x")
y = tf.placeholder(tf.int32, shape=(2, MAXLEN), name="y")
with tf.variable_scope("encoder"):
    enc = embedding(x, vocab_size=VOCAB, num_units=D_MODEL, scale=True, scope="enc_embed",
                    reuse=tf.AUTO_REUSE)
    enc += positional_encoding(x, num_units=D_MODEL, scope="enc_pe")
    enc = tf.layers.dropout(enc, rate=0.1, training=True)
    for i in range(BLOCKS):
        with tf.variable_scope("num_blocks_{}".format(i)):
            enc = multihead_attention(queries=enc, keys=enc, num_units=D_MODEL,
                                      num_heads=HEADS, dropout_rate=0.1, is_training=True)
            enc = feedforward(enc, num_units=[4 * D_MODEL, D_MODEL])
with tf.variable_scope("decoder"):
    logits = tf.layers.dense(enc, VOCAB)
preds = tf.to_int32(tf.arg_max(logits, dimension=-1))
istarget = tf.to_float(tf.not_equal(y, 0))
y_smoothed = tf.one_hot(y, depth=VOCAB) * 0.9 + 0.1 / VOCAB
loss = tf.nn.softmax_cross_entropy_with_logits_v2(logits=logits, labels=y_smoothed)
mean_loss = tf.reduce_sum(loss * istarget) / (tf.reduce_sum(istarget))
global_step = tf.Variable(0, name="global_step", trainable=False)
optimizer = tf.train.AdamOptimizer(learning_rate=0.0001, beta1=0.9, beta2=0.98, epsilon=1e-8)
train_op = optimizer.minimize(mean_loss, global_step=global_step)
tf.summary.scalar("mean_loss", mean_loss)
merged = tf.summary.merge_all()
