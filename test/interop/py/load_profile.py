"""Loads profile files the three ways Python can: from_file, model_validate_json and ScouterQueue.from_path.

args: {"items": [{"path": "<file>", "queue": bool}]}
  ->  [{"from_file": ..., "model_validate_json": ..., "queue_identifier": str | None}]
"""

from pathlib import Path

from _common import describe_profile, run
from scouter import CustomDriftProfile, ScouterQueue
from scouter.mock import MockConfig


def main(args):
    results = []
    for item in args["items"]:
        path = Path(item["path"])
        from_file = CustomDriftProfile.from_file(path)
        validated = CustomDriftProfile.model_validate_json(path.read_text())
        identifier = None
        if item.get("queue"):
            # from_path is the loader production code uses; it dispatches on config.drift_type.
            queue = ScouterQueue.from_path({"interop": path}, MockConfig())
            identifier = queue["interop"].identifier
            queue.shutdown()
        results.append(
            {
                "from_file": describe_profile(from_file),
                "model_validate_json": describe_profile(validated),
                "queue_identifier": identifier,
            }
        )
    return results


run(main)
