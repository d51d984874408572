"""Builds profiles with Drifter().create_drift_profile and saves each with save_to_json.

args: {"items": [{"spec": {...}, "path": "<file>"}]}  ->  [{"path": "<written file>", ...describe_profile}]
"""

from _common import build_profile, describe_profile, run


def main(args):
    results = []
    for item in args["items"]:
        profile = build_profile(item["spec"])
        path = profile.save_to_json(item["path"])
        results.append({"path": str(path), **describe_profile(profile)})
    return results


run(main)
