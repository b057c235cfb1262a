"""The evaluation as plain JSON-ready data (``gatehouse check --format json``, the API)."""

from __future__ import annotations

from typing import Any

from app.policy.detectors.base import Finding
from app.policy.result import Evaluation, FileMatch, GroupRequirement, RuleMatch


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """``groups`` lists required groups only; ``suggested`` the groups advisory rules name."""
    return {
        "conclusion": str(evaluation.conclusion),
        "required": evaluation.required,
        "groups": [_group(req) for req in evaluation.requirements],
        "suggested": [
            {"group": s.group, "name": s.name, "rules": list(s.rules)}
            for s in evaluation.suggestions
        ],
        "rules": [_rule(match) for match in (*evaluation.matches, *evaluation.advisories)],
        "notes": [
            {"path": n.path, "detector": n.detector, "rules": list(n.rule_ids), "text": n.text}
            for n in evaluation.notes
        ],
        "problems": [
            {"kind": p.kind, "message": p.message, "fatal": p.fatal} for p in evaluation.problems
        ],
        "files_considered": evaluation.files_considered,
        "files_truncated": evaluation.files_truncated,
    }


def _group(req: GroupRequirement) -> dict[str, Any]:
    return {
        "group": req.group,
        "name": req.name,
        "rules": list(req.rules),
        "approvals_needed": req.approvals_needed,
        "approved_by": list(req.approved_by),
        "blocked_by": list(req.blocked_by),
        "conclusion": str(req.conclusion),
        "override": req.override,
        "call_decision": None
        if req.call_outcome is None
        else {
            "decided_by": req.call_outcome.decided_by,
            "verdict": req.call_outcome.verdict,
            "rationale": req.call_outcome.rationale,
            "at": req.call_outcome.at,
            "standing": req.call_outcome.standing,
            "explanation": req.call_outcome.reason,
        },
        "reviews": [
            {
                "reviewer": r.reviewer,
                "state": r.state,
                "commit": r.commit_sha,
                "verdict": str(r.verdict),
                "explanation": r.explanation,
            }
            for r in req.reviews
        ],
    }


def _rule(match: RuleMatch) -> dict[str, Any]:
    return {
        "id": match.rule_id,
        "title": match.title,
        "group": match.group,
        "approvals": match.approvals,
        "jira": match.jira,
        "advisory": match.advisory,
        "assumed": match.assumed,
        "files": [_file(f) for f in match.files],
    }


def _file(found: FileMatch) -> dict[str, Any]:
    return {
        "path": found.path,
        "status": found.status,
        "previous_path": found.previous_path,
        "reason": found.reason,
        "lines": [
            {"line": h.line, "side": h.side, "text": h.text, "pattern": h.pattern}
            for h in found.lines
        ],
        "findings": [finding_to_dict(f) for f in found.findings],
    }


def finding_to_dict(found: Finding) -> dict[str, Any]:
    return {
        "kind": found.kind,
        "path": found.path,
        "line": found.line,
        "side": found.side,
        "message": found.message,
    }
