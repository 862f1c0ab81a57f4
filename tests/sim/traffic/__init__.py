"""Requests through the emulated cloud: healthy apps and reproducible runs."""
