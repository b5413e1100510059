"""PixelCNN++'s model template shared by every pass, after openai/pixel-cnn.

Source: https://github.com/openai/pixel-cnn, train.py (model = tf.make_template('model',
model_spec); the init pass, then ExponentialMovingAverage over tf.trainable_variables(), then
one training pass per GPU and a test pass with ema=ema) and pixel_cnn_pp/nn.py (get_name with
a counters dict giving 'dense_0', 'dense_1'; get_var_maybe_avg: tf.get_variable, replaced by
ema.average(v) when an ema is given; weight-normalised dense with variables V, g, b).
Re-expressed, not copied: the template, the counters naming and the EMA wiring are the
project's; model_spec is cut to two weight-normalised dense layers (the project's is a
PixelCNN of conv layers named the same way); data-dependent initialisation, the loss and the
sampling are trimmed; inputs are placeholders; 2 GPUs. Traced, the template becomes a `def`
step with the body of its first call (ema=None): the test passes' ema.average() is lost (the
names, which the case claims, are the same).
"""
import tensorflow as tf

NR_GPU = 2


def get_name(layer_name, counters):
    if layer_name not in counters:
        counters[layer_name] = 0
    name = layer_name + "_" + str(counters[layer_name])
    counters[layer_name] += 1
    return name


def get_var_maybe_avg(var_name, ema, **kwargs):
    v = tf.get_variable(var_name, **kwargs)
    if ema is not None:
        v = ema.average(v)
    return v


def dense(x, num_units, counters, ema=None):
    name = get_name("dense", counters)
    with tf.variable_scope(name):
        V = get_var_maybe_avg("V", ema, shape=[int(x.get_shape()[1]), num_units],
                              dtype=tf.float32,
                              initializer=tf.random_normal_initializer(0, 0.05),
                              trainable=True)
        g = get_var_maybe_avg("g", ema, shape=[num_units], dtype=tf.float32,
                              initializer=tf.constant_initializer(1.0), trainable=True)
        b = get_var_maybe_avg("b", ema, shape=[num_units], dtype=tf.float32,
                              initializer=tf.constant_initializer(0.0), trainable=True)
        x = tf.matmul(x, V)
        scaler = g / tf.sqrt(tf.reduce_sum(tf.square(V), [0]))
        return tf.reshape(scaler, [1, num_units]) * x + tf.reshape(b, [1, num_units])


def model_spec(x, ema=None, nr_units=32):
    counters = {}
    h = tf.nn.elu(dense(x, nr_units, counters, ema=ema))
    return dense(h, 10, counters, ema=ema)


x_init = tf.placeholder(tf.float32, [16, 48], name="x_init")
xs = [tf.placeholder(tf.float32, [16, 48], name="x_%d" % i) for i in range(NR_GPU)]  # noqa: UP031

model = tf.make_template("model", model_spec)
init_pass = model(x_init)

all_params = tf.trainable_variables()
ema = tf.train.ExponentialMovingAverage(decay=0.9995)
maintain_averages_op = tf.group(ema.apply(all_params))

train_out = []
test_out = []
for i in range(NR_GPU):
    with tf.device("/gpu:%d" % i):  # noqa: UP031
        train_out.append(model(xs[i], ema=None))
        test_out.append(model(xs[i], ema=ema))
after = tf.trainable_variables()
