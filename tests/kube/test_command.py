"""Parsing kubectl argv the way kubectl does: flags, subcommands, targets, canonical argv."""

from __future__ import annotations

import pytest

from stratus.kube.command import CommandError, parse


def words(line: str) -> list[str]:
    return line.split()


@pytest.mark.parametrize(
    ("line", "namespace"),
    [
        ("get pods -n shop", "shop"),
        ("get pods -nshop", "shop"),
        ("get pods -n=shop", "shop"),
        ("get pods --namespace shop", "shop"),
        ("get pods --namespace=shop", "shop"),
        ("-n shop get pods", "shop"),
        ("get -n a pods -n shop", "shop"),  # the last one wins, as in kubectl
        ("get pods", None),
    ],
)
def test_namespace_forms(line: str, namespace: str | None) -> None:
    assert parse(words(line)).namespace == namespace


def test_leading_kubectl_is_dropped_and_aliases_are_canonical() -> None:
    cmd = parse(words("kubectl create deploy web --image=nginx"))
    assert cmd.path == ("create", "deployment")
    assert parse(words("top pods")).path == ("top", "pod")
    assert parse(words("create secret generic s --from-literal=a=b")).name == (
        "create secret generic"
    )


def test_switches_do_not_take_the_next_word() -> None:
    cmd = parse(words("get --watch true pods"))
    assert cmd.has("watch")
    assert cmd.args == ("true", "pods")
    assert not parse(words("get pods --watch=false")).has("watch")


def test_optional_value_flags_take_only_attached_values() -> None:
    # pflag: '--dry-run server' is '--dry-run' alone followed by the positional 'server'
    cmd = parse(words("delete pod web --dry-run server"))
    assert cmd.values("dry-run") == [None]
    assert [t.name for t in cmd.targets] == ["web", "server"]
    assert parse(words("delete pod web --dry-run=server")).value("dry-run") == "server"


def test_combined_short_flags() -> None:
    cmd = parse(words("exec -it web -c app -- sh"))
    assert cmd.has("stdin")
    assert cmd.has("tty")
    assert cmd.value("container") == "app"
    assert cmd.after_dash == ("sh",)
    cmd = parse(words("get pods -Aojson"))
    assert cmd.all_namespaces
    assert cmd.output == "json"


def test_short_flags_are_per_command() -> None:
    assert parse(words("logs web -f")).has("follow")
    assert parse(words("apply -f a.yaml,b.yaml -f c.yaml")).files == ["a.yaml", "b.yaml", "c.yaml"]
    assert parse(words("logs web -p")).has("previous")
    assert parse(words("patch deploy web -p {}")).value("patch") == "{}"


@pytest.mark.parametrize(
    ("line", "targets"),
    [
        ("get deploy/web svc/web", [("deploy", "web", "Deployment"), ("svc", "web", "Service")]),
        ("get pods,svc web", [("pods", "web", "Pod"), ("svc", "web", "Service")]),
        (
            "delete deploy web api",
            [("deploy", "web", "Deployment"), ("deploy", "api", "Deployment")],
        ),
        ("get pods", [("pods", "", "Pod")]),
        ("label deploy web tier=front old-", [("deploy", "web", "Deployment")]),
        ("set image deploy/web web=nginx:1", [("deploy", "web", "Deployment")]),
        ("set env deploy web A=1 B-", [("deploy", "web", "Deployment")]),
        ("taint nodes n1 k=v:NoSchedule k2:NoExecute-", [("nodes", "n1", "Node")]),
        ("cordon n1 n2", [("nodes", "n1", "Node"), ("nodes", "n2", "Node")]),
        ("logs web app", [("pods", "web", "Pod")]),
        ("logs deploy/web", [("deploy", "web", "Deployment")]),
        ("exec web -- ls", [("pods", "web", "Pod")]),
        ("create deployment web --image=x", [("deployment", "web", "Deployment")]),
        ("create secret generic s", [("secret", "s", "Secret")]),
        ("run web --image=x", [("pods", "web", "Pod")]),
        ("set serviceaccount deploy web robot", [("deploy", "web", "Deployment")]),
        ("get deployment.v1.apps/web", [("deployment.v1.apps", "web", "Deployment")]),
        ("delete namespaces.v1./prod", [("namespaces.v1.", "prod", "Namespace")]),
        ("delete NS prod", [("NS", "prod", "Namespace")]),
        ("get widgets.example.com w", [("widgets.example.com", "w", None)]),
        ("version", []),
    ],
)
def test_targets(line: str, targets: list[tuple[str, str, str | None]]) -> None:
    assert [(t.type, t.name, t.kind) for t in parse(words(line)).targets] == targets


def test_pairs() -> None:
    assert parse(words("label deploy web a=b c-")).pairs == ("a=b", "c-")
    assert parse(words("taint nodes n1 k=v:NoSchedule")).pairs == ("k=v:NoSchedule",)


def test_canonical_argv_spells_every_flag_long_and_keeps_the_last_single_value() -> None:
    cmd = parse(words("-n a get -ojson pods -n b -l app=web -w=false"))
    assert cmd.argv() == (
        "get",
        "pods",
        "--output=json",
        "--namespace=b",
        "--selector=app=web",
        "--watch=false",
    )
    assert str(parse(words("exec -it web -- ls -l"))) == ("kubectl exec web --stdin --tty -- ls -l")
    files = parse(words("apply -f a.yaml -f b.yaml")).argv()
    assert files == ("apply", "--filename=a.yaml", "--filename=b.yaml")


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("frobnicate pods", "unknown-verb"),
        ("", "unknown-verb"),
        ("get pods --frobnicate", "unknown-flag"),
        ("get pods -Z", "unknown-flag"),
        ("--all-namespaces get pods", "unknown-flag"),
        ("get pods -n", "usage"),
        ("get pods --namespace", "usage"),
        ("get pods --namespace=", "usage"),
        ("get deploy web svc/web", "usage"),
        ("get pods/", "usage"),
        ("get 'pods --context=x'", "usage"),
        ("apply -", "usage"),
        ("label deploy a=b web", "usage"),
        ("create --image=x deployment web", "unknown-flag"),
    ],
)
def test_errors(line: str, code: str) -> None:
    argv = ["get", "pods --context=x"] if "'" in line else words(line)
    with pytest.raises(CommandError) as err:
        parse(argv)
    assert err.value.code == code
