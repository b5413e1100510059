"""Wide & Deep on census data without the Estimator (after tensorflow/models official/wide_deep
census_dataset.build_model_columns and the TF1 tutorials that feed feature columns to
tf.feature_column.input_layer / linear_model by hand): numeric, vocabulary, hash-bucket,
bucketized and crossed columns, indicator and embedding columns for the deep part, a dict of
placeholders as features, the wide logits from linear_model and the deep ones from dense
layers on input_layer, summed, with separate FTRL and Adagrad optimizers over each part's
variables picked by scope, and the tables initialized with the variables."""
import numpy as np
import tensorflow as tf

_CSV_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num",
    "marital_status", "occupation", "relationship", "race", "gender",
    "capital_gain", "capital_loss", "hours_per_week", "native_country",
    "income_bracket"
]


def build_model_columns():
    """Builds a set of wide and deep feature columns."""
    # Continuous variable columns
    age = tf.feature_column.numeric_column("age")
    education_num = tf.feature_column.numeric_column("education_num")
    capital_gain = tf.feature_column.numeric_column("capital_gain")
    capital_loss = tf.feature_column.numeric_column("capital_loss")
    hours_per_week = tf.feature_column.numeric_column("hours_per_week")

    education = tf.feature_column.categorical_column_with_vocabulary_list(
        "education", [
            "Bachelors", "HS-grad", "11th", "Masters", "9th", "Some-college",
            "Assoc-acdm", "Assoc-voc", "7th-8th", "Doctorate", "Prof-school",
            "5th-6th", "10th", "1st-4th", "Preschool", "12th"])

    marital_status = tf.feature_column.categorical_column_with_vocabulary_list(
        "marital_status", [
            "Married-civ-spouse", "Divorced", "Married-spouse-absent",
            "Never-married", "Separated", "Married-AF-spouse", "Widowed"])

    relationship = tf.feature_column.categorical_column_with_vocabulary_list(
        "relationship", [
            "Husband", "Not-in-family", "Wife", "Own-child", "Unmarried",
            "Other-relative"])

    workclass = tf.feature_column.categorical_column_with_vocabulary_list(
        "workclass", [
            "Self-emp-not-inc", "Private", "State-gov", "Federal-gov",
            "Local-gov", "?", "Self-emp-inc", "Without-pay", "Never-worked"])

    # To show an example of hashing:
    occupation = tf.feature_column.categorical_column_with_hash_bucket(
        "occupation", hash_bucket_size=_HASH_BUCKET_SIZE)

    # Transformations.
    age_buckets = tf.feature_column.bucketized_column(
        age, boundaries=[18, 25, 30, 35, 40, 45, 50, 55, 60, 65])

    # Wide columns and deep columns.
    base_columns = [
        education, marital_status, relationship, workclass, occupation,
        age_buckets,
    ]

    crossed_columns = [
        tf.feature_column.crossed_column(
            ["education", "occupation"], hash_bucket_size=_HASH_BUCKET_SIZE),
        tf.feature_column.crossed_column(
            [age_buckets, "education", "occupation"],
            hash_bucket_size=_HASH_BUCKET_SIZE),
    ]

    wide_columns = base_columns + crossed_columns

    deep_columns = [
        age,
        education_num,
        capital_gain,
        capital_loss,
        hours_per_week,
        tf.feature_column.indicator_column(workclass),
        tf.feature_column.indicator_column(education),
        tf.feature_column.indicator_column(marital_status),
        tf.feature_column.indicator_column(relationship),
        # To show an example of embedding
        tf.feature_column.embedding_column(occupation, dimension=8),
    ]

    return wide_columns, deep_columns


_HASH_BUCKET_SIZE = 100
_NUMERIC = ("age", "education_num", "capital_gain", "capital_loss", "hours_per_week")


def input_placeholders():
    features = {}
    for name in _CSV_COLUMNS[:-1]:
        if name in _NUMERIC:
            features[name] = tf.placeholder(tf.float32, [None, 1], name=name)
        elif name in ("education", "marital_status", "relationship", "workclass",
                      "occupation"):
            features[name] = tf.placeholder(tf.string, [None, 1], name=name)
    labels = tf.placeholder(tf.float32, [None, 1], name="income_bracket")
    return features, labels


def wide_and_deep_logits(features, wide_columns, deep_columns, hidden_units):
    with tf.variable_scope("linear"):
        linear_logits = tf.feature_column.linear_model(features, wide_columns, units=1)
    with tf.variable_scope("dnn"):
        net = tf.feature_column.input_layer(features, deep_columns)
        for layer_id, num_hidden_units in enumerate(hidden_units):
            net = tf.layers.dense(net, units=num_hidden_units, activation=tf.nn.relu,
                                  name="hiddenlayer_%d" % layer_id)
        dnn_logits = tf.layers.dense(net, units=1, activation=None, name="logits")
    return linear_logits + dnn_logits


def main():
    wide_columns, deep_columns = build_model_columns()
    features, labels = input_placeholders()
    logits = wide_and_deep_logits(features, wide_columns, deep_columns, [16, 8])
    loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels,
                                                                  logits=logits))
    global_step = tf.train.get_or_create_global_step()
    linear_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="linear")
    dnn_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope="dnn")
    linear_train = tf.train.FtrlOptimizer(learning_rate=0.2).minimize(loss,
                                                                      var_list=linear_vars)
    dnn_train = tf.train.AdagradOptimizer(learning_rate=0.05).minimize(loss,
                                                                       var_list=dnn_vars)
    with tf.control_dependencies([linear_train, dnn_train]):
        train_op = tf.assign_add(global_step, 1)
    predictions = tf.sigmoid(logits)
    auc, auc_update = tf.metrics.auc(labels, predictions)
    init = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer(),
                    tf.tables_initializer())
    with tf.Session() as sess:
        sess.run(init)
        feed = {features[name]: np.ones((2, 1)) for name in _NUMERIC}
        feed.update({features[name]: [["?"], ["Private"]] for name in features
                     if name not in _NUMERIC})
        feed[labels] = [[0.0], [1.0]]
        sess.run([train_op, auc_update], feed)


if __name__ == "__main__":
    main()
