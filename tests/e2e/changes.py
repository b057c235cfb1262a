"""Realistic file changes for the end-to-end tests."""

from __future__ import annotations

from app.sandbox.fake_github import FileChange

WORKFLOW = FileChange(
    ".github/workflows/deploy.yml",
    status="added",
    patch="@@ -0,0 +1,4 @@\n+name: deploy\n+on: push\n+jobs:\n+  deploy: {runs-on: ubuntu-latest}",
)
WORKFLOW_EDIT = FileChange(
    ".github/workflows/deploy.yml",
    patch="@@ -1,4 +1,4 @@\n name: deploy\n-on: push\n+on: [push, workflow_dispatch]\n jobs:",
)
SECURITY_GROUP = FileChange(
    "infra/network.tf",
    patch=(
        '@@ -10,3 +10,9 @@ module "vpc" {\n }\n \n+resource "aws_security_group" "web" {\n'
        '+  ingress {\n+    from_port   = 443\n+    to_port     = 443\n+    cidr_blocks = ["0.0.0.0/0"]\n'
        "+  }\n"
    ),
)
DOCS = FileChange("docs/guide.md", patch="@@ -1,2 +1,2 @@\n # Guide\n-old text\n+new text")
DOCS_MORE = FileChange("docs/faq.md", status="added", patch="@@ -0,0 +1 @@\n+# FAQ")
