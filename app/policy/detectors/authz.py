"""Authorization and security models: who may do what, and how identity is proven.

Reports changes to the shared authorization model (OpenFGA types and relations, Rego and
Cedar policies), to the gateway's access rules (Heimdall rule sets: routes, authenticators,
authorizers), and to security design in code and configuration: the token signing
algorithm, how tokens are validated or introspected, OIDC and TLS settings. Signals are
compared between removed and added lines, so moving or reformatting a line is not news.
"""

from __future__ import annotations

import re
from collections import Counter

from app.policy.detectors.base import Detector, FileView, Finding, basename, is_lock_file
from app.policy.hunks import LineChange

KINDS = {
    "model": "the authorization model changed (OpenFGA types or relations)",
    "policy": "an authorization policy changed (Rego, Cedar)",
    "gateway-rule": "an API gateway access rule changed (routes, authenticators, authorizers)",
    "token-signing": "the token signing algorithm or signing keys handling changed",
    "token-validation": "how tokens are validated or introspected changed (issuer, audience, JWKS)",
    "oidc": "OIDC or OAuth client settings changed",
    "tls": "TLS settings changed (versions, verification, cipher suites)",
}
_CODE = (".go", ".py", ".ts", ".js", ".java", ".kt", ".rs", ".rb", ".cs")
_CONFIG = (".yaml", ".yml", ".json", ".toml", ".tpl")
_FGA_MODEL = re.compile(
    r"^\s*(type\s+\w+|define\s+\w+\s*:.*|relations\b.*|model\b.*|schema\s+[\d.]+)"
)
_FGA_JSON = re.compile(r'"(type_definitions|relations|directly_related_user_types|type)"\s*:')
_GATEWAY_KEY = re.compile(
    r"^\s*-?\s*(authenticator|authorizer|contextualizer|finalizer|unifier|error_handler|"
    r"allow_encoded_slashes|backtracking_enabled|id|path|methods|relation|object|"
    r"or_relation|or_object|routes|hosts|scheme|forward_to|execute)\s*:"
)
_SIGNALS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "token-signing",
        re.compile(
            r"\b(SigningMethod\w*|RS256|RS384|RS512|PS256|PS384|PS512|ES256|ES384|ES512|"
            r"HS256|HS384|HS512|EdDSA|signing_?(alg|algorithm|key|method)|jwa\.\w+|"
            r"WithKey\(|jws\.Sign|jwt\.Sign|NewWithClaims)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "token-validation",
        re.compile(
            r"\b(introspect\w*|Introspect\w*|WithValidMethods|WithAudience|WithIssuer|"
            r"WithRequiredClaim|VerifyAudience|VerifyIssuer|ValidMethods|SkipClaimsValidation|"
            r"InsecureSkipSignatureCheck)\b"
        ),
    ),
    (
        "oidc",
        re.compile(
            r"(\boidc\.(NewProvider|NewVerifier|Config)\b|\boauth2\.Config\b|"
            r"\bclientcredentials\.Config\b|\.well-known/openid-configuration)"
        ),
    ),
    (
        "tls",
        re.compile(
            r"\b(tls\.Config|MinVersion|MaxVersion|InsecureSkipVerify|CipherSuites|"
            r"VersionTLS1\d|ssl_context|verify\s*=\s*False|rejectUnauthorized|"
            r"insecure_?skip_?verify)\b"
        ),
    ),
)


def _kind_of_file(path: str) -> str | None:
    name = basename(path).lower()
    if name.endswith((".fga", ".fga.json", ".openfga")) or name == "fga.mod":
        return "model"
    if name.endswith((".rego", ".cedar", ".cedarschema")) and not name.endswith("_test.rego"):
        return "policy"
    if name.endswith(_CONFIG) and "ruleset" in name:
        return "gateway-rule"
    return None


def handles(path: str) -> bool:
    name = basename(path)
    if is_lock_file(path):
        return False
    return _kind_of_file(path) is not None or name.endswith(_CODE) or name.endswith(_CONFIG)


def detect(view: FileView) -> list[Finding]:
    kind = _kind_of_file(view.path)
    effective = [c for c in view.lines if _effective(c.text)]
    if kind == "model":
        return _model(view, effective)
    if kind == "policy":
        return _whole_file(view, "authz.policy", "authorization policy changed", effective)
    if kind == "gateway-rule" or _looks_like_gateway_rules(view):
        return _gateway(view, effective)
    if basename(view.path).endswith(_CODE):
        return _signals(view, effective)
    return []


