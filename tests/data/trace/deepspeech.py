"""DeepSpeech (after mozilla/DeepSpeech's DeepSpeech.py, 0.1-0.4 era): tf.app.flags, weights
made by a variable_on_cpu helper (get_variable under tf.device('/cpu:0')), three clipped-ReLU
dense layers with dropout, a BasicLSTMCell pair in DropoutWrappers run by
bidirectional_dynamic_rnn over time-major input, the CTC loss against a sparse placeholder,
towers in name_scope('tower_%d') with reuse_variables(), averaged gradients and Adam."""
import numpy as np
import tensorflow as tf

tf.app.flags.DEFINE_integer("n_hidden", 16, "layer width to use when initialising layers")
tf.app.flags.DEFINE_float("relu_clip", 20.0, "ReLU clipping value for non-recurrant layers")
tf.app.flags.DEFINE_float("dropout_rate", 0.05, "dropout rate for feedforward layers")
tf.app.flags.DEFINE_float("learning_rate", 0.001, "learning rate of Adam optimizer")
tf.app.flags.DEFINE_float("beta1", 0.9, "beta 1 parameter of Adam optimizer")
tf.app.flags.DEFINE_float("beta2", 0.999, "beta 2 parameter of Adam optimizer")
tf.app.flags.DEFINE_float("epsilon", 1e-8, "epsilon parameter of Adam optimizer")
tf.app.flags.DEFINE_string("train_devices", "/cpu:0", "comma separated devices")
FLAGS = tf.app.flags.FLAGS

n_input = 26
n_context = 2
n_character = 29


def variable_on_cpu(name, shape, initializer):
    # Use the /cpu:0 device for scoped operations
    with tf.device("/cpu:0"):
        # Create or get apropos variable
        var = tf.get_variable(name=name, shape=shape, initializer=initializer)
    return var


