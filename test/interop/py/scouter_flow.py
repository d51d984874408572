"""Scouter's own end-to-end custom-metric test (py-scouter tests/integration/queue/test_rabbitmq.py), over HTTP.

Register the same profile twice (the server bumps the version and the client writes it back), save it, queue
Metrics through ScouterQueue.from_path, shutdown(), activate with update_profile_status (no drift_type), then poll
get_alerts until the server's own scheduler has raised them.

args: {"server_uri", "username", "password", "spec", "path", "inserts": [{...}], "alert_attempts", "alert_interval_s"}
  ->  {"versions": [str, str], "identifier", "alerts": [...] ("alert" is None in v0.25), "attempts": int,
       "uid": str | None}
"""

import time

from _common import V025, build_profile, http_config, iso, run
from scouter import Metric, Metrics, ScouterClient, ScouterQueue
from scouter.client import ProfileStatusRequest


def read_alerts(client, cfg, profile):
    """get_alerts as each version asks: by name/space/version (v0.13) or by the profile's uid (v0.25, no alert map)."""
    if V025:
        from scouter.client import DriftAlertPaginationRequest

        page = client.get_alerts(DriftAlertPaginationRequest(uid=profile.uid))
        return [
            {"id": a.id, "created_at": iso(a.created_at), "entity_name": a.entity_name, "alert": None,
             "version": cfg.version, "active": a.active}
            for a in page.items
        ]
    from scouter.client import DriftAlertRequest

    return [
        {"id": a.id, "created_at": iso(a.created_at), "entity_name": a.entity_name, "alert": dict(a.alert),
         "version": a.version, "active": a.active}
        for a in client.get_alerts(DriftAlertRequest(name=cfg.name, space=cfg.space, version=cfg.version))
    ]


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
        alerts = read_alerts(client, cfg, profile)
        if not alerts:
            time.sleep(args["alert_interval_s"])
    return {
        "versions": [first.config.version, cfg.version],
        "identifier": identifier,
        "attempts": attempts,
        "uid": profile.uid if V025 else None,
        "alerts": alerts,
    }


run(main)
