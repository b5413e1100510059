"""Mixed-precision training (after NVIDIA's float32_variable_storage_getter, used in
OpenSeq2Seq and the NVIDIA TF examples): variables stored in float32 and cast to float16 by a
custom getter with named parameters, *args and **kwargs, on a small float16 MLP with loss
scaling."""
import tensorflow as tf


def float32_variable_storage_getter(getter, name, shape=None, dtype=None, initializer=None,
                                    regularizer=None, trainable=True, *args, **kwargs):
    storage_dtype = tf.float32 if trainable else dtype
    variable = getter(name, shape, dtype=storage_dtype, initializer=initializer,
                      regularizer=regularizer, trainable=trainable, *args, **kwargs)
    if trainable and dtype != tf.float32:
        variable = tf.cast(variable, dtype)
    return variable


def build(x, nlayers=2, units=16):
    for i in range(nlayers):
        with tf.variable_scope("layer%d" % i):
            w = tf.get_variable("kernel", [x.shape[1], units], dtype=tf.float16,
                                initializer=tf.glorot_uniform_initializer())
            b = tf.get_variable("bias", [units], dtype=tf.float16,
                                initializer=tf.zeros_initializer())
            x = tf.nn.relu(tf.matmul(x, w) + b)
    return x


inputs = tf.placeholder(tf.float16, [None, 8], name="inputs")
with tf.variable_scope("fp32_vars", custom_getter=float32_variable_storage_getter):
    out = build(inputs)
loss = tf.reduce_mean(tf.cast(out, tf.float32))
loss_scale = 128.0
opt = tf.train.MomentumOptimizer(0.01, 0.9)
grads_and_vars = opt.compute_gradients(loss * loss_scale)
grads_and_vars = [(g / loss_scale, v) for g, v in grads_and_vars]
train_op = opt.apply_gradients(grads_and_vars)
