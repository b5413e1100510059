"""WaveNet (after ibab/tensorflow-wavenet's wavenet/model.py and ops.py): a model object whose
_create_variables() fills a dict of tf.Variable made by an xavier initializer called on a shape,
under nested variable scopes ('wavenet', 'causal_layer', 'dilated_stack', 'layer{}'), then
the network built under name scopes only: causal convolutions through time_to_batch, gated
dilation layers with skip outputs, mu-law one-hot input, a softmax loss with l2 regularisation
over the non-bias trainable variables, and an Adam optimizer."""
import numpy as np
import tensorflow as tf

# --- ops.py ---

def time_to_batch(value, dilation, name=None):
    with tf.name_scope("time_to_batch"):
        shape = tf.shape(value)
        pad_elements = dilation - 1 - (shape[1] + dilation - 1) % dilation
        padded = tf.pad(value, [[0, 0], [0, pad_elements], [0, 0]])
        reshaped = tf.reshape(padded, [-1, dilation, shape[2]])
        transposed = tf.transpose(reshaped, perm=[1, 0, 2])
        return tf.reshape(transposed, [shape[0] * dilation, -1, shape[2]])


def batch_to_time(value, dilation, name=None):
    with tf.name_scope("batch_to_time"):
        shape = tf.shape(value)
        prepared = tf.reshape(value, [dilation, -1, shape[2]])
        transposed = tf.transpose(prepared, perm=[1, 0, 2])
        return tf.reshape(transposed, [tf.div(shape[0], dilation), -1, shape[2]])


def causal_conv(value, filter_, dilation, name="causal_conv"):
    with tf.name_scope(name):
        filter_width = tf.shape(filter_)[0]
        if dilation > 1:
            transformed = time_to_batch(value, dilation)
            conv = tf.nn.conv1d(transformed, filter_, stride=1, padding="VALID")
            restored = batch_to_time(conv, dilation)
        else:
            restored = tf.nn.conv1d(value, filter_, stride=1, padding="VALID")
        # Remove excess elements at the end.
        out_width = tf.shape(value)[1] - (filter_width - 1) * dilation
        result = tf.slice(restored, [0, 0, 0], [-1, out_width, -1])
        return result


def mu_law_encode(audio, quantization_channels):
    with tf.name_scope("encode"):
        mu = tf.to_float(quantization_channels - 1)
        safe_audio_abs = tf.minimum(tf.abs(audio), 1.0)
        magnitude = tf.log1p(mu * safe_audio_abs) / tf.log1p(mu)
        signal = tf.sign(audio) * magnitude
        return tf.to_int32((signal + 1) / 2 * mu + 0.5)


# --- model.py ---

def create_variable(name, shape):
    initializer = tf.contrib.layers.xavier_initializer_conv2d()
    variable = tf.Variable(initializer(shape=shape), name=name)
    return variable


def create_bias_variable(name, shape):
    initializer = tf.constant_initializer(value=0.0, dtype=tf.float32)
    return tf.Variable(initializer(shape=shape), name)


