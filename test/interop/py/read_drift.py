"""Reads binned custom drift with ScouterClient.get_binned_drift (v0.13: DriftRequest(name, space, version, ...,
drift_type=DriftType.Custom); v0.25: DriftRequest(uid, space, ...) and drift_type as a second argument).

args: {"server_uri", "username", "password", "space", "name", "version", "uid" (v0.25), "time_interval",
       "max_data_points", "begin"?: iso, "end"?: iso}
  ->  {"metrics": {name: {"metric", "created_at": [iso], "stats": [{"avg", "lower_bound", "upper_bound"}]}}}
"""

from _common import binned_drift, http_config, iso, run
from scouter import ScouterClient


def main(args):
    client = ScouterClient(http_config(args))
    binned = binned_drift(client, args)
    metrics = {}
    for name, metric in binned.metrics.items():
        metrics[name] = {
            "metric": metric.metric,
            "created_at": [iso(t) for t in metric.created_at],
            "stats": [
                {"avg": s.avg, "lower_bound": s.lower_bound, "upper_bound": s.upper_bound} for s in metric.stats
            ],
        }
    return {"type": type(binned).__name__, "metrics": metrics}


run(main)
