"""Keeps a ScouterClient and a ScouterQueue alive across an access-token expiry.

Logs in (client and queue), writes `ready_file`, waits (bounded) for `go_file` while the test moves the server's
clock past the token's expiry, then sends Metrics and reads them back with the old, now expired, token.
Scouter's clients never log in again; they only adopt an `Authorization` header the server puts on a response.

args: {"server_uri", "username", "password", "path", "ready_file", "go_file", "inserts": [{...}], "space", "name",
       "version", "uid" (v0.25)}
  ->  {"metrics": {name: [avg, ...]}}
"""

import os
import time
from pathlib import Path

from _common import binned_drift, http_config, run
from scouter import Metrics, ScouterClient, ScouterQueue


def main(args):
    config = http_config(args)
    client = ScouterClient(config)
    queue = ScouterQueue.from_path({"a": args["path"]}, config)
    Path(args["ready_file"]).write_text("ready")
    for _ in range(600):
        if os.path.exists(args["go_file"]):
            break
        time.sleep(0.05)
    else:
        raise TimeoutError("go_file never appeared")
    for values in args["inserts"]:
        queue["a"].insert(Metrics(values))
    queue.shutdown()
    binned = binned_drift(client, args, "TwentyFourHours", 1)
    return {"metrics": {name: [s.avg for s in m.stats] for name, m in binned.metrics.items()}}


run(main)
