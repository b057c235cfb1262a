"""Messaging contracts, authorization models, deploy artefacts and Helm release metadata."""

from __future__ import annotations

import pytest

from app.policy.detectors import authz, deploy, helm, messaging
from tests.policy.detectors.patches import view_of

SUBJECTS_GO = """package constants

const (
\t// OrdersCreatedSubject is published when an order is created.
\tOrdersCreatedSubject = "orders.v1.created"
\tOrdersBucket = "orders"
)
"""


def kinds(detector: object, path: str, before: str, after: str) -> list[str]:
    return sorted(f.kind for f in detector.DETECTOR.run(view_of(path, before, after)))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (
            SUBJECTS_GO.replace(")\n", '\tOrdersShippedSubject = "orders.v1.shipped"\n)\n'),
            ["messaging.added"],
        ),
        (SUBJECTS_GO.replace("orders.v1.created", "orders.v2.created"), ["messaging.renamed"]),
        (SUBJECTS_GO.replace('\tOrdersBucket = "orders"\n', ""), ["messaging.removed"]),
        (SUBJECTS_GO.replace("is published when", "is sent when"), []),
        (
            SUBJECTS_GO.replace("OrdersCreatedSubject = ", "OrdersCreatedSubject   = "),
            [],
        ),
    ],
    ids=["new_subject", "renamed_subject", "removed_bucket", "comment_only", "realigned"],
)
def test_messaging_names_in_code(after: str, expected: list[str]) -> None:
    assert kinds(messaging, "pkg/constants/subjects.go", SUBJECTS_GO, after) == expected


def test_new_subject_evidence_names_it() -> None:
    after = SUBJECTS_GO.replace(")\n", '\tOrdersShippedSubject = "orders.v1.shipped"\n)\n')
    (found,) = messaging.DETECTOR.run(view_of("subjects.go", SUBJECTS_GO, after))
    assert found.message == "new subject `orders.v1.shipped` (OrdersShippedSubject)"
    assert found.line == 7 and found.side == "added"


def test_publish_with_a_literal_subject_and_jetstream_resources() -> None:
    code_after = 'func f() {\n\tnc.Publish("billing.invoice.paid", data)\n}\n'
    assert kinds(messaging, "svc.go", "func f() {\n}\n", code_after) == ["messaging.added"]
    manifest = "apiVersion: jetstream.nats.io/v1beta2\nkind: KeyValue\nmetadata:\n  name: x\n"
    assert "messaging.added" in kinds(messaging, "charts/x/templates/kv.yaml", "", manifest)


def test_email_subjects_with_spaces_are_not_messaging() -> None:
    after = 'msg := Mail{\n\tSubject: "Welcome to the committee",\n}\n'
    assert kinds(messaging, "mail.go", "msg := Mail{\n}\n", after) == []


FGA = """model
  schema 1.1
type user
type committee
  relations
    define member: [user]
"""


def test_openfga_model_changes_are_authorization_model_changes() -> None:
    after = FGA + "    define writer: [user]\n"
    found = authz.DETECTOR.run(view_of("model.fga", FGA, after))
    assert [f.kind for f in found] == ["authz.model"]
    assert "define writer: [user]" in found[0].message


