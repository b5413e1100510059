"""A Keras layer with its own weights used in a TF1 graph (after the attention layers of TF1-era
text-classification projects, e.g. the HAN / Keras attention-pooling repos): a
tf.keras.layers.Layer subclass that makes its weights with add_weight in build, calls the base
build, and is called on placeholders in graph mode."""
import tensorflow as tf


class AttentionPooling(tf.keras.layers.Layer):
    def __init__(self, attention_size, **kwargs):
        super(AttentionPooling, self).__init__(**kwargs)
        self.attention_size = attention_size

    def build(self, input_shape):
        self.w = self.add_weight(name="att_w", shape=(int(input_shape[-1]), self.attention_size),
                                 initializer="glorot_uniform", trainable=True)
        self.b = self.add_weight(name="att_b", shape=(self.attention_size,),
                                 initializer="zeros", trainable=True)
        self.u = self.add_weight(name="att_u", shape=(self.attention_size, 1),
                                 initializer="glorot_uniform", trainable=True)
        super(AttentionPooling, self).build(input_shape)

    def call(self, inputs):
        v = tf.tanh(tf.tensordot(inputs, self.w, axes=1) + self.b)
        scores = tf.tensordot(v, self.u, axes=1)
        alphas = tf.nn.softmax(scores, axis=1)
        return tf.reduce_sum(inputs * alphas, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])


tokens = tf.placeholder(tf.int32, [None, 20], name="tokens")
labels = tf.placeholder(tf.int32, [None], name="labels")
embedding = tf.get_variable("embedding", [1000, 32])
embedded = tf.nn.embedding_lookup(embedding, tokens)
pooled = AttentionPooling(16, name="attention")(embedded)
logits = tf.keras.layers.Dense(2, name="classifier")(pooled)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                     logits=logits))
train = tf.train.AdamOptimizer(1e-3).minimize(loss)
