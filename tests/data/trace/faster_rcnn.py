"""Faster R-CNN (after endernewton/tf-faster-rcnn's lib/nets/network.py and vgg16.py): a
config dict of the project's cfg style, a Network base class (plain Python) whose
create_architecture() makes placeholders, dicts of layers/predictions/losses, and opens slim
arg_scope over conv2d/conv2d_in_plane/conv2d_transpose/separable_conv2d/fully_connected with a
regularizer and biases_regularizer, a vgg16 subclass whose _image_to_head uses slim.repeat
with trainable=False for the first blocks, the region proposal head with _reshape_layer /
_softmax_layer helpers under variable scopes, anchors made in TF (generate_anchors_pre_tf),
the proposal layer by tf.image.non_max_suppression, crop-and-resize pooling, the head's
fully connected layers with dropout, smooth L1 losses, and an optimizer over the variables
whose names say they are not frozen."""
import numpy as np
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.contrib.slim import arg_scope

cfg = {
    "TRAIN": {"WEIGHT_DECAY": 0.0001, "BIAS_DECAY": False, "DOUBLE_BIAS": True,
              "TRUNCATED": False, "LEARNING_RATE": 0.001, "MOMENTUM": 0.9,
              "RPN_POST_NMS_TOP_N": 16, "RPN_NMS_THRESH": 0.7, "BATCH_SIZE": 16},
    "POOLING_SIZE": 7,
    "RPN_CHANNELS": 32,
    "ANCHOR_SCALES": [8, 16, 32],
    "ANCHOR_RATIOS": [0.5, 1, 2],
}


def generate_anchors_pre_tf(height, width, feat_stride=16, anchor_scales=(8, 16, 32),
                            anchor_ratios=(0.5, 1, 2)):
    shift_x = tf.range(width) * feat_stride  # width
    shift_y = tf.range(height) * feat_stride  # height
    shift_x, shift_y = tf.meshgrid(shift_x, shift_y)
    sx = tf.reshape(shift_x, shape=(-1,))
    sy = tf.reshape(shift_y, shape=(-1,))
    shifts = tf.transpose(tf.stack([sx, sy, sx, sy]))
    K = tf.multiply(width, height)
    shifts = tf.transpose(tf.reshape(shifts, shape=[1, K, 4]), perm=(1, 0, 2))

    anchors = generate_anchors(ratios=np.array(anchor_ratios),
                               scales=np.array(anchor_scales))
    A = anchors.shape[0]
    anchor_constant = tf.constant(anchors.reshape((1, A, 4)), dtype=tf.int32)

    length = K * A
    anchors_tf = tf.reshape(tf.add(anchor_constant, shifts), shape=(length, 4))

    return tf.cast(anchors_tf, dtype=tf.float32), length


def generate_anchors(base_size=16, ratios=np.array([0.5, 1, 2]), scales=2 ** np.arange(3, 6)):
    """A numpy table of base anchors (the project's generate_anchors.py)."""
    out = []
    for r in ratios:
        for s in scales:
            w = base_size * s / np.sqrt(r)
            h = base_size * s * np.sqrt(r)
            out.append([-(w - 1) / 2, -(h - 1) / 2, (w - 1) / 2, (h - 1) / 2])
    return np.round(np.array(out) + 7.5).astype(np.int32)


def bbox_transform_inv_tf(boxes, deltas):
    boxes = tf.cast(boxes, deltas.dtype)
    widths = tf.subtract(boxes[:, 2], boxes[:, 0]) + 1.0
    heights = tf.subtract(boxes[:, 3], boxes[:, 1]) + 1.0
    ctr_x = tf.add(boxes[:, 0], widths * 0.5)
    ctr_y = tf.add(boxes[:, 1], heights * 0.5)

    dx = deltas[:, 0]
    dy = deltas[:, 1]
    dw = deltas[:, 2]
    dh = deltas[:, 3]

    pred_ctr_x = tf.add(tf.multiply(dx, widths), ctr_x)
    pred_ctr_y = tf.add(tf.multiply(dy, heights), ctr_y)
    pred_w = tf.multiply(tf.exp(dw), widths)
    pred_h = tf.multiply(tf.exp(dh), heights)

    pred_boxes0 = tf.subtract(pred_ctr_x, pred_w * 0.5)
    pred_boxes1 = tf.subtract(pred_ctr_y, pred_h * 0.5)
    pred_boxes2 = tf.add(pred_ctr_x, pred_w * 0.5)
    pred_boxes3 = tf.add(pred_ctr_y, pred_h * 0.5)

    return tf.stack([pred_boxes0, pred_boxes1, pred_boxes2, pred_boxes3], axis=1)


