"""StarGAN (after taki0112/StarGAN-Tensorflow): a model class configured by argparse whose
build_model() calls generator/discriminator methods with reuse flags, ops helpers that wrap
tf.layers.conv2d with a `scope` argument and tf.contrib.layers.instance_norm, the domain label
tiled and concatenated to the image, a gradient penalty from tf.gradients on interpolates,
and t_vars split by 'generator' / 'discriminator' in their names."""
import argparse

import tensorflow as tf
import tensorflow.contrib as tf_contrib

weight_init = tf_contrib.layers.xavier_initializer()
weight_regularizer = None


# --- ops.py ---

def conv(x, channels, kernel=4, stride=2, pad=0, pad_type="zero", use_bias=True,
         scope="conv_0"):
    with tf.variable_scope(scope):
        if pad_type == "zero":
            x = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        if pad_type == "reflect":
            x = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
        x = tf.layers.conv2d(inputs=x, filters=channels, kernel_size=kernel,
                             kernel_initializer=weight_init,
                             kernel_regularizer=weight_regularizer,
                             strides=stride, use_bias=use_bias)
        return x


def deconv(x, channels, kernel=4, stride=2, use_bias=True, scope="deconv_0"):
    with tf.variable_scope(scope):
        x = tf.layers.conv2d_transpose(inputs=x, filters=channels, kernel_size=kernel,
                                       kernel_initializer=weight_init,
                                       kernel_regularizer=weight_regularizer,
                                       strides=stride, padding="SAME", use_bias=use_bias)
        return x


def resblock(x_init, channels, use_bias=True, scope="resblock"):
    with tf.variable_scope(scope):
        with tf.variable_scope("res1"):
            x = conv(x_init, channels, kernel=3, stride=1, pad=1, use_bias=use_bias)
            x = instance_norm(x)
            x = relu(x)
        with tf.variable_scope("res2"):
            x = conv(x, channels, kernel=3, stride=1, pad=1, use_bias=use_bias)
            x = instance_norm(x)
        return x + x_init


def lrelu(x, alpha=0.01):
    return tf.nn.leaky_relu(x, alpha)


def relu(x):
    return tf.nn.relu(x)


def tanh(x):
    return tf.tanh(x)


def instance_norm(x, scope="instance_norm"):
    return tf_contrib.layers.instance_norm(x, epsilon=1e-05, center=True, scale=True,
                                           scope=scope)


def flatten(x):
    return tf.layers.flatten(x)


def discriminator_loss(loss_func, real, fake):
    real_loss = 0
    fake_loss = 0
    if loss_func == "wgan-gp":
        real_loss = -tf.reduce_mean(real)
        fake_loss = tf.reduce_mean(fake)
    if loss_func == "lsgan":
        real_loss = tf.reduce_mean(tf.squared_difference(real, 1.0))
        fake_loss = tf.reduce_mean(tf.square(fake))
    loss = real_loss + fake_loss
    return loss


def generator_loss(loss_func, fake):
    fake_loss = 0
    if loss_func == "wgan-gp":
        fake_loss = -tf.reduce_mean(fake)
    if loss_func == "lsgan":
        fake_loss = tf.reduce_mean(tf.squared_difference(fake, 1.0))
    return fake_loss


def classification_loss(logit, label):
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=label, logits=logit))
    return loss


def L1_loss(x, y):
    return tf.reduce_mean(tf.abs(x - y))


# --- StarGAN.py ---

