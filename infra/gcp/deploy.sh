#!/usr/bin/env bash
# Deploys the GuardDuty chat-ops bot to Google Cloud as a Cloud Run function (2nd gen
# Cloud Functions, functions-framework, entry point chat_event in bot/cloud.py).
#
#   GCP_PROJECT=my-chat-project infra/gcp/deploy.sh
#
# The bot calls AWS without AWS keys: it exchanges its service account's Google ID
# token for the role the main stack creates when GoogleServiceAccountUniqueId is set
# (output GoogleBotRoleArn). Nothing secret is passed on a command line or written
# into the source: the Chat app's key, if the bot needs one, comes from Secret
# Manager, mounted as a file.
#
# Environment:
#   GCP_PROJECT           the Google Cloud project of the Chat app (required)
#   GCP_REGION            default us-central1
#   FUNCTION_NAME         default guardduty-chatops-bot
#   SERVICE_ACCOUNT_NAME  the bot's service account, created if missing
#                         (default guardduty-chatops-bot)
#   CHATOPS_CONFIG_FILE   the configuration to bundle (default infra/chatops.toml)
#   CHAT_KEY_SECRET       optional Secret Manager secret holding the Chat app's
#                         service-account key; mounted at /etc/secrets/chat/key.json, so
#                         chat.credentials = "file:/etc/secrets/chat/key.json"
#   MAX_INSTANCES         default 10
#   ACCOUNT_ONLY=1        only create the service account and print its unique ID
#                         (the AWS stack needs it before the bot's configuration
#                         can name the role)
#   DRY_RUN=1             check and print the commands, change nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
infra="$(dirname "$here")"
root="$(dirname "$infra")"
project="${GCP_PROJECT:-}"
region="${GCP_REGION:-us-central1}"
name="${FUNCTION_NAME:-guardduty-chatops-bot}"
account_name="${SERVICE_ACCOUNT_NAME:-guardduty-chatops-bot}"
config="${CHATOPS_CONFIG_FILE:-$infra/chatops.toml}"
key_secret="${CHAT_KEY_SECRET:-}"
max_instances="${MAX_INSTANCES:-10}"
stage="$infra/.build/gcp"

die() {
  echo "gcp/deploy.sh: $*" >&2
  exit 1
}

run() {
  echo "+ $*"
  if [ -z "${DRY_RUN:-}" ]; then
    "$@"
  fi
}

command -v gcloud >/dev/null 2>&1 || die "gcloud is not installed: https://cloud.google.com/sdk/docs/install"
command -v python3 >/dev/null 2>&1 || die "python3 (3.11 or later) is not installed"
[ -n "$project" ] || die "set GCP_PROJECT to the Chat app's Google Cloud project id"
service_account="$account_name@$project.iam.gserviceaccount.com"

create_account() {
  if ! gcloud iam service-accounts describe "$service_account" --project "$project" >/dev/null 2>&1; then
    run gcloud services enable iam.googleapis.com --project "$project"
    run gcloud iam service-accounts create "$account_name" --project "$project" \
      --display-name "GuardDuty chat-ops bot"
  fi
}

unique_id() {
  gcloud iam service-accounts describe "$service_account" --project "$project" \
    --format 'value(uniqueId)'
}

if [ -n "${ACCOUNT_ONLY:-}" ]; then
  echo "Service account $service_account in project $project"
  create_account
  if [ -z "${DRY_RUN:-}" ]; then
    echo "unique ID (the AWS stack's GoogleServiceAccountUniqueId): $(unique_id)"
  fi
  exit 0
fi

[ -f "$config" ] || die "no configuration at $config: copy infra/chatops.example.toml there and edit it"
if grep -q "PRIVATE KEY" "$config"; then
  die "$config holds a private key: put it in Secret Manager and set CHAT_KEY_SECRET"
fi
python3 "$infra/preflight.py" "$config" || die "fix the configuration first"

secret_flags=()
if [ -n "$key_secret" ]; then
  secret_flags+=("--set-secrets=/etc/secrets/chat/key.json=$key_secret:latest")
fi

cat <<EOF
GuardDuty chat-ops bot on Google Cloud
  project          $project, Region $region
  function         $name (Cloud Run functions, python312, entry point chat_event)
  service account  $service_account (created if missing)
  configuration    $config (bundled as CHATOPS_CONFIG=/workspace/chatops.toml)
  Chat app key     ${key_secret:-none mounted}
It will: enable the APIs, create the service account, stage the code in $stage,
deploy the function (public: the bot verifies Google Chat's token itself), and
print the URL, the project number and the service account's unique ID.
EOF

run gcloud services enable chat.googleapis.com cloudfunctions.googleapis.com \
  run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com \
  secretmanager.googleapis.com --project "$project"

create_account
if [ -n "$key_secret" ]; then
  run gcloud secrets add-iam-policy-binding "$key_secret" --project "$project" \
    --member "serviceAccount:$service_account" --role roles/secretmanager.secretAccessor
fi

rm -rf "$stage"
mkdir -p "$stage"
cp -R "$root/notifier" "$root/bot" "$stage/"
cp "$root/requirements.txt" "$stage/requirements.txt"
cp "$config" "$stage/chatops.toml"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
# functions-framework loads main.py from the source root, which puts the root (and
# so the bot and notifier packages) on the import path.
cat >"$stage/main.py" <<'EOF'
"""functions-framework entry point: the GuardDuty chat-ops bot."""

from bot.cloud import chat_event

__all__ = ["chat_event"]
EOF

run gcloud functions deploy "$name" --gen2 --project "$project" --region "$region" \
  --runtime python312 --source "$stage" --entry-point chat_event --trigger-http \
  --allow-unauthenticated --service-account "$service_account" \
  --set-env-vars CHATOPS_CONFIG=/workspace/chatops.toml \
  --memory 512Mi --timeout 30s --max-instances "$max_instances" \
  ${secret_flags[@]+"${secret_flags[@]}"}

if [ -z "${DRY_RUN:-}" ]; then
  url="$(gcloud functions describe "$name" --gen2 --project "$project" --region "$region" --format 'value(serviceConfig.uri)')"
  number="$(gcloud projects describe "$project" --format 'value(projectNumber)')"
  cat <<EOF

Deployed.
  Chat app HTTP endpoint URL      $url
  project number (token audience) $number
  service account unique ID       $(unique_id)
Set the Chat app's HTTP endpoint URL to the URL above. Its authentication audience
is the project number (bot.verify.audience = "$number") or this URL.
EOF
fi
