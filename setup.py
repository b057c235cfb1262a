"""What pyproject.toml cannot say: the wheel carries the repository's ``rules/`` and
``schema/`` inside the package, as ``app/shipped_rules`` and ``app/schema``, and the App
manifest ``app.yml`` as ``app/app.yml``.

An installed gatehouse therefore finds its shipped rules and manifest wherever it runs, and
the ``../schema/rules.schema.json`` line at the top of each rules file still points at the
schema. The repository keeps the one copy of each; an editable install reads them in place.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

SHIPPED_DATA = {"app.shipped_rules": "rules", "app.schema": "schema"}
MANIFEST = "app.yml"


class BuildWithManifest(build_py):
    """Copy ``app.yml`` into the built package next to the code that reads it."""

    def run(self) -> None:
        super().run()
        if not self.editable_mode:
            target = Path(self.build_lib) / "app" / MANIFEST
            self.copy_file(MANIFEST, str(target))


setup(
    packages=[*find_namespace_packages(include=["app", "app.*"]), *SHIPPED_DATA],
    package_dir=SHIPPED_DATA,
    cmdclass={"build_py": BuildWithManifest},
)
