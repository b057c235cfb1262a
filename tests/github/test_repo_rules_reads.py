"""A burst of deliveries on one repository reads its ``.github/gatehouse.yml`` once."""

from __future__ import annotations

import threading

from app.github.app import GitHubApp
from app.github.calls import CallStats
from app.pulls.repo_rules import RepoRulesSource
from app.sandbox.fake_github import GitHubState, create_app
from app.sandbox.latency import WithLatency
from app.sandbox.server import serving
from tests.sandbox.github_site import APP_ID, REPO, KeyPair, populate


def test_readers_that_miss_the_cache_together_share_one_read() -> None:
    keys = KeyPair.generate()
    state = GitHubState()
    populate(state, keys)
    gate = threading.Event()  # GitHub answers nothing until every reader has asked
    with serving(WithLatency(create_app(state), 0.0, gate=gate)) as server:
        state.api_url = server.url
        client = GitHubApp(server.url, APP_ID, keys.private_pem, CallStats()).installation(1)
        gate.set()
        client.get_pull(REPO, 1)  # the installation token, out of the way
        gate.clear()
        state.reset_calls()
        source = RepoRulesSource()
        texts: list[str | None] = []
        readers = [
            threading.Thread(target=lambda: texts.append(source.read(client, REPO, "main")))
            for _ in range(8)
        ]
        for reader in readers:
            reader.start()
        threading.Timer(0.5, gate.set).start()
        for reader in readers:
            reader.join(10)
        assert state.calls("repos/get-content") == 1
        assert texts == ["settings:\n  jira: {project: WEB}\n"] * 8
        source.read(client, REPO, "main", fresh=True)  # /recheck and Re-run read anew
        assert state.calls("repos/get-content") == 2
