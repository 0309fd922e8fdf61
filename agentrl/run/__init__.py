"""The run: the training loop (`agentrl.run.loop.train`), the recipe and its preflight, the
warm start, checkpoints, metrics, parallelism and the run folder."""
