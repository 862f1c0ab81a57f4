"""Secret values are blanked in kubectl output; everything else is left as it was."""

from __future__ import annotations

import json

import yaml

from stratus.tnr.redact import REDACTED, redact_secrets

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {
        "name": "db",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data":{"p":"x"}}'},
    },
    "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
    "stringData": {"token": "plain"},
}
CONFIG = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}


def test_json_object_and_list() -> None:
    out = json.loads(redact_secrets(json.dumps(SECRET)))
    assert out["data"] == {"password": REDACTED, "user": REDACTED}
    assert out["stringData"] == {"token": REDACTED}
    assert out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] == (
        REDACTED
    )
    listed = {"kind": "List", "items": [SECRET, CONFIG]}
    out = json.loads(redact_secrets(json.dumps(listed, indent=2)))
    assert out["items"][0]["data"]["password"] == REDACTED
    assert out["items"][1]["data"] == {"a": "1"}


def test_api_lists_whose_items_have_no_kind() -> None:
    item = {k: v for k, v in SECRET.items() if k not in ("kind", "apiVersion")}
    raw = json.dumps({"kind": "SecretList", "apiVersion": "v1", "items": [item]})
    assert json.loads(redact_secrets(raw))["items"][0]["data"]["user"] == REDACTED


def test_yaml_documents() -> None:
    text = yaml.safe_dump_all([CONFIG, SECRET])
    docs = list(yaml.safe_load_all(redact_secrets(text)))
    assert docs[0] == CONFIG
    assert docs[1]["data"]["user"] == REDACTED


def test_other_output_is_untouched() -> None:
    table = "NAME   TYPE     DATA   AGE\ndb     Opaque   2      5m\n"
    assert redact_secrets(table) == table
    config = json.dumps(CONFIG)
    assert redact_secrets(config) == config
    mentions = "the Secret db is missing a key\n"
    assert redact_secrets(mentions) == mentions
    broken = '{"kind": "Secret", "data": '
    assert redact_secrets(broken) == broken