class WaveNetModel(object):
    def __init__(self, batch_size, dilations, filter_width, residual_channels,
                 dilation_channels, skip_channels, quantization_channels=2**8,
                 use_biases=False, scalar_input=False, initial_filter_width=32):
        self.batch_size = batch_size
        self.dilations = dilations
        self.filter_width = filter_width
        self.residual_channels = residual_channels
        self.dilation_channels = dilation_channels
        self.quantization_channels = quantization_channels
        self.use_biases = use_biases
        self.skip_channels = skip_channels
        self.scalar_input = scalar_input
        self.initial_filter_width = initial_filter_width
        self.receptive_field = WaveNetModel.calculate_receptive_field(
            self.filter_width, self.dilations, self.scalar_input, self.initial_filter_width)
        self.variables = self._create_variables()

    @staticmethod
    def calculate_receptive_field(filter_width, dilations, scalar_input,
                                  initial_filter_width):
        receptive_field = (filter_width - 1) * sum(dilations) + 1
        if scalar_input:
            receptive_field += initial_filter_width - 1
        else:
            receptive_field += filter_width - 1
        return receptive_field

    def _create_variables(self):
        var = dict()
        with tf.variable_scope("wavenet"):
            with tf.variable_scope("causal_layer"):
                layer = dict()
                if self.scalar_input:
                    initial_channels = 1
                    initial_filter_width = self.initial_filter_width
                else:
                    initial_channels = self.quantization_channels
                    initial_filter_width = self.filter_width
                layer["filter"] = create_variable(
                    "filter", [initial_filter_width, initial_channels, self.residual_channels])
                var["causal_layer"] = layer

            var["dilated_stack"] = list()
            with tf.variable_scope("dilated_stack"):
                for i, dilation in enumerate(self.dilations):
                    with tf.variable_scope("layer{}".format(i)):
                        current = dict()
                        current["filter"] = create_variable(
                            "filter", [self.filter_width, self.residual_channels,
                                       self.dilation_channels])
                        current["gate"] = create_variable(
                            "gate", [self.filter_width, self.residual_channels,
                                     self.dilation_channels])
                        current["dense"] = create_variable(
                            "dense", [1, self.dilation_channels, self.residual_channels])
                        current["skip"] = create_variable(
                            "skip", [1, self.dilation_channels, self.skip_channels])
                        if self.use_biases:
                            current["filter_bias"] = create_bias_variable(
                                "filter_bias", [self.dilation_channels])
                            current["gate_bias"] = create_bias_variable(
                                "gate_bias", [self.dilation_channels])
                            current["dense_bias"] = create_bias_variable(
                                "dense_bias", [self.residual_channels])
                            current["skip_bias"] = create_bias_variable(
                                "slip_bias", [self.skip_channels])
                        var["dilated_stack"].append(current)

            with tf.variable_scope("postprocessing"):
                current = dict()
                current["postprocess1"] = create_variable(
                    "postprocess1", [1, self.skip_channels, self.skip_channels])
                current["postprocess2"] = create_variable(
                    "postprocess2", [1, self.skip_channels, self.quantization_channels])
                if self.use_biases:
                    current["postprocess1_bias"] = create_bias_variable(
                        "postprocess1_bias", [self.skip_channels])
                    current["postprocess2_bias"] = create_bias_variable(
                        "postprocess2_bias", [self.quantization_channels])
                var["postprocessing"] = current
        return var

    def _create_causal_layer(self, input_batch):
        with tf.name_scope("causal_layer"):
            weights_filter = self.variables["causal_layer"]["filter"]
            return causal_conv(input_batch, weights_filter, 1)

    def _create_dilation_layer(self, input_batch, layer_index, dilation, output_width):
        variables = self.variables["dilated_stack"][layer_index]
        weights_filter = variables["filter"]
        weights_gate = variables["gate"]
        conv_filter = causal_conv(input_batch, weights_filter, dilation)
        conv_gate = causal_conv(input_batch, weights_gate, dilation)
        if self.use_biases:
            conv_filter = tf.add(conv_filter, variables["filter_bias"])
            conv_gate = tf.add(conv_gate, variables["gate_bias"])
        out = tf.tanh(conv_filter) * tf.sigmoid(conv_gate)
        # The 1x1 conv to produce the residual output
        weights_dense = variables["dense"]
        transformed = tf.nn.conv1d(out, weights_dense, stride=1, padding="SAME",
                                   name="dense")
        # The 1x1 conv to produce the skip output
        skip_cut = tf.shape(out)[1] - output_width
        out_skip = tf.slice(out, [0, skip_cut, 0], [-1, -1, self.dilation_channels])
        weights_skip = variables["skip"]
        skip_contribution = tf.nn.conv1d(out_skip, weights_skip, stride=1, padding="SAME",
                                         name="skip")
        if self.use_biases:
            transformed = transformed + variables["dense_bias"]
            skip_contribution = skip_contribution + variables["skip_bias"]
        layer = "layer{}".format(layer_index)
        tf.summary.histogram(layer + "_filter", weights_filter)
        tf.summary.histogram(layer + "_gate", weights_gate)
        input_cut = tf.shape(input_batch)[1] - tf.shape(transformed)[1]
        input_batch = tf.slice(input_batch, [0, input_cut, 0], [-1, -1, -1])
        return skip_contribution, input_batch + transformed

    def _create_network(self, input_batch):
        outputs = []
        current_layer = input_batch
        current_layer = self._create_causal_layer(current_layer)
        output_width = tf.shape(input_batch)[1] - self.receptive_field + 1
        # Add all defined dilation layers.
        with tf.name_scope("dilated_stack"):
            for layer_index, dilation in enumerate(self.dilations):
                with tf.name_scope("layer{}".format(layer_index)):
                    output, current_layer = self._create_dilation_layer(
                        current_layer, layer_index, dilation, output_width)
                    outputs.append(output)
        with tf.name_scope("postprocessing"):
            w1 = self.variables["postprocessing"]["postprocess1"]
            w2 = self.variables["postprocessing"]["postprocess2"]
            if self.use_biases:
                b1 = self.variables["postprocessing"]["postprocess1_bias"]
                b2 = self.variables["postprocessing"]["postprocess2_bias"]
            tf.summary.histogram("postprocess1_weights", w1)
            tf.summary.histogram("postprocess2_weights", w2)
            total = sum(outputs)
            transformed1 = tf.nn.relu(total)
            conv1 = tf.nn.conv1d(transformed1, w1, stride=1, padding="SAME")
            if self.use_biases:
                conv1 = tf.add(conv1, b1)
            transformed2 = tf.nn.relu(conv1)
            conv2 = tf.nn.conv1d(transformed2, w2, stride=1, padding="SAME")
            if self.use_biases:
                conv2 = tf.add(conv2, b2)
        return conv2

    def _one_hot(self, input_batch):
        with tf.name_scope("one_hot_encode"):
            encoded = tf.one_hot(input_batch, depth=self.quantization_channels,
                                 dtype=tf.float32)
            shape = [self.batch_size, -1, self.quantization_channels]
            encoded = tf.reshape(encoded, shape)
        return encoded

    def loss(self, input_batch, l2_regularization_strength=None, name="wavenet"):
        with tf.name_scope(name):
            encoded_input = mu_law_encode(input_batch, self.quantization_channels)
            encoded = self._one_hot(encoded_input)
            network_input = encoded
            network_input_width = tf.shape(network_input)[1] - 1
            network_input = tf.slice(network_input, [0, 0, 0], [-1, network_input_width, -1])
            raw_output = self._create_network(network_input)
            with tf.name_scope("loss"):
                target_output = tf.slice(
                    tf.reshape(encoded, [self.batch_size, -1, self.quantization_channels]),
                    [0, self.receptive_field, 0], [-1, -1, -1])
                target_output = tf.reshape(target_output, [-1, self.quantization_channels])
                prediction = tf.reshape(raw_output, [-1, self.quantization_channels])
                loss = tf.nn.softmax_cross_entropy_with_logits(logits=prediction,
                                                               labels=target_output)
                reduced_loss = tf.reduce_mean(loss)
                tf.summary.scalar("loss", reduced_loss)
                if l2_regularization_strength is None:
                    return reduced_loss
                else:
                    l2_loss = tf.add_n([tf.nn.l2_loss(v) for v in tf.trainable_variables()
                                        if not ("bias" in v.name)])
                    total_loss = (reduced_loss + l2_regularization_strength * l2_loss)
                    tf.summary.scalar("l2_loss", l2_loss)
                    tf.summary.scalar("total_loss", total_loss)
                    return total_loss


