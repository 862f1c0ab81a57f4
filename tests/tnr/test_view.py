"""The gateway's view of the cluster answers the same through the REST client as through
kubectl: which images run where, and which objects exist."""

from __future__ import annotations

from stratus.kube.runner import Kubectl
from stratus.tnr.view import ClientView, KubectlView
from tests.tnr.conftest import Kernel, ref


def test_client_and_kubectl_views_agree(kernel: Kernel) -> None:
    runner = Kubectl(
        binary=kernel.served.kubectl.binary,
        kubeconfig=kernel.served.kubectl.kubeconfig,
        cache_dir=kernel.served.kubectl.cache_dir,
    )
    by_client, by_kubectl = ClientView(kernel.client), KubectlView(runner)
    images = by_client.images_in_use()
    assert images == by_kubectl.images_in_use()
    assert images["app"], "the app's images are seen"
    assert by_client.exists(ref("Deployment", "web"))
    assert not by_client.exists(ref("Deployment", "nowhere"))
    assert by_kubectl.exists(ref("Deployment", "web"))
