"""The Python production flow against a server: login, register (set_active), save, queue, insert Metrics, shutdown.

args: {"server_uri", "username", "password", "spec", "path", "set_active": bool, "deactivate_others": bool,
       "inserts": [{"metric": value}, ...], "default_client": bool}
  default_client: use ScouterClient() with no config (Rust's HttpConfig::default(): guest/guest, SCOUTER_SERVER_URI).
  ->  {"registered": bool, "version": str, "path": str, "identifier": str, "profile": describe_profile}
"""

from _common import build_profile, describe_profile, http_config, run
from scouter import Metric, Metrics, ScouterClient, ScouterQueue


def main(args):
    config = http_config(args)
    client = ScouterClient() if args.get("default_client") else ScouterClient(config)
    profile = build_profile(args["spec"])
    registered = client.register_profile(
        profile,
        set_active=args.get("set_active", True),
        deactivate_others=args.get("deactivate_others", False),
    )
    path = profile.save_to_json(args["path"])
    if not args.get("inserts"):
        return {"registered": registered, "version": profile.config.version, "path": str(path),
                "identifier": None, "profile": describe_profile(profile)}
    queue = ScouterQueue.from_path({"interop": path}, config)
    for i, values in enumerate(args.get("inserts", [])):
        # Alternate the two Metrics constructors so both reach the wire.
        if i % 2 == 0:
            queue["interop"].insert(Metrics(values))
        else:
            queue["interop"].insert(Metrics([Metric(k, v) for k, v in values.items()]))
    identifier = queue["interop"].identifier
    queue.shutdown()
    return {
        "registered": registered,
        "version": profile.config.version,
        "path": str(path),
        "identifier": identifier,
        "profile": describe_profile(profile),
    }


run(main)