def BiRNN(batch_x, seq_length, dropout):
    n_hidden_1 = n_hidden_2 = n_hidden_3 = n_hidden_5 = FLAGS.n_hidden
    n_cell_dim = FLAGS.n_hidden
    n_hidden_6 = n_character
    # Input shape: [batch_size, n_steps, n_input + 2*n_input*n_context]
    batch_x_shape = tf.shape(batch_x)
    # Reshaping `batch_x` to a tensor with shape `[n_steps*batch_size, n_input +
    # 2*n_input*n_context]`.
    batch_x = tf.transpose(batch_x, [1, 0, 2])
    batch_x = tf.reshape(batch_x, [-1, n_input + 2 * n_input * n_context])

    # 1st layer
    b1 = variable_on_cpu("b1", [n_hidden_1], tf.random_normal_initializer(stddev=0.046875))
    h1 = variable_on_cpu("h1", [n_input + 2 * n_input * n_context, n_hidden_1],
                         tf.contrib.layers.xavier_initializer(uniform=False))
    layer_1 = tf.minimum(tf.nn.relu(tf.add(tf.matmul(batch_x, h1), b1)), FLAGS.relu_clip)
    layer_1 = tf.nn.dropout(layer_1, (1.0 - dropout[0]))

    # 2nd layer
    b2 = variable_on_cpu("b2", [n_hidden_2], tf.random_normal_initializer(stddev=0.046875))
    h2 = variable_on_cpu("h2", [n_hidden_1, n_hidden_2],
                         tf.random_normal_initializer(stddev=0.046875))
    layer_2 = tf.minimum(tf.nn.relu(tf.add(tf.matmul(layer_1, h2), b2)), FLAGS.relu_clip)
    layer_2 = tf.nn.dropout(layer_2, (1.0 - dropout[1]))

    # 3rd layer
    b3 = variable_on_cpu("b3", [n_hidden_3], tf.random_normal_initializer(stddev=0.046875))
    h3 = variable_on_cpu("h3", [n_hidden_2, n_hidden_3],
                         tf.random_normal_initializer(stddev=0.046875))
    layer_3 = tf.minimum(tf.nn.relu(tf.add(tf.matmul(layer_2, h3), b3)), FLAGS.relu_clip)
    layer_3 = tf.nn.dropout(layer_3, (1.0 - dropout[2]))

    # Forward direction cell:
    lstm_fw_cell = tf.contrib.rnn.BasicLSTMCell(n_cell_dim, forget_bias=1.0,
                                                state_is_tuple=True)
    lstm_fw_cell = tf.contrib.rnn.DropoutWrapper(lstm_fw_cell,
                                                 input_keep_prob=1.0 - dropout[3],
                                                 output_keep_prob=1.0 - dropout[3])
    # Backward direction cell:
    lstm_bw_cell = tf.contrib.rnn.BasicLSTMCell(n_cell_dim, forget_bias=1.0,
                                                state_is_tuple=True)
    lstm_bw_cell = tf.contrib.rnn.DropoutWrapper(lstm_bw_cell,
                                                 input_keep_prob=1.0 - dropout[4],
                                                 output_keep_prob=1.0 - dropout[4])

    # `layer_3` is now reshaped into `[n_steps, batch_size, 2*n_cell_dim]`,
    # as the LSTM BRNN expects its input to be of shape `[max_time, batch_size, input_size]`.
    layer_3 = tf.reshape(layer_3, [-1, batch_x_shape[0], n_hidden_3])

    # Now we feed `layer_3` into the LSTM BRNN cell and obtain the LSTM BRNN output.
    outputs, output_states = tf.nn.bidirectional_dynamic_rnn(cell_fw=lstm_fw_cell,
                                                             cell_bw=lstm_bw_cell,
                                                             inputs=layer_3,
                                                             dtype=tf.float32,
                                                             time_major=True,
                                                             sequence_length=seq_length)

    # Reshape outputs from two tensors each of shape [n_steps, batch_size, n_cell_dim]
    # to a single tensor of shape [n_steps*batch_size, 2*n_cell_dim]
    outputs = tf.concat(outputs, 2)
    outputs = tf.reshape(outputs, [-1, 2 * n_cell_dim])

    # Now we feed `outputs` to the fifth hidden layer with clipped RELU activation and dropout
    b5 = variable_on_cpu("b5", [n_hidden_5], tf.random_normal_initializer(stddev=0.046875))
    h5 = variable_on_cpu("h5", [(2 * n_cell_dim), n_hidden_5],
                         tf.random_normal_initializer(stddev=0.046875))
    layer_5 = tf.minimum(tf.nn.relu(tf.add(tf.matmul(outputs, h5), b5)), FLAGS.relu_clip)
    layer_5 = tf.nn.dropout(layer_5, (1.0 - dropout[5]))

    # Now we apply the weight matrix `h6` and bias `b6` to the output of `layer_5`
    # creating `n_classes` dimensional vectors, the logits.
    b6 = variable_on_cpu("b6", [n_hidden_6], tf.random_normal_initializer(stddev=0.046875))
    h6 = variable_on_cpu("h6", [n_hidden_5, n_hidden_6],
                         tf.contrib.layers.xavier_initializer(uniform=False))
    layer_6 = tf.add(tf.matmul(layer_5, h6), b6)

    # Finally we reshape layer_6 from a tensor of shape [n_steps*batch_size, n_hidden_6]
    # to the slightly more useful shape [n_steps, batch_size, n_hidden_6].
    # Note, that this differs from the input in that it is time-major.
    layer_6 = tf.reshape(layer_6, [-1, batch_x_shape[0], n_hidden_6], name="raw_logits")

    # Output shape: [n_steps, batch_size, n_hidden_6]
    return layer_6


def calculate_mean_edit_distance_and_loss(batch_x, batch_seq_len, batch_y, dropout):
    # Calculate the logits of the batch using BiRNN
    logits = BiRNN(batch_x, tf.to_int64(batch_seq_len), dropout)

    # Compute the CTC loss using either TensorFlow's `ctc_loss` or Baidu's `warp_ctc_loss`.
    total_loss = tf.nn.ctc_loss(labels=batch_y, inputs=logits, sequence_length=batch_seq_len)

    # Calculate the average loss across the batch
    avg_loss = tf.reduce_mean(total_loss)

    # Beam search decode the batch
    decoded, _ = tf.nn.ctc_beam_search_decoder(logits, batch_seq_len, merge_repeated=False)

    # Compute the edit (Levenshtein) distance
    distance = tf.edit_distance(tf.cast(decoded[0], tf.int32), batch_y)

    # Compute the mean edit distance
    mean_edit_distance = tf.reduce_mean(distance)
    return total_loss, avg_loss, distance, mean_edit_distance, decoded, batch_y


