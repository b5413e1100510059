"""Multi-head attention as a tf.layers.Layer subclass (after the TF1 official Transformer,
models/official/transformer/model/attention_layer.py, and the projects that copied it): the
layer makes its tf.layers.Dense projections in __init__, splits heads with helper methods; its
SelfAttention subclass calls it through super() with one input twice; weights are named after
the layers' names."""
import tensorflow as tf


class Attention(tf.layers.Layer):
    def __init__(self, hidden_size, num_heads, name="attention"):
        super(Attention, self).__init__(name=name)
        self.hidden_size = hidden_size
        self.num_heads = num_heads
        self.q_dense_layer = tf.layers.Dense(hidden_size, use_bias=False, name="q")
        self.k_dense_layer = tf.layers.Dense(hidden_size, use_bias=False, name="k")
        self.v_dense_layer = tf.layers.Dense(hidden_size, use_bias=False, name="v")
        self.output_dense_layer = tf.layers.Dense(hidden_size, use_bias=False,
                                                  name="output_transform")

    def split_heads(self, x):
        with tf.name_scope("split_heads"):
            depth = self.hidden_size // self.num_heads
            x = tf.reshape(x, [-1, 10, self.num_heads, depth])
            return tf.transpose(x, [0, 2, 1, 3])

    def combine_heads(self, x):
        with tf.name_scope("combine_heads"):
            x = tf.transpose(x, [0, 2, 1, 3])
            return tf.reshape(x, [-1, 10, self.hidden_size])

    def call(self, x, y):
        q = self.split_heads(self.q_dense_layer(x))
        k = self.split_heads(self.k_dense_layer(y))
        v = self.split_heads(self.v_dense_layer(y))
        q *= (self.hidden_size // self.num_heads) ** -0.5
        logits = tf.matmul(q, k, transpose_b=True)
        weights = tf.nn.softmax(logits, name="attention_weights")
        attention_output = self.combine_heads(tf.matmul(weights, v))
        return self.output_dense_layer(attention_output)


class SelfAttention(Attention):
    def call(self, x):
        return super(SelfAttention, self).call(x, x)


inputs = tf.placeholder(tf.float32, [None, 10, 32], name="inputs")
memory = tf.placeholder(tf.float32, [None, 10, 32], name="memory")
self_attention = SelfAttention(32, 4, name="self_attention")
encdec_attention = Attention(32, 4, name="encdec_attention")
with tf.variable_scope("decoder"):
    h = self_attention(inputs)
    out = encdec_attention(h, memory)
loss = tf.reduce_mean(out)
train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
