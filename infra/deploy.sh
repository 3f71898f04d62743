#!/usr/bin/env bash
# Builds and deploys the GuardDuty chat-ops stack (infra/template.yaml) with AWS SAM.
#
#   infra/deploy.sh
#
# The first run is guided (sam deploy --guided) and saves your answers in
# infra/samconfig.toml; later runs reuse them. Parameters take secret ARNs, never
# secret values, and nothing secret is passed on a command line.
#
# Environment (all optional):
#   STACK_NAME           stack name (default guardduty-chatops); names the topics
#   AWS_REGION           home Region (default: the AWS CLI's configured Region)
#   CHATOPS_CONFIG_FILE  the configuration to bundle (default infra/chatops.toml)
#   SAM_USE_CONTAINER=1  build in a Lambda-like container (Docker); automatic when
#                        python3.12 is not installed
#   DRY_RUN=1            check and print the commands, deploy nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
stack="${STACK_NAME:-guardduty-chatops}"
config="${CHATOPS_CONFIG_FILE:-$here/chatops.toml}"
stage="$here/.build/app"

die() {
  echo "deploy.sh: $*" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}

run() {
  echo "+ $*"
  if [ -z "${DRY_RUN:-}" ]; then
    "$@"
  fi
}

need sam "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html"
need aws "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
need python3 "Python 3.11 or later"
[ -f "$config" ] || die "no configuration at $config: copy infra/chatops.example.toml there and edit it"
if grep -q "PRIVATE KEY" "$config"; then
  die "$config holds a private key: store it in Secrets Manager and reference it"
fi

region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
[ -n "$region" ] || die "no AWS Region: set AWS_REGION (the home Region)"
read -r account caller < <(aws sts get-caller-identity --output text --query '[Account, Arn]') ||
  die "AWS credentials do not work (aws sts get-caller-identity failed)"
partition="$(echo "$caller" | cut -d: -f2)"

build_flags=()
if [ -n "${SAM_USE_CONTAINER:-}" ] || ! command -v python3.12 >/dev/null 2>&1; then
  need docker "sam build --use-container needs Docker (or install python3.12)"
  build_flags+=(--use-container)
fi

cat <<EOF
GuardDuty chat-ops deployment
  account        $account ($caller)
  Region         $region (home Region: findings from other Regions come here
                 through infra/forwarder.yaml)
  stack          $stack
  configuration  $config (bundled as CHATOPS_CONFIG=/var/task/chatops.toml)
  topics         arn:$partition:sns:$region:$account:$stack-alerts, -escalations
It will: check the configuration, stage the code in $stage,
sam build ${build_flags[*]+"${build_flags[*]}"}, then sam deploy$([ -f "$here/samconfig.toml" ] || echo " --guided").
EOF

python3 "$here/preflight.py" "$config" --stack "$stack" --partition "$partition" \
  --region "$region" --account "$account" || die "fix the configuration first"

rm -rf "$stage"
mkdir -p "$stage"
cp -R "$root/notifier" "$root/bot" "$stage/"
cp "$root/requirements.txt" "$stage/requirements.txt"
cp "$config" "$stage/chatops.toml"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +

cd "$here"
run sam build --template-file template.yaml ${build_flags[@]+"${build_flags[@]}"}
deploy=(sam deploy --stack-name "$stack" --region "$region" --capabilities CAPABILITY_IAM)
if [ ! -f "$here/samconfig.toml" ]; then
  deploy+=(--guided)
fi
run "${deploy[@]}"
run aws cloudformation describe-stacks --stack-name "$stack" --region "$region" \
  --query "Stacks[0].Outputs" --output table
