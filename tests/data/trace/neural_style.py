"""Neural style transfer (after anishathalye/neural-style's stylize.py and vgg.py): VGG-19 built
from a weights table by a loop over the layer names (kind = name[:4]), each conv's kernel a
tf.constant of numpy weights, the content and style features computed in graphs of their own
(`with g.as_default(), g.device('/cpu:0'), tf.Session() as sess:`), then the image a
tf.Variable optimised in a last graph, with Gram matrices, a total-variation loss and Adam."""
import operator
from functools import reduce

import numpy as np
import tensorflow as tf

VGG19_LAYERS = (
    "conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1",
    "conv2_1", "relu2_1", "conv2_2", "relu2_2", "pool2",
    "conv3_1", "relu3_1", "conv3_2", "relu3_2", "conv3_3",
    "relu3_3", "conv3_4", "relu3_4", "pool3",
)
CONTENT_LAYERS = ("relu2_2",)
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1")
CHANNELS = {"1": 4, "2": 6, "3": 8}


# --- vgg.py ---

def load_net():
    """The .mat file's layers, as scipy.io.loadmat gives them (small random weights here)."""
    rng = np.random.RandomState(0)
    weights, depth = [], 3
    for name in VGG19_LAYERS:
        if name[:4] == "conv":
            out = CHANNELS[name[4]]
            kernels = rng.randn(3, 3, depth, out).astype(np.float32) * 0.1
            bias = rng.randn(1, out).astype(np.float32)
            weights.append([[[[[kernels, bias]]]]])
            depth = out
        else:
            weights.append(None)
    mean_pixel = np.array([123.68, 116.779, 103.939])
    return weights, mean_pixel


def net_preloaded(weights, input_image, pooling):
    net = {}
    current = input_image
    for i, name in enumerate(VGG19_LAYERS):
        kind = name[:4]
        if kind == "conv":
            kernels, bias = weights[i][0][0][0][0]
            # matconvnet: weights are [width, height, in_channels, out_channels]
            # tensorflow: weights are [height, width, in_channels, out_channels]
            kernels = np.transpose(kernels, (1, 0, 2, 3))
            bias = bias.reshape(-1)
            current = _conv_layer(current, kernels, bias)
        elif kind == "relu":
            current = tf.nn.relu(current)
        elif kind == "pool":
            current = _pool_layer(current, pooling)
        net[name] = current
    assert len(net) == len(VGG19_LAYERS)
    return net


def _conv_layer(input, weights, bias):
    conv = tf.nn.conv2d(input, tf.constant(weights), strides=(1, 1, 1, 1), padding="SAME")
    return tf.nn.bias_add(conv, bias)


def _pool_layer(input, pooling):
    if pooling == "avg":
        return tf.nn.avg_pool(input, ksize=(1, 2, 2, 1), strides=(1, 2, 2, 1), padding="SAME")
    else:
        return tf.nn.max_pool(input, ksize=(1, 2, 2, 1), strides=(1, 2, 2, 1), padding="SAME")


def preprocess(image, mean_pixel):
    return image - mean_pixel


# --- stylize.py ---

def _tensor_size(tensor):
    return reduce(operator.mul, (d.value for d in tensor.get_shape()), 1)


