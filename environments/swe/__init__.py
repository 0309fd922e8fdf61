"""SWE: fix real bugs in small Python repositories inside a sandbox, judged by hidden tests.

Parts: `generate` (bug-fix tasks made offline by mutating the shipped `projects`),
`loader` (SWE-bench / SWE-Gym JSONL instances), `env` (the `SweEnv`), `reward`
(outcome levels and G-RA step rewards), `oracle` (the reverse of the injected bug).
"""

from agentrl.core.registry import register

register("swe", "agentrl.environments.swe.env:SweEnv", gym_id="agentrl/SWE-v0")
