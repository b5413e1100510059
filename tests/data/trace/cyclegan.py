"""CycleGAN (after vanhuyz/CycleGAN-TensorFlow): ops helpers (c7s1_k, dk, Rk, uk) under
variable_scope(name, reuse=reuse) with instance norm made of get_variable scale/offset,
Generator and Discriminator as plain objects whose __call__ builds once and then sets
self.reuse = True, their variables by scope name, a least-squares loss, a polynomial-decay
learning rate per optimizer and one no_op that depends on all four."""
import tensorflow as tf

REAL_LABEL = 0.9


# --- ops.py ---

def _weights(name, shape, mean=0.0, stddev=0.02):
    var = tf.get_variable(
        name, shape,
        initializer=tf.random_normal_initializer(mean=mean, stddev=stddev, dtype=tf.float32))
    return var


def _biases(name, shape, constant=0.0):
    return tf.get_variable(name, shape, initializer=tf.constant_initializer(constant))


def _instance_norm(input):
    with tf.variable_scope("instance_norm"):
        depth = input.get_shape()[3]
        scale = _weights("scale", [depth], mean=1.0)
        offset = _biases("offset", [depth])
        mean, variance = tf.nn.moments(input, axes=[1, 2], keep_dims=True)
        epsilon = 1e-5
        inv = tf.rsqrt(variance + epsilon)
        normalized = (input - mean) * inv
        return scale * normalized + offset


def _norm(input, is_training, norm="instance"):
    if norm == "instance":
        return _instance_norm(input)
    elif norm == "batch":
        return tf.contrib.layers.batch_norm(input, decay=0.9, scale=True,
                                            updates_collections=None,
                                            is_training=is_training)
    else:
        return input


def _leaky_relu(input, slope):
    return tf.maximum(slope * input, input)


def c7s1_k(input, k, reuse=False, norm="instance", activation="relu", is_training=True,
           name="c7s1_k"):
    with tf.variable_scope(name, reuse=reuse):
        weights = _weights("weights", shape=[7, 7, input.get_shape()[3], k])
        padded = tf.pad(input, [[0, 0], [3, 3], [3, 3], [0, 0]], "REFLECT")
        conv = tf.nn.conv2d(padded, weights, strides=[1, 1, 1, 1], padding="VALID")
        normalized = _norm(conv, is_training, norm)
        if activation == "relu":
            output = tf.nn.relu(normalized)
        if activation == "tanh":
            output = tf.nn.tanh(normalized)
        return output


def dk(input, k, reuse=False, norm="instance", is_training=True, name=None):
    with tf.variable_scope(name, reuse=reuse):
        weights = _weights("weights", shape=[3, 3, input.get_shape()[3], k])
        conv = tf.nn.conv2d(input, weights, strides=[1, 2, 2, 1], padding="SAME")
        normalized = _norm(conv, is_training, norm)
        output = tf.nn.relu(normalized)
        return output


def Rk(input, k, reuse=False, norm="instance", is_training=True, name=None):
    with tf.variable_scope(name, reuse=reuse):
        with tf.variable_scope("layer1", reuse=reuse):
            weights1 = _weights("weights1", shape=[3, 3, input.get_shape()[3], k])
            padded1 = tf.pad(input, [[0, 0], [1, 1], [1, 1], [0, 0]], "REFLECT")
            conv1 = tf.nn.conv2d(padded1, weights1, strides=[1, 1, 1, 1], padding="VALID")
            normalized1 = _norm(conv1, is_training, norm)
            relu1 = tf.nn.relu(normalized1)
        with tf.variable_scope("layer2", reuse=reuse):
            weights2 = _weights("weights2", shape=[3, 3, relu1.get_shape()[3], k])
            padded2 = tf.pad(relu1, [[0, 0], [1, 1], [1, 1], [0, 0]], "REFLECT")
            conv2 = tf.nn.conv2d(padded2, weights2, strides=[1, 1, 1, 1], padding="VALID")
            normalized2 = _norm(conv2, is_training, norm)
        output = input + normalized2
        return output


def n_res_blocks(input, reuse, norm="instance", is_training=True, n=6):
    depth = input.get_shape()[3]
    for i in range(1, n + 1):
        output = Rk(input, depth, reuse, norm, is_training, "R{}_{}".format(depth, i))
        input = output
    return output


def uk(input, k, reuse=False, norm="instance", is_training=True, name=None, output_size=None):
    with tf.variable_scope(name, reuse=reuse):
        input_shape = input.get_shape().as_list()
        weights = _weights("weights", shape=[3, 3, k, input_shape[3]])
        if not output_size:
            output_size = input_shape[1] * 2
        output_shape = [input_shape[0], output_size, output_size, k]
        fsconv = tf.nn.conv2d_transpose(input, weights, output_shape=output_shape,
                                        strides=[1, 2, 2, 1], padding="SAME")
        normalized = _norm(fsconv, is_training, norm)
        output = tf.nn.relu(normalized)
        return output


