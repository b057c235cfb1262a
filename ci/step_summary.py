"""``gatehouse check --format json`` as Markdown for a GitHub Actions job summary.

Used by the action (``ci/gatehouse_action.py``) and runnable on its own::

    gatehouse check --git main..HEAD --format json | python ci/step_summary.py

Guarantees:

- it renders the evaluation's data and decides nothing: which groups are required, and
  why, is what ``gatehouse check`` said;
- text that comes from the change itself (paths, changed lines, findings, notes) is
  shown as code or escaped, so a pull request cannot inject Markdown, links or images;
- the result stays far below the 1 MiB GitHub allows per step: files, lines and findings
  are capped and the caps are said.

Standard library only: the action runs it with whatever Python gatehouse is installed in.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_FILES_PER_RULE = 20
MAX_LINES_PER_FILE = 5
MAX_TEXT = 160
MAX_CHARS = 200_000

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_STATUS = {"added": "new", "removed": "deleted", "renamed": "renamed"}


def render(data: Mapping[str, Any], footer: Sequence[str] = ()) -> str:
    """The whole summary: a heading, the required groups and why, then the rest."""
    groups: list[Mapping[str, Any]] = list(data.get("groups") or [])
    rules: list[Mapping[str, Any]] = list(data.get("rules") or [])
    out = [f"### {_heading(groups)}", ""]
    if groups:
        out += ["| Review required | Approvals | Rules |", "| --- | --- | --- |"]
        for group in groups:
            ids = ", ".join(code(rule_id) for rule_id in group.get("rules", []))
            out.append(
                f"| {plain(group['name'])} | {int(group.get('approvals_needed', 1))} | {ids} |"
            )
        out.append("")
        for group in groups:
            out += [f"#### {plain(group['name'])}", ""]
            out += _rules_of(group["group"], rules, advisory=False)
    else:
        count = int(data.get("files_considered") or 0)
        out += [f"No rule matched the {count} changed file{'s' if count != 1 else ''}.", ""]
    for suggestion in data.get("suggested") or []:
        out += [f"#### {plain(suggestion['name'])}: suggested, not required", ""]
        out += _rules_of(suggestion["group"], rules, advisory=True)
    out += _notes(data.get("notes") or [])
    out += _problems(data.get("problems") or [])
    if footer:
        out += ["<sub>" + " ".join(footer) + "</sub>", ""]
    return _capped("\n".join(out))


def render_error(message: str, footer: Sequence[str] = ()) -> str:
    """The summary of a check that could not run: the error as gatehouse printed it."""
    out = ["### gatehouse could not evaluate the change", "", fenced(message), ""]
    if footer:
        out += ["<sub>" + " ".join(footer) + "</sub>", ""]
    return _capped("\n".join(out))


def code(text: str) -> str:
    """``text`` as one inline code span, whatever backticks it holds (not for tables:
    a pipe would end the cell)."""
    text = " ".join(str(text).split())
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str) -> str:
    """``text`` as literal Markdown text: punctuation escaped, on one line."""
    text = " ".join(str(text).split())
    if len(text) > MAX_TEXT * 2:
        text = text[: MAX_TEXT * 2 - 1] + "…"
    return _PUNCTUATION.sub(r"\\\1", text)


def fenced(text: str) -> str:
    """``text`` as a code block that no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _heading(groups: Sequence[Mapping[str, Any]]) -> str:
    if not groups:
        return "gatehouse: no review required"
    names = [plain(g["name"]) for g in groups]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"gatehouse: {joined} review required"


def _rules_of(group: str, rules: Iterable[Mapping[str, Any]], advisory: bool) -> list[str]:
    out: list[str] = []
    for rule in rules:
        if rule.get("group") != group or bool(rule.get("advisory")) != advisory:
            continue
        out.append(f"- **{plain(rule['title'])}** ({code(rule['id'])})")
        if rule.get("assumed"):
            out.append("  - not ruled out: the list of changed files was truncated")
        files = list(rule.get("files") or [])
        for found in files[:MAX_FILES_PER_RULE]:
            out += _file(found)
        if len(files) > MAX_FILES_PER_RULE:
            out.append(f"  - … and {len(files) - MAX_FILES_PER_RULE} more files")
    return [*out, ""]


def _file(found: Mapping[str, Any]) -> list[str]:
    name = code(found["path"])
    previous = found.get("previous_path")
    if previous and previous != found["path"]:
        name = f"{code(previous)} → {name}"
    notes = [_STATUS[found["status"]]] if found.get("status") in _STATUS else []
    if found.get("reason") == "unknown-lines":
        notes.append("changed lines unknown, so counted")
    out = [f"  - {name}" + (f" ({', '.join(notes)})" if notes else "")]
    lines = list(found.get("lines") or [])
    for hit in lines[:MAX_LINES_PER_FILE]:
        sign = "+" if hit.get("side") == "added" else "-"
        out.append(f"    - line {int(hit['line'])}: {code(sign + ' ' + str(hit['text']).strip())}")
    if len(lines) > MAX_LINES_PER_FILE:
        out.append(f"    - … and {len(lines) - MAX_LINES_PER_FILE} more matching lines")
    findings = list(found.get("findings") or [])
    for finding in findings[:MAX_LINES_PER_FILE]:
        where = f"line {int(finding['line'])}: " if finding.get("line") is not None else ""
        out.append(f"    - {where}{plain(finding['message'])}")
    if len(findings) > MAX_LINES_PER_FILE:
        out.append(f"    - … and {len(findings) - MAX_LINES_PER_FILE} more findings")
    return out


def _notes(notes: Sequence[Mapping[str, Any]]) -> list[str]:
    if not notes:
        return []
    out = ["#### Read but not counted", ""]
    out += [f"- {plain(note['text'])}" for note in notes[:MAX_FILES_PER_RULE]]
    if len(notes) > MAX_FILES_PER_RULE:
        out.append(f"- … and {len(notes) - MAX_FILES_PER_RULE} more")
    return [*out, ""]


def _problems(problems: Sequence[Mapping[str, Any]]) -> list[str]:
    if not problems:
        return []
    out = ["#### Problems", ""]
    for problem in problems:
        prefix = "**error:** " if problem.get("fatal") else "note: "
        out.append(f"- {prefix}{plain(problem['message'])}")
    return [*out, ""]


def _capped(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text + "\n"
    cut = text.rfind("\n", 0, MAX_CHARS)
    return text[:cut] + "\n\n… the rest is cut: see `gatehouse check` in the job's log.\n"


def main() -> int:
    """Read the JSON on standard input, print the Markdown."""
    try:
        data = json.load(sys.stdin)
    except ValueError as exc:
        print(f"step_summary: standard input is not gatehouse's JSON: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
