"""Builds a profile with Drifter().create_drift_profile and saves it with save_to_json.

args: {"spec": {...}, "path": "<file>"}  ->  {"path": "<written file>", ...describe_profile}
"""

from _common import build_profile, describe_profile, run


def main(args):
    profile = build_profile(args["spec"])
    path = profile.save_to_json(args["path"])
    return {"path": str(path), **describe_profile(profile)}


run(main)
