"""Transactional No-Regression: the safety kernel. Every write an agent proposes passes the
gateway and policy, runs inside a transaction that checkpoints what it touches in a durable
journal, and is kept only if the system's severity did not rise; otherwise it is undone and
the undo is verified."""
