"""tf.keras layers built twice, the second time under variable_scope reuse (as in the Stack
Overflow question "tf.keras.layers: variable_scope does not work"): Keras ignores reuse, and
the second layer's variable names differ between TF 1.15 and TF 2."""
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 8], name="x")
outputs = []
for reuse in (False, True):
    with tf.variable_scope(tf.get_variable_scope(), reuse=reuse):
        outputs.append(tf.keras.layers.Dense(10)(x))
