"""The deploy scripts, run for real against stand-in sam, aws and gcloud commands.

Each test copies the scripts and the code they package into a temporary checkout and
puts small fakes first on PATH: they record how they were called and answer the few
questions the scripts ask (who am I, which URL). Nothing reaches AWS or Google.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

BASH = shutil.which("bash") or "/bin/bash"
ACCOUNT = "123456789012"
CHAT_KEY = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:chatops/chat-sa-AbCdEf"
CONFIG = f"""
[chat]
credentials = "secretsmanager:{CHAT_KEY}"
space = "spaces/AAAAexample"

[sns]
topic_arn = "arn:aws:sns:us-east-1:{ACCOUNT}:guardduty-chatops-alerts"

[aws]
region = "us-east-1"
"""

FAKES = {
    "sam": """
        echo "sam $* @ $(pwd)" >> "$FAKE_LOG"
    """,
    "aws": f"""
        echo "aws $*" >> "$FAKE_LOG"
        case "$1 $2" in
          "sts get-caller-identity")
            printf '{ACCOUNT}\\tarn:aws:iam::{ACCOUNT}:user/deployer\\n' ;;
          "configure get") echo us-east-1 ;;
        esac
    """,
    "docker": """
        echo "docker $*" >> "$FAKE_LOG"
    """,
    "gcloud": """
        echo "gcloud $*" >> "$FAKE_LOG"
        case "$*" in
          "iam service-accounts describe"*)
            [ -f "$FAKE_STATE/account" ] || exit 1
            echo 112233445566778899001 ;;
          "iam service-accounts create"*) touch "$FAKE_STATE/account" ;;
          "functions describe"*) echo https://guardduty-chatops-bot-x.a.run.app ;;
          "projects describe"*) echo 987654321098 ;;
        esac
    """,
}


@dataclass
class Checkout:
    root: Path
    bin: Path
    log: Path
    state: Path

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": f"{self.bin}:/usr/bin:/bin",
            "HOME": str(self.root),
            "FAKE_LOG": str(self.log),
            "FAKE_STATE": str(self.state),
            **env,
        }
        return subprocess.run(
            [BASH, str(self.root / script)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def calls(self, program: str) -> list[str]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [line for line in lines if line.startswith(f"{program} ")]

    def fake(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text("#!/usr/bin/env bash\n" + textwrap.dedent(body), "utf-8")
        path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".build", ".aws-sam", "chatops.toml")
    for folder in ("notifier", "bot", "infra"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    shutil.copy(ROOT / "requirements.txt", root / "requirements.txt")
    (root / "infra" / "chatops.toml").write_text(CONFIG, encoding="utf-8")
    found = Checkout(root, tmp_path / "bin", tmp_path / "calls.log", tmp_path / "state")
    found.bin.mkdir()
    found.state.mkdir()
    (found.bin / "python3").symlink_to(sys.executable)
    for name, body in FAKES.items():
        found.fake(name, body)
    return found


def test_first_deployment_is_guided_and_bundles_the_configuration(
    checkout: Checkout,
) -> None:
    checkout.fake("python3.12", "exit 0")

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 0, result.stderr
    infra = checkout.root / "infra"
    assert checkout.calls("sam") == [
        f"sam build --template-file template.yaml @ {infra}",
        "sam deploy --stack-name guardduty-chatops --region us-east-1 "
        f"--capabilities CAPABILITY_IAM --guided @ {infra}",
    ]
    stage = infra / ".build" / "app"
    assert sorted(p.name for p in stage.iterdir()) == [
        "bot",
        "chatops.toml",
        "notifier",
        "requirements.txt",
    ]
    assert (stage / "chatops.toml").read_text(encoding="utf-8") == CONFIG
    assert (stage / "notifier" / "config.py").is_file()
    assert not list(stage.rglob("__pycache__"))


def test_a_stack_the_configuration_does_not_name_is_refused(
    checkout: Checkout,
) -> None:
    checkout.fake("python3.12", "exit 0")

    result = checkout.run("infra/deploy.sh", STACK_NAME="gd", AWS_REGION="eu-west-1")

    assert result.returncode == 1
    assert "sns.topic_arn" in result.stderr
    assert checkout.calls("sam") == []


def test_saved_answers_mean_no_guided_prompts(checkout: Checkout) -> None:
    checkout.fake("python3.12", "exit 0")
    (checkout.root / "infra" / "samconfig.toml").write_text("version = 0.1\n")

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 0, result.stderr
    (deploy,) = [call for call in checkout.calls("sam") if "deploy" in call]
    assert "--guided" not in deploy


def test_without_python_3_12_the_build_runs_in_a_container(checkout: Checkout) -> None:
    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 0, result.stderr
    assert checkout.calls("sam")[0].startswith(
        "sam build --template-file template.yaml --use-container"
    )


def test_no_secret_or_parameter_value_goes_on_a_command_line(
    checkout: Checkout,
) -> None:
    checkout.fake("python3.12", "exit 0")

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 0, result.stderr
    for call in checkout.calls("sam") + checkout.calls("aws"):
        assert "--parameter-overrides" not in call
        assert "secretsmanager" not in call


def test_a_private_key_in_the_configuration_stops_everything(
    checkout: Checkout,
) -> None:
    config = checkout.root / "infra" / "chatops.toml"
    config.write_text(CONFIG + "\n# -----BEGIN PRIVATE KEY-----\n", encoding="utf-8")

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 1
    assert "private key" in result.stderr
    assert checkout.calls("sam") == []


def test_an_invalid_configuration_stops_before_building(checkout: Checkout) -> None:
    config = checkout.root / "infra" / "chatops.toml"
    config.write_text(CONFIG + "\n[chat.extra]\nsurprise = 1\n", encoding="utf-8")

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 1
    assert "preflight: " in result.stderr
    assert checkout.calls("sam") == []


@pytest.mark.parametrize("missing", ["sam", "aws"])
def test_missing_tools_are_named(checkout: Checkout, missing: str) -> None:
    (checkout.bin / missing).unlink()

    result = checkout.run("infra/deploy.sh")

    assert result.returncode == 1
    assert f"{missing} is not installed" in result.stderr


def test_bot_deploys_as_a_functions_framework_function(checkout: Checkout) -> None:
    result = checkout.run(
        "infra/gcp/deploy.sh", GCP_PROJECT="chat-project", CHAT_KEY_SECRET="chat-sa-key"
    )

    assert result.returncode == 0, result.stderr
    stage = checkout.root / "infra" / ".build" / "gcp"
    (deploy,) = [
        c for c in checkout.calls("gcloud") if c.startswith("gcloud functions deploy")
    ]
    for flag in (
        "guardduty-chatops-bot --gen2",
        "--project chat-project",
        "--runtime python312",
        f"--source {stage}",
        "--entry-point chat_event",
        "--trigger-http",
        "--allow-unauthenticated",
        "--service-account guardduty-chatops-bot@chat-project.iam.gserviceaccount.com",
        "--set-env-vars CHATOPS_CONFIG=/workspace/chatops.toml",
        "--set-secrets=/etc/secrets/chat/key.json=chat-sa-key:latest",
    ):
        assert flag in deploy
    shim = (stage / "main.py").read_text(encoding="utf-8")
    compile(shim, "main.py", "exec")
    assert "from bot.cloud import chat_event" in shim
    assert (stage / "chatops.toml").read_text(encoding="utf-8") == CONFIG
    assert "https://guardduty-chatops-bot-x.a.run.app" in result.stdout
    assert "987654321098" in result.stdout


def test_service_account_is_created_once(checkout: Checkout) -> None:
    first = checkout.run("infra/gcp/deploy.sh", GCP_PROJECT="p", ACCOUNT_ONLY="1")
    second = checkout.run("infra/gcp/deploy.sh", GCP_PROJECT="p", ACCOUNT_ONLY="1")

    assert first.returncode == second.returncode == 0
    creates = [c for c in checkout.calls("gcloud") if "service-accounts create" in c]
    assert len(creates) == 1
    assert "112233445566778899001" in second.stdout
    assert not [c for c in checkout.calls("gcloud") if "functions deploy" in c]


def test_gcp_dry_run_changes_nothing(checkout: Checkout) -> None:
    (checkout.state / "account").touch()

    result = checkout.run("infra/gcp/deploy.sh", GCP_PROJECT="p", DRY_RUN="1")

    assert result.returncode == 0, result.stderr
    assert "+ gcloud functions deploy guardduty-chatops-bot" in result.stdout
    changes = [c for c in checkout.calls("gcloud") if "describe" not in c]
    assert changes == []


def test_gcp_needs_a_project(checkout: Checkout) -> None:
    result = checkout.run("infra/gcp/deploy.sh")

    assert result.returncode == 1
    assert "GCP_PROJECT" in result.stderr


def test_scripts_are_executable() -> None:
    for script in ("infra/deploy.sh", "infra/gcp/deploy.sh"):
        assert os.access(ROOT / script, os.X_OK), script
