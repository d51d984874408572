"""Loads a profile file the three ways Python can: from_file, model_validate_json, and ScouterQueue.from_path.

args: {"path": "<file>", "queue": bool}  ->  {"from_file": ..., "model_validate_json": ..., "queue_identifier": str|None}
"""

from pathlib import Path

from _common import describe_profile, run
from scouter import CustomDriftProfile, ScouterQueue
from scouter.mock import MockConfig


def main(args):
    path = Path(args["path"])
    from_file = CustomDriftProfile.from_file(path)
    validated = CustomDriftProfile.model_validate_json(path.read_text())
    identifier = None
    if args.get("queue"):
        queue = ScouterQueue.from_path({"interop": path}, MockConfig())
        identifier = queue["interop"].identifier
        queue.shutdown()
    return {
        "from_file": describe_profile(from_file),
        "model_validate_json": describe_profile(validated),
        "queue_identifier": identifier,
    }


run(main)
