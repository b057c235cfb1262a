"""gatehouse installed from its wheel (not editable) carries the shipped rules and their
schema, so ``gatehouse check`` works in any folder; a local ``./rules`` or
``GATEHOUSE_RULES_DIR`` still wins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from app.settings import REPO_ROOT

pytestmark = pytest.mark.packaging

SOURCES = (
    "pyproject.toml",
    "README.md",
    "setup.py",
    "MANIFEST.in",
    "app.yml",
    "app",
    "rules",
    "schema",
)


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding the wheel built from this checkout's files.

    The wheel is built from a clean copy of what the sdist holds, then installed for real
    (no ``-e``). Its dependencies are this environment's, reached through a ``.pth`` file, so
    nothing is downloaded; gatehouse's own editable install there stays out of sight (its
    import hook lives in a ``.pth`` file, which is not run for a directory added that way).
    """
    root = tmp_path_factory.mktemp("packaging")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        origin = REPO_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", root / "dist", source)
    [wheel] = (root / "dist").glob("gatehouse-*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", root / "venv")
    python = root / "venv" / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(purelib.strip(), "dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    # --force-reinstall: the editable gatehouse of this environment is visible with the
    # same version; pip leaves it alone (it is outside the new environment).
    _run(*pip, "--python", python, "install", "--no-deps", "--no-index", "--force-reinstall", wheel)
    return root / "venv"


def gatehouse(venv: Path, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
    return subprocess.run(
        [str(venv / "bin" / "gatehouse"), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_the_installed_package_holds_the_rules_and_their_schema(venv: Path, tmp_path: Path) -> None:
    probe = (
        "import app.settings as s; r = s.SHIPPED_RULES; "
        "print(r); print(r.joinpath('settings.yml').read_text().splitlines()[0]); "
        "print((r / '../schema/rules.schema.json').resolve().is_file())"
    )
    answer = _run(venv / "bin" / "python", "-c", probe, cwd=tmp_path)
    rules, first_line, schema_found = answer.splitlines()
    assert Path(rules).is_relative_to(venv), "the rules come from the installed package"
    assert Path(rules).name == "shipped_rules"
    assert first_line == "# yaml-language-server: $schema=../schema/rules.schema.json"
    assert schema_found == "True", "the schema line of each rules file resolves"


def test_the_installed_package_holds_the_app_manifest_and_the_page_templates(
    venv: Path, tmp_path: Path
) -> None:
    probe = (
        "from app.setup.manifest import find_manifest; import app.web.context as c; "
        "print(find_manifest(None)); print(sorted(p.name for p in c.TEMPLATES.glob('*.html')))"
    )
    manifest, templates = _run(venv / "bin" / "python", "-c", probe, cwd=tmp_path).splitlines()
    assert Path(manifest).is_relative_to(venv) and Path(manifest).name == "app.yml"
    assert "details.html" in templates and "queue.html" in templates


@pytest.mark.parametrize(
    ("path", "code", "says"),
    [
        pytest.param(".github/workflows/ci.yml", 1, "Platform Engineering", id="workflow-exit-1"),
        pytest.param("docs/guide.md", 0, "No review required", id="docs-exit-0"),
    ],
)
def test_check_in_an_empty_folder_uses_the_shipped_rules(
    venv: Path, tmp_path: Path, path: str, code: int, says: str
) -> None:
    done = gatehouse(venv, "check", "--paths", path, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert says in done.stdout


def test_a_local_rules_folder_or_the_variable_wins(venv: Path, tmp_path: Path) -> None:
    local = tmp_path / "rules"
    local.mkdir()
    (local / "settings.yml").write_text("settings:\n  check_nam: gatehouse\n")
    done = gatehouse(venv, "check", "--paths", "docs/guide.md", cwd=tmp_path)
    assert done.returncode == 2
    assert "settings.yml:2" in done.stderr
    elsewhere = tmp_path / "org-rules"
    shutil.copytree(REPO_ROOT / "rules", elsewhere)
    done = gatehouse(
        venv, "check", "--paths", "docs/guide.md", cwd=tmp_path, GATEHOUSE_RULES_DIR=str(elsewhere)
    )
    assert done.returncode == 0, done.stderr


def test_the_production_install_leaves_the_sandbox_out(venv: Path) -> None:
    """``pip install gatehouse`` brings what ``serve`` and ``check`` need; the sandbox's
    API-description checker (and the tests' diff reader) only come with their extras."""
    [metadata] = venv.glob("lib/python*/site-packages/gatehouse-*.dist-info/METADATA")
    requires = [
        line.removeprefix("Requires-Dist: ")
        for line in metadata.read_text().splitlines()
        if line.startswith("Requires-Dist: ")
    ]
    always = {r.split(";")[0].split(">")[0].split("[")[0].lower() for r in requires if ";" not in r}
    assert {"fastapi", "pygithub", "sqlalchemy", "jsonschema"} <= always
    assert not always & {"openapi-core", "unidiff", "pytest"}
    assert any(r.startswith("openapi-core") and 'extra == "sandbox"' in r for r in requires)


def test_the_demo_without_the_sandbox_says_what_to_install(tmp_path: Path) -> None:
    """Run in a process where the sandbox's dependency cannot be imported."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'openapi_core' or name.startswith('openapi_core.'):\n"
        "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)\n"
        "sys.meta_path.insert(0, _Block())\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO_ROOT}"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "pip install 'gatehouse[sandbox]'" in done.stderr
