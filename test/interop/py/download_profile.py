"""Downloads a registered profile with ScouterClient.download_profile(GetProfileRequest(...), path).

args: {"server_uri", "username", "password", "space", "name", "version", "path"}  ->  {"returned": str}
"""

from _common import http_config, run
from scouter import ScouterClient
from scouter.client import GetProfileRequest
from scouter.types import DriftType


def main(args):
    client = ScouterClient(http_config(args))
    request = GetProfileRequest(
        name=args["name"], space=args["space"], version=args["version"], drift_type=DriftType.Custom
    )
    return {"returned": client.download_profile(request, args["path"])}


run(main)
