"""A BERT-style encoder (after google-research/bert's modeling.py): a config object, embeddings
with truncated-normal get_variable and a token-type one-hot matmul, tf.contrib.layers.layer_norm,
attention layers from tf.layers.dense with named kernels, the layer loop under
variable_scope("layer_%d"), a pooler on the first token, and get_assignment_map-style
collection of variable names with a regex."""
import collections
import copy
import math
import re

import tensorflow as tf


class BertConfig(object):
    def __init__(self, vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                 intermediate_size=48, max_position_embeddings=16, type_vocab_size=2,
                 initializer_range=0.02):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range


def create_initializer(initializer_range=0.02):
    return tf.truncated_normal_initializer(stddev=initializer_range)


def get_shape_list(tensor):
    return tensor.shape.as_list()


def gelu(x):
    cdf = 0.5 * (1.0 + tf.tanh((math.sqrt(2 / math.pi) * (x + 0.044715 * tf.pow(x, 3)))))
    return x * cdf


def layer_norm(input_tensor, name=None):
    return tf.contrib.layers.layer_norm(inputs=input_tensor, begin_norm_axis=-1,
                                        begin_params_axis=-1, scope=name)


def embedding_postprocessor(input_tensor, token_type_ids, config):
    batch_size, seq_length, width = get_shape_list(input_tensor)
    output = input_tensor
    token_type_table = tf.get_variable(name="token_type_embeddings",
                                       shape=[config.type_vocab_size, width],
                                       initializer=create_initializer(config.initializer_range))
    flat_token_type_ids = tf.reshape(token_type_ids, [-1])
    one_hot_ids = tf.one_hot(flat_token_type_ids, depth=config.type_vocab_size)
    token_type_embeddings = tf.matmul(one_hot_ids, token_type_table)
    output += tf.reshape(token_type_embeddings, [batch_size, seq_length, width])
    full_position_embeddings = tf.get_variable(
        name="position_embeddings", shape=[config.max_position_embeddings, width],
        initializer=create_initializer(config.initializer_range))
    position_embeddings = tf.slice(full_position_embeddings, [0, 0], [seq_length, -1])
    output += tf.expand_dims(position_embeddings, 0)
    return layer_norm(output)


def attention_layer(from_tensor, to_tensor, num_heads, size_per_head, batch_size, seq_length,
                    initializer_range):
    def transpose_for_scores(input_tensor, width):
        output = tf.reshape(input_tensor, [batch_size, seq_length, num_heads, width])
        return tf.transpose(output, [0, 2, 1, 3])

    query = tf.layers.dense(from_tensor, num_heads * size_per_head, name="query",
                            kernel_initializer=create_initializer(initializer_range))
    key = tf.layers.dense(to_tensor, num_heads * size_per_head, name="key",
                          kernel_initializer=create_initializer(initializer_range))
    value = tf.layers.dense(to_tensor, num_heads * size_per_head, name="value",
                            kernel_initializer=create_initializer(initializer_range))
    q = transpose_for_scores(query, size_per_head)
    k = transpose_for_scores(key, size_per_head)
    scores = tf.multiply(tf.matmul(q, k, transpose_b=True), 1.0 / math.sqrt(float(size_per_head)))
    probs = tf.nn.softmax(scores)
    v = tf.transpose(tf.reshape(value, [batch_size, seq_length, num_heads, size_per_head]),
                     [0, 2, 1, 3])
    context = tf.transpose(tf.matmul(probs, v), [0, 2, 1, 3])
    return tf.reshape(context, [batch_size * seq_length, num_heads * size_per_head])


class BertModel(object):
    def __init__(self, config, input_ids, token_type_ids, scope=None):
        config = copy.deepcopy(config)
        batch_size, seq_length = get_shape_list(input_ids)
        with tf.variable_scope(scope, default_name="bert"):
            with tf.variable_scope("embeddings"):
                self.embedding_table = tf.get_variable(
                    name="word_embeddings", shape=[config.vocab_size, config.hidden_size],
                    initializer=create_initializer(config.initializer_range))
                output = tf.gather(self.embedding_table, tf.reshape(input_ids, [-1]))
                output = tf.reshape(output, [batch_size, seq_length, config.hidden_size])
                self.embedding_output = embedding_postprocessor(output, token_type_ids, config)
            with tf.variable_scope("encoder"):
                prev_output = tf.reshape(self.embedding_output, [-1, config.hidden_size])
                size_per_head = config.hidden_size // config.num_attention_heads
                self.all_layers = []
                for layer_idx in range(config.num_hidden_layers):
                    with tf.variable_scope("layer_%d" % layer_idx):
                        with tf.variable_scope("attention"):
                            with tf.variable_scope("self"):
                                attention_output = attention_layer(
                                    prev_output, prev_output, config.num_attention_heads,
                                    size_per_head, batch_size, seq_length,
                                    config.initializer_range)
                            with tf.variable_scope("output"):
                                attention_output = tf.layers.dense(
                                    attention_output, config.hidden_size,
                                    kernel_initializer=create_initializer(
                                        config.initializer_range))
                                attention_output = layer_norm(attention_output + prev_output)
                        with tf.variable_scope("intermediate"):
                            intermediate_output = tf.layers.dense(
                                attention_output, config.intermediate_size, activation=gelu,
                                kernel_initializer=create_initializer(config.initializer_range))
                        with tf.variable_scope("output"):
                            layer_output = tf.layers.dense(
                                intermediate_output, config.hidden_size,
                                kernel_initializer=create_initializer(config.initializer_range))
                            layer_output = layer_norm(layer_output + attention_output)
                            prev_output = layer_output
                            self.all_layers.append(layer_output)
            self.sequence_output = tf.reshape(prev_output,
                                              [batch_size, seq_length, config.hidden_size])
            with tf.variable_scope("pooler"):
                first_token_tensor = tf.squeeze(self.sequence_output[:, 0:1, :], axis=1)
                self.pooled_output = tf.layers.dense(
                    first_token_tensor, config.hidden_size, activation=tf.tanh,
                    kernel_initializer=create_initializer(config.initializer_range))


def get_assignment_map(tvars):
    name_to_variable = collections.OrderedDict()
    for var in tvars:
        m = re.match("^(.*):\\d+$", var.name)
        name_to_variable[m.group(1)] = var
    return name_to_variable


input_ids = tf.placeholder(tf.int32, [2, 8], name="input_ids")
token_type_ids = tf.placeholder(tf.int32, [2, 8], name="token_type_ids")
model = BertModel(BertConfig(), input_ids, token_type_ids)
output_weights = tf.get_variable("output_weights", [3, 32],
                                 initializer=tf.truncated_normal_initializer(stddev=0.02))
output_bias = tf.get_variable("output_bias", [3], initializer=tf.zeros_initializer())
logits = tf.nn.bias_add(tf.matmul(model.pooled_output, output_weights, transpose_b=True),
                        output_bias)
assignment_map = get_assignment_map(tf.trainable_variables())
