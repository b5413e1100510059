"""Hyper-parameters from flags and argparse, left at their defaults (as in most TF1 training
scripts): tf.flags via tf.app.run, and argparse for the model's width."""
import argparse

import tensorflow as tf

tf.flags.DEFINE_integer("num_layers", 3, "how many layers")
tf.flags.DEFINE_string("scope", "encoder", "the model's variable scope")
FLAGS = tf.flags.FLAGS

parser = argparse.ArgumentParser()
parser.add_argument("--hidden", type=int, default=24)
args, _ = parser.parse_known_args()


def main(_):
    x = tf.placeholder(tf.float32, [None, args.hidden], name="x")
    with tf.variable_scope(FLAGS.scope):
        for layer in range(FLAGS.num_layers):
            with tf.variable_scope("layer_{}".format(layer)):
                w = tf.get_variable("kernel", [args.hidden, args.hidden])
                x = tf.tanh(tf.matmul(x, w))
    tf.identity(x, name="output")


if __name__ == "__main__":
    tf.app.run(main)