def stylize(content, styles, iterations=2, content_weight=5e0, content_weight_blend=1,
            style_weight=5e2, style_layer_weight_exp=1, style_blend_weights=None,
            tv_weight=1e2, learning_rate=1e1, beta1=0.9, beta2=0.999, epsilon=1e-08,
            pooling="max"):
    shape = (1,) + content.shape
    style_shapes = [(1,) + style.shape for style in styles]
    content_features = {}
    style_features = [{} for _ in styles]

    vgg_weights, vgg_mean_pixel = load_net()

    layer_weight = 1.0
    style_layers_weights = {}
    for style_layer in STYLE_LAYERS:
        style_layers_weights[style_layer] = layer_weight
        layer_weight *= style_layer_weight_exp

    # normalize style layer weights
    layer_weights_sum = 0
    for style_layer in STYLE_LAYERS:
        layer_weights_sum += style_layers_weights[style_layer]
    for style_layer in STYLE_LAYERS:
        style_layers_weights[style_layer] /= layer_weights_sum

    # compute content features in feedforward mode
    g = tf.Graph()
    with g.as_default(), g.device("/cpu:0"), tf.Session() as sess:
        image = tf.placeholder("float", shape=shape)
        net = net_preloaded(vgg_weights, image, pooling)
        content_pre = np.array([preprocess(content, vgg_mean_pixel)])
        for layer in CONTENT_LAYERS:
            content_features[layer] = net[layer].eval(feed_dict={image: content_pre})

    # compute style features in feedforward mode
    for i in range(len(styles)):
        g = tf.Graph()
        with g.as_default(), g.device("/cpu:0"), tf.Session() as sess:
            image = tf.placeholder("float", shape=style_shapes[i])
            net = net_preloaded(vgg_weights, image, pooling)
            style_pre = np.array([preprocess(styles[i], vgg_mean_pixel)])
            for layer in STYLE_LAYERS:
                features = net[layer].eval(feed_dict={image: style_pre})
                features = np.reshape(features, (-1, features.shape[3]))
                gram = np.matmul(features.T, features) / features.size
                style_features[i][layer] = gram

    initial_content_noise_coeff = 1.0
    # make stylized image using backpropogation
    with tf.Graph().as_default():
        noise = np.random.normal(size=shape, scale=np.std(content) * 0.1)
        initial = tf.random_normal(shape) * 0.256
        image = tf.Variable(initial)
        net = net_preloaded(vgg_weights, image, pooling)

        # content loss
        content_layers_weights = {}
        content_layers_weights["relu2_2"] = content_weight_blend
        content_loss = 0
        content_losses = []
        for content_layer in CONTENT_LAYERS:
            content_losses.append(content_layers_weights[content_layer] * content_weight * (
                2 * tf.nn.l2_loss(net[content_layer] - content_features[content_layer]) /
                content_features[content_layer].size))
        content_loss += reduce(tf.add, content_losses)

        # style loss
        style_loss = 0
        for i in range(len(styles)):
            style_losses = []
            for style_layer in STYLE_LAYERS:
                layer = net[style_layer]
                _, height, width, number = map(lambda i: i.value, layer.get_shape())
                size = height * width * number
                feats = tf.reshape(layer, (-1, number))
                gram = tf.matmul(tf.transpose(feats), feats) / size
                style_gram = style_features[i][style_layer]
                style_losses.append(style_layers_weights[style_layer] * 2 *
                                    tf.nn.l2_loss(gram - style_gram) / style_gram.size)
            style_loss += style_weight * 1.0 * reduce(tf.add, style_losses)

        # total variation denoising
        tv_y_size = _tensor_size(image[:, 1:, :, :])
        tv_x_size = _tensor_size(image[:, :, 1:, :])
        tv_loss = tv_weight * 2 * (
            (tf.nn.l2_loss(image[:, 1:, :, :] - image[:, :shape[1] - 1, :, :]) / tv_y_size) +
            (tf.nn.l2_loss(image[:, :, 1:, :] - image[:, :, :shape[2] - 1, :]) / tv_x_size))
        # overall loss
        loss = content_loss + style_loss + tv_loss

        # optimizer setup
        train_step = tf.train.AdamOptimizer(learning_rate, beta1, beta2, epsilon).minimize(loss)

        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for i in range(iterations):
                train_step.run()
            best = image.eval()
    return best, noise, initial_content_noise_coeff


if __name__ == "__main__":
    rng = np.random.RandomState(1)
    content_image = rng.uniform(0, 255, (8, 8, 3)).astype(np.float32)
    style_images = [rng.uniform(0, 255, (8, 8, 3)).astype(np.float32)]
    stylize(content_image, style_images)
