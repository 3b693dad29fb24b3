"""Training on the recurrent core: the trainer, its tasks and the shipped models' recipes. No terminal code."""
