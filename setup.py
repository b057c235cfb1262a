"""What pyproject.toml cannot say: the wheel carries the repository's ``rules/`` and
``schema/`` inside the package, as ``app/shipped_rules`` and ``app/schema``.

An installed gatehouse therefore finds its shipped rules wherever it runs, and the
``../schema/rules.schema.json`` line at the top of each rules file still points at the
schema. The repository keeps the one copy of each; an editable install reads them in place.
"""

from setuptools import find_namespace_packages, setup

SHIPPED_DATA = {"app.shipped_rules": "rules", "app.schema": "schema"}

setup(
    packages=[*find_namespace_packages(include=["app", "app.*"]), *SHIPPED_DATA],
    package_dir=SHIPPED_DATA,
)
