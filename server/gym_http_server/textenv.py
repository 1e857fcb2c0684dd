"""``GymHttp/Arithmetic-v0``: a small text task, shipped with the server.

The kind of environment language-model agents are trained and evaluated on:
the observation is a question in words (a Dict with a Text question and the
score so far), the action is the answer as text (a Text space of digits and
minus). Each episode asks ``rounds`` questions (default 5) of the form
``"17 + 5 = ?"``; a right answer earns 1. Everything follows the seed, so a
group of instances reset with one seed asks the same questions. Renders as
``ansi`` text or an ``rgb_array`` frame of the question.

Registered when ``gym_http_server`` is imported.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_ID = "GymHttp/Arithmetic-v0"
ANSWER_CHARSET = "-0123456789"
QUESTION_CHARSET = "0123456789+-*= ?"
OPERATORS = ("+", "-", "*")


class ArithmeticEnv(gym.Env):
    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 1}

    def __init__(self, rounds: int = 5, largest: int = 20, render_mode: str | None = None):
        if not (
            isinstance(rounds, int) and rounds >= 1 and isinstance(largest, int) and largest >= 1
        ):
            raise ValueError("rounds and largest must be positive integers")
        self.rounds, self.largest, self.render_mode = rounds, largest, render_mode
        self.observation_space = spaces.Dict(
            {
                "question": spaces.Text(max_length=32, charset=QUESTION_CHARSET),
                "score": spaces.Discrete(rounds + 1),
                "round": spaces.Discrete(rounds + 1),
            }
        )
        self.action_space = spaces.Text(min_length=1, max_length=8, charset=ANSWER_CHARSET)
        self._question, self._answer, self._score, self._round = "", 0, 0, 0

    def _ask(self) -> None:
        a, b = (int(x) for x in self.np_random.integers(0, self.largest + 1, size=2))
        operator = OPERATORS[int(self.np_random.integers(len(OPERATORS)))]
        self._question = f"{a} {operator} {b} = ?"
        self._answer = {"+": a + b, "-": a - b, "*": a * b}[operator]

    def _observation(self) -> dict:
        return {"question": self._question, "score": self._score, "round": self._round}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._score, self._round = 0, 0
        self._ask()
        return self._observation(), {"answer_charset": ANSWER_CHARSET}

    def step(self, action):
        correct = action.strip() == str(self._answer)
        self._score += int(correct)
        self._round += 1
        info = {"correct": correct, "expected": str(self._answer), "question": self._question}
        terminated = self._round >= self.rounds
        if not terminated:
            self._ask()
        return self._observation(), float(correct), terminated, False, info

    def render(self):
        text = f"round {self._round}/{self.rounds}  score {self._score}  {self._question}"
        if self.render_mode == "ansi":
            return text + "\n"
        if self.render_mode == "rgb_array":
            from PIL import Image, ImageDraw

            image = Image.new("RGB", (240, 32), "white")
            ImageDraw.Draw(image).text((6, 10), text, fill="black")
            return np.asarray(image)
        return None


gym.register(ENV_ID, entry_point=ArithmeticEnv, max_episode_steps=100)
