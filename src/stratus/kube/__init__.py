"""Talking to a Kubernetes cluster, any cluster: the kubectl runner, the command grammar,
a REST client, and object references, snapshots and semantic diffs. Never imports the
emulated cloud: the same code drives a real cluster."""
