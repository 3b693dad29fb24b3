"""Attribution: how much each character of the text drives what the model does at one step.

For a model with an output layer, at step s (the prediction it makes after reading x_0 … x_s):

    a_t = ‖∂ log p(c | x_0 … x_s) / ∂x_t‖₂

where x_t is the one-hot input vector of character t (so a_t is the length of the gradient over all V
input components, Distill's "saliency"), and c is the character the model predicts there: the argmax
of p, the first one on ties, as ``CharModel.top_predictions`` ranks them, unless the caller names
another. log p rather than p, because its gradient does not shrink with p itself: a confident and an
unsure prediction are compared on the same scale. Without an output layer the quantity is the gradient
lab's at step s, a_t = ‖∂y_s/∂x_t‖_F, y_s the top layer's output (h_s for one layer and direction).

Exact and cheap: one backward pass (``Stack.backward`` without parameter gradients) from the cotangent
∂ log p(c)/∂y_s = W_out[c] − Σ_v p_v W_out[v] at step s, or, without an output layer, from all output
directions at once as one batch (the lab's identity cotangent). A model that reads forward only has
y_s depend on x_0 … x_s alone: the pass covers those steps, and a_t = 0 after s. A bidirectional model's
y_s has read the whole text, so every character gets a share, later ones included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.charmodel import CharModel
from ..model.stack import StackResult
from .gradient_flow import input_jacobian_norms, output_cotangents


@dataclass(frozen=True)
class Attribution:
    step: int  # the step s whose output is differentiated
    norms: np.ndarray  # (T,): a_t for every character of the text
    target: int | None  # vocabulary index of c; None without an output layer
    probability: float | None  # p(c | x_0 … x_s)

    def quantity(self, model: CharModel) -> str:
        """What the norms are, for a label: ‖∂ log p('e')/∂x_t‖ or ‖∂y/∂x_t‖."""
        if self.target is None:
            return "‖∂h/∂x_t‖" if model.stack.is_single else "‖∂y/∂x_t‖"
        return f"‖∂ log p({model.vocab.chars[self.target]!r})/∂x_t‖"


def attribute(model: CharModel, result: StackResult, step: int, target: int | None = None) -> Attribution:
    """The attribution of step ``step`` of ``result`` (a run of ``model``) to every character of the text.

    ``target``: the vocabulary index of the character whose log-probability is differentiated (default:
    the model's top prediction at the step); only for a model with an output layer."""
    steps = result.steps
    if not 0 <= step < steps:
        raise ValueError(f"step {step} is outside the run's {steps} steps")
    stack = model.stack
    if not stack.bidirectional:
        result = result.prefix(step + 1)  # later inputs cannot reach y_s: leave their steps out
    norms = np.zeros(steps)
    if model.output is None:
        if target is not None:
            raise ValueError("a model without an output layer has no prediction to attribute")
        norms[: result.steps] = input_jacobian_norms(stack, result, step)
        return Attribution(step, norms, None, None)
    weight_out = model.output["weight_out"]
    probabilities = model.probabilities(result.output[step])
    if target is None:
        target = int(np.argmax(probabilities))  # the first of the largest, as top_predictions' stable sort
    if not 0 <= target < len(model.vocab):
        raise ValueError(f"target {target} is not a vocabulary index (0 to {len(model.vocab) - 1})")
    cotangent = weight_out[target] - probabilities @ weight_out  # ∂ log softmax(W y + b)[c] / ∂y
    dy, d_state = output_cotangents(stack, result.steps, step, cotangent)
    _, dx, _ = stack.backward(result, dy=dy, d_state=d_state, param_grads=False)
    norms[: result.steps] = np.linalg.norm(dx, axis=-1)
    return Attribution(step, norms, target, float(probabilities[target]))
