"""Environment families shipped with agentrl, one sub-package each."""