def main():
    wavenet_params = {"filter_width": 2, "dilations": [1, 2, 4, 1, 2, 4],
                      "residual_channels": 8, "dilation_channels": 8,
                      "quantization_channels": 16, "skip_channels": 16, "use_biases": True,
                      "scalar_input": False, "initial_filter_width": 32}
    net = WaveNetModel(batch_size=1, dilations=wavenet_params["dilations"],
                       filter_width=wavenet_params["filter_width"],
                       residual_channels=wavenet_params["residual_channels"],
                       dilation_channels=wavenet_params["dilation_channels"],
                       skip_channels=wavenet_params["skip_channels"],
                       quantization_channels=wavenet_params["quantization_channels"],
                       use_biases=wavenet_params["use_biases"],
                       scalar_input=wavenet_params["scalar_input"],
                       initial_filter_width=wavenet_params["initial_filter_width"])
    audio_batch = tf.placeholder(tf.float32, [1, None, 1])
    loss = net.loss(input_batch=audio_batch, l2_regularization_strength=0.0)
    optimizer = tf.train.AdamOptimizer(learning_rate=1e-3, epsilon=1e-4)
    trainable = tf.trainable_variables()
    optim = optimizer.minimize(loss, var_list=trainable)
    summaries = tf.summary.merge_all()
    sess = tf.Session(config=tf.ConfigProto(log_device_placement=False))
    init = tf.global_variables_initializer()
    sess.run(init)
    saver = tf.train.Saver(var_list=tf.trainable_variables(), max_to_keep=5)
    audio = np.random.uniform(-1, 1, (1, 40, 1)).astype(np.float32)
    sess.run([summaries, loss, optim], feed_dict={audio_batch: audio})
    return saver


if __name__ == "__main__":
    main()
