"""The built-in Kubernetes resource types, and how kubectl names them on a command line.

kubectl accepts a type as a plural (``deployments``), singular (``deployment``), short name
(``deploy``) or kind (``Deployment``), in any letter case, optionally qualified by group or
version and group (``deployments.apps``, ``deployment.v1.apps``). :func:`resolve` maps all of
these to one :class:`ResourceType`. Types it does not know (custom resources) resolve to
``None``; the server-side dry-run names their kind later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

__all__ = ["CATEGORIES", "ResourceType", "resolve"]


@dataclass(frozen=True)
class ResourceType:
    plural: str
    kind: str
    group: str  # "" for the core group
    namespaced: bool
    short: tuple[str, ...] = ()

    @property
    def singular(self) -> str:
        return self.kind.lower()


# (group, namespaced, "plural Kind short,short ...")
_TABLE: tuple[tuple[str, bool, str], ...] = (
    ("", True, "configmaps ConfigMap cm"),
    ("", True, "endpoints Endpoints ep"),
    ("", True, "events Event ev"),
    ("", True, "limitranges LimitRange limits"),
    ("", True, "persistentvolumeclaims PersistentVolumeClaim pvc"),
    ("", True, "pods Pod po"),
    ("", True, "podtemplates PodTemplate"),
    ("", True, "replicationcontrollers ReplicationController rc"),
    ("", True, "resourcequotas ResourceQuota quota"),
    ("", True, "secrets Secret"),
    ("", True, "serviceaccounts ServiceAccount sa"),
    ("", True, "services Service svc"),
    ("", True, "bindings Binding"),
    ("", False, "componentstatuses ComponentStatus cs"),
    ("", False, "namespaces Namespace ns"),
    ("", False, "nodes Node no"),
    ("", False, "persistentvolumes PersistentVolume pv"),
    (
        "admissionregistration.k8s.io",
        False,
        "mutatingwebhookconfigurations MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        False,
        "validatingwebhookconfigurations ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        False,
        "validatingadmissionpolicies ValidatingAdmissionPolicy",
    ),
    (
        "admissionregistration.k8s.io",
        False,
        "validatingadmissionpolicybindings ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", False, "mutatingadmissionpolicies MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        False,
        "mutatingadmissionpolicybindings MutatingAdmissionPolicyBinding",
    ),
    ("apiextensions.k8s.io", False, "customresourcedefinitions CustomResourceDefinition crd,crds"),
    ("apiregistration.k8s.io", False, "apiservices APIService"),
    ("apps", True, "controllerrevisions ControllerRevision"),
    ("apps", True, "daemonsets DaemonSet ds"),
    ("apps", True, "deployments Deployment deploy"),
    ("apps", True, "replicasets ReplicaSet rs"),
    ("apps", True, "statefulsets StatefulSet sts"),
    ("authentication.k8s.io", False, "selfsubjectreviews SelfSubjectReview"),
    ("authentication.k8s.io", False, "tokenreviews TokenReview"),
    ("authorization.k8s.io", True, "localsubjectaccessreviews LocalSubjectAccessReview"),
    ("authorization.k8s.io", False, "selfsubjectaccessreviews SelfSubjectAccessReview"),
    ("authorization.k8s.io", False, "selfsubjectrulesreviews SelfSubjectRulesReview"),
    ("authorization.k8s.io", False, "subjectaccessreviews SubjectAccessReview"),
    ("autoscaling", True, "horizontalpodautoscalers HorizontalPodAutoscaler hpa"),
    ("batch", True, "cronjobs CronJob cj"),
    ("batch", True, "jobs Job"),
    ("certificates.k8s.io", False, "certificatesigningrequests CertificateSigningRequest csr"),
    ("coordination.k8s.io", True, "leases Lease"),
    ("discovery.k8s.io", True, "endpointslices EndpointSlice"),
    ("flowcontrol.apiserver.k8s.io", False, "flowschemas FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io",
        False,
        "prioritylevelconfigurations PriorityLevelConfiguration",
    ),
    ("networking.k8s.io", False, "ingressclasses IngressClass"),
    ("networking.k8s.io", True, "ingresses Ingress ing"),
    ("networking.k8s.io", True, "networkpolicies NetworkPolicy netpol"),
    ("networking.k8s.io", False, "ipaddresses IPAddress"),
    ("networking.k8s.io", False, "servicecidrs ServiceCIDR"),
    ("node.k8s.io", False, "runtimeclasses RuntimeClass"),
    ("policy", True, "poddisruptionbudgets PodDisruptionBudget pdb"),
    ("rbac.authorization.k8s.io", False, "clusterrolebindings ClusterRoleBinding"),
    ("rbac.authorization.k8s.io", False, "clusterroles ClusterRole"),
    ("rbac.authorization.k8s.io", True, "rolebindings RoleBinding"),
    ("rbac.authorization.k8s.io", True, "roles Role"),
    ("resource.k8s.io", False, "deviceclasses DeviceClass"),
    ("resource.k8s.io", True, "resourceclaims ResourceClaim"),
    ("resource.k8s.io", True, "resourceclaimtemplates ResourceClaimTemplate"),
    ("resource.k8s.io", False, "resourceslices ResourceSlice"),
    ("scheduling.k8s.io", False, "priorityclasses PriorityClass pc"),
    ("storage.k8s.io", False, "csidrivers CSIDriver"),
    ("storage.k8s.io", False, "csinodes CSINode"),
    ("storage.k8s.io", True, "csistoragecapacities CSIStorageCapacity"),
    ("storage.k8s.io", False, "storageclasses StorageClass sc"),
    ("storage.k8s.io", False, "volumeattachments VolumeAttachment"),
    ("storage.k8s.io", False, "volumeattributesclasses VolumeAttributesClass vac"),
)

#: Names kubectl expands to several types (``kubectl get all``).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "all": (
        "pods",
        "services",
        "daemonsets",
        "deployments",
        "replicasets",
        "statefulsets",
        "replicationcontrollers",
        "horizontalpodautoscalers",
        "jobs",
        "cronjobs",
    ),
}

_VERSION = re.compile(r"^v\d+(?:(?:alpha|beta)\d+)?$")


@cache
def _index() -> dict[str, list[ResourceType]]:
    index: dict[str, list[ResourceType]] = {}
    for group, namespaced, entry in _TABLE:
        plural, kind, *rest = entry.split()
        short = tuple(rest[0].split(",")) if rest else ()
        rt = ResourceType(plural, kind, group, namespaced, short)
        for name in {plural, rt.singular, *short}:
            index.setdefault(name, []).append(rt)
    return index


def resolve(word: str) -> ResourceType | None:
    """The built-in type a command-line type word names, or ``None`` if it names none (a
    custom resource, a typo, a category such as ``all``)."""
    name, _, qualifier = word.lower().partition(".")
    candidates = _index().get(name, [])
    if not qualifier:
        # an unqualified name prefers the core group, as kubectl's REST mapper does
        return sorted(candidates, key=lambda rt: rt.group != "")[0] if candidates else None
    first, _, rest = qualifier.partition(".")
    group = rest if _VERSION.match(first) and rest else qualifier
    if _VERSION.match(first) and not rest:
        group = ""  # "pods.v1": a version of the core group
    for rt in candidates:
        if rt.group == group:
            return rt
    return None
