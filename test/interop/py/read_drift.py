"""Reads binned custom drift with ScouterClient.get_binned_drift(DriftRequest(..., drift_type=DriftType.Custom)).

args: {"server_uri", "username", "password", "space", "name", "version", "time_interval", "max_data_points",
       "begin"?: iso, "end"?: iso}
  ->  {"metrics": {name: {"metric", "created_at": [iso], "stats": [{"avg", "lower_bound", "upper_bound"}]}}}
"""

from _common import http_config, iso, parse_time, run
from scouter import ScouterClient
from scouter.client import DriftRequest, TimeInterval
from scouter.types import DriftType


def main(args):
    client = ScouterClient(http_config(args))
    kwargs = {}
    if args.get("begin") is not None:
        kwargs["begin_datetime"] = parse_time(args["begin"])
        kwargs["end_datetime"] = parse_time(args["end"])
    request = DriftRequest(
        name=args["name"],
        space=args["space"],
        version=args["version"],
        time_interval=getattr(TimeInterval, args.get("time_interval", "OneHour")),
        max_data_points=args.get("max_data_points", 1000),
        drift_type=DriftType.Custom,
        **kwargs,
    )
    binned = client.get_binned_drift(request)
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
