"""Held-out evaluation of interactive engines beside the classical baselines."""