def Ck(input, k, slope=0.2, stride=2, reuse=False, norm="instance", is_training=True,
       name=None):
    with tf.variable_scope(name, reuse=reuse):
        weights = _weights("weights", shape=[4, 4, input.get_shape()[3], k])
        conv = tf.nn.conv2d(input, weights, strides=[1, stride, stride, 1], padding="SAME")
        normalized = _norm(conv, is_training, norm)
        output = _leaky_relu(normalized, slope)
        return output


def last_conv(input, reuse=False, use_sigmoid=False, name=None):
    with tf.variable_scope(name, reuse=reuse):
        weights = _weights("weights", shape=[4, 4, input.get_shape()[3], 1])
        biases = _biases("biases", [1])
        conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding="SAME")
        output = conv + biases
        if use_sigmoid:
            output = tf.sigmoid(output)
        return output


# --- generator.py / discriminator.py ---

class Generator:
    def __init__(self, name, is_training, ngf=8, norm="instance", image_size=16):
        self.name = name
        self.reuse = False
        self.ngf = ngf
        self.norm = norm
        self.is_training = is_training
        self.image_size = image_size

    def __call__(self, input):
        with tf.variable_scope(self.name):
            c7s1_32 = c7s1_k(input, self.ngf, is_training=self.is_training, norm=self.norm,
                             reuse=self.reuse, name="c7s1_32")
            d64 = dk(c7s1_32, 2 * self.ngf, is_training=self.is_training, norm=self.norm,
                     reuse=self.reuse, name="d64")
            d128 = dk(d64, 4 * self.ngf, is_training=self.is_training, norm=self.norm,
                      reuse=self.reuse, name="d128")
            res_output = n_res_blocks(d128, reuse=self.reuse, n=2)
            u64 = uk(res_output, 2 * self.ngf, is_training=self.is_training, norm=self.norm,
                     reuse=self.reuse, name="u64")
            u32 = uk(u64, self.ngf, is_training=self.is_training, norm=self.norm,
                     reuse=self.reuse, name="u32", output_size=self.image_size)
            output = c7s1_k(u32, 3, norm=None, activation="tanh", reuse=self.reuse,
                            name="output")
        self.reuse = True
        self.variables = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope=self.name)
        return output


class Discriminator:
    def __init__(self, name, is_training, norm="instance", use_sigmoid=False):
        self.name = name
        self.is_training = is_training
        self.norm = norm
        self.reuse = False
        self.use_sigmoid = use_sigmoid

    def __call__(self, input):
        with tf.variable_scope(self.name):
            C64 = Ck(input, 8, reuse=self.reuse, norm=None, is_training=self.is_training,
                     name="C64")
            C128 = Ck(C64, 16, reuse=self.reuse, norm=self.norm,
                      is_training=self.is_training, name="C128")
            C256 = Ck(C128, 32, reuse=self.reuse, norm=self.norm,
                      is_training=self.is_training, name="C256")
            output = last_conv(C256, reuse=self.reuse, use_sigmoid=self.use_sigmoid,
                               name="output")
        self.reuse = True
        self.variables = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope=self.name)
        return output


# --- model.py ---