def _effective(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith(("#", "//", "/*", "*", "{{/*", "{{- /*"))


def _model(view: FileView, effective: list[LineChange]) -> list[Finding]:
    findings = []
    for change in effective:
        match = _FGA_MODEL.match(change.text) or _FGA_JSON.search(change.text)
        if match:
            verb = "added" if change.side == "added" else "removed"
            findings.append(
                view.finding(
                    "authz.model",
                    f"authorization model: `{change.text.strip()[:80]}` {verb}",
                    change,
                )
            )
    if not findings and effective:
        findings.append(view.finding("authz.model", "authorization model changed", effective[0]))
    return _dedupe(findings)[:20]


def _whole_file(
    view: FileView, kind: str, message: str, effective: list[LineChange]
) -> list[Finding]:
    if not effective and view.changed.patch is not None:
        return []
    return [view.finding(kind, message, effective[0] if effective else None)]


def _looks_like_gateway_rules(view: FileView) -> bool:
    if not basename(view.path).endswith(_CONFIG):
        return False
    patch = view.changed.patch or ""
    return "authorizer:" in patch and "authenticator:" in patch


def _gateway(view: FileView, effective: list[LineChange]) -> list[Finding]:
    removed = Counter(_norm(c.text) for c in effective if c.side == "removed")
    added = Counter(_norm(c.text) for c in effective if c.side == "added")
    findings = []
    for change in effective:
        key = _norm(change.text)
        mine, other = (added, removed) if change.side == "added" else (removed, added)
        if mine[key] <= other[key]:
            continue
        if _GATEWAY_KEY.match(change.text):
            verb = "added" if change.side == "added" else "removed"
            findings.append(
                view.finding(
                    "authz.gateway-rule",
                    f"gateway rule: `{change.text.strip()[:80]}` {verb}",
                    change,
                )
            )
    return _dedupe(findings)[:20]


# Any signal at all, case-insensitively (a superset of the patterns above): most changed
# lines carry none, and one search rules them out instead of one per pattern.
_ANY_SIGNAL = re.compile("|".join(f"(?:{p.pattern})" for _, p in _SIGNALS), re.IGNORECASE)
# Lower-cased pieces of which every text a signal pattern matches holds one (the tests
# generate matches of each pattern to prove it). Even the combined search costs some
# 10 µs a line, as no literal starts its alternatives; a file holding none of the pieces,
# as nearly all do, is ruled out with a few substring scans, and a line likewise.
_SIGNAL_PIECES = (
    "signing", "rs256", "rs384", "rs512", "ps256", "ps384", "ps512", "es256", "es384",
    "es512", "hs256", "hs384", "hs512", "eddsa", "jwa.", "withkey(", "jws.sign", "jwt.sign",
    "newwithclaims", "introspect", "validmethods", "withaudience", "withissuer",
    "withrequiredclaim", "verifyaudience", "verifyissuer", "skipclaimsvalidation",
    "insecureskipsignaturecheck", "oidc.", "oauth2.config", "clientcredentials.config",
    ".well-known/openid-configuration", "tls.config", "minversion", "maxversion",
    "insecureskipverify", "ciphersuites", "versiontls1", "ssl_context", "verify",
    "rejectunauthorized", "insecure",
)  # fmt: skip


def _signals(view: FileView, effective: list[LineChange]) -> list[Finding]:
    removed: Counter[tuple[str, str]] = Counter()
    added: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str, str], LineChange] = {}
    lowered = [change.text.lower() for change in effective]
    whole = "\n".join(lowered)
    pieces = [piece for piece in _SIGNAL_PIECES if piece in whole]
    if not pieces:
        return []
    for change, text in zip(effective, lowered, strict=True):
        if not any(piece in text for piece in pieces) or not _ANY_SIGNAL.search(change.text):
            continue
        for kind, pattern in _SIGNALS:
            for match in pattern.finditer(change.text):
                token = (kind, match.group(0))
                (added if change.side == "added" else removed)[token] += 1
                where.setdefault((*token, change.side), change)
    findings = []
    for token in sorted(set(added) | set(removed)):
        if added[token] == removed[token]:
            continue
        side = "added" if added[token] > removed[token] else "removed"
        kind, text = token
        verb = "now used" if side == "added" else "no longer used"
        findings.append(
            view.finding(
                f"authz.{kind}",
                f"{KINDS[kind].split(' changed')[0]}: `{text}` {verb}",
                where[(kind, text, side)],
            )
        )
    return findings[:20]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    kept = []
    for found in findings:
        if found.message not in seen:
            seen.add(found.message)
            kept.append(found)
    return kept


def summarize(path: str, findings: list[Finding]) -> str:
    if not findings:
        return f"{path}: no authorization or security setting changed"
    return f"{path}: " + "; ".join(f.message for f in findings[:3])


DETECTOR = Detector(
    name="authz",
    title="an authorization or security model",
    kinds=KINDS,
    handles=handles,
    detect=detect,
    summarize=summarize,
)