def clip_boxes_tf(boxes, im_info):
    b0 = tf.maximum(tf.minimum(boxes[:, 0], im_info[1] - 1), 0)
    b1 = tf.maximum(tf.minimum(boxes[:, 1], im_info[0] - 1), 0)
    b2 = tf.maximum(tf.minimum(boxes[:, 2], im_info[1] - 1), 0)
    b3 = tf.maximum(tf.minimum(boxes[:, 3], im_info[0] - 1), 0)
    return tf.stack([b0, b1, b2, b3], axis=1)


def proposal_layer_tf(rpn_cls_prob, rpn_bbox_pred, im_info, _feat_stride, anchors,
                      num_anchors):
    post_nms_topN = cfg["TRAIN"]["RPN_POST_NMS_TOP_N"]
    nms_thresh = cfg["TRAIN"]["RPN_NMS_THRESH"]

    # Get the scores and bounding boxes
    scores = rpn_cls_prob[:, :, :, num_anchors:]
    scores = tf.reshape(scores, shape=(-1,))
    rpn_bbox_pred = tf.reshape(rpn_bbox_pred, shape=(-1, 4))

    proposals = bbox_transform_inv_tf(anchors, rpn_bbox_pred)
    proposals = clip_boxes_tf(proposals, im_info[:2])

    # Non-maximal suppression
    indices = tf.image.non_max_suppression(proposals, scores, max_output_size=post_nms_topN,
                                           iou_threshold=nms_thresh)

    boxes = tf.gather(proposals, indices)
    boxes = tf.to_float(boxes)
    scores = tf.gather(scores, indices)
    scores = tf.reshape(scores, shape=(-1, 1))

    # Only support single image as input
    batch_inds = tf.zeros((tf.shape(indices)[0], 1), dtype=tf.float32)
    blob = tf.concat([batch_inds, boxes], 1)

    return blob, scores


