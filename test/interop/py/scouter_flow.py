"""Scouter's own end-to-end custom-metric test (py-scouter tests/integration/queue/test_rabbitmq.py), over HTTP.

Register the same profile twice (the server bumps the version and the client writes it back), save it, queue
Metrics through ScouterQueue.from_path, shutdown(), activate with update_profile_status (no drift_type), then poll
get_alerts until the server's own scheduler has raised them.

args: {"server_uri", "username", "password", "spec", "path", "inserts": [{...}], "alert_attempts", "alert_interval_s"}
  ->  {"versions": [str, str], "identifier", "alerts": [...], "attempts": int}
"""

import time

from _common import build_profile, http_config, iso, run
from scouter import Metric, Metrics, ScouterClient, ScouterQueue
from scouter.client import DriftAlertRequest, ProfileStatusRequest


def main(args):
    config = http_config(args)
    client = ScouterClient(config)
    first = build_profile(args["spec"])
    client.register_profile(first)
    profile = build_profile(args["spec"])
    client.register_profile(profile)
    path = profile.save_to_json(args["path"])
    queue = ScouterQueue.from_path({"a": path}, config)
    for values in args["inserts"]:
        queue["a"].insert(Metrics([Metric(k, v) for k, v in values.items()]))
    identifier = queue["a"].identifier
    queue.shutdown()
    cfg = profile.config
    client.update_profile_status(
        ProfileStatusRequest(name=cfg.name, space=cfg.space, version=cfg.version, active=True)
    )
    alerts = []
    attempts = 0
    while attempts < args["alert_attempts"] and not alerts:
        attempts += 1
        alerts = client.get_alerts(DriftAlertRequest(name=cfg.name, space=cfg.space, version=cfg.version))
        if not alerts:
            time.sleep(args["alert_interval_s"])
    return {
        "versions": [first.config.version, cfg.version],
        "identifier": identifier,
        "attempts": attempts,
        "alerts": [
            {"id": a.id, "created_at": iso(a.created_at), "entity_name": a.entity_name, "alert": dict(a.alert),
             "version": a.version, "active": a.active}
            for a in alerts
        ],
    }


run(main)
