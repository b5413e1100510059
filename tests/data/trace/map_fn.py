"""Per-example preprocessing and a scan (after the TF1 input pipelines and the Kalman-filter /
cumulative-reward code): tf.map_fn over a batch of images with a named function, tf.scan
accumulating discounted rewards, tf.foldl, and a small conv net on the result."""
import tensorflow as tf

GAMMA = 0.99


def preprocess(image):
    image = tf.image.resize_images(image, [24, 24])
    image = tf.image.per_image_standardization(image)
    return tf.image.random_flip_left_right(image, seed=1)


images = tf.placeholder(tf.float32, [4, 32, 32, 3], name="images")
rewards = tf.placeholder(tf.float32, [None], name="rewards")
processed = tf.map_fn(preprocess, images, parallel_iterations=4)
returns = tf.scan(lambda acc, r: r + GAMMA * acc, rewards, initializer=tf.constant(0.0),
                  reverse=True)
total = tf.foldl(lambda a, x: a + x, rewards, initializer=tf.constant(0.0))
with tf.variable_scope("net"):
    conv = tf.layers.conv2d(processed, 4, 3, activation=tf.nn.relu, name="conv")
    logits = tf.layers.dense(tf.layers.flatten(conv), 2, name="logits")
loss = tf.reduce_mean(logits) + tf.reduce_mean(returns) + total
train = tf.train.AdamOptimizer().minimize(loss)