class Network(object):
    def __init__(self):
        self._predictions = {}
        self._losses = {}
        self._anchor_targets = {}
        self._proposal_targets = {}
        self._layers = {}
        self._gt_image = None
        self._act_summaries = []
        self._score_summaries = {}
        self._train_summaries = []
        self._event_summaries = {}
        self._variables_to_fix = {}

    def _reshape_layer(self, bottom, num_dim, name):
        input_shape = tf.shape(bottom)
        with tf.variable_scope(name) as scope:
            # change the channel to the caffe format
            to_caffe = tf.transpose(bottom, [0, 3, 1, 2])
            # then force it to have channel 2
            reshaped = tf.reshape(to_caffe,
                                  tf.concat(axis=0, values=[[1, num_dim, -1],
                                                            [input_shape[2]]]))
            # then swap the channel back
            to_tf = tf.transpose(reshaped, [0, 2, 3, 1])
            return to_tf

    def _softmax_layer(self, bottom, name):
        if name.startswith("rpn_cls_prob_reshape"):
            input_shape = tf.shape(bottom)
            bottom_reshaped = tf.reshape(bottom, [-1, input_shape[-1]])
            reshaped_score = tf.nn.softmax(bottom_reshaped, name=name)
            return tf.reshape(reshaped_score, input_shape)
        return tf.nn.softmax(bottom, name=name)

    def _proposal_layer(self, rpn_cls_prob, rpn_bbox_pred, name):
        with tf.variable_scope(name) as scope:
            rois, rpn_scores = proposal_layer_tf(
                rpn_cls_prob,
                rpn_bbox_pred,
                self._im_info,
                self._feat_stride,
                self._anchors,
                self._num_anchors
            )
            rois.set_shape([None, 5])
            rpn_scores.set_shape([None, 1])

        return rois, rpn_scores

    def _crop_pool_layer(self, bottom, rois, name):
        with tf.variable_scope(name) as scope:
            batch_ids = tf.squeeze(tf.slice(rois, [0, 0], [-1, 1], name="batch_id"), [1])
            # Get the normalized coordinates of bounding boxes
            bottom_shape = tf.shape(bottom)
            height = (tf.to_float(bottom_shape[1]) - 1.) * np.float32(self._feat_stride[0])
            width = (tf.to_float(bottom_shape[2]) - 1.) * np.float32(self._feat_stride[0])
            x1 = tf.slice(rois, [0, 1], [-1, 1], name="x1") / width
            y1 = tf.slice(rois, [0, 2], [-1, 1], name="y1") / height
            x2 = tf.slice(rois, [0, 3], [-1, 1], name="x2") / width
            y2 = tf.slice(rois, [0, 4], [-1, 1], name="y2") / height
            # Won't be back-propagated to rois anyway, but to save time
            bboxes = tf.stop_gradient(tf.concat([y1, x1, y2, x2], axis=1))
            pre_pool_size = cfg["POOLING_SIZE"] * 2
            crops = tf.image.crop_and_resize(bottom, bboxes, tf.to_int32(batch_ids),
                                             [pre_pool_size, pre_pool_size], name="crops")

        return slim.max_pool2d(crops, [2, 2], padding="SAME")

    def _anchor_component(self):
        with tf.variable_scope("ANCHOR_" + self._tag) as scope:
            # just to get the shape right
            height = tf.to_int32(tf.ceil(self._im_info[0] / np.float32(self._feat_stride[0])))
            width = tf.to_int32(tf.ceil(self._im_info[1] / np.float32(self._feat_stride[0])))
            anchors, anchor_length = generate_anchors_pre_tf(
                height,
                width,
                self._feat_stride,
                self._anchor_scales,
                self._anchor_ratios
            )
            anchors.set_shape([None, 4])
            self._anchors = anchors
            self._anchor_length = anchor_length

    def _build_network(self, is_training=True):
        # select initializers
        if cfg["TRAIN"]["TRUNCATED"]:
            initializer = tf.truncated_normal_initializer(mean=0.0, stddev=0.01)
            initializer_bbox = tf.truncated_normal_initializer(mean=0.0, stddev=0.001)
        else:
            initializer = tf.random_normal_initializer(mean=0.0, stddev=0.01)
            initializer_bbox = tf.random_normal_initializer(mean=0.0, stddev=0.001)

        net_conv = self._image_to_head(is_training)
        with tf.variable_scope(self._scope, self._scope):
            # build the anchors for the image
            self._anchor_component()
            # region proposal network
            rois = self._region_proposal(net_conv, is_training, initializer)
            # region of interest pooling
            pool5 = self._crop_pool_layer(net_conv, rois, "pool5")

        fc7 = self._head_to_tail(pool5, is_training)
        with tf.variable_scope(self._scope, self._scope):
            # region classification
            cls_prob, bbox_pred = self._region_classification(fc7, is_training,
                                                              initializer, initializer_bbox)

        self._score_summaries.update(self._predictions)

        return rois, cls_prob, bbox_pred

    def _smooth_l1_loss(self, bbox_pred, bbox_targets, bbox_inside_weights,
                        bbox_outside_weights, sigma=1.0, dim=[1]):
        sigma_2 = sigma ** 2
        box_diff = bbox_pred - bbox_targets
        in_box_diff = bbox_inside_weights * box_diff
        abs_in_box_diff = tf.abs(in_box_diff)
        smoothL1_sign = tf.stop_gradient(tf.to_float(tf.less(abs_in_box_diff, 1. / sigma_2)))
        in_loss_box = tf.pow(in_box_diff, 2) * (sigma_2 / 2.) * smoothL1_sign \
            + (abs_in_box_diff - (0.5 / sigma_2)) * (1. - smoothL1_sign)
        out_loss_box = bbox_outside_weights * in_loss_box
        loss_box = tf.reduce_mean(tf.reduce_sum(
            out_loss_box,
            axis=dim
        ))
        return loss_box

    def _add_losses(self, sigma_rpn=3.0):
        with tf.variable_scope("LOSS_" + self._tag) as scope:
            # RPN, class loss
            rpn_cls_score = tf.reshape(self._predictions["rpn_cls_score_reshape"], [-1, 2])
            rpn_label = tf.reshape(self._anchor_targets["rpn_labels"], [-1])
            rpn_select = tf.where(tf.not_equal(rpn_label, -1))
            rpn_cls_score = tf.reshape(tf.gather(rpn_cls_score, rpn_select), [-1, 2])
            rpn_label = tf.reshape(tf.gather(rpn_label, rpn_select), [-1])
            rpn_cross_entropy = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(logits=rpn_cls_score,
                                                               labels=rpn_label))

            # RPN, bbox loss
            rpn_bbox_pred = self._predictions["rpn_bbox_pred"]
            rpn_bbox_targets = self._anchor_targets["rpn_bbox_targets"]
            rpn_bbox_inside_weights = self._anchor_targets["rpn_bbox_inside_weights"]
            rpn_bbox_outside_weights = self._anchor_targets["rpn_bbox_outside_weights"]
            rpn_loss_box = self._smooth_l1_loss(rpn_bbox_pred, rpn_bbox_targets,
                                                rpn_bbox_inside_weights,
                                                rpn_bbox_outside_weights,
                                                sigma=sigma_rpn, dim=[1, 2, 3])

            # RCNN, class loss
            cls_score = self._predictions["cls_score"]
            label = tf.reshape(self._proposal_targets["labels"], [-1])
            cross_entropy = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                logits=cls_score, labels=label))

            # RCNN, bbox loss
            bbox_pred = self._predictions["bbox_pred"]
            bbox_targets = self._proposal_targets["bbox_targets"]
            bbox_inside_weights = self._proposal_targets["bbox_inside_weights"]
            bbox_outside_weights = self._proposal_targets["bbox_outside_weights"]
            loss_box = self._smooth_l1_loss(bbox_pred, bbox_targets, bbox_inside_weights,
                                            bbox_outside_weights)

            self._losses["cross_entropy"] = cross_entropy
            self._losses["loss_box"] = loss_box
            self._losses["rpn_cross_entropy"] = rpn_cross_entropy
            self._losses["rpn_loss_box"] = rpn_loss_box

            loss = cross_entropy + loss_box + rpn_cross_entropy + rpn_loss_box
            regularization_loss = tf.add_n(tf.losses.get_regularization_losses(),
                                           "regu")
            self._losses["total_loss"] = loss + regularization_loss

            self._event_summaries.update(self._losses)

        return loss

    def _region_proposal(self, net_conv, is_training, initializer):
        rpn = slim.conv2d(net_conv, cfg["RPN_CHANNELS"], [3, 3], trainable=is_training,
                          weights_initializer=initializer,
                          scope="rpn_conv/3x3")
        self._act_summaries.append(rpn)
        rpn_cls_score = slim.conv2d(rpn, self._num_anchors * 2, [1, 1],
                                    trainable=is_training,
                                    weights_initializer=initializer,
                                    padding="VALID", activation_fn=None,
                                    scope="rpn_cls_score")
        # change it so that the score has 2 as its channel size
        rpn_cls_score_reshape = self._reshape_layer(rpn_cls_score, 2,
                                                    "rpn_cls_score_reshape")
        rpn_cls_prob_reshape = self._softmax_layer(rpn_cls_score_reshape,
                                                   "rpn_cls_prob_reshape")
        rpn_cls_pred = tf.argmax(tf.reshape(rpn_cls_score_reshape, [-1, 2]), axis=1,
                                 name="rpn_cls_pred")
        rpn_cls_prob = self._reshape_layer(rpn_cls_prob_reshape, self._num_anchors * 2,
                                           "rpn_cls_prob")
        rpn_bbox_pred = slim.conv2d(rpn, self._num_anchors * 4, [1, 1],
                                    trainable=is_training,
                                    weights_initializer=initializer,
                                    padding="VALID", activation_fn=None,
                                    scope="rpn_bbox_pred")
        if is_training:
            rois, roi_scores = self._proposal_layer(rpn_cls_prob, rpn_bbox_pred, "rois")
        else:
            raise NotImplementedError

        self._predictions["rpn_cls_score"] = rpn_cls_score
        self._predictions["rpn_cls_score_reshape"] = rpn_cls_score_reshape
        self._predictions["rpn_cls_prob"] = rpn_cls_prob
        self._predictions["rpn_cls_pred"] = rpn_cls_pred
        self._predictions["rpn_bbox_pred"] = rpn_bbox_pred
        self._predictions["rois"] = rois

        return rois

    def _region_classification(self, fc7, is_training, initializer, initializer_bbox):
        cls_score = slim.fully_connected(fc7, self._num_classes,
                                         weights_initializer=initializer,
                                         trainable=is_training,
                                         activation_fn=None, scope="cls_score")
        cls_prob = self._softmax_layer(cls_score, "cls_prob")
        cls_pred = tf.argmax(cls_score, axis=1, name="cls_pred")
        bbox_pred = slim.fully_connected(fc7, self._num_classes * 4,
                                         weights_initializer=initializer_bbox,
                                         trainable=is_training,
                                         activation_fn=None, scope="bbox_pred")

        self._predictions["cls_score"] = cls_score
        self._predictions["cls_pred"] = cls_pred
        self._predictions["cls_prob"] = cls_prob
        self._predictions["bbox_pred"] = bbox_pred

        return cls_prob, bbox_pred

    def _image_to_head(self, is_training, reuse=None):
        raise NotImplementedError

    def _head_to_tail(self, pool5, is_training, reuse=None):
        raise NotImplementedError

    def create_architecture(self, mode, num_classes, tag=None,
                            anchor_scales=(8, 16, 32), anchor_ratios=(0.5, 1, 2)):
        self._image = tf.placeholder(tf.float32, shape=[1, None, None, 3])
        self._im_info = tf.placeholder(tf.float32, shape=[3])
        self._gt_boxes = tf.placeholder(tf.float32, shape=[None, 5])
        self._tag = tag

        self._num_classes = num_classes
        self._mode = mode
        self._anchor_scales = anchor_scales
        self._num_scales = len(anchor_scales)

        self._anchor_ratios = anchor_ratios
        self._num_ratios = len(anchor_ratios)

        self._num_anchors = self._num_scales * self._num_ratios

        training = mode == "TRAIN"
        testing = mode == "TEST"

        assert tag is not None

        # handle most of the regularizers here
        weights_regularizer = tf.contrib.layers.l2_regularizer(cfg["TRAIN"]["WEIGHT_DECAY"])
        if cfg["TRAIN"]["BIAS_DECAY"]:
            biases_regularizer = weights_regularizer
        else:
            biases_regularizer = tf.no_regularizer

        # list as many types of layers as possible, even if they are not used now
        with arg_scope([slim.conv2d, slim.conv2d_in_plane,
                        slim.conv2d_transpose, slim.separable_conv2d, slim.fully_connected],
                       weights_regularizer=weights_regularizer,
                       biases_regularizer=biases_regularizer,
                       biases_initializer=tf.constant_initializer(0.0)):
            rois, cls_prob, bbox_pred = self._build_network(training)

        layers_to_output = {"rois": rois}

        for var in tf.trainable_variables():
            self._train_summaries.append(var)

        if testing:
            raise NotImplementedError
        else:
            # (the anchor and proposal target layers are tf.py_func: fed here)
            self._anchor_targets["rpn_labels"] = tf.placeholder(tf.int32, [1, 1, None, None])
            for key in ("rpn_bbox_targets", "rpn_bbox_inside_weights",
                        "rpn_bbox_outside_weights"):
                self._anchor_targets[key] = tf.placeholder(
                    tf.float32, [1, None, None, self._num_anchors * 4])
            self._proposal_targets["labels"] = tf.placeholder(tf.int32, [None, 1])
            self._proposal_targets["bbox_targets"] = tf.placeholder(
                tf.float32, [None, self._num_classes * 4])
            self._proposal_targets["bbox_inside_weights"] = tf.placeholder(
                tf.float32, [None, self._num_classes * 4])
            self._proposal_targets["bbox_outside_weights"] = tf.placeholder(
                tf.float32, [None, self._num_classes * 4])
            self._add_losses()
            layers_to_output.update(self._losses)

            val_summaries = []
            with tf.device("/cpu:0"):
                for key, var in self._event_summaries.items():
                    val_summaries.append(tf.summary.scalar(key, var))
                for key, var in self._score_summaries.items():
                    tf.summary.histogram("SCORE/" + var.op.name + "/" + key + "/scores", var)
                for var in self._act_summaries:
                    tf.summary.histogram("ACT/" + var.op.name + "/activations", var)
                for var in self._train_summaries:
                    tf.summary.histogram("TRAIN/" + var.op.name, var)

            self._summary_op = tf.summary.merge_all()
            self._summary_op_val = tf.summary.merge(val_summaries)

        layers_to_output.update(self._predictions)

        return layers_to_output


