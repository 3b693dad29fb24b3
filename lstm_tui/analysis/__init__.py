"""What the core's numbers mean: gradient flow, the unit finder and the gradient lab's state. No terminal code."""
