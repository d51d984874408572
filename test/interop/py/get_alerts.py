"""Reads alerts with ScouterClient.get_alerts: DriftAlertRequest(name, space, version, ...) in v0.13,
DriftAlertPaginationRequest(uid, active, limit, start_datetime) in v0.25 (its Alert has no alert map in Python).

args: {"server_uri", "username", "password", "space", "name", "version", "uid" (v0.25), "active"?: bool,
       "limit"?: int, "limit_datetime"?: iso}
  ->  {"alerts": [{"created_at", "entity_name", "id", "active"} plus, in v0.13, "name", "space", "version",
       "alert", "drift_type"], "has_next"?: bool (v0.25)}
"""

from _common import V025, http_config, iso, parse_time, run
from scouter import ScouterClient


def main(args):
    client = ScouterClient(http_config(args))
    if V025:
        from scouter.client import DriftAlertPaginationRequest

        page = client.get_alerts(
            DriftAlertPaginationRequest(
                uid=args["uid"],
                active=True if args.get("active") else None,
                limit=args.get("limit"),
                start_datetime=parse_time(args.get("limit_datetime")),
            )
        )
        return {
            "alerts": [
                {"created_at": iso(a.created_at), "entity_name": a.entity_name, "id": a.id, "active": a.active}
                for a in page.items
            ],
            "has_next": page.has_next,
        }
    from scouter.client import DriftAlertRequest

    request = DriftAlertRequest(
        name=args["name"],
        space=args["space"],
        version=args["version"],
        active=args.get("active", False),
        limit_datetime=parse_time(args.get("limit_datetime")),
        limit=args.get("limit"),
    )
    alerts = client.get_alerts(request)
    return {
        "alerts": [
            {
                "created_at": iso(a.created_at),
                "name": a.name,
                "space": a.space,
                "version": a.version,
                "entity_name": a.entity_name,
                "alert": dict(a.alert),
                "id": a.id,
                "drift_type": str(a.drift_type),
                "active": a.active,
            }
            for a in alerts
        ]
    }


run(main)
