"""A training script's tail (after most TF1 training examples): summaries, a decayed learning
rate, a Saver, and a session that trains a few steps: the case keeps the graph, not the run."""
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 3], name="x")
w = tf.get_variable("w", [3, 1])
loss = tf.reduce_mean(tf.matmul(x, w), name="loss")
tf.summary.scalar("loss", loss)
tf.summary.histogram("w", w)
merged = tf.summary.merge_all()
step = tf.train.get_or_create_global_step()
lr = tf.train.exponential_decay(0.1, step, 100, 0.9)
train = tf.train.MomentumOptimizer(lr, 0.9).minimize(loss, global_step=step)
saver = tf.train.Saver(max_to_keep=3)
init = tf.global_variables_initializer()
with tf.Session() as sess:
    sess.run(init)
    for _ in range(3):
        sess.run(train, feed_dict={x: [[1.0, 2.0, 3.0]]})
