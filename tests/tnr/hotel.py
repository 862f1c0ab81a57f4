"""HotelReservation on a served emulated cloud, with a runner and a gateway pointed at it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stratus.kube.runner import Kubectl
from stratus.sim.apps import load_app
from stratus.tnr.dryrun import DryRun
from stratus.tnr.errors import Refused
from stratus.tnr.gateway import Gateway
from stratus.tnr.policy import Policy
from stratus.tnr.view import KubectlView
from tests.conftest import ServedCloud

NS = "test-hotel-reservation"


@dataclass
class Hotel:
    served: ServedCloud
    runner: Kubectl
    workdir: Path

    def gateway(self, **policy: Any) -> Gateway:
        return Gateway(
            Policy.model_validate(policy),
            view=KubectlView(self.runner),
            namespace=NS,
            workdir=self.workdir,
        )

    def confirm(self, line: str, **policy: Any) -> DryRun:
        gateway = self.gateway(**policy)
        decision = gateway.check(line)
        assert decision.allowed, decision.reason
        return gateway.confirm_with_dry_run(self.runner, decision)

    def refusal(self, line: str, **policy: Any) -> Refused:
        gateway = self.gateway(**policy)
        decision = gateway.check(line)
        if not decision.allowed:
            return decision.refusal()
        try:
            gateway.confirm_with_dry_run(self.runner, decision)
        except Refused as refused:
            return refused
        raise AssertionError(f"{line!r} was confirmed")

    def kubectl(self, *args: str) -> str:
        result = self.runner.run(args)
        assert result.ok, result.stderr
        return result.stdout

    def get(self, *args: str) -> Any:
        return json.loads(self.kubectl("get", *args, "--output=json"))

    def versions(self) -> dict[tuple[str, str, str], str]:
        """resourceVersion of every object of the kinds writes touch, to prove nothing moved."""
        kinds = "deploy,rs,pods,svc,cm,secrets,hpa,pdb,nodes,namespaces"
        items = self.get(kinds, "--all-namespaces")["items"]
        return {
            (i["kind"], i["metadata"].get("namespace", ""), i["metadata"]["name"]): i["metadata"][
                "resourceVersion"
            ]
            for i in items
        }

    def write(self, name: str, text: str) -> None:
        (self.workdir / name).write_text(text)


def hotel(served: ServedCloud, tmp_path: Path) -> Hotel:
    served.cloud.deploy(load_app("hotel-reservation"))
    served.settle(60)
    kubectl = served.kubectl
    runner = Kubectl(
        binary=kubectl.binary,
        kubeconfig=kubectl.kubeconfig,
        cache_dir=kubectl.cache_dir,
        namespace=NS,
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    return Hotel(served, runner, workdir)