class StarGAN(object):
    def __init__(self, args):
        self.model_name = "StarGAN"
        self.batch_size = args.batch_size
        self.init_lr = args.lr
        self.ch = args.ch
        self.selected_attrs = args.selected_attrs
        self.adv_weight = args.adv_weight
        self.rec_weight = args.rec_weight
        self.cls_weight = args.cls_weight
        self.ld = args.ld
        self.gan_type = args.gan_type
        self.n_res = args.n_res
        self.n_dis = args.n_dis
        self.n_critic = args.n_critic
        self.img_size = args.img_size
        self.img_ch = args.img_ch
        self.c_dim = len(self.selected_attrs)

    def generator(self, x_init, c, reuse=False, scope="generator"):
        channel = self.ch
        c = tf.cast(tf.reshape(c, shape=[-1, 1, 1, c.shape[-1]]), tf.float32)
        c = tf.tile(c, [1, x_init.shape[1], x_init.shape[2], 1])
        x = tf.concat([x_init, c], axis=-1)
        with tf.variable_scope(scope, reuse=reuse):
            x = conv(x, channel, kernel=7, stride=1, pad=3, use_bias=False, scope="conv")
            x = instance_norm(x, scope="ins_norm")
            x = relu(x)
            # Down-Sampling
            for i in range(2):
                x = conv(x, channel * 2, kernel=4, stride=2, pad=1, use_bias=False,
                         scope="conv_" + str(i))
                x = instance_norm(x, scope="down_ins_norm_" + str(i))
                x = relu(x)
                channel = channel * 2
            # Bottleneck
            for i in range(self.n_res):
                x = resblock(x, channel, use_bias=False, scope="resblock_" + str(i))
            # Up-Sampling
            for i in range(2):
                x = deconv(x, channel // 2, kernel=4, stride=2, use_bias=False,
                           scope="deconv_" + str(i))
                x = instance_norm(x, scope="up_ins_norm" + str(i))
                x = relu(x)
                channel = channel // 2
            x = conv(x, channels=3, kernel=7, stride=1, pad=3, use_bias=False,
                     scope="G_logit")
            x = tanh(x)
            return x

    def discriminator(self, x_init, reuse=False, scope="discriminator"):
        with tf.variable_scope(scope, reuse=reuse):
            channel = self.ch
            x = conv(x_init, channel, kernel=4, stride=2, pad=1, use_bias=True, scope="conv_0")
            x = lrelu(x, 0.01)
            for i in range(1, self.n_dis):
                x = conv(x, channel * 2, kernel=4, stride=2, pad=1, use_bias=True,
                         scope="conv_" + str(i))
                x = lrelu(x, 0.01)
                channel = channel * 2
            c_kernel = int(self.img_size / pow(2, self.n_dis))
            logit = conv(x, channels=1, kernel=3, stride=1, pad=1, use_bias=False,
                         scope="D_logit")
            c = conv(x, channels=self.c_dim, kernel=c_kernel, stride=1, use_bias=False,
                     scope="D_label")
            c = tf.reshape(c, shape=[-1, self.c_dim])
            return logit, c

    def gradient_panalty(self, real, fake, scope="discriminator"):
        if self.gan_type == "dragan":
            shape = tf.shape(real)
            eps = tf.random_uniform(shape=shape, minval=0., maxval=1.)
            x_mean, x_var = tf.nn.moments(real, axes=[0, 1, 2, 3])
            x_std = tf.sqrt(x_var)
            noise = 0.5 * x_std * eps
            alpha = tf.random_uniform(shape=[shape[0], 1, 1, 1], minval=-1., maxval=1.)
            interpolated = tf.clip_by_value(real + alpha * noise, -1., 1.)
        else:
            alpha = tf.random_uniform(shape=[self.batch_size, 1, 1, 1], minval=0., maxval=1.)
            interpolated = alpha * real + (1. - alpha) * fake
        logit, _ = self.discriminator(interpolated, reuse=True, scope=scope)
        GP = 0
        grad = tf.gradients(logit, interpolated)[0]
        grad_norm = tf.norm(flatten(grad), axis=1)
        if self.gan_type == "wgan-gp":
            GP = self.ld * tf.reduce_mean(tf.square(grad_norm - 1.))
        return GP

    def build_model(self):
        self.lr = tf.placeholder(tf.float32, name="learning_rate")
        self.x_real = tf.placeholder(tf.float32, [self.batch_size, self.img_size,
                                                  self.img_size, self.img_ch], name="x_real")
        self.label_org = tf.placeholder(tf.float32, [self.batch_size, self.c_dim],
                                        name="label_org")
        self.label_trg = tf.placeholder(tf.float32, [self.batch_size, self.c_dim],
                                        name="label_trg")

        x_fake = self.generator(self.x_real, self.label_trg)
        x_recon = self.generator(x_fake, self.label_org, reuse=True)

        real_logit, real_cls = self.discriminator(self.x_real)
        fake_logit, fake_cls = self.discriminator(x_fake, reuse=True)

        if self.gan_type.__contains__("wgan") or self.gan_type == "dragan":
            GP = self.gradient_panalty(real=self.x_real, fake=x_fake)
        else:
            GP = 0

        g_adv_loss = generator_loss(loss_func=self.gan_type, fake=fake_logit)
        g_cls_loss = classification_loss(logit=fake_cls, label=self.label_trg)
        g_rec_loss = L1_loss(self.x_real, x_recon)

        d_adv_loss = discriminator_loss(loss_func=self.gan_type, real=real_logit,
                                        fake=fake_logit) + GP
        d_cls_loss = classification_loss(logit=real_cls, label=self.label_org)

        self.d_loss = self.adv_weight * d_adv_loss + self.cls_weight * d_cls_loss
        self.g_loss = (self.adv_weight * g_adv_loss + self.cls_weight * g_cls_loss
                       + self.rec_weight * g_rec_loss)

        t_vars = tf.trainable_variables()
        G_vars = [var for var in t_vars if "generator" in var.name]
        D_vars = [var for var in t_vars if "discriminator" in var.name]

        self.g_optimizer = tf.train.AdamOptimizer(self.lr, beta1=0.5, beta2=0.999) \
            .minimize(self.g_loss, var_list=G_vars)
        self.d_optimizer = tf.train.AdamOptimizer(self.lr, beta1=0.5, beta2=0.999) \
            .minimize(self.d_loss, var_list=D_vars)

        self.Generator_loss = tf.summary.scalar("Generator_loss", self.g_loss)
        self.Discriminator_loss = tf.summary.scalar("Discriminator_loss", self.d_loss)
        self.g_summary_loss = tf.summary.merge([self.Generator_loss])
        self.d_summary_loss = tf.summary.merge([self.Discriminator_loss])


def parse_args():
    desc = "Tensorflow implementation of StarGAN"
    parser = argparse.ArgumentParser(description=desc)
    parser.add_argument("--phase", type=str, default="train")
    parser.add_argument("--batch_size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.0001)
    parser.add_argument("--adv_weight", type=float, default=1)
    parser.add_argument("--rec_weight", type=float, default=10)
    parser.add_argument("--cls_weight", type=float, default=10)
    parser.add_argument("--ld", type=float, default=10.0)
    parser.add_argument("--gan_type", type=str, default="wgan-gp")
    parser.add_argument("--selected_attrs", type=str, nargs="+",
                        default=["Black_Hair", "Blond_Hair", "Male"])
    parser.add_argument("--ch", type=int, default=4)
    parser.add_argument("--n_res", type=int, default=2)
    parser.add_argument("--n_dis", type=int, default=3)
    parser.add_argument("--n_critic", type=int, default=5)
    parser.add_argument("--img_size", type=int, default=16)
    parser.add_argument("--img_ch", type=int, default=3)
    return parser.parse_args()


def main():
    args = parse_args()
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        gan = StarGAN(args)
        gan.build_model()
        tf.global_variables_initializer().run()
        saver = tf.train.Saver(max_to_keep=10)
    return saver


if __name__ == "__main__":
    main()