RULESET = """apiVersion: heimdall.dadrus.github.com/v1alpha4
kind: RuleSet
spec:
  rules:
    - id: committees:read
      execute:
        - authenticator: oidc
        - authorizer: openfga_check
          config:
            values:
              relation: viewer
"""


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (RULESET.replace("relation: viewer", "relation: writer"), ["authz.gateway-rule"] * 2),
        (RULESET.replace("kind: RuleSet", "kind: RuleSet  # gateway"), []),
        (RULESET.replace("apiVersion: heimdall", "# rules\napiVersion: heimdall"), []),
    ],
    ids=["relation_changed", "trailing_comment_on_other_key", "comment_line"],
)
def test_gateway_rules(after: str, expected: list[str]) -> None:
    assert kinds(authz, "charts/svc/templates/ruleset.yaml", RULESET, after) == expected


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            "token := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)\n",
            "token := jwt.NewWithClaims(jwt.SigningMethodPS256, claims)\n",
            ["authz.token-signing", "authz.token-signing"],
        ),
        (
            "p := jwt.NewParser()\n",
            "p := jwt.NewParser(jwt.WithAudience(aud), jwt.WithIssuer(iss))\n",
            ["authz.token-validation", "authz.token-validation"],
        ),
        ("cfg := &tls.Config{}\n", "cfg := &tls.Config{InsecureSkipVerify: true}\n", ["authz.tls"]),
        ("log.Info(token)\n", "log.Debug(token)\n", []),
    ],
    ids=["signing_algorithm", "audience_and_issuer", "tls_verification", "unrelated"],
)
def test_security_design_signals_in_code(before: str, after: str, expected: list[str]) -> None:
    assert kinds(authz, "pkg/auth/jwt.go", before, after) == expected


DOCKERFILE = "FROM golang:1.23 AS build\nRUN go build ./...\n\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (DOCKERFILE.replace("golang:1.23", "golang:1.24"), ["deploy.image"]),
        (DOCKERFILE.replace("gcr.io/distroless/static", "alpine:3.20"), ["deploy.base-image"]),
        (DOCKERFILE.replace("COPY --from", "USER 65532\nCOPY --from"), ["deploy.image"]),
        ("# builds the API\n" + DOCKERFILE, []),
    ],
    ids=["base_image_bump", "new_base_image", "instruction", "comment_only"],
)
def test_dockerfiles(after: str, expected: list[str]) -> None:
    assert kinds(deploy, "Dockerfile", DOCKERFILE, after) == expected


def test_ko_config_and_deploy_scripts_are_deploy_artefacts() -> None:
    assert kinds(deploy, ".ko.yaml", "builds: []\n", "builds:\n- id: api\n") == [
        "deploy.build-config"
    ]
    assert kinds(deploy, "scripts/deploy.sh", "", "#!/bin/sh\nhelm upgrade x .\n") == [
        "deploy.script"
    ]
    assert not deploy.DETECTOR.handles("scripts/lint.sh")


CHART = "apiVersion: v2\nname: api\ndescription: The API\nversion: 0.3.1\nappVersion: 0.3.1\n"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (CHART.replace("0.3.1", "0.3.2"), ["helm.release-metadata"]),
        (CHART + "kubeVersion: '>=1.28'\n", ["helm.chart"]),
        (
            CHART.replace("0.3.1\n", "0.3.2\n", 1) + "dependencies:\n  - name: nats\n",
            ["helm.chart"],
        ),
    ],
    ids=["version_only", "kube_version", "dependency_and_version"],
)
def test_chart_yaml(after: str, expected: list[str]) -> None:
    assert kinds(helm, "charts/api/Chart.yaml", CHART, after) == expected


@pytest.mark.parametrize("kind", [kind for kind, _ in authz._SIGNALS])
def test_every_security_signal_holds_a_screening_piece(kind: str) -> None:
    """A line is only searched for signals when it holds one of the pieces: any text a
    signal pattern matches must hold one, or that signal would go unseen."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    pattern = dict(authz._SIGNALS)[kind]

    @settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
    @given(st.from_regex(pattern))
    def holds_a_piece(text: str) -> None:
        lowered = text.lower()
        assert any(piece in lowered for piece in authz._SIGNAL_PIECES), text

    holds_a_piece()


def test_a_signal_among_thousands_of_plain_lines_is_still_found() -> None:
    plain = "".join(f"\tcount{n} := compute({n})\n" for n in range(2000))
    before = f"package auth\n\nfunc setup() {{\n{plain}}}\n"
    after = before.replace("count7 := compute(7)", "count7 := jwt.SigningMethodRS256")
    assert kinds(authz, "auth/setup.go", before, after) == ["authz.token-signing"]