class CycleGAN:
    def __init__(self, batch_size=1, image_size=16, use_lsgan=True, norm="instance",
                 lambda1=10, lambda2=10, learning_rate=2e-4, beta1=0.5, ngf=8):
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.use_lsgan = use_lsgan
        use_sigmoid = not use_lsgan
        self.batch_size = batch_size
        self.image_size = image_size
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.is_training = tf.placeholder_with_default(True, shape=[], name="is_training")
        self.G = Generator("G", self.is_training, ngf=ngf, norm=norm, image_size=image_size)
        self.D_Y = Discriminator("D_Y", self.is_training, norm=norm, use_sigmoid=use_sigmoid)
        self.F = Generator("F", self.is_training, norm=norm, image_size=image_size)
        self.D_X = Discriminator("D_X", self.is_training, norm=norm, use_sigmoid=use_sigmoid)
        self.fake_x = tf.placeholder(tf.float32, shape=[batch_size, image_size, image_size, 3])
        self.fake_y = tf.placeholder(tf.float32, shape=[batch_size, image_size, image_size, 3])

    def model(self):
        x = tf.placeholder(tf.float32, [self.batch_size, self.image_size, self.image_size, 3],
                           name="x")
        y = tf.placeholder(tf.float32, [self.batch_size, self.image_size, self.image_size, 3],
                           name="y")
        cycle_loss = self.cycle_consistency_loss(self.G, self.F, x, y)
        fake_y = self.G(x)
        G_gan_loss = self.generator_loss(self.D_Y, fake_y, use_lsgan=self.use_lsgan)
        G_loss = G_gan_loss + cycle_loss
        D_Y_loss = self.discriminator_loss(self.D_Y, y, self.fake_y, use_lsgan=self.use_lsgan)
        fake_x = self.F(y)
        F_gan_loss = self.generator_loss(self.D_X, fake_x, use_lsgan=self.use_lsgan)
        F_loss = F_gan_loss + cycle_loss
        D_X_loss = self.discriminator_loss(self.D_X, x, self.fake_x, use_lsgan=self.use_lsgan)

        tf.summary.histogram("D_Y/true", self.D_Y(y))
        tf.summary.histogram("D_Y/fake", self.D_Y(self.G(x)))
        tf.summary.scalar("loss/G", G_gan_loss)
        tf.summary.scalar("loss/D_Y", D_Y_loss)
        tf.summary.scalar("loss/cycle", cycle_loss)
        return G_loss, D_Y_loss, F_loss, D_X_loss, fake_y, fake_x

    def optimize(self, G_loss, D_Y_loss, F_loss, D_X_loss):
        def make_optimizer(loss, variables, name="Adam"):
            global_step = tf.Variable(0, trainable=False)
            starter_learning_rate = self.learning_rate
            end_learning_rate = 0.0
            start_decay_step = 100000
            decay_steps = 100000
            beta1 = self.beta1
            learning_rate = (
                tf.where(
                    tf.greater_equal(global_step, start_decay_step),
                    tf.train.polynomial_decay(starter_learning_rate,
                                              global_step - start_decay_step,
                                              decay_steps, end_learning_rate,
                                              power=1.0),
                    starter_learning_rate
                )
            )
            tf.summary.scalar("learning_rate/{}".format(name), learning_rate)
            learning_step = (
                tf.train.AdamOptimizer(learning_rate, beta1=beta1, name=name)
                .minimize(loss, global_step=global_step, var_list=variables)
            )
            return learning_step

        G_optimizer = make_optimizer(G_loss, self.G.variables, name="Adam_G")
        D_Y_optimizer = make_optimizer(D_Y_loss, self.D_Y.variables, name="Adam_D_Y")
        F_optimizer = make_optimizer(F_loss, self.F.variables, name="Adam_F")
        D_X_optimizer = make_optimizer(D_X_loss, self.D_X.variables, name="Adam_D_X")

        with tf.control_dependencies([G_optimizer, D_Y_optimizer, F_optimizer, D_X_optimizer]):
            return tf.no_op(name="optimizers")

    def discriminator_loss(self, D, y, fake_y, use_lsgan=True):
        if use_lsgan:
            error_real = tf.reduce_mean(tf.squared_difference(D(y), REAL_LABEL))
            error_fake = tf.reduce_mean(tf.square(D(fake_y)))
        else:
            error_real = -tf.reduce_mean(tf.log(D(y) + 1e-12))
            error_fake = -tf.reduce_mean(tf.log(1 - D(fake_y) + 1e-12))
        loss = (error_real + error_fake) / 2
        return loss

    def generator_loss(self, D, fake_y, use_lsgan=True):
        if use_lsgan:
            loss = tf.reduce_mean(tf.squared_difference(D(fake_y), REAL_LABEL))
        else:
            loss = -tf.reduce_mean(tf.log(D(fake_y) + 1e-12)) / 2
        return loss

    def cycle_consistency_loss(self, G, F, x, y):
        forward_loss = tf.reduce_mean(tf.abs(F(G(x)) - x))
        backward_loss = tf.reduce_mean(tf.abs(G(F(y)) - y))
        loss = self.lambda1 * forward_loss + self.lambda2 * backward_loss
        return loss


def train():
    graph = tf.Graph()
    with graph.as_default():
        cycle_gan = CycleGAN(batch_size=1, image_size=16)
        G_loss, D_Y_loss, F_loss, D_X_loss, fake_y, fake_x = cycle_gan.model()
        optimizers = cycle_gan.optimize(G_loss, D_Y_loss, F_loss, D_X_loss)
        summary_op = tf.summary.merge_all()
        saver = tf.train.Saver()
    with tf.Session(graph=graph) as sess:
        sess.run(tf.global_variables_initializer())
    return optimizers, summary_op, saver


if __name__ == "__main__":
    train()
