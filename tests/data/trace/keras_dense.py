"""A model whose checkpoint changes under TF 2: tf.keras layers inside a variable scope (as
code moving from tf.layers to tf.keras does), next to a tf.get_variable."""
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 8], name="x")
with tf.variable_scope("head"):
    scale = tf.get_variable("scale", [4], initializer=tf.ones_initializer())
    dense = tf.keras.layers.Dense(4, name="proj")
    y = dense(x) * scale