class vgg16(Network):
    def __init__(self):
        Network.__init__(self)
        self._feat_stride = [16, ]
        self._feat_compress = [1. / float(self._feat_stride[0]), ]
        self._scope = "vgg_16"

    def _image_to_head(self, is_training, reuse=None):
        with tf.variable_scope(self._scope, self._scope, reuse=reuse):
            net = slim.repeat(self._image, 2, slim.conv2d, 8, [3, 3],
                              trainable=False, scope="conv1")
            net = slim.max_pool2d(net, [2, 2], padding="SAME", scope="pool1")
            net = slim.repeat(net, 2, slim.conv2d, 16, [3, 3],
                              trainable=False, scope="conv2")
            net = slim.max_pool2d(net, [2, 2], padding="SAME", scope="pool2")
            net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3],
                              trainable=is_training, scope="conv3")
            net = slim.max_pool2d(net, [2, 2], padding="SAME", scope="pool3")
            net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3],
                              trainable=is_training, scope="conv4")
            net = slim.max_pool2d(net, [2, 2], padding="SAME", scope="pool4")
            net = slim.repeat(net, 3, slim.conv2d, 32, [3, 3],
                              trainable=is_training, scope="conv5")

        self._act_summaries.append(net)
        self._layers["head"] = net

        return net

    def _head_to_tail(self, pool5, is_training, reuse=None):
        with tf.variable_scope(self._scope, self._scope, reuse=reuse):
            pool5_flat = slim.flatten(pool5, scope="flatten")
            fc6 = slim.fully_connected(pool5_flat, 64, scope="fc6")
            if is_training:
                fc6 = slim.dropout(fc6, keep_prob=0.5, is_training=True,
                                   scope="dropout6")
            fc7 = slim.fully_connected(fc6, 64, scope="fc7")
            if is_training:
                fc7 = slim.dropout(fc7, keep_prob=0.5, is_training=True,
                                   scope="dropout7")

        return fc7

    def get_variables_to_restore(self, variables, var_keep_dic):
        variables_to_restore = []

        for v in variables:
            # exclude the conv weights that are fc weights in vgg
            # to reshape them
            if v.name == (self._scope + "/fc6/weights:0") or \
                    v.name == (self._scope + "/fc7/weights:0"):
                self._variables_to_fix[v.name] = v
                continue
            # exclude the first conv layer to swap RGB to BGR
            if v.name == (self._scope + "/conv1/conv1_1/weights:0"):
                self._variables_to_fix[v.name] = v
                continue
            if v.name.split(":")[0] in var_keep_dic:
                variables_to_restore.append(v)

        return variables_to_restore


