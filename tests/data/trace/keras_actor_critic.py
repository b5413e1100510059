"""A DDPG actor and critic made of tf.keras.layers inside TF1 graph code (after the TF 1.x
DDPG implementations that moved from tf.layers to tf.keras): functional tf.keras.Model
objects built in variable scopes, called on placeholders, their trainable_weights handed to
optimizers, soft target updates by zip over weights, and tf.gradients of the critic."""
import tensorflow as tf

S_DIM, A_DIM, TAU = 4, 2, 0.01


def build_actor(name):
    with tf.variable_scope(name):
        s = tf.keras.layers.Input(shape=(S_DIM,))
        h = tf.keras.layers.Dense(16, activation="relu")(s)
        a = tf.keras.layers.Dense(A_DIM, activation="tanh")(h)
        return tf.keras.Model(inputs=s, outputs=a)


def build_critic(name):
    with tf.variable_scope(name):
        s = tf.keras.layers.Input(shape=(S_DIM,))
        a = tf.keras.layers.Input(shape=(A_DIM,))
        h = tf.keras.layers.Concatenate()([s, a])
        h = tf.keras.layers.Dense(16, activation="relu")(h)
        q = tf.keras.layers.Dense(1)(h)
        return tf.keras.Model(inputs=[s, a], outputs=q)


state = tf.placeholder(tf.float32, [None, S_DIM], name="state")
target_q = tf.placeholder(tf.float32, [None, 1], name="target_q")
actor, actor_target = build_actor("actor"), build_actor("actor_target")
critic, critic_target = build_critic("critic"), build_critic("critic_target")
action = actor(state)
q = critic([state, action])
critic_loss = tf.reduce_mean(tf.square(target_q - critic([state, actor_target(state)])))
critic_train = tf.train.AdamOptimizer(1e-3).minimize(critic_loss,
                                                      var_list=critic.trainable_weights)
action_grads = tf.gradients(q, action)[0]
actor_grads = tf.gradients(action, actor.trainable_weights, -action_grads)
actor_train = tf.train.AdamOptimizer(1e-4).apply_gradients(
    zip(actor_grads, actor.trainable_weights))
soft_update = [tf.assign(t, (1 - TAU) * t + TAU * e) for t, e in
               zip(actor_target.trainable_weights + critic_target.trainable_weights,
                   actor.trainable_weights + critic.trainable_weights)]
