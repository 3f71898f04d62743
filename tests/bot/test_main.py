"""``python -m bot serve``: the bot on a local port, configured by CHATOPS_CONFIG."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import requests

from sandbox.google_identity import TokenKind
from tests.bot import chat_events
from tests.bot.conftest import APP, config_document, toml_text
from tests.conftest import ROOT


def bot_command(config: str, *arguments: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "CHATOPS_CONFIG": config, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_answers_health_checks_and_verified_events(chat, tmp_path):
    config = tmp_path / "chatops.toml"
    config.write_text(toml_text(config_document(chat)), encoding="utf-8")
    process = bot_command(str(config), "serve", "--host", "127.0.0.1", "--port", "0")
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("serving Google Chat events on http://127.0.0.1:")
        url = banner.split()[-1].rstrip("/")
        token = chat.identity.token(TokenKind.PROJECT_NUMBER, APP)

        health = requests.get(url + "/healthz", timeout=5)
        refused = requests.post(url + "/", json=chat_events.message("chat"), timeout=5)
        answered = requests.post(
            url + "/",
            data=json.dumps(chat_events.message("chat")),
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
    finally:
        process.terminate()
        process.communicate(timeout=10)

    assert (health.status_code, health.text) == (200, "ok\n")
    assert (refused.status_code, refused.text) == (401, "Unauthorized\n")
    assert answered.status_code == 200
    assert "cardsV2" in answered.json()


def test_an_invalid_configuration_exits_2_with_one_line(tmp_path):
    config = tmp_path / "chatops.toml"
    config.write_text('[bot.verify]\naudience = "my-app"\n', encoding="utf-8")

    process = bot_command(str(config), "serve", "--port", "0")
    out, err = process.communicate(timeout=30)
    assert out == ""

    assert process.returncode == 2
    assert err.strip().count("\n") == 0
    assert "bot.verify.audience: expected the project number" in err
