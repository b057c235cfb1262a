"""The Helm chart renders objects Kubernetes accepts, probes the service where it answers,
keeps every credential in the Secret, and refuses a deployment that could not work."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.rendering import manifests, render, render_texts, require
from tests.deploy.scenarios import DEFAULT, HOST, RULES_CONFIGMAP, SCENARIOS, SEVERAL_REPLICAS

helm = require("helm_python", "the Helm renderer")
kubernetes_validate = require("kubernetes_validate", "the Kubernetes JSON schemas")

# The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion) and the newest whose
# schemas are at hand.
KUBERNETES_VERSIONS = ("1.25", ".".join(kubernetes_validate.latest_version().split(".")[:2]))

# Variables that carry a credential: they may only come from a Secret.
SECRET_VARIABLES = (
    "GITHUB_PRIVATE_KEY",
    "GITHUB_WEBHOOK_SECRET",
    "GITHUB_CLIENT_SECRET",
    "GATEHOUSE_SESSION_SECRET",
    "JIRA_API_TOKEN",
    "SLACK_BOT_TOKEN",
)


@pytest.fixture(scope="module", autouse=True)
def _quiet_renderer() -> None:
    helm.disable_logging()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_object_is_valid_against_the_kubernetes_schema(
    scenario: str, version: str
) -> None:
    texts = render_texts(helm, SCENARIOS[scenario])
    objects = list(manifests(texts))
    assert objects
    problems = []
    for template, item in objects:
        where = f"{template}: {item['kind']}/{item['metadata']['name']}"
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            problems.append(f"{where}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            problems.append(f"{where}: {exc.message}")
    assert not problems, f"Kubernetes {version} refuses:\n" + "\n".join(problems)


@pytest.mark.parametrize("scenario", [DEFAULT, SEVERAL_REPLICAS], ids=["default", "several"])
def test_probes_point_at_healthz_and_readyz_on_the_served_port(scenario: dict[str, Any]) -> None:
    rendered = render(helm, scenario)
    container = rendered.container
    [port] = container["ports"]
    assert (port["name"], port["containerPort"]) == ("http", 8000)
    assert container["args"][container["args"].index("--port") + 1] == "8000"
    probes = {
        kind: (container[kind]["httpGet"]["path"], container[kind]["httpGet"]["port"])
        for kind in ("livenessProbe", "readinessProbe", "startupProbe")
    }
    assert probes == {
        "livenessProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
        "startupProbe": ("/healthz", "http"),
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_credentials_come_from_the_secret_and_never_appear_in_manifests(scenario: str) -> None:
    values = SCENARIOS[scenario]
    texts = render_texts(helm, values)
    rendered = render(helm, values)
    assert not rendered.all("Secret"), "the chart renders no Secret: it only refers to one"
    env = rendered.env
    assert "GITHUB_PRIVATE_KEY" not in env, "the key is mounted as a file, never an env var"
    for name in SECRET_VARIABLES:
        if name in env:
            assert "value" not in env[name], name
            assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "gatehouse", name
    database = env["GATEHOUSE_DATABASE_URL"]
    if values.get("database", {}).get("engine") == "postgresql":
        assert database["valueFrom"]["secretKeyRef"] == {
            "name": "gatehouse-db",
            "key": "database-url",
        }
    else:
        assert database["value"].startswith("sqlite:")
    key_file = env["GITHUB_PRIVATE_KEY_PATH"]["value"]
    key_dir, _, key_name = key_file.rpartition("/")
    assert rendered.mount_of("github-private-key") == key_dir
    secret_volume = rendered.volume("github-private-key")["secret"]
    assert secret_volume["secretName"] == "gatehouse"
    assert secret_volume["items"] == [{"key": "private-key.pem", "path": key_name}]
    everything = "\n".join(texts.values())
    assert "PRIVATE KEY" not in everything
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", everything), "a URL with a password"


@pytest.mark.parametrize(
    "inline_secret",
    [
        {"secrets": {"webhookSecret": "s3cr3t"}},
        {"github": {"privateKey": "-----BEGIN RSA PRIVATE KEY-----"}},
        {"github": {"webhookSecret": "s3cr3t"}},
        {"database": {"url": "postgresql+psycopg://gatehouse:s3cr3t@db/gatehouse"}},
        {"jira": {"apiToken": "s3cr3t"}},
        {"slack": {"botToken": "xoxb-s3cr3t"}},
    ],
    ids=lambda values: ".".join([*values, *next(iter(values.values()))]),
)
def test_values_refuse_a_credential_written_inline(inline_secret: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmValuesError, match="additional properties"):
        render(helm, inline_secret)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"replicaCount": 2},
            "replicaCount is 2, but SQLite is one process's database: several replicas "
            "need PostgreSQL. Set database.engine=postgresql",
        ),
        ({"replicaCount": 3, "database": {"engine": "sqlite"}}, "replicaCount is 3, but SQLite"),
        (
            {"rules": {"configMap": "org-rules", "inline": {"groups.yml": "groups: {}\n"}}},
            "set rules.configMap .* or rules.inline .*, not both",
        ),
        ({"rules": {"inline": {"groups.json": "{}"}}}, "reads \\*.yml and \\*.yaml files"),
        (
            {"jira": {"enabled": True, "email": "bot@example.com"}},
            "jira.enabled needs jira.baseUrl",
        ),
        ({"github": {"signIn": {"enabled": True}}}, "needs github.signIn.clientId"),
    ],
    ids=[
        "2-replicas-on-sqlite",
        "3-replicas-on-sqlite",
        "two-sources-of-rules",
        "rules-file-gatehouse-ignores",
        "jira-without-site",
        "sign-in-without-client-id",
    ],
)
def test_a_deployment_that_could_not_work_fails_to_render(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(helm.HelmRenderError, match=message):
        render(helm, values)


def test_several_replicas_get_a_disruption_budget_spread_and_a_rolling_update() -> None:
    rendered = render(helm, SEVERAL_REPLICAS)
    deployment = rendered.one("Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    budget = rendered.one("PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    spread = rendered.pod["topologySpreadConstraints"]
    assert {item["topologyKey"] for item in spread} >= {"kubernetes.io/hostname"}
    for constraint in spread:
        assert constraint["labelSelector"]["matchLabels"].items() <= pod_labels.items()
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    # (16 check-lane threads + 5, plus 10 overflow) x 3 replicas
    assert re.search(r"max_connections above\s+93 for 3 replica", rendered.notes)


def test_one_replica_on_sqlite_has_no_budget_and_never_runs_two_processes() -> None:
    rendered = render(helm, DEFAULT)
    assert not rendered.all("PodDisruptionBudget"), "a budget on one replica blocks drains"
    assert "topologySpreadConstraints" not in rendered.pod
    assert rendered.one("Deployment")["spec"]["strategy"] == {"type": "Recreate"}


@pytest.mark.parametrize(
    ("values", "config_map"),
    [(SEVERAL_REPLICAS, "gatehouse-rules"), (RULES_CONFIGMAP, "org-gatehouse-rules")],
    ids=["inline", "existing-configmap"],
)
def test_the_rules_dir_is_the_mounted_rules(values: dict[str, Any], config_map: str) -> None:
    rendered = render(helm, values)
    assert rendered.env["GATEHOUSE_RULES_DIR"]["value"] == rendered.mount_of("rules")
    assert rendered.mount_of("rules") == "/srv/gatehouse/rules"
    [mount] = [item for item in rendered.container["volumeMounts"] if item["name"] == "rules"]
    # A subPath mount would never see the ConfigMap change; gatehouse reloads edited rules.
    assert mount.get("readOnly") is True and "subPath" not in mount
    assert rendered.volume("rules")["configMap"]["name"] == config_map
    made = rendered.all("ConfigMap")
    if values is SEVERAL_REPLICAS:
        [rules] = made
        assert rules["metadata"]["name"] == config_map
        assert rules["data"] == values["rules"]["inline"]
    else:
        assert made == [], "an existing ConfigMap is only referred to"


def test_without_rules_gatehouse_runs_on_the_shipped_rules() -> None:
    rendered = render(helm, DEFAULT)
    assert "GATEHOUSE_RULES_DIR" not in rendered.env
    assert not rendered.all("ConfigMap")
    assert "rules" not in {volume["name"] for volume in rendered.pod["volumes"]}
    assert "runs on the rules it ships" in rendered.notes


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_runs_as_non_root_on_a_read_only_root_writing_only_to_its_volumes(scenario: str) -> None:
    rendered = render(helm, SCENARIOS[scenario])
    pod, container = rendered.pod, rendered.container
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["automountServiceAccountToken"] is False
    context = container["securityContext"]
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"]["drop"] == ["ALL"]
    writable = {
        mount["mountPath"]: mount["name"]
        for mount in container["volumeMounts"]
        if not mount.get("readOnly")
    }
    env = rendered.plain_env()
    expected = {env["GATEHOUSE_CACHE_DIR"]: "cache", "/tmp": "tmp"}
    database_url = rendered.env["GATEHOUSE_DATABASE_URL"].get("value", "")
    if database_url.startswith("sqlite:///"):
        database_dir = database_url.removeprefix("sqlite:///").rpartition("/")[0]
        expected[database_dir] = "data"
        data = rendered.volume("data")
        persistent = scenario != "sqlite-trial"
        assert ("persistentVolumeClaim" in data) is persistent
        if persistent:
            claim = rendered.one("PersistentVolumeClaim")
            assert data["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert writable == expected


def test_termination_grace_outlasts_the_graceful_stop() -> None:
    pod = render(helm, DEFAULT).pod
    [pause] = [
        int(part) for part in pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][1:]
    ]
    # Gatehouse.stop waits up to 10 s for the timers and 30 s for the check lane's handlers.
    assert pod["terminationGracePeriodSeconds"] >= pause + 10 + 30 + 15


def test_ingress_routes_to_the_service_and_sets_the_public_url() -> None:
    rendered = render(helm, SEVERAL_REPLICAS)
    ingress = rendered.one("Ingress")
    service = rendered.one("Service")
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == HOST
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {port["name"] for port in service["spec"]["ports"]}
    assert rendered.env["GATEHOUSE_PUBLIC_URL"]["value"] == f"https://{HOST}"
    assert f"https://{HOST}/webhook" in rendered.notes


def test_without_ingress_or_public_url_the_notes_say_github_cannot_reach_it() -> None:
    rendered = render(helm, DEFAULT)
    assert not rendered.all("Ingress")
    assert "GATEHOUSE_PUBLIC_URL" not in rendered.env
    assert "GitHub cannot reach" in rendered.notes
