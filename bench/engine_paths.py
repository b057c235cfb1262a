"""How long gatehouse takes to decide which rules 3,000 changed files trigger, in process.

Run with ``.venv/bin/python bench/engine_paths.py``. It generates a reproducible
3,000-file change across many ecosystems and 200 rules in the shape real rule sets take,
then times one full match (best of several runs) three ways: one pathspec ``PathSpec``
per list for every rule (the naive reading), one combined regular expression per rule,
and :class:`app.policy.matcher.PathMatcher`. All three must agree on every path.
Targets: PathMatcher under 20 ms and at least 15 times faster than the naive reading.

``bench/engine.py`` uses the same paths and rules for its whole-process figures: it
writes the rules as a rules directory with :func:`write_rules_dir` and runs
``gatehouse check --paths`` on them.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pathspec import PathSpec

from app.policy.compiled import compile_rules
from app.policy.evaluate import evaluate
from app.policy.loader import load_rules_dir
from app.policy.matcher import NaivePathMatcher, PathMatcher, RuleSelector, normalize_path
from app.policy.model import RuleSet
from app.policy.patterns import compile_pattern
from app.policy.snapshot import ChangedFile, FileStatus, PullSnapshot
from app.settings import SHIPPED_RULES

FILES = 3_000
RULES = 200
SEED = 20_260_301
REALISTIC_SEED = 20_260_417

Pairs = set[tuple[str, str]]
TARGET_MS = 20.0
TARGET_SPEEDUP = 15.0

_SERVICES = [
    "billing", "auth", "search", "notifications", "ledger", "gateway", "profile",
    "catalog", "checkout", "reports", "ingest", "scheduler",
]  # fmt: skip
_ENVS = ["dev", "staging", "prod", "production", "qa"]
_MODULES = ["vpc", "iam", "rds", "eks", "s3", "security_groups", "dns", "waf", "kms"]
_CHARTS = ["api", "worker", "frontend", "nats", "redis", "ingress-nginx"]
_WORDS = [
    "handler", "client", "model", "service", "utils", "config", "routes", "schema",
    "store", "cache", "events", "metrics", "types", "errors", "middleware", "index",
]  # fmt: skip


def generate_paths(rng: random.Random, count: int = FILES) -> list[str]:
    """A change touching source, docs, CI, IaC, charts, manifests and dependencies."""
    makers: list[tuple[int, Callable[[], str]]] = [
        (30, lambda: _source(rng)),
        (10, lambda: f"web/src/components/{_w(rng)}/{_w(rng).title()}{_w(rng).title()}.tsx"),
        (8, lambda: f"docs/{_w(rng)}/{_w(rng)}-{rng.randrange(99)}.md"),
        (3, lambda: f"docs/img/{_w(rng)}-{rng.randrange(999)}.png"),
        (3, lambda: f".github/workflows/{_w(rng)}-{rng.randrange(50)}.yml"),
        (1, lambda: f".github/actions/{_w(rng)}/action.yml"),
        (6, lambda: _terraform(rng)),
        (6, lambda: _chart(rng)),
        (6, lambda: _kubernetes(rng)),
        (5, lambda: _manifest(rng)),
        (3, lambda: f"services/{rng.choice(_SERVICES)}/migrations/{rng.randrange(9999):04}.sql"),
        (2, lambda: f"proto/{rng.choice(_SERVICES)}/v{rng.randrange(1, 3)}/{_w(rng)}.proto"),
        (2, lambda: f"api/{rng.choice(_SERVICES)}/openapi.yaml"),
        (3, lambda: _build_file(rng)),
        (2, lambda: f"ansible/roles/{_w(rng)}/tasks/main.yml"),
        (2, lambda: f"config/{rng.choice(_ENVS)}/{_w(rng)}.env"),
    ]
    weights = [weight for weight, _ in makers]
    paths: dict[str, None] = {}
    while len(paths) < count:
        paths[rng.choices(makers, weights)[0][1]()] = None
    return list(paths)


def _w(rng: random.Random) -> str:
    return rng.choice(_WORDS)


def _source(rng: random.Random) -> str:
    service = rng.choice(_SERVICES)
    kind = rng.randrange(4)
    if kind == 0:
        return f"services/{service}/src/{service}/{_w(rng)}/{_w(rng)}.py"
    if kind == 1:
        suffix = rng.choice(["", "_test"])
        return f"services/{service}/internal/{_w(rng)}/{_w(rng)}{suffix}.go"
    if kind == 2:
        return f"services/{service}/tests/test_{_w(rng)}_{rng.randrange(40)}.py"
    return f"libs/{_w(rng)}/src/main/java/com/acme/{_w(rng)}/{_w(rng).title()}.java"


def _terraform(rng: random.Random) -> str:
    leaf = rng.choice(["main.tf", "variables.tf", "outputs.tf", "versions.tf", "terraform.tfvars"])
    if rng.random() < 0.5:
        return f"infra/terraform/modules/{rng.choice(_MODULES)}/{leaf}"
    return f"infra/terraform/envs/{rng.choice(_ENVS)}/{rng.choice(_MODULES)}/{leaf}"


def _chart(rng: random.Random) -> str:
    chart = rng.choice(_CHARTS)
    leaf = rng.choice(
        ["Chart.yaml", "values.yaml", "values-prod.yaml", "values-staging.yaml",
         f"templates/{rng.choice(['deployment', 'service', 'hpa', 'pdb', 'ingress'])}.yaml"]
    )  # fmt: skip
    return f"charts/{chart}/{leaf}"


def _kubernetes(rng: random.Random) -> str:
    kind = rng.choice(["deployment", "service", "ingress", "hpa", "networkpolicy", "rbac"])
    if rng.random() < 0.4:
        return f"k8s/base/{rng.choice(_SERVICES)}/{kind}.yaml"
    return f"k8s/overlays/{rng.choice(_ENVS)}/{rng.choice(_SERVICES)}/{kind}.yaml"


def _manifest(rng: random.Random) -> str:
    name = rng.choice(
        ["package.json", "package-lock.json", "pyproject.toml", "requirements.txt",
         "requirements-dev.txt", "go.mod", "go.sum", "Cargo.toml", "pom.xml", "poetry.lock"]
    )  # fmt: skip
    return f"services/{rng.choice(_SERVICES)}/{name}"


def _build_file(rng: random.Random) -> str:
    name = rng.choice(["Dockerfile", "Dockerfile.dev", "Makefile", "Jenkinsfile", "Procfile"])
    return f"services/{rng.choice(_SERVICES)}/{name}"


_BASE_RULES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    ((".github/workflows/**", ".github/actions/**", "Jenkinsfile", ".gitlab-ci.yml"), ()),
    ((".circleci/", ".buildkite/", "tekton/**", "Makefile"), ()),
    (("*.tf", "*.tfvars", "*.hcl", "Pulumi.yaml", "cdk.json"), ()),
    (("ansible/**", "**/cloudformation/*.yaml", "crossplane/**"), ()),
    (("charts/**", "k8s/**", "**/kustomization.yaml"), ("**/README.md",)),
    (("**/*prod*.yaml", "**/production/**", "config/prod/", "*.env"), ()),
    (("**/networkpolicy.yaml", "**/security_groups/**", "**/waf/**", "**/vpc/**"), ()),
    (("**/iam/**", "**/rbac.yaml", ".github/CODEOWNERS", "**/serviceaccount*.yaml"), ()),
    (("package.json", "pyproject.toml", "requirements*.txt", "go.mod", "Cargo.toml"), ()),
    (("pom.xml", "build.gradle*", "Gemfile", "composer.json"), ()),
    (("**/openapi.yaml", "*.proto", "*.graphql", "**/schema.graphql"), ()),
    (("**/migrations/**", "schemas/shared/**"), ("**/migrations/README.md",)),
    (("Dockerfile*", "docker-compose*.yml"), ()),
    (("docs/**", "!docs/img/**"), ()),
    (("**/config/*.py", "**/settings.py", "!**/tests/**"), ("services/reports/**",)),
    (("**/middleware/*.go", "!*_test.go"), ()),
    (("web/**/Auth*.tsx", "web/**/*.css"), ("web/**/__tests__/**",)),
]


def generate_rules(rng: random.Random, count: int = RULES) -> list[RuleSelector]:
    """Rules shaped like real rule sets: a shipped base plus per-service additions."""
    families: list[Callable[[], str]] = [
        lambda: f"services/{rng.choice(_SERVICES)}/**",
        lambda: f"services/{rng.choice(_SERVICES)}/migrations/*.sql",
        lambda: f"services/{rng.choice(_SERVICES)}/{rng.choice(['Dockerfile', 'Makefile'])}",
        lambda: f"services/{rng.choice(_SERVICES)}/src/**/{_w(rng)}/*.py",
        lambda: f"**/{_w(rng)}/*.go",
        lambda: f"*.{rng.choice(['sql', 'proto', 'java', 'tsx', 'md', 'png', 'lock', 'toml'])}",
        lambda: f"{rng.choice(['go.sum', 'poetry.lock', 'package-lock.json', 'Procfile'])}",
        lambda: f"infra/terraform/envs/{rng.choice(_ENVS)}/**",
        lambda: f"infra/terraform/modules/{rng.choice(_MODULES)}/*.tf",
        lambda: f"charts/{rng.choice(_CHARTS)}/values-*.yaml",
        lambda: f"charts/{rng.choice(_CHARTS)}/templates/",
        lambda: f"k8s/overlays/{rng.choice(_ENVS)}/**/*.yaml",
        lambda: f"**/{rng.choice(['hpa', 'pdb', 'ingress', 'service'])}.yaml",
        lambda: f"docs/{_w(rng)}/",
        lambda: f"proto/{rng.choice(_SERVICES)}/**",
        lambda: f"libs/{_w(rng)}/**/*.java",
        lambda: f"config/{rng.choice(_ENVS)}/*.env",
        lambda: f"**/{_w(rng)}-[0-9]*.md",
    ]
    rules = [
        RuleSelector(f"base-{i}", paths, excludes)
        for i, (paths, excludes) in enumerate(_BASE_RULES)
    ]
    while len(rules) < count:
        paths = [rng.choice(families)() for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.1:
            paths.append(f"!**/{rng.choice(['tests', 'testdata', 'fixtures', 'docs'])}/**")
        excludes: tuple[str, ...] = ()
        if rng.random() < 0.15:
            excludes = (rng.choice(["**/*.md", "docs/**", "**/*_test.go", "web/**"]),)
        rules.append(RuleSelector(f"rule-{len(rules)}", tuple(paths), excludes))
    return rules


def generated_change() -> tuple[list[str], list[RuleSelector]]:
    """The 3,000 paths and 200 rules every figure here is measured on."""
    rng = random.Random(SEED)
    paths = generate_paths(rng)
    return paths, generate_rules(rng)


def write_rules_dir(directory: Path, selectors: Sequence[RuleSelector]) -> Path:
    """The selectors as a valid rules directory: one group file, one rules file."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "groups.yml").write_text(
        "groups:\n"
        "  platform-engineering: {name: Platform Engineering, members: [{github: pe-one}]}\n"
        "  architecture: {name: Architectural Team, members: [{github: arch-one}]}\n",
        encoding="utf-8",
    )
    lines = ["rules:"]
    for index, selector in enumerate(selectors):
        group = "architecture" if index % 2 else "platform-engineering"
        lines.append(f"  - id: {selector.rule_id}")
        lines.append(f"    title: Generated rule {index}")
        lines.append(f"    group: {group}")
        lines.append(f"    paths: {json.dumps(list(selector.paths))}")
        if selector.exclude_paths:
            lines.append(f"    exclude_paths: {json.dumps(list(selector.exclude_paths))}")
    (directory / "rules.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


class RegexPerRuleMatcher:
    """Every rule folded into one regular expression, tried on every path.

    Each list becomes an atomic alternation tried from its last pattern back: a
    selecting pattern matches zero characters, a deselecting one consumes one, and a
    trailing ``\\A`` accepts only the former.
    """

    def __init__(self, selectors: Sequence[RuleSelector]) -> None:
        self._rules = [(s.rule_id, re.compile(_rule_regex(s)).match) for s in selectors]

    def match(self, path: str) -> tuple[str, ...]:
        path = normalize_path(path)
        return tuple(rule_id for rule_id, match in self._rules if match(path))

    def match_many(self, paths: Iterable[str]) -> dict[str, tuple[str, ...]]:
        return {path: ids for path in paths if (ids := self.match(path))}


def _rule_regex(selector: RuleSelector) -> str:
    regex = f"(?!{_list_regex(selector.exclude_paths)})" if selector.exclude_paths else ""
    return regex + _list_regex(selector.paths) if selector.paths else regex


def _list_regex(sources: Sequence[str]) -> str:
    alternatives = []
    for source in reversed(sources):
        pattern = compile_pattern(source)
        body = re.sub(r"\(\?P<\w+>", "(?:", pattern.regex.pattern)
        alternatives.append(f"(?=(?s:.*?)(?:{body}))" + ("[\\s\\S]" if pattern.negated else ""))
    return f"(?>{'|'.join(alternatives)})\\A"


def _best_ms(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def run(print_fn: Callable[[str], object] = print) -> dict[str, float]:
    """Time the three matchers on the generated change; raise if they ever disagree."""
    paths, selectors = generated_change()
    naive = NaivePathMatcher(selectors)
    per_rule = RegexPerRuleMatcher(selectors)
    expected = naive.match_many(paths)
    for name, found in (
        ("one regex per rule", per_rule.match_many(paths)),
        ("PathMatcher", PathMatcher(selectors).match_many(paths)),
    ):
        if found != expected:
            wrong = sorted(p for p in paths if found.get(p) != expected.get(p))
            raise RuntimeError(f"{name} disagrees with the naive matcher on {wrong[:5]}")

    build_ms = _best_ms(5, lambda: PathMatcher(selectors))
    # A fresh matcher per run: its directory cache starts cold, as for a new change.
    fresh = [PathMatcher(selectors) for _ in range(9)]
    figures = {
        "naive_ms": _best_ms(3, lambda: naive.match_many(paths)),
        "regex_per_rule_ms": _best_ms(3, lambda: per_rule.match_many(paths)),
        "matcher_ms": _best_ms(len(fresh), lambda: fresh.pop().match_many(paths)),
        "matcher_build_ms": build_ms,
    }
    figures["regex_per_rule_speedup"] = figures["naive_ms"] / figures["regex_per_rule_ms"]
    figures["matcher_speedup"] = figures["naive_ms"] / figures["matcher_ms"]

    matcher = PathMatcher(selectors)
    print_fn(
        f"{len(paths)} files x {len(selectors)} rules: {len(expected)} files selected, "
        f"{sum(map(len, expected.values()))} (file, rule) pairs, "
        f"{len(matcher.generic_patterns)} generic patterns tried on every path"
    )
    print_fn(f"  naive pathspec          {figures['naive_ms']:9.1f} ms   1.0x")
    print_fn(
        f"  one regex per rule      {figures['regex_per_rule_ms']:9.1f} ms "
        f"{figures['regex_per_rule_speedup']:5.1f}x"
    )
    print_fn(
        f"  PathMatcher             {figures['matcher_ms']:9.1f} ms "
        f"{figures['matcher_speedup']:5.1f}x   (built once in {build_ms:.1f} ms)"
    )
    met = figures["matcher_ms"] < TARGET_MS and figures["matcher_speedup"] >= TARGET_SPEEDUP
    print_fn(
        f"  target < {TARGET_MS:.0f} ms and >= {TARGET_SPEEDUP:.0f}x: {'met' if met else 'MISSED'}"
    )
    return figures


# Lines a small patch draws from: half from its file kind's pool (some of which a
# shipped ``changed_lines`` rule matches, some not), half from the generic pool.
_GENERIC = ["    return value", "    # keep the previous behaviour", "}", "import os", ""]
_KIND_LINES: dict[str, list[str]] = {
    "package.json": ['    "left-pad": "^1.3.0",', '  "version": "2.4.1",', '  "private": true,'],
    "requirements": ["httpx>=0.27", "# pinned until the next release", "-r base.txt"],
    "pyproject.toml": ['    "fastapi>=0.110",', "line-length = 100", 'version = "0.3.0"'],
    "go.mod": [
        "require github.com/nats-io/nats.go v1.31.0",
        "go 1.22",
        "\tx.org/y v0.2.0 // indirect",
    ],
    "Cargo.toml": ['serde = "1.0"', 'version = "0.2.0"', "[dependencies.tokio]"],
    "pom.xml": ["    <artifactId>jackson-core</artifactId>", "    <version>2.16.1</version>"],
    "Makefile": ["deploy: build", "\tgo test ./...", "\tdocker push $(IMAGE)", "lint:"],
    "Dockerfile": ["FROM python:3.12-slim", "RUN pip install --no-cache-dir .", "COPY . /srv"],
    ".tf": ['resource "aws_security_group" "web" {', "  tags = local.tags", '  port = "443"'],
    ".yaml": ["kind: Deployment", "replicas: 3", "  name: web", "    image: acme/web:1.4.2"],
}


def _kind(path: str) -> str:
    name = path.rpartition("/")[2]
    if name in _KIND_LINES:
        return name
    if name.startswith("requirements"):
        return "requirements"
    if name.startswith("Dockerfile"):
        return "Dockerfile"
    suffix = "." + name.rpartition(".")[2]
    return ".yaml" if suffix == ".yml" else suffix


def small_patch(rng: random.Random, path: str) -> str:
    """One hunk in GitHub's ``pulls/list-files`` form: 3 context lines, 0-2 removed,
    1-3 added."""
    pool = _KIND_LINES.get(_kind(path), _GENERIC)

    def pick() -> str:
        return rng.choice(pool if rng.random() < 0.5 else _GENERIC)

    removed = [pick() for _ in range(rng.randint(0, 2))]
    added = [pick() for _ in range(rng.randint(1, 3))]
    start = rng.randint(1, 400)
    body = [f" {pick()}", *(f"-{x}" for x in removed), *(f"+{x}" for x in added)]
    body += [f" {pick()}", f" {pick()}"]
    return f"@@ -{start},{3 + len(removed)} +{start},{3 + len(added)} @@\n" + "\n".join(body)


def realistic_change(count: int = FILES) -> tuple[ChangedFile, ...]:
    rng = random.Random(REALISTIC_SEED)
    paths = generate_paths(rng, count)
    return tuple(ChangedFile(p, FileStatus.MODIFIED, patch=small_patch(rng, p)) for p in paths)


class NaiveShippedRules:
    """The obvious reading: one ``PathSpec`` per rule list, every path against every rule,
    then every ``changed_lines`` regex over every changed line of each selected file."""

    def __init__(self, ruleset: RuleSet) -> None:
        self._rules = [
            (
                rule.id,
                PathSpec.from_lines("gitignore", rule.paths) if rule.paths else None,
                PathSpec.from_lines("gitignore", rule.exclude_paths),
                [re.compile(p) for p in rule.changed_lines],
            )
            for rule in ruleset.rules
        ]

    def pairs(self, files: Sequence[ChangedFile]) -> Pairs:
        found: Pairs = set()
        for changed in files:
            for rule_id, paths, excludes, regexes in self._rules:
                if paths is not None and not paths.match_file(changed.path):
                    continue
                if excludes.match_file(changed.path):
                    continue
                if regexes and not self._lines_match(changed.patch or "", regexes):
                    continue
                found.add((changed.path, rule_id))
        return found

    @staticmethod
    def _lines_match(patch: str, regexes: list[re.Pattern[str]]) -> bool:
        lines = [line[1:] for line in patch.splitlines() if line[:1] in ("+", "-")]
        return any(regex.search(line) for line in lines for regex in regexes)


def _best_s(runs: int, action: Callable[[], object]) -> float:
    return _best_ms(runs, action) / 1000


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def in_process_section(print_fn: Callable[[str], object] = print) -> bool:
    """The matchers (:func:`run`), then ``evaluate()`` on realistic files against the naive
    reading of the shipped rules; returns whether every reading agreed."""
    try:
        figures = run(print_fn=print_fn)
    except RuntimeError as exc:
        print_fn(f"RESULTS DIFFER: {exc}")
        return False
    shipped = load_rules_dir(SHIPPED_RULES)
    # Detectors read what a change does, which no pathspec reading models: this part
    # compares the rules that paths and changed lines decide.
    ruleset = shipped.model_copy(update={"rules": tuple(r for r in shipped.rules if not r.detect)})
    fast = figures["matcher_ms"] < TARGET_MS
    ratio = figures["matcher_speedup"] >= TARGET_SPEEDUP
    print_fn(
        f"target: indexed matcher < {TARGET_MS:.0f} ms for 3,000 files x 200 rules: "
        f"{figures['matcher_ms']:.1f} ms {verdict(fast)}; >= {TARGET_SPEEDUP:.0f}x naive: "
        f"{figures['matcher_speedup']:.1f}x {verdict(ratio)}"
    )

    files = realistic_change()
    snapshot = PullSnapshot(files=files)
    naive = NaiveShippedRules(ruleset)
    expected = naive.pairs(files)
    evaluation = evaluate(ruleset, snapshot, compile_rules(ruleset))
    found = {(f.path, m.rule_id) for m in evaluation.matches for f in m.files}
    compile_s = _best_s(5, lambda: compile_rules(ruleset))
    fresh = [compile_rules(ruleset) for _ in range(7)]  # cold path caches, as for a new PR
    engine_s = _best_s(len(fresh), lambda: evaluate(ruleset, snapshot, fresh.pop()))
    naive_s = _best_s(3, lambda: naive.pairs(files))
    line_rules = sum(1 for rule in ruleset.rules if rule.changed_lines)
    print_fn(
        f"{len(files)} realistic files x the {len(ruleset.rules)} shipped rules without detect "
        f"({line_rules} with changed_lines): {len(found)} (file, rule) pairs, "
        f"{len({p for p, _ in found})} files matched"
    )
    print_fn(f"  naive pathspec + line regexes  {naive_s * 1000:9.1f} ms   1.0x")
    print_fn(
        f"  evaluate() on compiled rules   {engine_s * 1000:9.1f} ms {naive_s / engine_s:5.1f}x"
        f"   (compile_rules once: {compile_s * 1000:.1f} ms)"
    )
    if found != expected:
        extra, missing = sorted(found - expected)[:5], sorted(expected - found)[:5]
        print_fn(f"  RESULTS DIFFER: engine only {extra}; naive only {missing}")
        return False
    print_fn("  matched (file, rule) pairs identical: yes")
    return True


if __name__ == "__main__":
    in_process_section()
