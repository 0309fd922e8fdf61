"""A run's folder: metrics logging, atomic checkpoints, resume."""
