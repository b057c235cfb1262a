"""Registering gatehouse as a GitHub App from its manifest (``gatehouse setup``) and
keeping the credentials GitHub returns in a private ``.env`` file."""

from app.setup.env_file import write_env
from app.setup.flow import Registered, SetupOptions, SetupTimeout, run_setup
from app.setup.manifest import SetupError, find_manifest, load_manifest, prepare_manifest

__all__ = [
    "Registered",
    "SetupError",
    "SetupOptions",
    "SetupTimeout",
    "find_manifest",
    "load_manifest",
    "prepare_manifest",
    "run_setup",
    "write_env",
]