def construct_graph(net, sess):
    with sess.graph.as_default():
        # Set the random seed for tensorflow
        tf.set_random_seed(3)
        # Build the main computation graph
        layers = net.create_architecture("TRAIN", 5, tag="default",
                                         anchor_scales=cfg["ANCHOR_SCALES"],
                                         anchor_ratios=cfg["ANCHOR_RATIOS"])
        # Define the loss
        loss = layers["total_loss"]
        # Set learning rate and momentum
        lr = tf.Variable(cfg["TRAIN"]["LEARNING_RATE"], trainable=False)
        optimizer = tf.train.MomentumOptimizer(lr, cfg["TRAIN"]["MOMENTUM"])

        # Compute the gradients with regard to the loss
        gvs = optimizer.compute_gradients(loss)
        # Double the gradient of the bias if set
        if cfg["TRAIN"]["DOUBLE_BIAS"]:
            final_gvs = []
            with tf.variable_scope("Gradient_Mult") as scope:
                for grad, var in gvs:
                    scale = 1.
                    if cfg["TRAIN"]["DOUBLE_BIAS"] and "/biases:" in var.name:
                        scale *= 2.
                    if not np.allclose(scale, 1.0):
                        grad = tf.multiply(grad, scale)
                    final_gvs.append((grad, var))
            train_op = optimizer.apply_gradients(final_gvs)
        else:
            train_op = optimizer.apply_gradients(gvs)

        # We will handle the snapshots ourselves
        saver = tf.train.Saver(max_to_keep=100000)
    return lr, train_op, saver


if __name__ == "__main__":
    tfconfig = tf.ConfigProto(allow_soft_placement=True)
    tfconfig.gpu_options.allow_growth = True
    with tf.Session(config=tfconfig) as sess:
        net = vgg16()
        lr, train_op, saver = construct_graph(net, sess)
        variables = tf.global_variables()
        sess.run(tf.variables_initializer(variables, name="init"))
        var_keep_dic = {v.name.split(":")[0]: v for v in variables}
        variables_to_restore = net.get_variables_to_restore(variables, var_keep_dic)
        restorer = tf.train.Saver(variables_to_restore)
