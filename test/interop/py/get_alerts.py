"""Reads alerts with ScouterClient.get_alerts(DriftAlertRequest(...)).

args: {"server_uri", "username", "password", "space", "name", "version", "active"?: bool, "limit"?: int,
       "limit_datetime"?: iso}
  ->  {"alerts": [{"created_at", "name", "space", "version", "entity_name", "alert", "id", "drift_type", "active"}]}
"""

from _common import http_config, iso, parse_time, run
from scouter import ScouterClient
from scouter.client import DriftAlertRequest


def main(args):
    client = ScouterClient(http_config(args))
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
