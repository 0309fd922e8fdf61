"""The update: trajectories with credit → per-turn samples → the clipped policy loss, the
entropy term, the KL reference, π_old scoring and the optimizer step (`Trainer`)."""
