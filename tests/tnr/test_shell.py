"""Reading a command line with a shell grammar: plain words pass, shell features do not."""

from __future__ import annotations

import pytest

from stratus.tnr.errors import Refused
from stratus.tnr.shell import split_line


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("kubectl get pods", ("kubectl", "get", "pods")),
        ("kubectl  get\tpods ", ("kubectl", "get", "pods")),
        ("kubectl get 'po'\"ds\"", ("kubectl", "get", "pods")),
        ("kubectl label pods a b=c\\ d", ("kubectl", "label", "pods", "a", "b=c d")),
        (
            'kubectl patch deploy web -p \'{"spec":{"replicas":2}}\'',
            ("kubectl", "patch", "deploy", "web", "-p", '{"spec":{"replicas":2}}'),
        ),
        (
            "kubectl get pods -o jsonpath='{.items[*].metadata.name}'",
            ("kubectl", "get", "pods", "-o", "jsonpath={.items[*].metadata.name}"),
        ),
        (
            "kubectl get pods --field-selector=status.phase!=Running",
            ("kubectl", "get", "pods", "--field-selector=status.phase!=Running"),
        ),
        (
            "kubectl get pods -l 'app in (web,api)'",
            ("kubectl", "get", "pods", "-l", "app in (web,api)"),
        ),
        ("kubectl get pods \\\n  -n shop", ("kubectl", "get", "pods", "-n", "shop")),
        ("kubectl get pods # look around", ("kubectl", "get", "pods")),
        (
            "kubectl exec web -- sh -c 'echo $HOME'",
            ("kubectl", "exec", "web", "--", "sh", "-c", "echo $HOME"),
        ),
        (
            'kubectl annotate deploy web note="a \\"quoted\\" word"',
            ("kubectl", "annotate", "deploy", "web", 'note=a "quoted" word'),
        ),
        ("kubectl get {}", ("kubectl", "get", "{}")),
    ],
)
def test_plain_words(line: str, words: tuple[str, ...]) -> None:
    assert split_line(line) == words


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("kubectl get pods | grep web", "pipe"),
        ("kubectl get pods; kubectl delete ns prod", "list"),
        ("kubectl get pods && true", "list"),
        ("kubectl get pods &", "list"),
        ("kubectl get pods\nkubectl get svc", "list"),
        ("kubectl get $(echo pods)", "substitution"),
        ("kubectl get `echo pods`", "substitution"),
        ('kubectl get "$(echo pods)"', "substitution"),
        ("kubectl apply -f <(cat x)", "substitution"),
        ("kubectl get $KIND", "variable"),
        ("kubectl get ${KIND}", "variable"),
        ('kubectl get "$KIND"', "variable"),
        ("kubectl get $'\\x70ods'", "variable"),
        ("kubectl get pods > out", "redirect"),
        ("kubectl get pods 2>&1", "redirect"),
        ("kubectl apply -f - <<EOF\nkind: Pod\nEOF\n", "redirect"),
        ("kubectl get p*", "glob"),
        ("kubectl get pod web-?", "glob"),
        ("kubectl get pods -o jsonpath={.items[0]}", "glob"),
        ("kubectl delete pod {a,b}", "glob"),
        ("kubectl delete pod web-{1..3}", "glob"),
        ("kubectl apply -f ~/x.yaml", "glob"),
        ("kubectl get pods --kubeconfig=~/admin", "glob"),
        ("(kubectl get pods)", "subshell"),
        ("{ kubectl get pods; }", "subshell"),
        ("! kubectl get pods", "subshell"),
        ("if true; then kubectl get pods; fi", "subshell"),
        ("f() { kubectl get pods; }", "subshell"),
        ("FOO=1 kubectl get pods", "env-prefix"),
        ("kubectl get 'pods", "syntax"),
        ("kubectl get $((1+1))", "syntax"),
        ("kubectl get 'a'\\''b'", "syntax"),  # bashlex and the shell disagree: refused
        ("kubectl get p\u043eds", "charset"),  # Cyrillic o
        ("kubectl get pods\u200b", "charset"),
        ("", "not-kubectl"),
        ("   ", "not-kubectl"),
    ],
)
def test_refused(line: str, code: str) -> None:
    with pytest.raises(Refused) as err:
        split_line(line)
    assert err.value.code == code
    assert "\n" not in err.value.reason