def create_optimizer():
    optimizer = tf.train.AdamOptimizer(learning_rate=FLAGS.learning_rate,
                                       beta1=FLAGS.beta1,
                                       beta2=FLAGS.beta2,
                                       epsilon=FLAGS.epsilon)
    return optimizer


def get_tower_results(model_feeder, optimizer):
    tower_avg_losses = []
    tower_gradients = []
    available_devices = FLAGS.train_devices.split(",")
    with tf.variable_scope(tf.get_variable_scope()):
        # Loop over available_devices
        for i in range(len(available_devices)):
            # Execute operations of tower i on device i
            device = available_devices[i]
            with tf.device(device):
                # Create a scope for all operations of tower i
                with tf.name_scope("tower_%d" % i) as scope:
                    batch_x, batch_seq_len, batch_y = model_feeder[i]
                    total_loss, avg_loss, distance, mean_edit_distance, decoded, labels = \
                        calculate_mean_edit_distance_and_loss(batch_x, batch_seq_len, batch_y,
                                                              model_feeder.dropout)
                    # Allow for variables to be re-used by the next tower
                    tf.get_variable_scope().reuse_variables()
                    tower_avg_losses.append(avg_loss)
                    gradients = optimizer.compute_gradients(avg_loss)
                    tower_gradients.append(gradients)
    avg_loss_across_towers = tf.reduce_mean(tower_avg_losses, 0)
    return tower_gradients, avg_loss_across_towers, scope


def average_gradients(tower_gradients):
    average_grads = []
    # Run this on cpu_device to conserve GPU memory
    with tf.device("/cpu:0"):
        # Loop over gradient/variable pairs from all towers
        for grad_and_vars in zip(*tower_gradients):
            # Introduce grads to store the gradients for the current variable
            grads = []
            # Loop over the gradients for the current variable
            for g, _ in grad_and_vars:
                # Add 0 dimension to the gradients to represent the tower.
                expanded_g = tf.expand_dims(g, 0)
                # Append on a 'tower' dimension which we will average over below.
                grads.append(expanded_g)
            # Average over the 'tower' dimension
            grad = tf.concat(grads, 0)
            grad = tf.reduce_mean(grad, 0)
            # Create a gradient/variable tuple for the current variable with its average
            # gradient
            grad_and_var = (grad, grad_and_vars[0][1])
            average_grads.append(grad_and_var)
    return average_grads


class ModelFeeder(object):
    """The placeholders of each tower (the real one feeds them from queues)."""

    def __init__(self, num_towers):
        self.dropout = [tf.placeholder(tf.float32) for _ in range(6)]
        self._towers = []
        for i in range(num_towers):
            x = tf.placeholder(tf.float32, [None, None, n_input + 2 * n_input * n_context])
            x_length = tf.placeholder(tf.int32, [None])
            y = tf.sparse_placeholder(tf.int32)
            self._towers.append((x, x_length, y))

    def __getitem__(self, i):
        return self._towers[i]


def train():
    global_step = tf.Variable(0, trainable=False, name="global_step")
    model_feeder = ModelFeeder(len(FLAGS.train_devices.split(",")))
    optimizer = create_optimizer()
    gradients, loss, _ = get_tower_results(model_feeder, optimizer)
    avg_tower_gradients = average_gradients(gradients)
    apply_gradient_op = optimizer.apply_gradients(avg_tower_gradients, global_step=global_step)
    tf.summary.scalar(name="step_loss", tensor=loss, collections=["step_summaries"])
    saver = tf.train.Saver(max_to_keep=3)
    with tf.Session() as session:
        session.run(tf.global_variables_initializer())
        x, x_len, y = model_feeder[0]
        feed = {x: np.zeros((2, 6, n_input + 2 * n_input * n_context), np.float32),
                x_len: [6, 6],
                y: tf.SparseTensorValue([[0, 0], [1, 0]], [1, 2], [2, 1])}
        feed.update({d: 0.0 for d in model_feeder.dropout})
        session.run([apply_gradient_op, loss], feed_dict=feed)
    return saver


def main(_):
    train()


if __name__ == "__main__":
    tf.app.run(main)
