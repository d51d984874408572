"""Sends Metrics through ScouterQueue.from_path over HTTP, then shutdown(); nothing else.

args: {"server_uri", "username", "password", "path", "inserts": [{...}]}  ->  {"identifier": str}
"""

from _common import http_config, run
from scouter import Metrics, ScouterQueue


def main(args):
    queue = ScouterQueue.from_path({"a": args["path"]}, http_config(args))
    for values in args["inserts"]:
        queue["a"].insert(Metrics(values))
    identifier = queue["a"].identifier
    queue.shutdown()
    return {"identifier": identifier}


run(main)
