"""A pixel-observation env that needs no download: CartPole rendered to RGB.

The bench imports this into the server (``--import pixelenv``) when ale-py is
not installed, so the image rows still have a frame to carry.
"""

import gymnasium as gym
from gymnasium.wrappers import AddRenderObservation


def cartpole_pixels(**kwargs):
    env = gym.make("CartPole-v1", render_mode="rgb_array", **kwargs)
    return AddRenderObservation(env, render_only=True)


gym.register("GymHttpBench/CartPolePixels-v0", entry_point=cartpole_pixels)
