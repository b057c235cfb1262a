"""The values the chart is rendered with in the tests: the defaults, and the deployments a
platform engineer would write."""

from __future__ import annotations

from typing import Any

from tests.deploy.rendering import shipped_rules_inline

HOST = "gatehouse.example.com"

# helm install gatehouse deploy/helm/gatehouse
DEFAULT: dict[str, Any] = {}

# PostgreSQL, three replicas behind an ingress with TLS, the organisation's rules inline,
# Jira, Slack and sign-in on.
SEVERAL_REPLICAS: dict[str, Any] = {
    "replicaCount": 3,
    "database": {"engine": "postgresql", "postgresql": {"existingSecret": "gatehouse-db"}},
    "ingress": {
        "enabled": True,
        "className": "nginx",
        "hosts": [{"host": HOST, "paths": [{"path": "/", "pathType": "Prefix"}]}],
        "tls": [{"secretName": "gatehouse-tls", "hosts": [HOST]}],
    },
    "rules": {"inline": shipped_rules_inline()},
    "jira": {
        "enabled": True,
        "baseUrl": "https://example.atlassian.net",
        "email": "bot@example.com",
    },
    "slack": {"enabled": True},
    "github": {"signIn": {"enabled": True, "clientId": "Iv1.0123456789abcdef"}},
}

# The rules from a ConfigMap the organisation maintains itself.
RULES_CONFIGMAP: dict[str, Any] = {"rules": {"configMap": "org-gatehouse-rules"}}

# A trial: SQLite on an emptyDir, GitHub Enterprise Server, the App id as a value.
TRIAL: dict[str, Any] = {
    "database": {"sqlite": {"persistence": {"enabled": False}}},
    "github": {"appId": 1234567, "apiUrl": "https://ghe.example.com/api/v3"},
    "publicUrl": "https://gatehouse.internal.example.com/",
}

SCENARIOS: dict[str, dict[str, Any]] = {
    "default": DEFAULT,
    "postgresql-3-replicas-ingress": SEVERAL_REPLICAS,
    "rules-configmap": RULES_CONFIGMAP,
    "sqlite-trial": TRIAL,
}
