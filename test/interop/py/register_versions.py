"""Registers one profile several times with the given config versions and reports what the client ends up with.

register_profile writes the server's answer (space, name, version) back into the profile object.

args: {"server_uri", "username", "password", "spec", "versions": [str | null]}  (null = the default "0.0.0")
  ->  {"versions": [str]}
"""

from _common import build_profile, http_config, run
from scouter import ScouterClient


def main(args):
    client = ScouterClient(http_config(args))
    results = []
    for version in args["versions"]:
        spec = dict(args["spec"])
        spec.pop("version", None)
        if version is not None:
            spec["version"] = version
        profile = build_profile(spec)
        client.register_profile(profile)
        results.append(profile.config.version)
    return {"versions": results}


run(main)
