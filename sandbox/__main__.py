"""``python -m sandbox``: the local demo.

Until the local Chat and GuardDuty stand-ins are joined into one loop, the demo
renders the project's sample findings into the cards the notifier would post, writes
them under build/demo/ and says so.
"""

import json
import sys
from pathlib import Path

from notifier import config
from notifier.cards import finding_message
from notifier.finding import read_findings

SAMPLES = Path(__file__).resolve().parent / "samples"
OUTPUT = Path("build") / "demo"


def main() -> int:
    settings = config.load()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    print("The full sandbox (local Chat, local GuardDuty, the bot) is not joined yet;")
    print(f"rendering the sample findings into Chat cards under {OUTPUT}/ instead.\n")
    for path in sorted(SAMPLES.glob("*.json")):
        for finding in read_findings(json.loads(path.read_text(encoding="utf-8"))):
            message = finding_message(finding, settings.cards)
            target = OUTPUT / path.name
            target.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n")
            print(f"  {message['fallbackText']}\n    -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
