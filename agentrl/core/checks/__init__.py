"""The rules of `agentrl.core.check_env`, one module per concern.

- `report`: `CheckReport` and `EnvCheckError`, what a run returns and raises;
- `context`: `CheckContext`, the scripted episodes every rule shares, and their helpers;
- `spec`: the `EnvSpec` and the task splits;
- `episodes`: reset / step types, episodes that run and end, step after the end, close;
- `determinism`: same task and seed, same first observation and ``state_key``s;
- `round_trip`: every object survives a JSON round trip;
- `hostile`: hostile actions come back promptly, bounded, harmless;
- `runner`: `CHECKS` in order, `check_env` and `check_env_target`.
"""
